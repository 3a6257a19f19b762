"""Slow and idle clients against the real server on loopback (issue 22
part 2): a request whose headers or body trickle in is cut with 408 at its
deadline and logged; a chunked body over the limit is refused with 413
while it is still being sent; refused, cut and aborted requests all appear
in the access log; a legitimate client is served while idle and slow
connections from other addresses fill the server (the oldest are evicted);
and a write that cannot get the database answers 503 with Retry-After and
changes nothing.  Every loop is bounded; nothing asserts a time."""
import os
import selectors
import socket
import sqlite3
import time

import tblib
import tbserver
from tblib import TbCase
from tbserver import Server

_shared = {}


def setUpModule():
    d = os.path.join(tblib.WORK, f"slow-{os.getpid()}")
    os.makedirs(d, exist_ok=True)
    db = os.path.join(d, "demo.gpkg")
    for ext in ("", "-wal", "-shm", ".access.log"):
        if os.path.exists(db + ext):
            os.remove(db + ext)
    tbserver.demo_with_users(db, d)
    _shared["db"] = db
    _shared["token"] = tbserver.add_token(db, "bureau", "slow-test")
    _shared["srv"] = Server(db, settings=["header_timeout=1", "request_timeout=3", "conn_timeout=60",
                                          "max_connections=40", "per_ip_connections=16",
                                          "rate_read=100000", "rate_write=100000"])


def tearDownModule():
    code, err = _shared["srv"].stop()
    assert code == 0, err


def connect(src="127.0.0.1"):
    return socket.create_connection(("127.0.0.1", _shared["srv"].port), timeout=10, source_address=(src, 0))


def log_lines():
    with open(_shared["db"] + ".access.log") as f:
        return f.read().splitlines()


def wait_log(fragment):
    """The access-log line containing fragment (bounded wait: the line is
    written when the server closes the connection)."""
    found = []
    tbserver.wait_until(lambda: found.extend(x for x in log_lines() if fragment in x) or found, timeout=20)
    return found[0] if found else None


