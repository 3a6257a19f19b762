#!/usr/bin/python3
"""Benchmark: assign GPS points to parcels and grids — tianbao's tb_index
(bench/assign_points.c) against PostGIS (ST_Contains join with a GiST index)
on the same polygons and the same points, in one run (issue 5).

Data: bench/import_vs_ogr2ogr.py's shapefile of --parcels 50 m squares
imported with `tianbao init` + `tianbao import`, and grids of 10 × 10 parcel
cells (600 m squares, ~100 parcels each, only where there are parcels)
imported with `tianbao import --layer grids`.  Both layers are copied from
the tianbao GeoPackage into a throwaway PostgreSQL 15 + PostGIS 3 cluster
(bench/tbbench.py) with ogr2ogr (fids kept as `fid`, EPSG:4490), then a GiST
index and VACUUM ANALYZE on each.

Points: `assign_points DB N 1 SEED --dump FILE` writes the N points (uniform
in the polygons' envelope, deterministic in SEED; point i depends only on
SEED and i, so the first M points of N are the M-point set) as hex EWKB;
they are loaded with `\\copy pts(geom)` into a geometry column (timed apart;
no index on pts: the join probes the polygons' GiST index per point).

PostGIS gets the first --pg-points of the points (default 2 million, so that
a run stays near 5 minutes; --pg-points 0 gives it all of them — about 5.5
minutes more for 10 million); its checksums are compared with tianbao's on
that same prefix.  Rates are points per second, so they compare directly.

Timed: tianbao — the assignment only (points in memory, index built; load and
build times printed apart); PostGIS — each of
    SELECT count(*), sum(p.fid) FROM pts JOIN parcels p ON ST_Contains(p.geom, pts.geom)
    SELECT count(*), sum(g.fid) FROM pts JOIN grids   g ON ST_Contains(g.geom, pts.geom)
with max_parallel_workers_per_gather = --pg-workers (default 2), their sum
against tianbao assigning every point to a parcel and a grid.  Checksums
(count, sum of ids) must be equal on both sides.  Usage:
    bench/assign_vs_postgis.py [--parcels 100000] [--points 10000000] [--pg-points 2000000]
                               [--threads 2] [--seed 1] [--runs 3] [--pg-workers 2]
                               [--bin build/tianbao] [--assign PATH] [--keep DIR]
Prints a table and the ratios; bench/README.md records the results."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tbbench  # noqa: E402


def _have_postgis():
    return os.path.exists("/usr/share/postgresql/15/extension/postgis.control")


def _have_ogr():
    try:
        from osgeo import ogr  # noqa: F401
        return True
    except ImportError:
        return False


tbbench.ensure_apt(["postgresql-15-postgis-3"], _have_postgis)
tbbench.ensure_apt(["python3-gdal"], _have_ogr)
from osgeo import ogr, osr  # noqa: E402
from import_vs_ogr2ogr import make_shapefile  # noqa: E402

ogr.UseExceptions()


def make_grids(parcels_shp, path, cells=10):
    """Squares of `cells` × `cells` lattice cells (60 m) around the parcels
    of parcels_shp, one per block that holds a parcel, EPSG:4527."""
    ds = ogr.Open(parcels_shp)
    lyr = ds.GetLayer(0)
    corners = []
    for f in lyr:
        minx, _, miny, _ = f.GetGeometryRef().GetEnvelope()
        corners.append((minx, miny))
    ds = None
    x0 = min(c[0] for c in corners)
    y0 = min(c[1] for c in corners)
    size = 60 * cells
    blocks = sorted({(int(round((x - x0) / 60)) // cells, int(round((y - y0) / 60)) // cells) for x, y in corners},
                    key=lambda b: (b[1], b[0]))
    s = osr.SpatialReference()
    s.ImportFromEPSG(4527)
    out = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(path)
    gl = out.CreateLayer("grids", s, ogr.wkbPolygon, ["ENCODING=UTF-8"])
    for name in ("WGBH", "WGMC", "XIANG"):
        gl.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    gl.StartTransaction()
    for k, (i, j) in enumerate(blocks):
        f = ogr.Feature(gl.GetLayerDefn())
        f.SetField("WGBH", f"G{k:05d}")
        f.SetField("WGMC", f"网格 {k}")
        f.SetField("XIANG", "120119104")
        ax, ay = x0 + size * i - 5, y0 + size * j - 5
        f.SetGeometry(ogr.CreateGeometryFromWkt(
            f"POLYGON(({ax} {ay},{ax + size} {ay},{ax + size} {ay + size},{ax} {ay + size},{ax} {ay}))"))
        gl.CreateFeature(f)
    gl.CommitTransaction()
    out = None
    return len(blocks)


def run(cmd, env=None):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
    if p.returncode:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    return p.stdout


def assign(bin_, db, n, threads, seed, variant):
    out = run([bin_, db, n, threads, seed, "--variant", variant])
    return json.loads(out.strip().splitlines()[-1]), out


def build_assign_points():
    """Configure and build bench/ on its own against ../build's libraries."""
    bdir = os.path.join(tempfile.gettempdir(), "tb-bench-assign-build")
    run(["cmake", "-S", HERE, "-B", bdir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"])
    run(["cmake", "--build", bdir])
    return os.path.join(bdir, "assign_points")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=100000)
    ap.add_argument("--points", type=int, default=10_000_000)
    ap.add_argument("--pg-points", type=int, default=2_000_000,
                    help="points for PostGIS, a prefix of the same set (0: all); 10 M take PostGIS ~5.5 min")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg-workers", type=int, default=2)
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "tianbao"))
    ap.add_argument("--assign", default=None, help="assign_points binary (default: build bench/ now)")
    ap.add_argument("--keep", default=None, help="work folder to keep/reuse (data is made once)")
    a = ap.parse_args()
    pg_n = a.pg_points or a.points
    if pg_n > a.points:
        sys.exit("--pg-points must not exceed --points")
    assign_bin = a.assign or build_assign_points()

    work = a.keep or tempfile.mkdtemp(prefix="tb-bench-assign-")
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, f"tb{a.parcels}.gpkg")
    if not os.path.exists(db):
        shp, gshp = os.path.join(work, "parcels.shp"), os.path.join(work, "grids.shp")
        print(f"generating {a.parcels} parcels …", flush=True)
        make_shapefile(shp, a.parcels)
        ng = make_grids(shp, gshp)
        print(f"{ng} grids; importing into tianbao …", flush=True)
        tmp = db + ".tmp"
        if os.path.exists(tmp):
            os.remove(tmp)
        tbbench.tb(a.bin, tmp, "init")
        tbbench.tb(a.bin, tmp, "-q", "import", shp)
        tbbench.tb(a.bin, tmp, "-q", "import", gshp, "--layer", "grids")
        os.rename(tmp, db)
    print("machine:", tbbench.machine_load(), flush=True)

    # tianbao: the product's path (GEOS, one tb_index per thread) and the bench-only flat variant
    res = {}
    for variant in ("geos", "flat"):
        runs = []
        for r in range(a.runs):
            j, out = assign(assign_bin, db, a.points, a.threads, a.seed, variant)
            runs.append(j)
            print(f"tianbao {variant} run {r + 1}: {j['assign_s']:.2f} s, {j['points_per_s'] / 1e6:.2f} M points/s"
                  f" (cpu {j.get('cpu_s', float('nan')):.2f} s)", flush=True)
        res[variant] = runs
        print(out.strip().splitlines()[1], flush=True)
    for variant in ("geos", "flat"):
        for k in ("parcel_count", "parcel_sum", "grid_count", "grid_sum"):
            vals = {j[k] for j in res[variant]}
            if len(vals) != 1:
                sys.exit(f"{variant}: {k} differs between runs: {vals}")
    same = all(res["geos"][0][k] == res["flat"][0][k] for k in ("parcel_count", "parcel_sum", "grid_count", "grid_sum"))
    print(f"geos and flat checksums equal: {same}", flush=True)
    ref = res["geos"][0]
    if pg_n != a.points:  # checksums for the prefix PostGIS gets
        ref, _ = assign(assign_bin, db, pg_n, a.threads, a.seed, "geos")

    # PostGIS
    print("machine:", tbbench.machine_load(), flush=True)
    pg = tbbench.Postgres()
    try:
        pgdb = "bench_assign"
        pg.psql(f"CREATE DATABASE {pgdb}")
        pg.psql("CREATE EXTENSION postgis", pgdb)
        t = time.perf_counter()
        for layer in ("parcels", "grids"):
            run(["ogr2ogr", "-f", "PostgreSQL", "PG:" + pg.dsn(pgdb), db, layer, "-nln", layer,
                 "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid", "-lco", "SPATIAL_INDEX=NONE",
                 "--config", "PG_USE_COPY", "YES"])
            pg.psql(f"CREATE INDEX {layer}_geom_gist ON {layer} USING gist (geom)", pgdb)
            pg.psql(f"VACUUM ANALYZE {layer}", pgdb)
        t_poly = time.perf_counter() - t
        counts = pg.psql("SELECT (SELECT count(*) FROM parcels) || ' ' || (SELECT count(*) FROM grids)", pgdb)
        print(f"PostGIS: parcels and grids loaded with GiST indexes in {t_poly:.1f} s ({counts})", flush=True)
        pts = os.path.join(work, f"points-{pg_n}-{a.seed}.ewkb")
        if not os.path.exists(pts):
            run([assign_bin, db, pg_n, 1, a.seed, "--dump", pts])
        pg.psql("CREATE UNLOGGED TABLE pts (geom geometry(Point, 4490))", pgdb)
        t = time.perf_counter()
        run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.dsn(pgdb), "-c", f"\\copy pts(geom) FROM '{pts}'"])
        t_copy = time.perf_counter() - t
        pg.psql("VACUUM ANALYZE pts", pgdb)
        print(f"PostGIS: {pg_n} points COPY'd (hex EWKB into a geometry column) in {t_copy:.1f} s", flush=True)
        setting = f"SET max_parallel_workers_per_gather = {a.pg_workers}; SET jit = off; "
        q = {layer: f"SELECT count(*), coalesce(sum(p.fid), 0) FROM pts JOIN {layer} p ON ST_Contains(p.geom, pts.geom)"
             for layer in ("parcels", "grids")}
        plan = pg.psql(setting + "EXPLAIN " + q["parcels"], pgdb)
        print("plan (parcels):\n  " + plan.replace("\n", "\n  "), flush=True)
        pg_t = {}
        pg_sum = {}
        for layer in ("parcels", "grids"):
            t = time.perf_counter()
            pg_sum[layer] = tuple(int(x) for x in pg.psql(setting + q[layer], pgdb).split("|"))
            pg_t[layer] = time.perf_counter() - t
            print(f"PostGIS {layer}: {pg_t[layer]:.1f} s, count {pg_sum[layer][0]}, sum {pg_sum[layer][1]}",
                  flush=True)
    finally:
        pg.stop()

    eq_p = pg_sum["parcels"] == (ref["parcel_count"], ref["parcel_sum"])
    eq_g = pg_sum["grids"] == (ref["grid_count"], ref["grid_sum"])
    pg_rate = pg_n / (pg_t["parcels"] + pg_t["grids"])
    print(f"\nparcels {ref['parcels']}, grids {ref['grids']}, points {a.points} (PostGIS: {pg_n}), "
          f"threads {a.threads}, seed {a.seed}")
    print(f"checksums equal to PostGIS: parcels {eq_p}, grids {eq_g}; geos = flat: {same}")
    print(f"PostGIS (max_parallel_workers_per_gather={a.pg_workers}): parcels {pg_t['parcels']:.1f} s + grids "
          f"{pg_t['grids']:.1f} s = {pg_n / (pg_t['parcels'] + pg_t['grids']) / 1e6:.3f} M points/s; "
          f"COPY {t_copy:.1f} s")
    for variant in ("geos", "flat"):
        rates = [j["points_per_s"] for j in res[variant]]
        m = statistics.median(rates)
        cpu = statistics.median(j.get("cpu_s", 0) for j in res[variant])
        print(f"tianbao {variant:4s}: median {m / 1e6:.2f} M points/s (runs: "
              f"{', '.join(f'{r / 1e6:.2f}' for r in rates)}; cpu {cpu:.1f} s → "
              f"{a.points / cpu * a.threads / 1e6 if cpu else 0:.2f} M points/s per {a.threads} full cores), "
              f"{m / pg_rate:.1f}× PostGIS  (targets: ≥ 10× PostGIS, ≥ 5 M points/s)")
    print("machine:", tbbench.machine_load(), flush=True)
    if not (eq_p and eq_g):
        sys.exit("checksums differ")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
