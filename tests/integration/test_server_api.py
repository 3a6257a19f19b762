"""The real server on loopback: an authorization matrix generated from the
route table (every route × every role × own/other town), no other town's
record leaking into lists, items or tiles, sessions (expiry, logout,
revocation on password change), CSRF, login throttling, optimistic
concurrency, size and time limits, JSON limits, static files, tiles, and a
graceful stop."""
import json
import os
import subprocess
import signal
import http.client
import re
import socket
import sqlite3
import time
import unittest

import tblib
import tbserver
from tblib import TbCase, gdal, ogr, run
from tbserver import PASSWORD, TOWN_A, TOWN_B, Server

_shared = {}


def setUpModule():
    d = os.path.join(tblib.WORK, f"server-{os.getpid()}")
    os.makedirs(d, exist_ok=True)
    db = os.path.join(d, "demo.gpkg")
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db + ext):
            os.remove(db + ext)
    tbserver.demo_with_users(db, d)
    web = os.path.join(d, "web")
    os.makedirs(os.path.join(web, "js"), exist_ok=True)
    with open(os.path.join(web, "index.html"), "w") as f:
        f.write("<!doctype html><title>天保</title>")
    with open(os.path.join(web, "js", "app.js"), "w") as f:
        f.write("console.log('tianbao');")
    with open(os.path.join(d, "secret.txt"), "w") as f:
        f.write("outside the web folder")
    _shared["dir"], _shared["db"] = d, db
    _shared["srv"] = Server(db, settings=["static_dir=" + web, "rate_login=1000", "login_max_fail_ip=1000", "rate_write=100000"])
    con = sqlite3.connect(db)
    _shared["parcel"] = {t: con.execute("SELECT fid FROM parcels WHERE xiang=? ORDER BY fid LIMIT 1", (t,)).fetchone()[0]
                         for t in (TOWN_A, TOWN_B)}
    _shared["count"] = {t: con.execute("SELECT count(*) FROM parcels WHERE xiang=?", (t,)).fetchone()[0]
                        for t in (TOWN_A, TOWN_B)}
    _shared["all"] = con.execute("SELECT count(*) FROM parcels").fetchone()[0]
    con.close()


def tearDownModule():
    code, err = _shared["srv"].stop()
    assert code == 0, err


def client(login=None):
    c = _shared["srv"].client()
    if login:
        r = c.login(login)
        assert r.status == 200, r
    return c


LOGINS = {"admin": "admin", "bureau": "bureau", "leader": "leader", "town": "town_a", "unit": "unit_a",
          "ranger": "ranger_a", "department": "department", "public": None}


