"""The alert loop of §3.1.3 through the real server: an external push with
an API token (a camera system) stored, placed and auto-assigned; its
duplicate merged; bad pushes refused with the field; the ranger's own tasks
(/api/alerts/mine) and list; field verification with a photo by the
assigned ranger only; closing by the town of the alert only; invalid
transitions 409; the confirmed loss cut out of the natural parcels (the
registry and the area ledger agree, §2), a point alert's loss only as a
mapped polygon; notifications per caller; the monitoring summary; sites,
plots and survey indicators; alert tiles."""
import math
import os
import sqlite3
import unittest

import tblib
import tbserver
from tbserver import TOWN_A, TOWN_B, Server

_shared = {}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def setUpModule():
    d = os.path.join(tblib.WORK, f"alerts-{os.getpid()}")
    os.makedirs(d, exist_ok=True)
    db = os.path.join(d, "demo.gpkg")
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db + ext):
            os.remove(db + ext)
    tbserver.demo_with_users(db, d)
    _shared["token"] = tbserver.add_token(db, "department", "camera-system")
    _shared["db"], _shared["srv"] = db, Server(db, settings=["rate_login=1000", "login_max_fail_ip=1000"])
    con = sqlite3.connect(db)
    # the demo's open forest-loss alert in 下营镇 and its ranger; a point in another of the town's grids
    _shared["loss"] = con.execute("SELECT fid, ranger_code, natural_forest_ha FROM alerts WHERE type='forest_loss'"
                                  " AND status='assigned'").fetchone()
    _shared["ranger_fid"] = con.execute("SELECT fid FROM rangers WHERE code=?", (_shared["loss"][1],)).fetchone()[0]
    con.close()
    bureau = client("bureau")
    r = bureau.request("PATCH", f"/api/rangers/{_shared['ranger_fid']}", {"login": "ranger_a", "version": 1})
    assert r.status == 200, r  # the ranger user ranger_a is this ranger (rangers.login)


def tearDownModule():
    code, err = _shared["srv"].stop()
    assert code == 0, err


def client(login=None, token=None):
    c = _shared["srv"].client()
    if login:
        assert c.login(login).status == 200
    c.token = token
    return c


