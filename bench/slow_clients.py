#!/usr/bin/env python3
"""A legitimate client under slow and idle connections (issue 22 part 2).
For each scenario — no attack; a slow-header attack (550 connections from
20 addresses, each sending its headers one byte a second and reconnecting
when closed); 1 000 idle connections from 40 addresses (reconnecting when
closed) — a legitimate client at 127.0.0.1 makes --requests sequential
`GET /api/parcels/1` requests, each on a new connection (timeout 2 s),
while the attack runs.  The server runs with its protections (the default
header_timeout, request_timeout, evict) and, as the peer, without them
(header_timeout=0 request_timeout=0 evict=0: libmicrohttpd's limits only).
Prints p50/p99 of the answered requests and how many failed (refused,
reset or timed out); a failed request counts as 2 s in the p99 "all".
Loopback only (source addresses 127.0.0.x); bounded in count and time."""
import argparse
import http.client
import multiprocessing as mp
import os
import resource
import selectors
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tbbench  # noqa: E402


def attacker(kind, port, conns, addrs, seconds, ready):
    """Hold `conns` connections from `addrs` source addresses for `seconds`:
    kind "slow" sends a request line and then one header byte per second on
    each; "idle" sends nothing.  Closed connections are reopened."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, conns + 512), hard))
    sel = selectors.DefaultSelector()
    socks = {}
    end = time.time() + seconds
    opened = cut = 0

    def open_one(slot):
        nonlocal opened
        s = socket.socket()
        s.setblocking(False)
        s.bind((f"127.0.2.{10 + slot % addrs}", 0))
        s.connect_ex(("127.0.0.1", port))
        socks[s] = slot
        sel.register(s, selectors.EVENT_READ)
        opened += 1
        return s

    for k in range(conns):
        open_one(k)
    ready.set()
    pending = []
    started = set()
    next_drip = time.time()
    while time.time() < end:
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except (ConnectionResetError, BlockingIOError, OSError):
                data = b""
            if not data:
                sel.unregister(s)
                started.discard(s)
                pending.append(socks.pop(s))
                s.close()
                cut += 1
        for slot in pending:
            open_one(slot)
        if pending:
            time.sleep(0.02)  # reconnecting flat out would only burn the shared machine's CPU
        pending = []
        if kind == "slow" and time.time() >= next_drip:
            next_drip += 1.0
            for s in list(socks):
                try:
                    s.send(b"a" if s in started else b"GET /api/parcels HTTP/1.1\r\nX-a: ")
                    started.add(s)
                except (BlockingIOError, OSError):
                    pass
    for s in socks:
        s.close()
    print(f"  attacker {kind}: {opened} connections opened, {cut} closed by the server", flush=True)


def legit(port, token, n, interval):
    lat, failed = [], 0
    for _ in range(n):
        t0 = time.perf_counter()
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/parcels/1", headers={"Authorization": "Bearer " + token})
            r = c.getresponse()
            r.read()
            c.close()
            if r.status == 200:
                lat.append(time.perf_counter() - t0)
            else:
                failed += 1
        except (OSError, http.client.HTTPException):
            failed += 1
        time.sleep(max(0.0, interval - (time.perf_counter() - t0)))
    return lat, failed


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100 * len(v)))] * 1000 if v else float("nan")


def scenario(bin_, db, token, settings, kind, a):
    srv = tbbench.Server(bin_, db, settings=settings)
    proc = None
    try:
        if kind:
            conns, addrs = (550, 20) if kind == "slow" else (1000, 40)
            ready = mp.Event()
            proc = mp.Process(target=attacker, args=(kind, srv.port, conns, addrs, a.attack_seconds, ready))
            proc.start()
            ready.wait(30)
            time.sleep(a.warmup)
        lat, failed = legit(srv.port, token, a.requests, a.interval)
        if proc:
            proc.join(a.attack_seconds + 30)
    finally:
        if proc and proc.is_alive():
            proc.terminate()
        srv.stop()
    every = lat + [2.0] * failed
    return {"p50": pct(lat, 50), "p99": pct(lat, 99), "p99_all": pct(every, 99), "ok": len(lat), "failed": failed}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bin", default=tbbench.DEFAULT_BIN)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--interval", type=float, default=0.05, help="seconds between the legit client's requests")
    ap.add_argument("--warmup", type=float, default=12, help="seconds of attack before measuring "
                    "(past header_timeout, so that cuts and reconnects are measured too)")
    a = ap.parse_args()
    a.attack_seconds = a.warmup + a.requests * a.interval + 5
    tmp = tempfile.mkdtemp(prefix="tb-bench-slow-")
    db = os.path.join(tmp, "demo.gpkg")
    tbbench.tb(a.bin, db, "demo")
    token = tbbench.bureau_token(a.bin, db, tmp)
    modes = [("protected (defaults)", []),
             ("unprotected (header_timeout=0 request_timeout=0 evict=0)",
              ["header_timeout=0", "request_timeout=0", "evict=0"])]
    res = {}
    print(tbbench.machine_load(), flush=True)
    for kind, label in [(None, "no attack"), ("slow", "slow headers, 550 conns / 20 addresses"),
                        ("idle", "idle, 1000 conns / 40 addresses")]:
        for mode, settings in modes:
            r = scenario(a.bin, db, token, settings, kind, a)
            res[(label, mode)] = r
            print(f"{label:40s} {mode:20.20s}: p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms (answered {r['ok']}), "
                  f"failed {r['failed']}, p99 incl. failures {r['p99_all']:.1f} ms", flush=True)
    print(tbbench.machine_load(), flush=True)


if __name__ == "__main__":
    main()