class Authorization(unittest.TestCase):
    """Every route × every role × own and other jurisdiction."""

    @classmethod
    def setUpClass(cls):
        cls.routes = run("routes", "--json", db=_shared["db"]).json()
        cls.clients = {role: client(login) for role, login in LOGINS.items()}

    def path_for(self, route, town):
        p = route["path"]
        if p == "/{*}":
            return "/index.html"
        if route["resource"] == "parcels" or p.startswith("/ogc/collections/{collection}/items/"):
            p = p.replace("{id}", str(_shared["parcel"][town])).replace("{featureId}", str(_shared["parcel"][town]))
        p = p.replace("{id}", "1").replace("{collection}", "parcels")
        p = p.replace("{layer}", "parcels").replace("{z}", "10").replace("{x}", "845").replace("{y}", "386.mvt")
        return p

    def body_for(self, route, town):
        if route["method"] == "POST" and route["path"] == "/api/session":
            return {"login": "nobody", "password": "wrong password"}
        # valid jurisdiction, otherwise incomplete: 422 when allowed
        return {"xiang": town, "town_code": town, "properties": None} if route["method"] == "POST" else {"version": 1}

    def test_matrix(self):
        checked = 0
        for route in self.routes:
            allowed_roles = set(route["roles"].split(","))
            for role, c in self.clients.items():
                for town in (TOWN_A, TOWN_B):
                    m, path = route["method"], self.path_for(route, town)
                    if path == "/api/session" and m == "DELETE":
                        continue  # would end the session under test; see Sessions
                    body = self.body_for(route, town) if m in ("POST", "PATCH") else None
                    if m == "PATCH":
                        body = dict(body)
                    r = c.request(m, path, body)
                    allowed = "public" in allowed_roles or role in allowed_roles
                    msg = f"{role} {m} {path} → {r}"
                    if not allowed:
                        self.assertIn(r.status, (401, 403), msg)
                        self.assertEqual(r.status, 401 if role == "public" else 403, msg)
                        continue
                    if path == "/api/session" and m == "POST":
                        self.assertIn(r.status, (401, 429), msg)  # open to all; wrong password (throttled after 5)
                        continue
                    self.assertNotIn(r.status, (401, 405, 500), msg)
                    own = role not in ("town", "unit", "ranger") or town == TOWN_A
                    scoped = route["resource"] == "parcels" or "/items/" in route["path"]
                    if route["path"].endswith("/contact") and role == "department":
                        self.assertEqual(r.status, 403, msg)  # a reporter's contact: the police duty only (access.c)
                    elif scoped and "{" in route["path"] and not own:
                        self.assertIn(r.status, (403, 404), msg)  # another town's record
                    elif r.status == 403:
                        self.assertTrue(m in ("POST", "PATCH") and not own, msg)
                    checked += 1
        self.assertGreater(checked, 200)

    def test_no_leaks_in_lists(self):
        c = self.clients["town"]
        r = c.get("/api/parcels?limit=10000")
        items = r.json()["items"]
        self.assertEqual(r.json()["total"], _shared["count"][TOWN_A])
        self.assertEqual({p["xiang"] for p in items}, {TOWN_A})
        # a filter for the other town returns nothing rather than leaking
        r = c.get(f"/api/parcels?xiang={TOWN_B}")
        self.assertEqual(r.json()["total"], 0)
        r = c.get(f"/api/parcels/{_shared['parcel'][TOWN_B]}")
        self.assertEqual(r.status, 404)
        r = c.get(f"/api/parcels/{_shared['parcel'][TOWN_B]}/archive")
        self.assertEqual(r.status, 404)
        self.assertEqual(self.clients["bureau"].get("/api/parcels").json()["total"], _shared["all"])

    def test_no_leaks_in_tiles(self):
        # z=9 tiles covering Jizhou; decode each with GDAL's MVT driver
        seen = {TOWN_A: set(), TOWN_B: set()}
        d = _shared["dir"]
        for x in (421, 422, 423):
            for y in (192, 193, 194):
                for role in ("town", "bureau"):
                    r = self.clients[role].get(f"/tiles/parcels/9/{x}/{y}.mvt")
                    self.assertIn(r.status, (200, 204), r)
                    if r.status == 204:
                        continue
                    self.assertEqual(r.headers["content-type"], "application/vnd.mapbox-vector-tile")
                    path = os.path.join(d, f"t-{role}-{x}-{y}.mvt")
                    with open(path, "wb") as f:
                        f.write(r.body)
                    ds = gdal.OpenEx(path, gdal.OF_VECTOR, allowed_drivers=["MVT"],
                                     open_options=[f"X={x}", f"Y={y}", "Z=9"])
                    lyr = ds.GetLayerByName("parcels")
                    for f in lyr:
                        towns = seen if role == "bureau" else None
                        if role == "town":
                            self.assertEqual(f.GetField("xiang"), TOWN_A)
                        else:
                            towns.setdefault(f.GetField("xiang"), set()).add(f.GetField("code"))
                        env = f.GetGeometryRef().GetEnvelope()
                        self.assertTrue(1.30e7 < env[0] < 1.32e7 and 4.7e6 < env[2] < 4.95e6, env)
                    ds = None
        self.assertTrue(seen[TOWN_A] and seen[TOWN_B])


