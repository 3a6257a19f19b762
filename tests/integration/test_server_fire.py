"""Fire danger and pests over HTTP on a real server (§3.1.3): the weather
bureau pushes a station's days with an API token (JSON, and CSV with
?station=), other roles are refused, a bad push changes nothing and lists
every problem, /api/fire/danger gives each station's latest level with its
colour, pest surveys are graded (infested-tree rate, 成灾) within the
caller's jurisdiction, and /api/pests/status reports degree days and the
warnings."""
import csv
import os
import sqlite3
import unittest

import tblib
import tbserver
from tblib import TbCase

REF = os.path.join(tblib.SRC, "tests", "fixtures", "fire", "cffdrs_fwi_01.csv")
TOWN_A, TOWN_B = tbserver.TOWN_A, tbserver.TOWN_B  # 下营镇 (station A1201), 官庄镇 (station 54428)
_shared = {}


def setUpModule():
    work = os.path.join(tblib.WORK, "server_fire")
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "fire.gpkg")
    for sfx in ("", "-wal", "-shm"):
        if os.path.exists(db + sfx):
            os.remove(db + sfx)
    # the demo's own fire-season weather goes into 2025; this test's series is 2026
    tbserver.demo_with_users(db, work, demo_env={"TIANBAO_NOW": "2025-12-01T00:00:00Z"})
    _shared["db"] = db
    _shared["token"] = tbserver.add_token(db, "department", "气象局 weather feed")
    _shared["srv"] = tbserver.Server(db)


def tearDownModule():
    _shared["srv"].stop()


def reference():
    with open(REF) as f:
        return list(csv.DictReader(f))


def records(rows, year=2026):
    return [{"date": "%d-%02d-%02d" % (year, int(d["MON"]), int(d["DAY"])), "temp": float(d["TEMP"]), "rh": float(d["RH"]),
             "wind": float(d["WS"]), "rain": float(d["PREC"])} for d in rows]


