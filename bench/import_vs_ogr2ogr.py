#!/usr/bin/python3
"""Benchmark: `tianbao import` of a generated 100 000-parcel shapefile
against `ogr2ogr -f GPKG` of the same file, in one run (issue: foundation).

tianbao validates every record (codes, ranges, geometry validity with GEOS,
inside-the-district, overlaps), reprojects from GK zone 39, computes the
ellipsoidal area, writes the GeoPackage with its R-tree and logs one event;
ogr2ogr only converts.  Usage:
    bench/import_vs_ogr2ogr.py [--parcels N] [--runs R] [--bin build/tianbao]
Prints a table and the ratio; bench/README.md records the results."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from osgeo import ogr, osr

ogr.UseExceptions()
HERE = os.path.dirname(os.path.abspath(__file__))


def cells_inside_district(n):
    """South-west corners of n 50 m squares on a 60 m grid (EPSG:4527) lying
    inside the district outline shrunk by 1 km, row by row from the south."""
    ds = ogr.Open(os.path.join(HERE, "..", "data", "jizhou", "jizhou-boundary.geojson"))
    lyr = ds.GetLayer(0)
    feat = lyr.GetNextFeature()  # keep it alive while its geometry is used
    g = feat.GetGeometryRef().Clone()
    src, dst = osr.SpatialReference(), osr.SpatialReference()
    src.ImportFromEPSG(4326)
    dst.ImportFromEPSG(4527)
    for s in (src, dst):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    g.Transform(osr.CoordinateTransformation(src, dst))
    inner = g.Buffer(-1000)
    minx, maxx, miny, maxy = inner.GetEnvelope()
    out, y = [], miny
    while y < maxy and len(out) < n:
        row = ogr.Geometry(ogr.wkbLineString)
        row.AddPoint_2D(minx - 10, y + 25)
        row.AddPoint_2D(maxx + 10, y + 25)
        cut = inner.Intersection(row)  # where this row is inside
        parts = [cut] if cut.GetGeometryType() == ogr.wkbLineString else [cut.GetGeometryRef(i) for i in range(cut.GetGeometryCount())]
        for part in parts:
            if part.GetPointCount() < 2:
                continue
            a, b = sorted((part.GetX(0), part.GetX(part.GetPointCount() - 1)))
            x = minx + 60 * int((a - minx) / 60 + 1)
            while x + 50 < b and len(out) < n:
                sq = ogr.CreateGeometryFromWkt(f"POLYGON(({x} {y},{x + 50} {y},{x + 50} {y + 50},{x} {y + 50},{x} {y}))")
                if inner.Contains(sq):
                    out.append((x, y))
                x += 60
        y += 60
    if len(out) < n:
        sys.exit(f"only {len(out)} cells fit in the district")
    return out


def make_shapefile(path, n):
    """n squares of 50 m on a 60 m grid in EPSG:4527 inside 蓟州区, with the
    standard 一张图 fields."""
    s = osr.SpatialReference()
    s.ImportFromEPSG(4527)
    ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(path)
    lyr = ds.CreateLayer("parcels", s, ogr.wkbPolygon, ["ENCODING=UTF-8"])
    for name, t in [("XIAN", ogr.OFTString), ("XIANG", ogr.OFTString), ("LIN_BAN", ogr.OFTString),
                    ("XIAO_BAN", ogr.OFTString), ("DI_LEI", ogr.OFTString), ("QI_YUAN", ogr.OFTString),
                    ("YOU_SHI_SZ", ogr.OFTString), ("LING_ZU", ogr.OFTString), ("YU_BI_DU", ogr.OFTReal),
                    ("MEI_GQ_ZS", ogr.OFTInteger), ("HUO_LMGQXJ", ogr.OFTReal), ("SEN_LIN_LB", ogr.OFTString),
                    ("LIN_ZHONG", ogr.OFTString), ("BH_DJ", ogr.OFTString), ("LD_QS", ogr.OFTString)]:
        lyr.CreateField(ogr.FieldDefn(name, t))
    lyr.StartTransaction()
    defn = lyr.GetLayerDefn()
    for i, (cx, cy) in enumerate(cells_inside_district(n)):
        f = ogr.Feature(defn)
        f.SetField("XIAN", "120119")
        f.SetField("XIANG", "120119104")
        f.SetField("LIN_BAN", f"{i // 1000:04d}")
        f.SetField("XIAO_BAN", f"{i % 1000:04d}")
        f.SetField("DI_LEI", "030100")
        f.SetField("QI_YUAN", "11" if i % 7 else "21")
        f.SetField("YOU_SHI_SZ", "411")
        f.SetField("LING_ZU", str(1 + i % 5))
        f.SetField("YU_BI_DU", 0.2 + (i % 80) / 100)
        f.SetField("MEI_GQ_ZS", 600 + i % 900)
        f.SetField("HUO_LMGQXJ", 40 + i % 100)
        f.SetField("SEN_LIN_LB", "011")
        f.SetField("LIN_ZHONG", "111")
        f.SetField("BH_DJ", "2")
        f.SetField("LD_QS", "21")
        wkt = f"POLYGON(({cx} {cy},{cx + 50} {cy},{cx + 50} {cy + 50},{cx} {cy + 50},{cx} {cy}))"
        f.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        lyr.CreateFeature(f)
    lyr.CommitTransaction()
    ds = None


def timed(cmd, env=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t
    if p.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-3000:]}")
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "tianbao"))
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tb-bench-import-")
    shp = os.path.join(work, "parcels.shp")
    print(f"generating {a.parcels} parcels …", flush=True)
    make_shapefile(shp, a.parcels)
    env = dict(os.environ, TIANBAO_LOG="error")
    ogr_t, tb_t = [], []
    for run in range(a.runs):
        out = os.path.join(work, f"ogr{run}.gpkg")
        ogr_t.append(timed(["ogr2ogr", "-f", "GPKG", out, shp]))
        db = os.path.join(work, f"tb{run}.gpkg")
        subprocess.run([a.bin, "--db", db, "init"], check=True, capture_output=True)
        tb_t.append(timed([a.bin, "--db", db, "-q", "import", shp], env))
        print(f"run {run + 1}: ogr2ogr {ogr_t[-1]:.2f} s, tianbao {tb_t[-1]:.2f} s", flush=True)
    o, t = statistics.median(ogr_t), statistics.median(tb_t)
    print(f"\nparcels: {a.parcels}\nogr2ogr -f GPKG (median of {a.runs}): {o:.2f} s"
          f"\ntianbao import  (median of {a.runs}): {t:.2f} s\nratio tianbao/ogr2ogr: {t / o:.2f}×"
          f"  (target ≤ 1.5×)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