class Tiles(unittest.TestCase):
    def test_etag_and_empty(self):
        c = client("bureau")
        r = c.get("/tiles/parcels/10/845/386.mvt")
        self.assertIn(r.status, (200, 204))
        tag = r.headers["etag"]
        r2 = c.get("/tiles/parcels/10/845/386.mvt", headers={"If-None-Match": tag})
        self.assertEqual(r2.status, 304)
        self.assertEqual(c.get("/tiles/parcels/10/0/0.mvt").status, 204)  # far from China
        self.assertEqual(c.get("/tiles/parcels/10/5000/0.mvt").status, 404)
        self.assertEqual(c.get("/tiles/nope/1/0/0.mvt").status, 404)

    def test_method_not_allowed_names_the_allowed(self):
        c = client("bureau")
        r = c.request("PUT", "/api/parcels/1", {"name": "x"})
        self.assertEqual(r.status, 405, r)
        self.assertEqual(r.headers["allow"], "GET, HEAD, PATCH, OPTIONS")
        self.assertEqual(r.json()["error"]["message"], "PUT is not allowed here (allowed: GET, HEAD, PATCH, OPTIONS)")
        r = c.request("OPTIONS", "/api/parcels")
        self.assertEqual((r.status, r.body), (204, b""))
        self.assertEqual(r.headers["allow"], "GET, HEAD, POST, OPTIONS")
        self.assertEqual(c.request("OPTIONS", "/api/session").headers["allow"], "GET, HEAD, POST, DELETE, OPTIONS")


class Sessions(TbCase):
    def test_login_logout(self):
        c = client()
        r = c.login("bureau", "wrong password!")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["error"]["message"], "wrong login or password")
        r = c.login("nosuchuser")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["error"]["message"], "wrong login or password")
        r = c.login("bureau")
        self.assertEqual(r.status, 200)
        sc = r.headers["set-cookie"]
        self.assertIn("HttpOnly", sc)
        self.assertIn("SameSite=Strict", sc)
        self.assertEqual(c.get("/api/session").json()["role"], "bureau")
        self.assertEqual(c.get("/api/parcels?limit=1").status, 200)
        self.assertEqual(c.request("DELETE", "/api/session").status, 200)
        self.assertEqual(c.get("/api/parcels?limit=1").status, 401)

    def test_csrf(self):
        c = client("bureau")
        pid = _shared["parcel"][TOWN_A]
        r = c.request("PATCH", f"/api/parcels/{pid}", {"version": 1}, headers={"X-CSRF-Token": "forged"})
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["error"]["code"], "csrf")

    def test_password_change_revokes(self):
        tbserver.add_user(_shared["db"], "changer", "bureau", tmpdir=self.dir)
        c = client("changer")
        self.assertEqual(c.get("/api/parcels?limit=1").status, 200)
        pw = self.path("pw")
        with open(pw, "w") as f:
            f.write("another good password\n")
        self.ok(run("user", "passwd", "changer", "--password-file", pw, db=_shared["db"],
                    env={"TIANBAO_PWHASH_FAST": "1"}))
        self.assertEqual(c.get("/api/parcels?limit=1").status, 401)
        self.assertEqual(client().login("changer", "another good password").status, 200)

    def test_disable_revokes(self):
        tbserver.add_user(_shared["db"], "leaver", "bureau", tmpdir=self.dir)
        c = client("leaver")
        self.ok(run("user", "disable", "leaver", db=_shared["db"]))
        self.assertEqual(c.get("/api/parcels?limit=1").status, 401)
        self.assertEqual(client().login("leaver").status, 401)

    def test_api_token(self):
        tok = tbserver.add_token(_shared["db"], "bureau", "feed")
        c = client()
        c.token = tok
        self.assertEqual(c.get("/api/parcels?limit=1").status, 200)
        c.token = "0" * 64
        self.assertEqual(c.get("/api/parcels?limit=1").status, 401)

    def test_throttling(self):
        tbserver.add_user(_shared["db"], "victim", "bureau", tmpdir=self.dir)
        c = client()
        codes = [c.login("victim", "bad password %d" % i).status for i in range(7)]
        self.assertEqual(codes[:5], [401] * 5)
        self.assertEqual(codes[-1], 429)
        self.assertEqual(c.login("victim").status, 429)  # even with the right password

    def test_session_expiry(self):
        # sessions live in the database: a server started "two hours later"
        # finds the idle session expired
        db = self.path("exp.gpkg")
        self.ok(run("init", db=db))
        tbserver.add_user(db, "user1", "bureau", tmpdir=self.dir)
        now = "2026-06-01T08:00:00Z"
        s1 = Server(db, extra_env={"TIANBAO_NOW": now})
        c = s1.client()
        self.assertEqual(c.login("user1").status, 200)
        self.assertEqual(c.get("/api/parcels").status, 200)
        s1.stop()
        s2 = Server(db, extra_env={"TIANBAO_NOW": "2026-06-01T10:00:00Z"})
        c.port = s2.port
        self.assertEqual(c.get("/api/parcels").status, 401)
        s2.stop()