class FireServer(TbCase):
    def client(self, login=None, token=None):
        """A client per login, logged in once (logins are rate-limited)."""
        if login and login in _shared.setdefault("clients", {}):
            return _shared["clients"][login]
        c = _shared["srv"].client()
        if login:
            self.assertEqual(c.login(login).status, 200)
            _shared["clients"][login] = c
        c.token = token
        return c

    def count(self, sql, *args):
        con = sqlite3.connect(_shared["db"])
        n = con.execute(sql, args).fetchone()[0]
        con.close()
        return n

    def test_1_push_and_danger(self):
        bureau = self.client(token=_shared["token"])
        ref = reference()
        r = bureau.request("POST", "/api/weather", {"station": "54428", "records": records(ref[:25])})
        self.assertEqual(r.status, 201, r)
        body = r.json()
        self.assertEqual((body["stored"], body["from"], body["to"]), (25, "2026-04-13", "2026-05-07"))
        self.assertAlmostEqual(body["danger"][-1]["fwi"], float(ref[24]["FWI"]), delta=0.1)
        self.assertEqual(body["danger"][-1]["level"], 5)
        self.assertEqual(body["warnings"]["due"], 3)  # 05-05 (4), 05-06 (4), 05-07 (5)
        w = body["warnings"]
        self.assertGreaterEqual(w["sent"] + w["suppressed"] + w["failed"], 3 * 8)  # 8 towns and their rangers
        # the mountain station as CSV
        text = "date,temp,rh,wind,rain,tmax,tmin\n" + "".join(
            "%s,%s,%s,%s,%s,%s,%s\n" % (x["date"], x["temp"], x["rh"], x["wind"], x["rain"], x["temp"] + 5, x["temp"] - 6)
            for x in records(ref[:10]))
        r = bureau.request("POST", "/api/weather?station=A1201", raw=text.encode(), headers={"Content-Type": "text/csv"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["stored"], 10)
        d = self.client("leader").get("/api/fire/danger?date=2026-05-06").json()
        by = {x["station"]: x for x in d}
        self.assertEqual(by["54428"]["date"], "2026-05-06")
        self.assertEqual((by["54428"]["level"], by["54428"]["colour_zh"], by["54428"]["name_zh"]), (4, "橙", "四级 高火险"))
        self.assertAlmostEqual(by["54428"]["fwi"], float(ref[23]["FWI"]), delta=0.1)
        self.assertEqual(by["A1201"]["date"], "2026-04-22")  # its latest day on or before
        self.assertEqual(by["A1201"]["name"], "下营区域自动气象站")
        # before the pushed series the latest day is the demo's 2025 season (ends 30 April)
        self.assertEqual({x["date"] for x in self.client("town_a").get("/api/fire/danger?date=2026-04-12").json()},
                         {"2025-04-30"})
        self.assertEqual(self.client("bureau").get("/api/fire/danger?date=2026-13-01").status, 422)
        lst = self.client("ranger_a").get("/api/weather?station=54428&date.ge=2026-01-01&limit=5").json()
        self.assertEqual(lst["total"], 25)
        self.assertEqual(self.client("bureau").get("/api/fire_danger?station=A1201&date.ge=2026-01-01").json()["total"], 10)

    def test_2_refused(self):
        c = self.client("town_a")
        r = c.request("POST", "/api/weather", {"station": "54428", "records": records(reference()[:1])})
        self.assertEqual(r.status, 403, r)
        r = self.client().request("POST", "/api/weather", {"station": "54428", "records": []})
        self.assertEqual(r.status, 401, r)
        before = self.count("SELECT count(*) FROM weather")
        bad = records(reference()[30:33])
        bad[0]["rh"] = 140
        bad[2]["wind"] = -1
        r = self.client(token=_shared["token"]).request("POST", "/api/weather", {"station": "54428", "records": bad})
        self.assertEqual(r.status, 422, r)
        err = r.json()["error"]
        self.assertEqual(err["count"], 2)
        self.assertEqual([(e["record"], e["field"]) for e in err["errors"]], [("records[0]", "rh"), ("records[2]", "wind")])
        self.assertEqual(self.count("SELECT count(*) FROM weather"), before)
        r = self.client(token=_shared["token"]).request("POST", "/api/weather", {"station": "X", "records": bad})
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "station"))

    def test_3_surveys_and_status(self):
        parcel = sqlite3.connect(_shared["db"]).execute(
            "SELECT code FROM parcels WHERE xiang=? ORDER BY code LIMIT 1", (TOWN_A,)).fetchone()[0]
        ranger = self.client("ranger_a")
        survey = {"properties": {"parcel_code": parcel, "town_code": TOWN_A, "date": "2026-05-20", "species": "fall_webworm",
                                 "trees_surveyed": 200, "trees_infested": 5, "leaf_loss_pct": 25, "surveyor": "护林员"}}
        r = ranger.request("POST", "/api/pest_surveys", survey)
        self.assertEqual(r.status, 201, r)
        s = r.json()
        self.assertEqual((s["infested_rate_pct"], s["grade"], s["disaster"], s["level"]), (2.5, "moderate", True, 5))
        # 成灾: the town and its active rangers are warned at once
        w = s["warnings"]
        self.assertEqual(w["due"], 1)
        self.assertGreaterEqual(w["sent"] + w["suppressed"] + w["failed"], 2)
        self.assertEqual(self.count("SELECT count(*) FROM notifications WHERE ref=?", "pest_survey/%d" % s["fid"]),
                         w["sent"])
        light = {"properties": dict(survey["properties"], trees_infested=1, leaf_loss_pct=5)}
        r = ranger.request("POST", "/api/pest_surveys", light)
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json()["grade"], r.json()["level"]), ("light", 2))
        self.assertNotIn("warnings", r.json())
        # another town's parcel is outside town_b's jurisdiction
        r = self.client("town_b").request("POST", "/api/pest_surveys", survey)
        self.assertEqual(r.status, 403, r)
        bad = {"properties": dict(survey["properties"], trees_infested=300)}
        r = ranger.request("POST", "/api/pest_surveys", bad)
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "trees_infested"))
        bad = {"properties": dict(survey["properties"], town_code=TOWN_B)}
        r = self.client("bureau").request("POST", "/api/pest_surveys", bad)
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "town_code"))
        trap = {"geometry": {"type": "Point", "coordinates": [117.47, 40.18]},
                "properties": {"site": "XY-T1", "town_code": TOWN_A, "date": "2026-05-21", "species": "fall_webworm", "count": 64}}
        r = ranger.request("POST", "/api/pest_traps", trap)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["warnings"]["due"], 1)  # 64 moths ≥ 50
        st = self.client("leader").get("/api/pests/status?date=2026-05-30").json()
        self.assertEqual(st["date"], "2026-05-30")
        jz = next(x for x in st["stations"] if x["station"] == "54428")["species"][0]
        dd = sum(max(0.0, float(d["TEMP"]) - 10) for d in reference()[:25])
        self.assertAlmostEqual(jz["degree_days"], dd, delta=0.05)
        self.assertAlmostEqual(dd, 145.0)  # below the first stage (160): no stage, no stage warning
        self.assertIsNone(jz["stage"])
        self.assertEqual(jz["next"]["code"], "g0_adult")
        self.assertAlmostEqual(jz["next"]["remaining_dd"], 15.0, delta=0.05)
        self.assertEqual([x["parcel_code"] for x in st["surveys"]], [parcel, parcel])
        kinds = {w["kind"]: w for w in st["warnings"]}
        self.assertEqual(kinds["disaster"]["level"], 5)
        self.assertIn("成灾", kinds["disaster"]["text_zh"])
        self.assertEqual(kinds["trap"]["towns"], TOWN_A)
        self.assertNotIn("stage", kinds)
        self.assertEqual(self.client("bureau").get("/api/pests/status?station=nope").status, 422)
        n = self.client("bureau").request("POST", "/api/pests/notify?date=2026-05-30")
        self.assertEqual(n.status, 200, n)
        self.assertEqual(n.json()["notified"]["due"], len(st["warnings"]))
        self.assertEqual(self.client("town_a").request("POST", "/api/pests/notify?date=2026-05-30").status, 403)


if __name__ == "__main__":
    unittest.main(verbosity=2)
