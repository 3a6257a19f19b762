#!/usr/bin/python3
"""Benchmark: `tianbao detect-change --dry-run` on a SIZE × SIZE four-band
(B,G,R,NIR) UInt16 GeoTIFF pair against, in the same run,
  (a) the I/O floor: reading the same rasters with GDAL alone
      (bench/change/read_floor.c, 512-row strips; all 4 bands of both
      images in their native type with GDAL's defaults and with the 64 MB
      block cache tianbao uses, and the 2 bands detect-change reads);
  (b) `gdal_calc.py` computing the same NDVI difference (Float32 output).
Generation (rasters + a district database with natural-forest parcels) is
outside the timing.  Usage:
    bench/change/change_vs_gdal_calc.py [--size 20000] [--runs 1] [--bin build/tianbao] [--work DIR] [--keep]
Prints the times and ratios; bench/README.md records the results."""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
PX = 2.0          # metres (GF-2 class imagery); SIZE=20 000 → 40 km
PARCEL = 200.0    # parcel side, metres
PITCH = 250.0     # parcel grid pitch, metres


def srs(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def district_inner():
    """The district outline in EPSG:4527, shrunk by 1 km."""
    ds = ogr.Open(os.path.join(ROOT, "data", "jizhou", "jizhou-boundary.geojson"))
    f = ds.GetLayer(0).GetNextFeature()
    g = f.GetGeometryRef().Clone()
    g.Transform(osr.CoordinateTransformation(srs(4326), srs(4527)))
    return g.Buffer(-1000)


def grid_origin(size):
    """Top-left corner of the raster: centred on the district's envelope."""
    inner = district_inner()
    minx, maxx, miny, maxy = inner.GetEnvelope()
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half = size * PX / 2
    return round((cx - half) / 10) * 10, round((cy + half) / 10) * 10, inner


def clearings(size, rng, n):
    """n circular clearings (row, col, radius px), radius 6–60 px (12–120 m)."""
    r = rng.integers(6, 61, n)
    rows = rng.integers(100, size - 100, n)
    cols = rng.integers(100, size - 100, n)
    return list(zip(rows.tolist(), cols.tolist(), r.tolist()))


def write_pair(work, size, x0, y0, seed=7):
    rng = np.random.default_rng(seed)
    cl = clearings(size, rng, max(10, size * size // 4_000_000))
    paths = []
    opts = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "BIGTIFF=YES", "COMPRESS=NONE", "INTERLEAVE=PIXEL"]
    for name, date in (("before.tif", "2025:05:01 10:30:00"), ("after.tif", "2026:05:03 10:31:00")):
        path = os.path.join(work, name)
        ds = gdal.GetDriverByName("GTiff").Create(path, size, size, 4, gdal.GDT_UInt16, opts)
        ds.SetGeoTransform((x0, PX, 0, y0, 0, -PX))
        ds.SetProjection(srs(4527).ExportToWkt())
        ds.SetMetadataItem("TIFFTAG_DATETIME", date)
        for b in range(4):
            ds.GetRasterBand(b + 1).SetNoDataValue(0)
        strip = 512
        for r0 in range(0, size, strip):
            nr = min(strip, size - r0)
            red = rng.integers(250, 350, (nr, size), dtype=np.uint16)
            nir = rng.integers(2700, 3300, (nr, size), dtype=np.uint16)
            if name == "after.tif":
                for (cr, cc, rad) in cl:
                    if cr + rad < r0 or cr - rad >= r0 + nr:
                        continue
                    ys, xs = np.ogrid[r0:r0 + nr, cc - rad:cc + rad + 1]
                    m = (ys - cr) ** 2 + (xs - cc) ** 2 <= rad * rad
                    red[:, cc - rad:cc + rad + 1][m] = 1200
                    nir[:, cc - rad:cc + rad + 1][m] = 1500
            ds.GetRasterBand(1).WriteArray(np.full((nr, size), 200, np.uint16), 0, r0)
            ds.GetRasterBand(2).WriteArray(np.full((nr, size), 400, np.uint16), 0, r0)
            ds.GetRasterBand(3).WriteArray(red, 0, r0)
            ds.GetRasterBand(4).WriteArray(nir, 0, r0)
        ds = None
        paths.append(path)
    return paths, cl


def write_parcels(work, size, x0, y0, inner):
    """Parcels of 200 m on a 250 m grid inside the raster and the district;
    two of every three natural (起源 11), the third a plantation (21)."""
    path = os.path.join(work, "parcels.shp")
    ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(path)
    lyr = ds.CreateLayer("parcels", srs(4527), ogr.wkbPolygon, ["ENCODING=UTF-8"])
    fields = [("XIAN", ogr.OFTString), ("XIANG", ogr.OFTString), ("LIN_BAN", ogr.OFTString),
              ("XIAO_BAN", ogr.OFTString), ("DI_LEI", ogr.OFTString), ("QI_YUAN", ogr.OFTString),
              ("YOU_SHI_SZ", ogr.OFTString), ("LING_ZU", ogr.OFTString), ("YU_BI_DU", ogr.OFTReal),
              ("SEN_LIN_LB", ogr.OFTString), ("LIN_ZHONG", ogr.OFTString), ("BH_DJ", ogr.OFTString),
              ("LD_QS", ogr.OFTString)]
    for n, t in fields:
        lyr.CreateField(ogr.FieldDefn(n, t))
    lyr.StartTransaction()
    i = natural = 0
    ext = size * PX
    y = y0 - ext + 25
    while y + PARCEL < y0 - 25:
        x = x0 + 25
        while x + PARCEL < x0 + ext - 25:
            wkt = f"POLYGON(({x} {y},{x + PARCEL} {y},{x + PARCEL} {y + PARCEL},{x} {y + PARCEL},{x} {y}))"
            g = ogr.CreateGeometryFromWkt(wkt)
            if inner.Contains(g):
                f = ogr.Feature(lyr.GetLayerDefn())
                nat = i % 3 != 2
                natural += nat
                for k, v in (("XIAN", "120119"), ("XIANG", "120119104"), ("LIN_BAN", f"{i // 1000:04d}"),
                             ("XIAO_BAN", f"{i % 1000:04d}"), ("DI_LEI", "030100"), ("QI_YUAN", "11" if nat else "21"),
                             ("YOU_SHI_SZ", "411"), ("LING_ZU", "3"), ("YU_BI_DU", 0.7), ("SEN_LIN_LB", "011"),
                             ("LIN_ZHONG", "111"), ("BH_DJ", "2"), ("LD_QS", "21")):
                    f.SetField(k, v)
                f.SetGeometry(g)
                lyr.CreateFeature(f)
                i += 1
            x += PITCH
        y += PITCH
    lyr.CommitTransaction()
    ds = None
    return path, i, natural


def timed(cmd, env=None):
    """wall seconds, CPU seconds (user + system of the child), stdout"""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout[-2000:]}{p.stderr[-3000:]}")
    return dt, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "tianbao"))
    ap.add_argument("--work", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    ap.add_argument("--skip-gdal-calc", action="store_true")
    a = ap.parse_args()
    need = 2 * a.size * a.size * 8 * 1.05 + (a.size * a.size * 4 if not a.skip_gdal_calc else 0)
    work = a.work or tempfile.mkdtemp(prefix="tb-bench-change-", dir="/var/tmp")
    os.makedirs(work, exist_ok=True)
    free = shutil.disk_usage(work).free
    if free < need * 1.2:
        sys.exit(f"{work}: {free / 1e9:.1f} GB free, need {need * 1.2 / 1e9:.1f} GB")
    floor = os.path.join(work, "read_floor")
    subprocess.run(["cc", "-O2", "-o", floor, os.path.join(HERE, "read_floor.c")]
                   + subprocess.run(["pkg-config", "--cflags", "--libs", "gdal"], capture_output=True,
                                    text=True, check=True).stdout.split(), check=True)
    x0, y0, inner = grid_origin(a.size)
    before, after = os.path.join(work, "before.tif"), os.path.join(work, "after.tif")
    db = os.path.join(work, "district.gpkg")
    t = time.perf_counter()
    if not (os.path.exists(before) and os.path.exists(after) and os.path.exists(db)):
        print(f"generating {a.size} × {a.size} × 4 UInt16 pair in {work} …", flush=True)
        (before, after), cl = write_pair(work, a.size, x0, y0)
        shp, n, nat = write_parcels(work, a.size, x0, y0, inner)
        if os.path.exists(db):
            os.remove(db)
        env = dict(os.environ, TIANBAO_LOG="error")
        subprocess.run([a.bin, "--db", db, "init"], check=True, capture_output=True, env=env)
        p = subprocess.run([a.bin, "--db", db, "-q", "import", shp], capture_output=True, text=True, env=env)
        if p.returncode:
            sys.exit("import failed: " + p.stderr[-2000:])
        print(f"  {len(cl)} clearings, {n} parcels ({nat} natural), {time.perf_counter() - t:.0f} s", flush=True)
    size_gb = (os.path.getsize(before) + os.path.getsize(after)) / 1e9
    # warm the page cache so that every contender reads from memory
    for f in (before, after):
        subprocess.run(["cat", f], stdout=subprocess.DEVNULL, check=True)
    env = dict(os.environ, TIANBAO_LOG="error")
    env64 = dict(os.environ, GDAL_CACHEMAX="64")  # the block cache tianbao uses while detecting
    names = {"floor_all": "read floor: all 4 bands, native UInt16, GDAL defaults",
             "floor_all64": "read floor: all 4 bands, native UInt16, GDAL_CACHEMAX=64",
             "floor_need64": "read floor: bands 3,4, native UInt16, GDAL_CACHEMAX=64 (= tianbao's reads)",
             "gdal_calc": "gdal_calc.py ΔNDVI (Float32 GeoTIFF out)",
             "tianbao": "tianbao detect-change --dry-run"}
    res = {k: [] for k in names}
    out = None
    for run in range(a.runs):
        w, c, _ = timed([floor, before, after])
        res["floor_all"].append((w, c))
        w, c, _ = timed([floor, before, after], env64)
        res["floor_all64"].append((w, c))
        w, c, _ = timed([floor, "--bands", "3,4", before, after], env64)
        res["floor_need64"].append((w, c))
        if not a.skip_gdal_calc and run == 0:
            calc_out = os.path.join(work, "dndvi.tif")
            if os.path.exists(calc_out):
                os.remove(calc_out)
            w, c, _ = timed([
                "gdal_calc.py", "-A", before, "--A_band=3", "-B", before, "--B_band=4", "-C", after,
                "--C_band=3", "-D", after, "--D_band=4", "--type=Float32", "--NoDataValue=-9",
                "--co=TILED=YES", "--quiet", "--outfile", calc_out,
                "--calc=(D.astype(float32)-C)/(D.astype(float32)+C)-(B.astype(float32)-A)/(B.astype(float32)+A)"])
            res["gdal_calc"].append((w, c))
            os.remove(calc_out)
        w, c, out = timed([a.bin, "--db", db, "detect-change", before, after, "--dry-run", "--json", "--no-progress"],
                          env)
        res["tianbao"].append((w, c))
        print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1][0]:.2f} s" for k, v in res.items() if v), flush=True)
    import json
    j = json.loads(out)
    s = j["summary"]
    med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for k, v in res.items() if v}
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"\nraster {a.size} × {a.size} × 4 UInt16 (tiled 512, pixel-interleaved, uncompressed), 2 files, "
          f"{size_gb:.2f} GB, page cache warm; forest pixels {s['forest_pixels'] / (a.size * a.size):.1%}; "
          f"patches {len(j['patches'])}, dropped {s['dropped_below_mmu']}, loss {s['loss_ha']:.2f} ha; "
          f"runs {a.runs}; load average at the end {' '.join(load)}")
    print(f"{'':78} {'wall':>8} {'CPU':>8}")
    for k, label in names.items():
        if k in med:
            print(f"{label:78} {med[k][0]:7.2f}s {med[k][1]:7.2f}s")
    t = med["tianbao"]
    for k in ("floor_all", "floor_all64", "floor_need64"):
        print(f"tianbao / {k:13} wall {t[0] / med[k][0]:.2f}×  CPU {t[1] / med[k][1]:.2f}×  (target ≤ 1.5×)")
    if "gdal_calc" in med:
        g = med["gdal_calc"]
        print(f"gdal_calc / tianbao      wall {g[0] / t[0]:.2f}×  CPU {g[1] / t[1]:.2f}×  (target ≥ 3×)")
    if not a.keep and not a.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