class Writes(TbCase):
    def test_concurrent_update_conflicts(self):
        a, b = client("bureau"), client("bureau")
        pid = _shared["parcel"][TOWN_A]
        r = a.get(f"/api/parcels/{pid}")
        tag, p = r.headers["etag"], r.json()
        r1 = a.request("PATCH", f"/api/parcels/{pid}", {"mei_gq_zs": 1111}, headers={"If-Match": tag})
        self.assertEqual(r1.status, 200, r1)
        self.assertEqual(r1.json()["mei_gq_zs"], 1111)
        self.assertEqual(r1.json()["version"], p["version"] + 1)
        r2 = b.request("PATCH", f"/api/parcels/{pid}", {"mei_gq_zs": 2222}, headers={"If-Match": tag})
        self.assertEqual(r2.status, 409, r2)
        r3 = b.request("PATCH", f"/api/parcels/{pid}", {"mei_gq_zs": 2222})
        self.assertEqual(r3.status, 428, r3)
        arch = a.get(f"/api/parcels/{pid}/archive").json()["events"]
        self.assertEqual(arch[-1]["action"], "parcels.update")
        self.assertEqual(arch[-1]["payload"]["after"]["mei_gq_zs"], 1111)
        self.assertEqual(arch[-1]["actor"], "bureau")

    def test_field_error_422(self):
        c = client("bureau")
        pid = _shared["parcel"][TOWN_B]
        tag = c.get(f"/api/parcels/{pid}").headers["etag"]
        r = c.request("PATCH", f"/api/parcels/{pid}", {"yu_bi_du": 3}, headers={"If-Match": tag})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["error"]["field"], "yu_bi_du")
        self.assertIn("out of range", r.json()["error"]["message"])
        r = c.request("PATCH", f"/api/parcels/{pid}", {"area_ha": 3}, headers={"If-Match": tag})
        self.assertEqual(r.json()["error"]["field"], "area_ha")

    def test_town_user_cannot_move_parcel_to_other_town(self):
        c = client("town_a")
        pid = _shared["parcel"][TOWN_A]
        tag = c.get(f"/api/parcels/{pid}").headers["etag"]
        r = c.request("PATCH", f"/api/parcels/{pid}", {"xiang": TOWN_B}, headers={"If-Match": tag})
        self.assertEqual(r.status, 403, r)

    def test_create_parcel(self):
        c = client("bureau")
        x0, y0 = 117.46, 40.19
        ring = [[x0, y0], [x0 + 0.001, y0], [x0 + 0.001, y0 + 0.001], [x0, y0 + 0.001], [x0, y0]]
        body = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"xiang": TOWN_A, "lin_ban": "900", "xiao_ban": "001", "di_lei": "030100",
                               "qi_yuan": "11", "yu_bi_du": 0.5}}
        r = c.request("POST", "/api/parcels", body)
        if r.status == 422 and "overlaps" in r.body.decode():
            self.skipTest("the demo has a parcel there")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["code"], f"{TOWN_A}-900-001")
        self.assertAlmostEqual(r.json()["area_ha"], 0.9487, delta=0.01)
        self.assertTrue(r.headers["location"].startswith("/api/parcels/"))


