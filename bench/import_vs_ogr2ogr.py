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


def make_shapefile(path, n):
    """n squares of 50 m on a 60 m grid in EPSG:4527, south-west corner
    near 117.31E 39.93N (inside 蓟州区), standard 一张图 fields."""
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
    x0, y0 = 39526500.0, 4419500.0
    side = int(n ** 0.5) + 1
    lyr.StartTransaction()
    defn = lyr.GetLayerDefn()
    for i in range(n):
        cx, cy = x0 + (i % side) * 60, y0 + (i // side) * 60
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
