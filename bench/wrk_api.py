#!/usr/bin/python3
"""Benchmark: HTTP throughput and latency of `tianbao serve` under wrk
(issue: server).  A demo database, a bureau user with an API token, the
server on 127.0.0.1:0 with the per-IP read limit lifted
(rate_read=10000000, the largest accepted) and the access log off; then
    wrk -t2 -c32 -d15s --latency -H "Authorization: Bearer TOKEN" URL
for one parcel record (/api/parcels/1) and one OGC API page
(/ogc/collections/parcels/items?limit=10).  wrk runs on the same machine
as the server, so both share its cores.  Usage:
    bench/wrk_api.py [--duration 15] [--threads 2] [--conns 32] [--bin build/tianbao] [--perf]
--perf also records the server (perf record --call-graph dwarf, 499 Hz) during each run
(report printed after the table).  Prints req/s, p50/p90/p99 and the CPU seconds used by the server and by
wrk during each run (2 cores × duration is all there is);
bench/README.md records the results."""
import argparse
import http.client
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tbbench  # noqa: E402

TARGETS = [
    ("/api/parcels/1", "one parcel (JSON API)", "≥ 20 000 req/s, p99 < 5 ms"),
    ("/ogc/collections/parcels/items?limit=10", "OGC API items, limit 10", "—"),
]


def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)$", v)
    return float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]


def parse_wrk(out):
    r = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
         "non2xx": int((re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out) or [0, 0])[1]),
         "errors": (re.search(r"Socket errors:.*", out) or [""])[0]}
    for p in ("50", "90", "99"):
        r["p" + p] = ms(re.search(rf"^\s+{p}(?:\.000)?%\s+(\S+)", out, re.M).group(1))
    return r


def proc_cpu(pid):
    """User + system CPU seconds of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--conns", type=int, default=32)
    ap.add_argument("--bin", default=tbbench.DEFAULT_BIN)
    ap.add_argument("--perf", action="store_true")
    a = ap.parse_args()
    a.bin = os.path.abspath(a.bin)
    tbbench.ensure_apt(["wrk"], lambda: shutil.which("wrk") is not None)
    work = tempfile.mkdtemp(prefix="tb-bench-wrk-")
    srv = None
    try:
        db = os.path.join(work, "demo.gpkg")
        tbbench.tb(a.bin, db, "demo")
        token = tbbench.bureau_token(a.bin, db, work)
        srv = tbbench.Server(a.bin, db)
        print("machine before:", tbbench.machine_load(), flush=True)
        print(f"server on port {srv.port} (pid {srv.proc.pid}); wrk -t{a.threads} -c{a.conns} -d{a.duration}s",
              flush=True)
        rows = []
        for path, what, target in TARGETS:
            for attempt in range(20):  # wrk's 32 connections may still count against per_ip_connections
                if srv.proc.poll() is not None:
                    sys.exit(f"the server exited with {srv.proc.returncode}: {srv.proc.stderr.read()[-3000:]}")
                try:
                    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
                    c.request("GET", path, headers={"Authorization": "Bearer " + token})
                    r = c.getresponse()
                    body = r.read()
                    c.close()
                    break
                except (ConnectionError, http.client.HTTPException) as ex:
                    print(f"{path}: {ex!r}, retrying", flush=True)
                    time.sleep(0.5)
            else:
                sys.exit(f"{path}: no answer")
            if r.status != 200:
                print(f"{path}: {r.status} {body[:200]!r} — not measured", flush=True)
                rows.append((path, what, target, None, len(body)))
                continue
            perf = None
            if a.perf:
                perf = subprocess.Popen(["perf", "record", "--call-graph", "dwarf,16384", "-F", "499", "-q", "-o", os.path.join(work, "perf.data"),
                                         "-p", str(srv.proc.pid), "--", "sleep", str(a.duration)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cpu0, ru0 = proc_cpu(srv.proc.pid), resource.getrusage(resource.RUSAGE_CHILDREN)
            p = subprocess.run(["wrk", f"-t{a.threads}", f"-c{a.conns}", f"-d{a.duration}s", "--latency",
                                "-H", "Authorization: Bearer " + token, f"http://127.0.0.1:{srv.port}{path}"],
                               capture_output=True, text=True)
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            res = parse_wrk(p.stdout)
            res["srv_cpu"] = proc_cpu(srv.proc.pid) - cpu0
            res["wrk_cpu"] = ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime
            print(p.stdout, flush=True)
            rows.append((path, what, target, res, len(body)))
            if perf:
                perf.wait()
                rep = subprocess.run(["perf", "report", "-i", os.path.join(work, "perf.data"), "--children",
                                      "--sort", "symbol", "--stdio", "-g", "none", "--percent-limit", "4"],
                                     capture_output=True, text=True)
                print("\n".join(re.sub(r"\s{3,}", "  ", ln).rstrip(" -") for ln in rep.stdout.splitlines()
                                if ln.strip() and not ln.startswith("#")), flush=True)
        print("machine after:", tbbench.machine_load())
        print(f"\n{'path':42} {'bytes':>6} {'req/s':>9} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'non-2xx':>7}"
              f" {'CPU s srv/wrk':>13}  target")
        for path, what, target, r, size in rows:
            if r is None:
                print(f"{path:42} {size:6d} {'not measured':>9}")
                continue
            print(f"{path:42} {size:6d} {r['rps']:9.0f} {r['p50']:7.2f} {r['p90']:7.2f} {r['p99']:7.2f} "
                  f"{r['non2xx']:7d} {r['srv_cpu']:6.1f}/{r['wrk_cpu']:<6.1f}  {target}  {r['errors']}")
    finally:
        if srv:
            srv.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