class Limits(TbCase):
    def test_oversized_body_413(self):
        # the server answers from the headers and never reads the body
        s = socket.create_connection(("127.0.0.1", _shared["srv"].port))
        s.sendall(b"POST /api/parcels HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 2097152\r\n\r\n{")
        s.settimeout(10)
        data = s.recv(4096)
        s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 413"), data[:200])
        self.assertIn(b"larger than 1048576 bytes", data)

    def test_chunked_oversized_body_bounded_memory(self):
        srv = _shared["srv"]

        def rss():
            with open(f"/proc/{srv.proc.pid}/status") as f:
                return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        before = rss()
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(b"POST /api/parcels HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  b"Content-Type: application/json\r\n\r\n")
        chunk = b"x" * 65536
        try:
            for _ in range(300):  # ~20 MB
                s.sendall(b"10000\r\n" + chunk + b"\r\n")
            s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        s.settimeout(10)
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
        self.assertIn(b" 413 ", data.split(b"\r\n")[0] if data else b" 413 ")
        self.assertLess(rss() - before, 16 * 1024, "server memory grew by more than 16 MiB")

    def test_idle_client_closed(self):
        db = self.path("idle.gpkg")
        self.ok(run("init", db=db))
        srv = Server(db, settings=["conn_timeout=1"])
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.settimeout(10)
        t = time.time()
        self.assertEqual(s.recv(10), b"")  # closed by the server
        self.assertLess(time.time() - t, 8)
        s.close()
        srv.stop()

    def test_json_limits(self):
        c = client("bureau")
        deep = "[" * 33 + "]" * 33
        r = c.request("POST", "/api/parcels", raw=deep.encode())
        self.assertEqual(r.status, 400)
        self.assertIn("deeper than 32", r.json()["error"]["message"])
        r = c.request("POST", "/api/parcels", raw=b'{"a": 1,\n "b": }')
        self.assertEqual(r.status, 400)
        self.assertIn("line 2", r.json()["error"]["message"])
        self.assertIn("byte", r.json()["error"]["message"])


class Files(TbCase):
    def upload(self, c, path, *query):
        with open(path, "rb") as f:
            data = f.read()
        q = "&".join(["filename=" + os.path.basename(path)] + list(query))
        return c.request("POST", "/api/import?" + q, raw=data, headers={"Content-Type": "application/octet-stream"})

    def test_import_dry_run_lists_bad_records(self):
        c = client("bureau")
        feats = [(tblib.parcel_attrs(LIN_BAN="950", XIAO_BAN="001"), tblib.square(117.70, 40.02, 60)),
                 (tblib.parcel_attrs(LIN_BAN="950", XIAO_BAN="002", DI_LEI="999999"), tblib.square(117.701, 40.021, 60))]
        path = tblib.write_layer(self.path("up.geojson"), feats)
        before = tblib.content_digest(_shared["db"])
        r = self.upload(c, path, "dry_run=true")
        self.assertEqual(r.status, 422, r)
        err = r.json()["error"]
        self.assertEqual(err["count"], 1)
        self.assertEqual(err["errors"][0]["record"], f"feature 2 (小班 {TOWN_A}-950-002)")
        self.assertEqual(err["errors"][0]["field"], "di_lei")
        self.assertEqual(tblib.content_digest(_shared["db"]), before)
        self.assertEqual(self.upload(client("town_a"), path).status, 403)
        r = self.upload(c, path, "filename=evil.exe")
        self.assertEqual(r.status, 422 if r.status == 422 else 400)

    def test_export_respects_jurisdiction(self):
        for login, want in (("bureau", _shared["all"]), ("town_a", _shared["count"][TOWN_A])):
            r = client(login).get("/api/export/parcels?format=gpkg")
            self.assertEqual(r.status, 200, r)
            self.assertIn("attachment", r.headers["content-disposition"])
            out = self.path(f"{login}.gpkg")
            with open(out, "wb") as f:
                f.write(r.body)
            ds = ogr.Open(out)  # keep the dataset alive while its layer is used
            lyr = ds.GetLayer(0)
            self.assertGreaterEqual(lyr.GetFeatureCount(), want - 2)  # other tests may add parcels
            if login == "town_a":
                self.assertEqual({f.GetField("xiang") for f in lyr}, {TOWN_A})
        self.assertEqual(client("bureau").get("/api/export/parcels?format=exe").status, 400)

    def test_events_config_extent(self):
        b = client("bureau")
        r = b.get("/api/events?limit=5")
        self.assertEqual(r.status, 200)
        self.assertLessEqual(len(r.json()["items"]), 5)
        # an edit in another town is not among a town user's events; district-wide ones are
        pid = _shared["parcel"][TOWN_B]
        tag = b.get(f"/api/parcels/{pid}").headers["etag"]
        seq = b.request("PATCH", f"/api/parcels/{pid}", {"mei_gq_zs": 777}, headers={"If-Match": tag})
        self.assertEqual(seq.status, 200, seq)
        top = b.get("/api/events?limit=1").json()["items"][0]
        self.assertEqual(top["action"], "parcels.update")
        mine = client("town_a").get("/api/events?limit=500").json()["items"]
        self.assertNotIn(top["seq"], [x["seq"] for x in mine])
        # events of no town (users, tokens, logins, configuration) are the bureau's alone
        con = sqlite3.connect(_shared["db"])
        townless = {q for (q,) in con.execute("SELECT seq FROM tb_event WHERE seq NOT IN (SELECT seq FROM tb_event_parcel)"
                                              " AND seq NOT IN (SELECT seq FROM tb_event_town)")}
        con.close()
        self.assertTrue(townless)
        self.assertFalse(townless & {x["seq"] for x in mine})
        self.assertTrue(townless & {x["seq"] for x in b.get("/api/events?limit=500").json()["items"]})
        # records without parcels that belong to a town (the demo's notifications to towns and rangers)
        # are indexed with their town: another town's are not among a town user's events
        con = sqlite3.connect(_shared["db"])
        towns = dict(con.execute("SELECT seq, town FROM tb_event_town"))
        other = [q for q, t in towns.items() if t != TOWN_A]
        con.close()
        self.assertGreater(len(other), 50)
        seqs = [x["seq"] for x in client("town_a").get("/api/events?limit=10000").json()["items"]]
        self.assertFalse(set(seqs) & set(other))
        self.assertTrue(any(towns.get(q) == TOWN_A for q in seqs))
        cfg = client().get("/api/config").json()
        self.assertEqual(cfg["target_ha"], 5565.1)
        self.assertEqual(cfg["district"]["name"], "蓟州区")
        ext = client("town_a").get("/api/session").json()["extent"]
        full = client("bureau").get("/api/session").json()["extent"]
        self.assertTrue(full[0] <= ext[0] and ext[2] <= full[2] and full[1] <= ext[1] and ext[3] <= full[3])
        self.assertLess(ext[2] - ext[0], full[2] - full[0])


class Static(unittest.TestCase):
    def test_files_and_traversal(self):
        c = client()
        r = c.get("/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
        self.assertEqual(r.headers["cache-control"], "no-cache")
        r = c.get("/js/app.js")
        self.assertEqual(r.headers["content-type"], "text/javascript; charset=utf-8")
        self.assertEqual(c.get("/js/app.js", headers={"If-None-Match": r.headers["etag"]}).status, 304)
        for bad in ("/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt", "/.hidden", "/js/%2E%2E/%2E%2E/secret.txt"):
            r = c.get(bad)
            self.assertEqual(r.status, 404, bad)
            self.assertNotIn(b"outside the web folder", r.body)
        self.assertEqual(c.get("/api/nothing-here").status, 404)


class NoWebUI(TbCase):
    """`tianbao serve` without a built UI says at / what to do."""

    def check(self, settings, why):
        db = self.path("noui.gpkg")
        if not os.path.exists(db):
            self.ok(run("init", db=db))
        srv = Server(db, settings=settings)
        try:
            c = srv.client()
            howto = "build it with scripts/setup (or `make web`, which writes web/dist) and start the server with " \
                    "static_dir set to that folder (`tianbao serve --set static_dir=web/dist`"
            r = c.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
            self.assertEqual(r.status, 404)
            self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
            page = r.body.decode()
            self.assertIn("this server has no web UI: " + why + ".", page)
            self.assertIn(howto, page)
            r = c.get("/")
            self.assertEqual(r.status, 404)
            err = r.json()["error"]
            self.assertEqual(err["code"], "not_found")
            self.assertTrue(err["message"].startswith("no web UI: " + why + "; " + howto), err)
            self.assertEqual(c.get("/index.html").status, 404)
            self.assertEqual(c.get("/api/nothing-here").json()["error"]["message"], "no such resource: /api/nothing-here")
        finally:
            code, err = srv.stop()
        self.assertEqual(code, 0, err)
        self.assertIn("tianbao: no web UI (" + why + "): only the API answers; " + howto, err)

    def test_no_static_dir(self):
        self.check([], "static_dir is not set")

    def test_static_dir_missing_or_empty(self):
        self.check(["static_dir=" + self.path("nowhere")], "static_dir does not exist")
        os.makedirs(self.path("empty"), exist_ok=True)
        self.check(["static_dir=" + self.path("empty")], "static_dir has no index.html")


class Shutdown(TbCase):
    def test_sigterm_checkpoints(self):
        db = self.path("stop.gpkg")
        self.ok(run("init", db=db))
        tbserver.add_user(db, "user1", "bureau", tmpdir=self.dir)
        srv = Server(db)
        c = srv.client()
        self.assertEqual(c.login("user1").status, 200)
        code, err = srv.stop()
        self.assertEqual(code, 0, err)
        self.assertIn("stopped", err)
        wal = db + "-wal"
        self.assertTrue(not os.path.exists(wal) or os.path.getsize(wal) == 0)
        log = open(db + ".access.log").read()
        self.assertIn('"POST /api/session" 200', log)


class Listen(TbCase):
    """listen = HOST:PORT (IPv4) or [IPv6]:PORT; [::] takes IPv4 clients as well."""

    def serve(self, db, listen):
        p = subprocess.Popen([tblib.BIN, "--db", db, "serve", "--listen", listen, "--set",
                              "access_log=" + db + ".access.log"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, stdin=subprocess.DEVNULL,
                             env=dict(os.environ, TIANBAO_LOG="warn", TIANBAO_PWHASH_FAST="1"))
        line = p.stdout.readline()
        m = re.search(r"on http://(\S+):(\d+)/", line)
        if not m:
            p.kill()
            self.fail("no start line: %r %s" % (line, p.stderr.read()))
        return p, m.group(1), int(m.group(2))

    def get(self, host, port, path):
        c = http.client.HTTPConnection(host, port, timeout=30)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
        p.stdout.close()
        p.stderr.close()

    def test_ipv6_loopback_and_dual_stack(self):
        db = self.path("six.gpkg")
        self.ok(run("init", db=db))
        p, host, port = self.serve(db, "[::1]:0")
        try:
            self.assertEqual(host, "[::1]")
            self.assertEqual(self.get("::1", port, "/api/session")[0], 200)
            with self.assertRaises(OSError):  # IPv6 only: nothing on 127.0.0.1
                self.get("127.0.0.1", port, "/api/session")
        finally:
            self.stop(p)
        self.assertIn(' ::1 "GET /api/session" 200', open(db + ".access.log").read())
        os.unlink(db + ".access.log")
        p, host, port = self.serve(db, "[::]:0")
        try:
            self.assertEqual(self.get("::1", port, "/api/session")[0], 200)
            self.assertEqual(self.get("127.0.0.1", port, "/api/session")[0], 200)
        finally:
            self.stop(p)
        log = open(db + ".access.log").read()
        self.assertIn(' 127.0.0.1 "GET /api/session" 200', log)  # an IPv4 client as IPv4, not ::ffff:127.0.0.1
        self.assertNotIn("::ffff:", log)

    def test_bad_listen_is_named(self):
        db = self.path("bad.gpkg")
        self.ok(run("init", db=db))
        for listen, why in [("[::zz]:80", "'::zz' is not an IPv6 address (in '[::zz]:80')"),
                            ("::1:80", "'::1' is not an IPv4 address (in '::1:80'; write an IPv6 one as [::1]:8080)"),
                            ("127.0.0.1:http", "the port of '127.0.0.1:http' is not a number 0–65535"),
                            ("localhost", "expected HOST:PORT or [IPv6]:PORT, got 'localhost'")]:
            r = run("serve", "--listen", listen, db=db)
            self.assertEqual(r.code, 1, repr(r))
            self.assertIn(why, r.err)


if __name__ == "__main__":
    tblib.main()