def feature(lon, lat, **props):
    p = {"source": "camera", "type": "fire", "observed_at": "2026-11-01T08:00:00Z", "confidence": 0.7}
    p.update(props)
    return {"type": "Feature", "properties": p, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def grid_point(town, n=0):
    """A point on the largest natural parcel of the n-th grid of a town."""
    from osgeo import ogr
    con = sqlite3.connect(_shared["db"])
    code = con.execute("SELECT code FROM grids WHERE town_code=? ORDER BY code LIMIT 1 OFFSET ?", (town, n)).fetchone()[0]
    con.close()
    ds = ogr.Open(_shared["db"])
    lyr = ds.ExecuteSQL(f"SELECT geom FROM parcels WHERE cun='{code[2:]}' AND natural=1 ORDER BY area_ha DESC LIMIT 1")
    f = lyr.GetNextFeature()  # keep the feature alive while its geometry is used
    pt = f.GetGeometryRef().PointOnSurface()
    x, y = pt.GetX(), pt.GetY()
    f = None
    ds.ReleaseResultSet(lyr)
    return code, x, y


class Push(unittest.TestCase):
    def test_push_dedup_and_bad_input(self):
        cam = client(token=_shared["token"])
        grid, x, y = grid_point(TOWN_A, 3)
        r = cam.request("POST", "/api/alerts", feature(x, y, external_id="CAM-7/0800", media="https://cam.example/7.jpg"))
        self.assertEqual(r.status, 201, r)
        a = r.json()
        self.assertFalse(a["merged"])
        self.assertEqual((a["status"], a["grid_code"], a["town_code"]), ("assigned", grid, TOWN_A))
        self.assertTrue(a["ranger_code"].startswith("R-"))
        self.assertTrue(a["code"].startswith("AL-20261101-"))
        self.assertEqual(r.headers["location"], f"/api/alerts/{a['id']}")
        # the same fire 150 m away an hour later from a drone: merged
        r = cam.request("POST", "/api/alerts", feature(x + 0.0015, y + 0.0005, source="drone",
                                                       observed_at="2026-11-01T09:00:00+08:00", confidence=0.95))
        self.assertEqual(r.status, 200, r)
        m = r.json()
        self.assertEqual((m["merged"], m["id"], m["merged_count"]), (True, a["id"], 2))
        self.assertEqual(m["confidence"], 0.95)
        self.assertEqual(m["last_seen_at"], "2026-11-01T08:00:00.000Z")  # 09:00+08:00 is 01:00Z: earlier
        # bad pushes name the field and store nothing
        bad = [
            (feature(x, y, type="flood"), "type"),
            (feature(x, y, source="satellite-9"), "source"),
            (feature(x, y, confidence=2), "confidence"),
            ({"properties": {"source": "camera", "type": "fire", "observed_at": "2026-11-01T08:00:00Z"},
              "geometry": {"type": "Point", "coordinates": [x, y]}}, "confidence"),
            (feature(x, y, observed_at="2099-01-01T00:00:00Z"), "observed_at"),
            (feature(x, y, observed_at="soon"), "observed_at"),
            (feature(116.3, 39.9), "geometry"),  # Beijing
            (dict(feature(x, y), geometry={"type": "LineString", "coordinates": [[x, y], [x + 0.01, y]]}), "geometry"),
        ]
        before = client("bureau").get("/api/alerts").json()["total"]
        for body, field in bad:
            r = cam.request("POST", "/api/alerts", body)
            self.assertEqual(r.status, 422, (body, r))
            self.assertEqual(r.json()["error"]["field"], field, r)
        self.assertEqual(client("bureau").get("/api/alerts").json()["total"], before)
        # who may push
        self.assertEqual(client("ranger_a").request("POST", "/api/alerts", feature(x, y)).status, 403)
        self.assertEqual(client("town_a").request("POST", "/api/alerts", feature(x, y)).status, 403)
        self.assertEqual(client().request("POST", "/api/alerts", feature(x, y)).status, 401)
        # the map: a vector tile with the alert
        z = 12
        tx = int((x + 180) / 360 * 2 ** z)
        ty = int((1 - math.log(math.tan(math.radians(y)) + 1 / math.cos(math.radians(y))) / math.pi) / 2 * 2 ** z)
        t = client("bureau").get(f"/tiles/alerts/{z}/{tx}/{ty}.mvt")
        self.assertEqual(t.status, 200, t)
        self.assertEqual(t.headers["content-type"], "application/vnd.mapbox-vector-tile")


    def test_concurrent_duplicates_make_one_alert(self):
        # eight cameras report the same smoke at once: one alert, seven merges
        import threading
        grid, x, y = grid_point(TOWN_B, 2)
        results = []

        def push(i):
            c = client(token=_shared["token"])
            r = c.request("POST", "/api/alerts", feature(x + i * 0.0002, y, type="smoke", source="camera",
                                                         observed_at="2026-11-03T06:%02d:00Z" % i, confidence=0.5 + i / 20))
            results.append((r.status, r.json().get("id"), r.json().get("merged")))

        threads = [threading.Thread(target=push, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(r[0] for r in results), [200] * 7 + [201], results)
        self.assertEqual(len({r[1] for r in results}), 1, results)
        a = client("bureau").get(f"/api/alerts/{results[0][1]}").json()
        self.assertEqual(a["merged_count"], 8)
        self.assertAlmostEqual(a["confidence"], 0.85)
        self.assertEqual(a["last_seen_at"], "2026-11-03T06:07:00.000Z")


class Lifecycle(unittest.TestCase):
    def test_field_verification_and_closing(self):
        fid, ranger, natural_ha = _shared["loss"]
        ranger_a, town_a, town_b, bureau = client("ranger_a"), client("town_a"), client("town_b"), client("bureau")
        mine = ranger_a.get("/api/alerts/mine").json()
        self.assertEqual(mine["ranger"], ranger)
        task = next(t for t in mine["items"] if t["fid"] == fid)
        self.assertEqual(task["geometry"]["type"], "Polygon")
        self.assertTrue(117.0 < task["lon"] < 118.0 and 39.5 < task["lat"] < 40.5)
        # the ranger's list holds only his alerts; another's alert does not exist for him
        lst = ranger_a.get("/api/alerts").json()
        self.assertGreaterEqual(lst["total"], 1)
        self.assertEqual({a["ranger_code"] for a in lst["items"]}, {ranger})
        other = bureau.get("/api/alerts?status=verified").json()["items"][0]
        self.assertNotEqual(other["ranger_code"], ranger)
        self.assertEqual(ranger_a.get(f"/api/alerts/{other['fid']}").status, 404)
        self.assertEqual(ranger_a.get(f"/api/alerts/{fid}").json()["code"], task["code"])
        # a town user sees his town's alerts only
        self.assertEqual({a["town_code"] for a in town_a.get("/api/alerts").json()["items"]}, {TOWN_A})
        self.assertEqual(town_b.get(f"/api/alerts/{fid}").status, 404)

        path = f"/api/alerts/{fid}"
        r = ranger_a.request("POST", path + "/verify", {"result": "confirmed", "note": "现场发现林木被砍伐"})
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "photo"), r)
        r = ranger_a.request("POST", path + "/verify", {"result": "confirmed", "note": "x", "photo": "ab" * 32})
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "photo"), r)
        r = ranger_a.request("POST", "/api/attachments?filename=site.png", raw=PNG,
                             headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(r.status, 201, r)
        sha = r.json()["sha256"]
        self.assertEqual(ranger_a.request("POST", path + "/close", {"note": "x"}).status, 403)  # not a ranger's step
        self.assertEqual(ranger_a.request("POST", path + "/assign", {}).status, 403)
        self.assertEqual(bureau.request("POST", path + "/close", {"note": "x"}).status, 409)  # assigned → closed
        self.assertEqual(bureau.request("POST", path + "/assign", {"ranger": ranger}).status, 409)
        self.assertTrue(bureau.get("/api/stats").json()["ledger_consistent"])
        touched = {c: parcel(bureau, c)["area_ha"] for c in bureau.get(path).json()["parcel_codes"]}
        # a polygon alert: a loss short of its natural forest cannot be cut out of the map
        r = ranger_a.request("POST", path + "/verify", {"result": "confirmed", "note": "x", "photo": sha,
                                                         "loss_ha": round(natural_ha / 2, 4)})
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "loss_ha"), r)
        self.assertIn("loss_geometry", r.json()["error"]["message"])
        r = ranger_a.request("POST", path + "/verify", {"result": "confirmed", "note": "x", "photo": sha,
                                                         "loss_ha": natural_ha + 1})
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "loss_ha"), r)
        r = ranger_a.request("POST", path + "/verify", {"result": "confirmed", "note": "现场发现林木被砍伐", "photo": sha})
        self.assertEqual(r.status, 200, r)
        v = r.json()
        self.assertEqual((v["status"], v["result"], v["verify_photo"]), ("verified", "confirmed", sha))
        self.assertAlmostEqual(v["loss_ha"], natural_ha, delta=0.0002)  # the area cut (4-decimal areas)
        self.assertEqual(ranger_a.request("POST", path + "/verify", {"result": "false_alarm", "note": "x"}).status, 409)
        # the loss is cut out of the natural parcels: they shrank by it (§2)
        after = {c: parcel(bureau, c) for c in touched}
        shrunk = sum(touched[c] - (p["area_ha"] if p["status"] == "active" else 0) for c, p in after.items())
        self.assertGreater(v["loss_ha"], 1.0)
        self.assertAlmostEqual(shrunk, v["loss_ha"], places=3)
        # the ledger follows, per natural parcel, pointing at the verification event
        led = bureau.get("/api/area_ledger?limit=500").json()["items"]
        mine_rows = [x for x in led if v["code"] in (x.get("cause") or "")]
        self.assertGreaterEqual(len(mine_rows), 1)
        self.assertEqual({x["kind"] for x in mine_rows} - {"change", "loss"}, set())
        self.assertAlmostEqual(sum(x["delta_ha"] for x in mine_rows), -v["loss_ha"], places=4)
        self.assertTrue(set(x["parcel_code"] for x in mine_rows) <= set(v["parcel_codes"]))
        ev = bureau.get(f"/api/parcels?code={mine_rows[0]['parcel_code']}").json()["items"][0]["fid"]
        arch = bureau.get(f"/api/parcels/{ev}/archive").json()["events"]
        verify_ev = [e for e in arch if e["action"] == "alerts.verify"]
        self.assertEqual(len(verify_ev), 1)
        self.assertEqual(verify_ev[0]["seq"], mine_rows[0]["event_seq"])
        self.assertTrue(bureau.get("/api/stats").json()["ledger_consistent"])  # the registry and the ledger agree
        st = tblib.run("stats", "--json", db=_shared["db"])  # tianbao stats says so too
        self.assertEqual(st.code, 0, st)
        self.assertTrue(st.json()["ledger_consistent"])
        # closing: not the other town (for which it does not exist), not without a note; then once
        r = town_b.request("POST", path + "/close", {"note": "x"})
        self.assertEqual((r.status, r.json()["error"]["message"]), (404, f"alerts {fid}: no such record"))
        r = town_a.request("POST", path + "/close", {})
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "note"), r)
        r = town_a.request("POST", path + "/close", {"note": "已移交森林公安立案"})
        self.assertEqual((r.status, r.json()["status"]), (200, "closed"), r)
        self.assertEqual(town_a.request("POST", path + "/close", {"note": "again"}).status, 409)
        self.assertNotIn(fid, [t["fid"] for t in ranger_a.get("/api/alerts/mine").json()["items"]])
        # a new alert closed at the desk as a false alarm: the bureau only
        new = bureau.get("/api/alerts?status=new").json()["items"][0]
        tbserver.add_user(_shared["db"], "town_new", "town", new["town_code"], tmpdir=tblib.WORK)
        town = _shared["srv"].client()
        self.assertEqual(town.login("town_new").status, 200)
        r = town.request("POST", f"/api/alerts/{new['fid']}/close", {"note": "x"})  # its own town's, but new
        self.assertEqual(r.status, 403, r)
        r = bureau.request("POST", f"/api/alerts/{new['fid']}/close", {"note": "照片为晚霞，误报"})
        self.assertEqual((r.status, r.json()["result"]), (200, "false_alarm"), r)
        # every step logged
        events = bureau.get("/api/events?limit=200").json()
        events = events["items"] if isinstance(events, dict) else events
        acts = {e["action"] for e in events if e.get("entity_id") == v["code"]}
        self.assertTrue({"alerts.verify", "alerts.close"} <= acts, acts)


    def test_point_alert_loss_needs_a_polygon(self):
        # §2: a number alone cannot be cut out of the map; the lost area is mapped as a polygon
        cam, bureau = client(token=_shared["token"]), client("bureau")
        grid, x, y = grid_point(TOWN_A, 0)
        r = cam.request("POST", "/api/alerts", feature(x, y, observed_at="2026-11-05T08:00:00Z", external_id="CAM-9/0800"))
        self.assertEqual(r.status, 201, r)
        a = r.json()
        path = f"/api/alerts/{a['id']}"
        if a["status"] == "new":
            self.assertEqual(bureau.request("POST", path + "/assign", {}).status, 200)
        code = a["parcel_codes"][0]
        before = parcel(bureau, code)["area_ha"]
        r = bureau.request("POST", "/api/attachments?filename=fire.png", raw=PNG,
                           headers={"Content-Type": "application/octet-stream"})
        sha = r.json()["sha256"]
        body = {"result": "confirmed", "note": "火烧迹地，林木全部烧毁", "photo": sha, "loss_ha": 0.03}
        r = bureau.request("POST", path + "/verify", body)
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "loss_geometry"), r)
        self.assertIn("map the lost area as a polygon; the registry and the ledger must agree (§2)",
                      r.json()["error"]["message"])
        d = 0.0001  # ≈ 8.5 m × 11 m each way: 0.0002° × 0.0002° ≈ 0.038 ha around the point
        ring = [[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]
        r = bureau.request("POST", path + "/verify", dict(body, loss_geometry={"type": "Point", "coordinates": [x, y]}))
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "loss_geometry"), r)
        r = bureau.request("POST", path + "/verify", dict(body, loss_ha=5, loss_geometry={"type": "Polygon", "coordinates": [ring]}))
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "loss_ha"), r)
        self.assertEqual(parcel(bureau, code)["area_ha"], before)  # refused: nothing changed
        del body["loss_ha"]
        r = bureau.request("POST", path + "/verify", dict(body, loss_geometry={"type": "Polygon", "coordinates": [ring]}))
        self.assertEqual(r.status, 200, r)
        v = r.json()
        self.assertTrue(0.03 < v["loss_ha"] < 0.04, v["loss_ha"])  # the area actually cut
        self.assertAlmostEqual(before - parcel(bureau, code)["area_ha"], v["loss_ha"], places=4)
        self.assertTrue(bureau.get("/api/stats").json()["ledger_consistent"])
        # a fire put out with no forest lost: confirmed, loss 0, no ledger row
        grid, x2, y2 = grid_point(TOWN_A, 4)
        r = cam.request("POST", "/api/alerts", feature(x2, y2, observed_at="2026-11-06T08:00:00Z", external_id="CAM-9/0900"))
        self.assertEqual(r.status, 201, r)
        b = r.json()
        if b["status"] == "new":
            self.assertEqual(bureau.request("POST", f"/api/alerts/{b['id']}/assign", {}).status, 200)
        rows = bureau.get("/api/area_ledger?limit=1").json()["total"]
        r = bureau.request("POST", f"/api/alerts/{b['id']}/verify", {"result": "confirmed", "note": "明火已扑灭，未造成林木损失",
                                                                   "photo": sha})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["result"], r.json()["loss_ha"]), ("confirmed", 0))
        self.assertEqual(bureau.get("/api/area_ledger?limit=1").json()["total"], rows)
        self.assertTrue(bureau.get("/api/stats").json()["ledger_consistent"])


