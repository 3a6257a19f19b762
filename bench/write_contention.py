#!/usr/bin/env python3
"""Fair writes under contention (issue 22 part 4): 6 clients post incidents
and 5 patch parcels (each its own parcel, If-Match from the last answer) as
fast as they can for --seconds, each in its own process over one keep-alive
connection, against `tianbao serve` with the writer queue (the default) and
without it (`write_queue=0`, the previous behaviour: SQLite's busy handler
only).  Prints write latency p50/p99/max, writes per client (min/max) and
non-2xx answers for each, and the ratios.  Loopback only; bounded in time."""
import argparse
import http.client
import json
import multiprocessing as mp
import os
import sqlite3
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tbbench  # noqa: E402


def incident_body(i, n):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [117.40 + 0.0001 * (n % 500), 40.10]},
            "properties": {"ranger_code": "R-104201-1", "town_code": "120119104", "type": "fire",
                           "time": "2026-11-28T01:30:00Z", "note": f"bench {i}-{n}"}}


def worker(kind, i, port, token, fid, seconds, start_at, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(f"127.0.1.{i + 1}", 0))
    h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    lat, bad, n = [], {}, 0
    tag = None
    if kind == "patch":
        conn.request("GET", f"/api/parcels/{fid}", headers=h)
        r = conn.getresponse()
        r.read()
        tag = r.getheader("ETag")
    while time.time() < start_at:
        time.sleep(0.001)
    end = start_at + seconds
    while time.time() < end:
        t0 = time.perf_counter()
        if kind == "post":
            conn.request("POST", "/api/incidents", body=json.dumps(incident_body(i, n)), headers=h)
        else:
            conn.request("PATCH", f"/api/parcels/{fid}", body=json.dumps({"mei_gq_zs": 1000 + n % 500}),
                         headers=dict(h, **{"If-Match": tag}))
        r = conn.getresponse()
        body = r.read()
        dt = time.perf_counter() - t0
        n += 1
        if r.status in (200, 201):
            lat.append(dt)
            if kind == "patch":
                tag = r.getheader("ETag") or '"v%d"' % json.loads(body)["version"]
        else:
            bad[r.status] = bad.get(r.status, 0) + 1
            if kind == "patch" and r.status == 409:  # refresh the version
                conn.request("GET", f"/api/parcels/{fid}", headers=h)
                g = conn.getresponse()
                g.read()
                tag = g.getheader("ETag")
    conn.close()
    out.put((kind, i, lat, bad))


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100 * len(v)))] if v else float("nan")


def run(bin_, db, token, fids, settings, seconds):
    srv = tbbench.Server(bin_, db, settings=["rate_write=10000000"] + list(settings))
    try:
        out = mp.Queue()
        start_at = time.time() + 1.0
        ps = [mp.Process(target=worker, args=("post", i, srv.port, token, None, seconds, start_at, out))
              for i in range(6)]
        ps += [mp.Process(target=worker, args=("patch", 6 + j, srv.port, token, fids[j], seconds, start_at, out))
               for j in range(5)]
        for p in ps:
            p.start()
        res = [out.get(timeout=seconds + 120) for _ in ps]
        for p in ps:
            p.join()
    finally:
        srv.stop()
    lat = [x for r in res for x in r[2]]
    counts = sorted(len(r[2]) for r in res)
    bad = {}
    for r in res:
        for k, v in r[3].items():
            bad[k] = bad.get(k, 0) + v
    per_kind = {k: [len(r[2]) for r in res if r[0] == k] for k in ("post", "patch")}
    return {"writes": len(lat), "p50": pct(lat, 50) * 1000, "p99": pct(lat, 99) * 1000,
            "max": max(lat) * 1000 if lat else float("nan"), "min_client": counts[0], "max_client": counts[-1],
            "post": per_kind["post"], "patch": per_kind["patch"], "bad": bad}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bin", default=tbbench.DEFAULT_BIN)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], help="server setting for both modes (KEY=VALUE)")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="tb-bench-writes-")
    db = os.path.join(tmp, "demo.gpkg")
    tbbench.tb(a.bin, db, "demo")
    token = tbbench.bureau_token(a.bin, db, tmp)
    con = sqlite3.connect(db)
    fids = [r[0] for r in con.execute("SELECT fid FROM parcels WHERE xiang='120119104' ORDER BY fid LIMIT 5")]
    con.close()
    modes = [("queue (default)", []), ("no queue (write_queue=0)", ["write_queue=0"])]
    rows = {m: [] for m, _ in modes}
    print(tbbench.machine_load())
    for k in range(a.runs):
        for name, settings in modes:
            r = run(a.bin, db, token, fids, a.set + settings, a.seconds)
            rows[name].append(r)
            print(f"run {k + 1} {name}: {r['writes']} writes, p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, "
                  f"max {r['max']:.1f} ms, per client {r['min_client']}–{r['max_client']} "
                  f"(post {r['post']}, patch {r['patch']}), non-2xx {r['bad']}", flush=True)
    print(tbbench.machine_load())
    q, nq = rows[modes[0][0]], rows[modes[1][0]]
    med = lambda rs, key: statistics.median(r[key] for r in rs)  # noqa: E731
    fair = lambda rs: statistics.median(r["max_client"] / max(1, r["min_client"]) for r in rs)  # noqa: E731
    print(f"p99: queue {med(q, 'p99'):.1f} ms vs no queue {med(nq, 'p99'):.1f} ms → "
          f"{med(nq, 'p99') / med(q, 'p99'):.2f}× lower with the queue")
    print(f"max: queue {med(q, 'max'):.1f} ms vs no queue {med(nq, 'max'):.1f} ms")
    print(f"busiest/idlest client: queue {fair(q):.2f}× vs no queue {fair(nq):.2f}×")
    print(f"throughput: queue {med(q, 'writes'):.0f} vs no queue {med(nq, 'writes'):.0f} writes "
          f"({med(q, 'writes') / med(nq, 'writes'):.2f}×)")


if __name__ == "__main__":
    main()