def trickle(sock, data, step=0.2, limit=60):
    """Send data a byte at a time until the server closes the connection
    (then return what it answered) or data runs out (return None)."""
    got = b""
    sock.settimeout(step)
    for i in range(min(len(data), limit)):
        try:
            sock.sendall(data[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            break
        try:
            d = sock.recv(4096)
            if not d:
                return got
            got += d
        except socket.timeout:
            pass
        except ConnectionResetError:
            return got
    return got if got else None


class SlowClients(TbCase):
    def test_slow_request_line_cut_with_408(self):
        s = connect("127.0.0.7")
        got = trickle(s, b"GET /api/parcels?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        s.close()
        self.assertIsNotNone(got, "the server kept a slow request line open")
        self.assertTrue(got.startswith(b"HTTP/1.1 408 Request Timeout"), got[:200])
        self.assertIn(b'"message":"request headers not received within 1 s"', got)
        line = wait_log('127.0.0.7 "- -" 408')
        self.assertIsNotNone(line, log_lines()[-5:])

    def test_slow_headers_cut_with_408_and_path_logged(self):
        s = connect("127.0.0.8")
        s.sendall(b"GET /api/parcels?limit=1 HTTP/1.1\r\n")
        got = trickle(s, b"Host: x\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n")
        s.close()
        self.assertIsNotNone(got, "the server kept slow headers open")
        self.assertTrue(got.startswith(b"HTTP/1.1 408"), got[:200])
        self.assertIsNotNone(wait_log('127.0.0.8 "- /api/parcels" 408'), log_lines()[-5:])

    def test_slow_body_cut_at_request_timeout(self):
        s = connect("127.0.0.9")
        s.sendall(b"POST /api/incidents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Authorization: Bearer " + _shared["token"].encode() + b"\r\nContent-Length: 400\r\n\r\n")
        got = trickle(s, b"{" + b" " * 398 + b"}")
        s.close()
        self.assertIsNotNone(got, "the server kept a slow body open")
        self.assertTrue(got.startswith(b"HTTP/1.1 408"), got[:200])
        self.assertIn(b'"message":"request not received within 3 s"', got)
        self.assertIsNotNone(wait_log('127.0.0.9 "POST /api/incidents" 408'), log_lines()[-5:])

    def test_chunked_over_limit_refused_before_the_end(self):
        s = connect("127.0.0.10")
        s.sendall(b"POST /api/parcels HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  b"Content-Type: application/json\r\n\r\n")
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        total, sent = 320, 0  # 20 MiB against a 1 MiB limit
        try:
            for _ in range(total):
                s.sendall(chunk)
                sent += 1
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                d = s.recv(4096)
                if not d:
                    break
                data += d
        except (socket.timeout, ConnectionResetError):
            pass
        s.close()
        self.assertLess(sent, total, "the server read the whole 20 MiB body")
        self.assertTrue(data.startswith(b"HTTP/1.1 413"), data[:200])
        self.assertIn(b"request body larger than 1048576 bytes", data)
        self.assertIsNotNone(wait_log('127.0.0.10 "POST /api/parcels" 413'), log_lines()[-5:])

    def test_content_length_413_logged(self):
        s = connect("127.0.0.11")
        s.sendall(b"POST /api/parcels HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n")
        data = s.recv(4096)
        s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 413"), data[:200])
        self.assertIsNotNone(wait_log('127.0.0.11 "POST /api/parcels" 413'), log_lines()[-5:])

    def test_aborted_request_logged(self):
        s = connect("127.0.0.12")
        s.sendall(b"POST /api/incidents HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":")
        s.close()
        self.assertIsNotNone(wait_log('127.0.0.12 "POST /api/incidents" 499'), log_lines()[-5:])

    def test_rate_limited_429_logged(self):
        srv = Server(_shared["db"], settings=["rate_read=2"])
        try:
            c = srv.client()
            c.token = _shared["token"]
            statuses = [c.get("/api/parcels?limit=1").status for _ in range(3)]
            self.assertEqual(statuses, [200, 200, 429])
            self.assertTrue(tbserver.wait_until(
                lambda: any('"GET /api/parcels" 429' in x for x in log_lines()), timeout=10))
        finally:
            srv.stop()

    def test_legit_client_served_among_idle_and_slow(self):
        idle, slow = [], []
        try:
            for a in (2, 3):  # 30 idle connections from two addresses
                for _ in range(15):
                    idle.append(connect(f"127.0.0.{a}"))
            for a in (4, 5):  # 20 that start a request and stall
                for _ in range(10):
                    s = connect(f"127.0.0.{a}")
                    s.sendall(b"GET /api/parcels HTTP/1.1\r\nHo")
                    slow.append(s)
            c = _shared["srv"].client()
            c.token = _shared["token"]
            for _ in range(5):
                r = c.get("/api/parcels?limit=1")
                self.assertEqual(r.status, 200, r)
            self.assertEqual(len(r.json()["items"]), 1)
            # 50 connections against max_connections=40: the oldest idle ones
            # were closed to make room, quietly (no request, no log line)
            closed = set()
            sel = selectors.DefaultSelector()
            for s in idle:
                sel.register(s, selectors.EVENT_READ)
            for _ in range(100):  # bounded: until 10 are seen closed
                for key, _ in sel.select(timeout=0.1):
                    if key.fileobj.recv(1) == b"":
                        closed.add(key.fileobj)
                        sel.unregister(key.fileobj)
                if len(closed) >= 10:
                    break
            sel.close()
            self.assertGreaterEqual(len(closed), 10)
            self.assertIn(idle[0], closed)  # the oldest first
        finally:
            for s in idle + slow:
                s.close()

    def test_write_busy_503_retry_after_nothing_changed(self):
        db = _shared["db"]
        c = _shared["srv"].client()
        c.token = _shared["token"]
        con = sqlite3.connect(db, timeout=30, isolation_level=None)
        before = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
        events = con.execute("SELECT count(*) FROM tb_event").fetchone()[0]
        inc = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [117.45, 40.146]},
               "properties": {"ranger_code": "R-104201-1", "town_code": tbserver.TOWN_A, "type": "fire",
                              "time": "2026-11-28T01:30:00Z", "note": "busy"}}
        con.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            r = c.request("POST", "/api/incidents", inc)
        finally:
            con.execute("ROLLBACK")
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.headers.get("retry-after"), "1")
        self.assertEqual(r.json()["error"]["code"], "busy")
        self.assertEqual(r.json()["error"]["message"],
                         "another process has held the database for writing longer than 5000 ms; try again shortly")
        self.assertEqual(con.execute("SELECT count(*) FROM incidents").fetchone()[0], before)
        self.assertEqual(con.execute("SELECT count(*) FROM tb_event").fetchone()[0], events)
        r = c.request("POST", "/api/incidents", inc)  # and once free, the write goes through
        self.assertEqual(r.status, 201, r)
        self.assertEqual(con.execute("SELECT count(*) FROM incidents").fetchone()[0], before + 1)
        con.close()


if __name__ == "__main__":
    tblib.main()