def parcel(c, code):
    return c.get(f"/api/parcels?code={code}").json()["items"][0]


class NotificationsAndSummary(unittest.TestCase):
    def test_notifications_per_caller(self):
        fid, ranger, _ = _shared["loss"]
        town_a, town_b, ranger_a, bureau = client("town_a"), client("town_b"), client("ranger_a"), client("bureau")
        n = town_a.get("/api/notifications?limit=100").json()
        self.assertGreater(len(n["items"]), 0)
        self.assertEqual({x["town_code"] for x in n["items"]}, {TOWN_A})
        self.assertNotIn("bureau", {x["recipient_kind"] for x in n["items"]})
        r = ranger_a.get("/api/notifications").json()
        self.assertGreater(len(r["items"]), 0)
        self.assertEqual({(x["recipient_kind"], x["recipient"]) for x in r["items"]}, {("ranger", ranger)})
        nid = r["items"][0]["fid"]
        self.assertEqual(town_b.request("POST", f"/api/notifications/{nid}/read", {}).status, 404)
        x = ranger_a.request("POST", f"/api/notifications/{nid}/read", {})
        self.assertEqual(x.status, 200, x)
        self.assertIsNotNone(x.json()["read_at"])
        self.assertEqual(ranger_a.get("/api/notifications").json()["unread"], r["unread"] - 1)
        b = bureau.get("/api/notifications?limit=1000").json()["items"]
        self.assertGreaterEqual(len(b), len(n["items"]))
        self.assertIn("bureau", {x["recipient_kind"] for x in b})  # the confirmed demo fire
        self.assertEqual(bureau.get("/api/notify_counters").status, 200)
        self.assertEqual(town_a.get("/api/notify_counters").status, 403)

    def test_summary(self):
        bureau, town_b = client("bureau"), client("town_b")
        s = bureau.get("/api/monitor/summary").json()
        total = bureau.get("/api/alerts").json()["total"]
        self.assertEqual(sum(s["alerts"][k] for k in ("new", "assigned", "verified", "closed")), total)
        self.assertEqual((s["sites"], s["plots"], s["surveys"]), (6, 13, 13))
        self.assertIsInstance(s["warnings"], list)
        t = town_b.get("/api/monitor/summary").json()  # 官庄镇: the demo's smoke alert
        tb_total = town_b.get("/api/alerts").json()["total"]
        self.assertEqual(sum(t["alerts"][k] for k in ("new", "assigned", "verified", "closed")), tb_total)
        self.assertLess(tb_total, total)
        self.assertEqual({w["town_code"] for w in t["warnings"]} - {TOWN_B}, set())


