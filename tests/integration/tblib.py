"""Helpers for integration tests: run the real `tianbao` binary on real
database files in a scratch folder, and build GIS fixtures with GDAL's own
Python bindings (python3-gdal), the way a bureau's software would."""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

BIN = os.environ.get("TIANBAO_BIN", os.path.join(os.path.dirname(__file__), "../../build/tianbao"))
SRC = os.environ.get("TB_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
WORK = os.environ.get("TB_WORK", tempfile.gettempdir())

from osgeo import gdal, ogr, osr  # noqa: E402

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()


class Result:
    def __init__(self, p):
        self.code, self.out, self.err = p.returncode, p.stdout, p.stderr

    def json(self):
        return json.loads(self.out)

    def err_json(self):
        return json.loads(self.err)

    def __repr__(self):
        return f"exit {self.code}\nstdout: {self.out[:3000]}\nstderr: {self.err[:3000]}"


def run(*args, db=None, env=None, timeout=600):
    cmd = [BIN] + (["--db", db] if db else []) + [str(a) for a in args]
    e = dict(os.environ)
    e.setdefault("TIANBAO_LOG", "error")
    if env:
        e.update(env)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e, stdin=subprocess.DEVNULL)
    return Result(p)


def content_digest(db):
    """A digest of every table's rows (not the file bytes, which WAL and page
    reuse may change without changing content)."""
    con = sqlite3.connect(db)
    h = hashlib.sha256()
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
        if name.startswith("sqlite_") or name.startswith("rtree_"):
            continue
        for row in con.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
            h.update(repr(row).encode())
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE name LIKE 'rtree_%' AND type='table' AND name NOT LIKE '%\\_node' ESCAPE '\\' AND name NOT LIKE '%\\_parent' ESCAPE '\\' AND name NOT LIKE '%\\_rowid' ESCAPE '\\' ORDER BY name"):
        for row in con.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
            h.update(repr(row).encode())
    con.close()
    return h.hexdigest()


class TbCase(unittest.TestCase):
    """A test case with its own scratch folder."""

    def setUp(self):
        os.makedirs(WORK, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix=self.id().split(".")[-1] + "-", dir=WORK)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def ok(self, r):
        self.assertEqual(r.code, 0, repr(r))
        return r


def srs(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def to_srs(x, y, epsg):
    """lon/lat (EPSG:4490) → another CRS (x, y)."""
    ct = osr.CoordinateTransformation(srs(4490), srs(epsg))
    px, py, _ = ct.TransformPoint(x, y)
    return px, py


STD_FIELDS = [("XIAN", ogr.OFTString), ("XIANG", ogr.OFTString), ("CUN", ogr.OFTString),
              ("LIN_BAN", ogr.OFTString), ("XIAO_BAN", ogr.OFTString), ("DI_LEI", ogr.OFTString),
              ("QI_YUAN", ogr.OFTString), ("YOU_SHI_SZ", ogr.OFTString), ("LING_ZU", ogr.OFTString),
              ("YU_BI_DU", ogr.OFTReal), ("MEI_GQ_ZS", ogr.OFTInteger), ("HUO_LMGQXJ", ogr.OFTReal),
              ("SEN_LIN_LB", ogr.OFTString), ("LIN_ZHONG", ogr.OFTString), ("BH_DJ", ogr.OFTString),
              ("LD_QS", ogr.OFTString), ("GJGYL_BHDJ", ogr.OFTString)]


def parcel_attrs(**over):
    a = dict(XIAN="120119", XIANG="120119104", CUN=None, LIN_BAN="001", XIAO_BAN="001",
             DI_LEI="030100", QI_YUAN="11", YOU_SHI_SZ="411", LING_ZU="3", YU_BI_DU=0.65,
             MEI_GQ_ZS=900, HUO_LMGQXJ=85.5, SEN_LIN_LB="011", LIN_ZHONG="111", BH_DJ="2",
             LD_QS="21", GJGYL_BHDJ="1")
    a.update(over)
    return a


def square(lon, lat, size_m, epsg=4490):
    """A square of size_m metres with its SW corner at lon/lat, built in GK
    zone 39 (EPSG:4527) and returned as WKT in `epsg`."""
    x, y = to_srs(lon, lat, 4527)
    ring = [(x, y), (x + size_m, y), (x + size_m, y + size_m), (x, y + size_m), (x, y)]
    if epsg != 4527:
        ct = osr.CoordinateTransformation(srs(4527), srs(epsg))
        ring = [ct.TransformPoint(px, py)[:2] for px, py in ring]
    return "POLYGON((" + ",".join(f"{px!r} {py!r}" for px, py in ring) + "))"


def write_layer(path, features, epsg=4490, driver=None, fields=STD_FIELDS, encoding=None,
                prj=True, layer="parcels"):
    """features: list of (attrs dict, WKT).  Shapefiles get ENCODING (e.g.
    CP936 → a .cpg of 936) and optionally no .prj."""
    driver = driver or {".shp": "ESRI Shapefile", ".gpkg": "GPKG", ".geojson": "GeoJSON",
                        ".kml": "KML", ".csv": "CSV"}[os.path.splitext(path)[1]]
    ds = ogr.GetDriverByName(driver).CreateDataSource(path)
    opts = []
    if encoding and driver == "ESRI Shapefile":
        opts.append(f"ENCODING={encoding}")
    if driver == "CSV":
        opts.append("GEOMETRY=AS_WKT")
    lyr = ds.CreateLayer(layer, srs(epsg) if prj else None, ogr.wkbPolygon, opts)
    for name, t in fields:
        lyr.CreateField(ogr.FieldDefn(name, t))
    for attrs, wkt in features:
        f = ogr.Feature(lyr.GetLayerDefn())
        for k, v in attrs.items():
            if v is not None and f.GetFieldIndex(k) >= 0:
                f.SetField(k, v)
        if wkt:
            f.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        lyr.CreateFeature(f)
    ds = None
    if not prj and driver == "ESRI Shapefile":
        p = os.path.splitext(path)[0] + ".prj"
        if os.path.exists(p):
            os.remove(p)
    return path


def main():
    unittest.main(verbosity=2)