class Sites(unittest.TestCase):
    def test_sites_plots_indicators(self):
        bureau, town_a, town_b = client("bureau"), client("town_a"), client("town_b")
        sites = bureau.get("/api/monitor_sites").json()
        self.assertEqual(sites["total"], 6)
        self.assertEqual(sorted(s["kind"] for s in sites["items"]).count("station"), 1)
        sv = bureau.get("/api/plot_surveys?plot_code=JZ-MP-1-YD01").json()["items"][0]
        ind = bureau.get(f"/api/plot_surveys/{sv['fid']}/indicators").json()
        for k in ("stems_ha", "basal_area_m2_ha", "mean_dbh_cm", "qmd_cm", "shannon", "volume_m3_ha"):
            self.assertGreater(ind[k], 0, k)
        self.assertGreaterEqual(ind["qmd_cm"], ind["mean_dbh_cm"])  # always, for any tally
        self.assertAlmostEqual(sum(s["stems_ha"] for s in ind["species"]), ind["stems_ha"], places=2)
        self.assertEqual(town_a.get(f"/api/plot_surveys/{sv['fid']}/indicators").status, 200)  # 下营镇's own
        self.assertEqual(town_b.get(f"/api/plot_surveys/{sv['fid']}/indicators").status, 404)
        site = {"code": "JZ-MP-9", "name": "测试监测点", "kind": "point", "town_code": TOWN_A, "lon": 117.5, "lat": 40.15}
        self.assertEqual(town_a.request("POST", "/api/monitor_sites", site).status, 403)
        r = bureau.request("POST", "/api/monitor_sites", dict(site, kind="tower"))
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "kind"), r)
        r = bureau.request("POST", "/api/monitor_sites", site)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(bureau.get(f"/api/monitor_sites/{r.json()['fid']}?geometry=true").json()["geometry"]["coordinates"],
                         [117.5, 40.15])


if __name__ == "__main__":
    unittest.main()
