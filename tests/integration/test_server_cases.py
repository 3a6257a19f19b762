"""The public reporting line and cases of §3.5 through the real server: an
anonymous report with a solved proof-of-work challenge accepted and
followed by its receipt code; a missing, wrong, forged or spent challenge
refused; the per-address hourly limit (data, overridable by a setting)
answered 429; a 20 MB photo and a non-image refused with nothing stored;
the reporter's name and phone absent from lists, records, exports, OGC
items, events and the status page, readable by the bureau and the police
only (not audit, not a town); duplicates near in place and time grouped;
staff entry of a telephone report; wrong town and wrong role refused;
cases from a report and from a confirmed alert through each type's path
(administrative, criminal with the police, litigation, rectification),
invalid moves 409 with nothing changed, one event per step, the timeline,
overdue detection with a fixed date."""
import hashlib
import itertools
import json
import os
import sqlite3
import unittest

import tblib
import tbserver
from tblib import run
from tbserver import TOWN_A, TOWN_B, Server

_shared = {}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NAME, PHONE = "张某甲", "13912345678"


def b64(data):
    import base64
    return base64.b64encode(data).decode()


def setUpModule():
    d = os.path.join(tblib.WORK, f"cases-{os.getpid()}")
    os.makedirs(d, exist_ok=True)
    db = os.path.join(d, "demo.gpkg")
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db + ext):
            os.remove(db + ext)
    tbserver.demo_with_users(db, d)
    for login, unit in (("police", "D-GAJ"), ("audit", "D-SJJ")):
        pw = os.path.join(d, "pw-" + login)
        with open(pw, "w") as f:
            f.write(tbserver.PASSWORD + "\n")
        r = run("user", "add", login, "--role", "department", "--unit", unit, "--password-file", pw, db=db,
                env={"TIANBAO_PWHASH_FAST": "1"})
        assert r.code == 0, r
    set_limit(db, 1000)
    _shared["db"], _shared["dir"] = db, d
    _shared["srv"] = Server(db, settings=["rate_login=1000", "login_max_fail_ip=1000", "rate_public=1000"])
    from osgeo import ogr
    _shared["points"] = {}
    ds = ogr.Open(db)
    for town in (TOWN_A, TOWN_B):  # a point inside each town: on its largest natural parcel
        lyr = ds.ExecuteSQL(f"SELECT geom FROM parcels WHERE xiang='{town}' AND natural=1 ORDER BY area_ha DESC LIMIT 1")
        f = lyr.GetNextFeature()
        pt = f.GetGeometryRef().PointOnSurface()
        _shared["points"][town] = (pt.GetX(), pt.GetY())
        f = None
        ds.ReleaseResultSet(lyr)
    ds = None


def tearDownModule():
    code, err = _shared["srv"].stop()
    assert code == 0, err


def set_limit(db, n):
    con = sqlite3.connect(db)
    con.execute("INSERT INTO tb_setting(key, value) VALUES('report_reports_per_ip_per_hour', ?)"
                " ON CONFLICT(key) DO UPDATE SET value=excluded.value", (str(n),))
    con.commit()
    con.close()


def client(login=None):
    c = _shared["srv"].client()
    if login:
        assert c.login(login).status == 200, login
    return c


def solve(c=None):
    c = c or client()
    r = c.get("/api/reports/challenge")
    assert r.status == 200, r
    ch, bits = r.json()["challenge"], r.json()["bits"]
    assert bits == 16  # data/jizhou/cases.json
    for n in itertools.count():
        h = hashlib.sha256(f"{ch}:{n}".encode()).digest()
        if int.from_bytes(h, "big") >> (256 - bits) == 0:
            return ch, str(n)


def public_report(town=TOWN_A, solved=None, dlon=0.0, **kw):
    lon, lat = _shared["points"][town]
    ch, nonce = solved or solve()
    body = {"kind": "illegal_logging", "description": "山坡上有人盗伐栎树", "lon": lon + dlon, "lat": lat,
            "seen_at": "2026-11-20T08:00:00Z", "challenge": ch, "nonce": nonce}
    body.update(kw)
    return client().request("POST", "/api/reports/public", body)


def count(sql, *args):
    con = sqlite3.connect(_shared["db"])
    n = con.execute(sql, args).fetchone()[0]
    con.close()
    return n


def report_fid(code):
    return count("SELECT fid FROM reports WHERE code=?", code)


def case_fid(code):
    return count("SELECT fid FROM cases WHERE code=?", code)


class PublicReport(unittest.TestCase):
    def test_anonymous_report_and_receipt(self):
        r = public_report(name=NAME, phone=PHONE, photos=[{"name": "a.png", "data": b64(PNG)}])
        self.assertEqual(r.status, 201, r)
        code = r.json()["code"]
        self.assertRegex(code, r"^JB[2-9A-HJ-NP-Z]{10}$")
        self.assertEqual(r.json()["status"], "received")
        self.assertEqual(r.headers["location"], "/report/" + code)
        s = client().get("/api/reports/public/" + code)
        self.assertEqual(s.status, 200, s)
        self.assertEqual(set(s.json()), {"code", "kind", "status", "status_zh", "status_en", "public_reply",
                                         "received_at", "updated_at"})
        self.assertEqual(s.json()["status_zh"], "已受理")
        self.assertEqual(client().get("/api/reports/public/JB2222222222").status, 404)
        # fids are not receipt codes
        self.assertEqual(client().get(f"/api/reports/public/{report_fid(code)}").status, 404)
        # the photo is stored, named in the report's one event, readable by the bureau
        sha = hashlib.sha256(PNG).hexdigest()
        rec = client("bureau").get(f"/api/reports/{report_fid(code)}").json()
        self.assertEqual(rec["photo1"], sha)
        self.assertEqual(rec["town_code"], TOWN_A)
        self.assertEqual(rec["channel"], "online")
        self.assertTrue(rec["has_contact"])
        self.assertEqual(client("bureau").get("/api/attachments/" + sha).body, PNG)
        self.assertEqual(count("SELECT count(*) FROM tb_event WHERE entity='reports' AND entity_id=?", code), 1)
        ev = json.loads(count("SELECT payload FROM tb_event WHERE entity_id=?", code))
        self.assertEqual(ev["photos"], [sha])
        # the public reaches no list
        self.assertEqual(client().get("/api/reports").status, 401)

    def test_challenge_refusals(self):
        before = count("SELECT count(*) FROM reports")
        r = public_report(solved=("", ""))
        self.assertEqual((r.status, r.json()["error"]["field"]), (403, "challenge"), r)
        ch, nonce = solve()
        r = public_report(solved=(ch, str(int(nonce) + 1) + "x"))
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"]["field"], "nonce")
        self.assertIn("16 zero bits", r.json()["error"]["message"])
        forged = ch[:-64] + "0" * 64
        self.assertEqual(public_report(solved=(forged, nonce)).json()["error"]["field"], "challenge")
        easier = ch.replace(".16.", ".1.", 1)
        self.assertEqual(public_report(solved=(easier, nonce)).status, 403)
        self.assertEqual(count("SELECT count(*) FROM reports"), before)
        self.assertEqual(public_report(solved=(ch, nonce)).status, 201)
        r = public_report(solved=(ch, nonce))  # spent
        self.assertEqual(r.status, 403, r)
        self.assertIn("used already", r.json()["error"]["message"])
        self.assertEqual(count("SELECT count(*) FROM reports"), before + 1)

    def test_photo_size_and_type(self):
        before = (count("SELECT count(*) FROM reports"), count("SELECT count(*) FROM tb_attachment"),
                  count("SELECT count(*) FROM tb_event"))
        big = b"\xff\xd8\xff\xe0" + b"\x00" * (20 << 20)
        r = public_report(photos=[{"name": "big.jpg", "data": b64(big)}])
        self.assertEqual(r.status, 413, r)
        self.assertEqual(r.json()["error"]["field"], "photos")
        self.assertIn("larger than 5.0 MiB", r.json()["error"]["message"])
        r = public_report(photos=[{"name": "x.txt", "data": b64(b"just some text, not an image")}])
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "photos"), r)
        r = public_report(photos=[{"name": "doc.pdf", "data": b64(b"%PDF-1.4 ...")}])
        self.assertEqual(r.status, 422, r)
        r = public_report(photos=[{"name": "p.png", "data": b64(PNG)}] * 4)
        self.assertEqual((r.status, r.json()["error"]["message"]), (413, "report: at most 3 photos"), r)
        after = (count("SELECT count(*) FROM reports"), count("SELECT count(*) FROM tb_attachment"),
                 count("SELECT count(*) FROM tb_event"))
        self.assertEqual(after, before)

    def test_bad_input_names_the_field(self):
        cases = [({"kind": "ufo"}, "kind"), ({"description": ""}, "description"),
                 ({"description": "树" * 2001}, "description"), ({"lon": 100.0, "lat": 30.0}, "lon"),
                 ({"seen_at": "2099-01-01T00:00:00Z"}, "seen_at"), ({"phone": "1" * 41}, "phone")]
        for patch, field in cases:
            r = public_report(**patch)
            self.assertIn(r.status, (413, 422), (patch, r))
            self.assertEqual(r.json()["error"]["field"], field, patch)
        r = client().request("POST", "/api/reports/public", {"kind": "fire", "description": "冒烟", "challenge": "x", "nonce": "1"})
        self.assertEqual(r.json()["error"]["field"], "place")

    def test_place_name_only(self):
        r = public_report(lon=None, lat=None, place="九山顶东侧山谷", kind="fire")
        self.assertEqual(r.status, 201, r)
        rec = client("bureau").get(f"/api/reports/{report_fid(r.json()['code'])}").json()
        self.assertEqual(rec["place_name"], "九山顶东侧山谷")
        self.assertIsNone(rec.get("town_code"))

    def test_duplicates_grouped(self):
        a = public_report(kind="land_occupation", seen_at="2026-11-10T08:00:00Z")
        b = public_report(kind="land_occupation", dlon=0.001, seen_at="2026-11-11T09:00:00Z")  # ~85 m, 25 h later
        c = public_report(kind="land_occupation", dlon=0.006, seen_at="2026-11-11T09:00:00Z")  # ~510 m
        d = public_report(kind="land_occupation", dlon=0.001, seen_at="2026-11-20T09:00:00Z")  # 10 days later
        e = public_report(kind="fire", dlon=0.001, seen_at="2026-11-10T09:00:00Z")  # another kind
        for r in (a, b, c, d, e):
            self.assertEqual(r.status, 201, r)
        ga = a.json()["group_code"]
        self.assertEqual(ga, a.json()["code"])
        self.assertEqual((b.json()["group_code"], b.json()["duplicates"]), (ga, 1))
        for r in (c, d, e):
            self.assertEqual(r.json()["group_code"], r.json()["code"])
        items = client("bureau").get("/api/reports?group_code=" + ga).json()["items"]
        self.assertEqual(sorted(i["code"] for i in items), sorted([a.json()["code"], b.json()["code"]]))

    def test_staff_entry_of_phone_report(self):
        lon, lat = _shared["points"][TOWN_B]
        body = {"channel": "phone", "kind": "pests", "description": "松树成片枯黄", "lon": lon, "lat": lat,
                "name": NAME, "phone": PHONE}
        r = client("bureau").request("POST", "/api/reports", body)
        self.assertEqual(r.status, 201, r)
        rec = client("bureau").get(f"/api/reports/{report_fid(r.json()['code'])}").json()
        self.assertEqual((rec["channel"], rec["received_by"], rec["town_code"]), ("phone", "bureau", TOWN_B))
        self.assertEqual(client("town_a").request("POST", "/api/reports", body).status, 403)
        r = client("bureau").request("POST", "/api/reports", dict(body, channel="online"))
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "channel"))
        r = client("bureau").request("POST", "/api/reports", dict(body, channel="fax"))
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "channel"))


class Privacy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        r = public_report(name=NAME, phone=PHONE, kind="destruction")
        assert r.status == 201, r
        cls.code = r.json()["code"]
        cls.fid = report_fid(cls.code)

    def assertNoContact(self, r):
        self.assertEqual(r.status, 200, r)
        text = r.body.decode("utf-8", "replace")
        self.assertNotIn(NAME, text)
        self.assertNotIn(PHONE, text)

    def test_absent_from_every_other_output(self):
        for login in ("bureau", "admin", "leader", "police", "audit", "town_a"):
            c = client(login)
            r = c.get("/api/reports?limit=1000")
            self.assertNoContact(r)
            self.assertIn(self.code, r.body.decode())
            self.assertNoContact(c.get(f"/api/reports/{self.fid}"))
            self.assertNoContact(c.get("/api/events?limit=500"))
            for fmt in ("geojson", "csv", "gpkg"):
                self.assertNoContact(c.get(f"/api/export/reports?format={fmt}"))
            r = c.get("/ogc/collections/reports/items?limit=1000")  # not an OGC collection at all
            self.assertEqual(r.status, 404, r)
            self.assertNotIn(PHONE, r.body.decode())
            self.assertNoContact(c.get("/api/schema"))
        self.assertNoContact(client().get("/api/reports/public/" + self.code))
        # nor in the event log itself
        self.assertEqual(count("SELECT count(*) FROM tb_event WHERE payload LIKE ? OR payload LIKE ?",
                               f"%{NAME}%", f"%{PHONE}%"), 0)

    def test_contact_for_bureau_and_police_only(self):
        for login in ("bureau", "admin", "police"):
            r = client(login).get(f"/api/reports/{self.fid}/contact")
            self.assertEqual((r.status, r.json()), (200, {"name": NAME, "phone": PHONE}), login)
        for login in ("audit", "department", "leader", "town_a", "unit_a", "ranger_a"):
            r = client(login).get(f"/api/reports/{self.fid}/contact")
            self.assertEqual(r.status, 403, (login, r))
        self.assertEqual(client().get(f"/api/reports/{self.fid}/contact").status, 401)

    def test_wrong_town(self):
        self.assertEqual(client("town_b").get(f"/api/reports/{self.fid}").status, 404)
        codes = [i["code"] for i in client("town_b").get("/api/reports?limit=1000").json()["items"]]
        self.assertNotIn(self.code, codes)
        self.assertEqual(client("town_b").request("POST", f"/api/reports/{self.fid}/verify", {}).status, 404)
        self.assertEqual(client("town_a").get(f"/api/reports/{self.fid}").status, 200)


class RateLimit(unittest.TestCase):
    def tearDown(self):
        set_limit(_shared["db"], 1000)

    def test_hourly_limit_per_address(self):
        n = count("SELECT count(*) FROM reports WHERE ip_hash IS NOT NULL")  # all came from 127.0.0.1
        set_limit(_shared["db"], n + 1)
        self.assertEqual(public_report(kind="hazard").status, 201)
        before = count("SELECT count(*) FROM reports")
        r = public_report(kind="hazard")
        self.assertEqual(r.status, 429, r)
        self.assertEqual(r.json()["error"]["field"], "rate")
        self.assertEqual(r.headers["retry-after"], "3600")
        self.assertEqual(count("SELECT count(*) FROM reports"), before)
        # staff entries are not the public form's
        lon, lat = _shared["points"][TOWN_A]
        r = client("bureau").request("POST", "/api/reports", {"channel": "letter", "kind": "hazard",
                                                              "description": "来信反映", "lon": lon, "lat": lat})
        self.assertEqual(r.status, 201, r)


def act(login, fid, action, **kw):
    body = {"action": action, "note": f"{action} 办理意见"}
    body.update(kw)
    return client(login).request("POST", f"/api/cases/{fid}/act", body)


class Cases(unittest.TestCase):
    def open_from_report(self, type_, town=TOWN_A):
        r = public_report(town=town, kind="destruction")
        self.assertEqual(r.status, 201, r)
        code = r.json()["code"]
        c = client("bureau").request("POST", "/api/cases", {"type": type_, "title": "盗伐天然林 " + type_,
                                                            "source": "report", "source_ref": code})
        self.assertEqual(c.status, 201, c)
        return code, c.json()

    def test_administrative_path(self):
        rcode, c = self.open_from_report("administrative")
        fid = c["fid"]
        self.assertEqual((c["status"], c["town_code"], c["source_ref"]), ("registered", TOWN_A, rcode))
        self.assertRegex(c["code"], r"^AJ-\d{4}-\d{4}$")
        self.assertEqual(client().get("/api/reports/public/" + rcode).json()["status"], "accepted")
        self.assertEqual(client("bureau").get(f"/api/reports/{report_fid(rcode)}").json()["case_code"], c["code"])
        # a report is accepted once
        r = client("bureau").request("POST", "/api/cases", {"type": "administrative", "title": "again",
                                                            "source": "report", "source_ref": rcode})
        self.assertEqual(r.status, 409, r)
        self.assertEqual(client("bureau").get(f"/api/cases/{fid}").json()["next"], "investigate")
        # invalid move: 409, nothing changed
        ev_sql = "SELECT count(*) FROM tb_event WHERE entity IN ('cases','reports') AND seq>?"  # logins log too
        seq0 = count("SELECT max(seq) FROM tb_event")
        r = act("bureau", fid, "close", outcome="penalty")
        self.assertEqual((r.status, r.json()["error"]["field"]), (409, "status"), r)
        r = act("bureau", fid, "transfer")
        self.assertEqual(r.status, 409, r)
        self.assertEqual(count(ev_sql, seq0), 0)
        self.assertEqual(count("SELECT version FROM cases WHERE fid=?", fid), 1)
        self.assertEqual(act("bureau", fid, "investigate").status, 200)
        self.assertEqual(count(ev_sql, seq0), 1)
        r = act("bureau", fid, "transfer")  # not on an administrative case's path
        self.assertEqual(r.status, 409, r)
        self.assertIn("administrative case does not take the step transfer", r.json()["error"]["message"])
        r = act("bureau", fid, "decide")
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "decision"))
        r = act("town_a", fid, "decide", decision="罚款")
        self.assertEqual(r.status, 403, r)
        r = act("bureau", fid, "decide", decision="责令补种并处罚款", penalty_yuan=12000)
        self.assertEqual((r.status, r.json()["penalty_yuan"], r.json()["status"]), (200, 12000, "decided"), r)
        r = act("bureau", fid, "close", outcome="nonsense")
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "outcome"))
        r = act("bureau", fid, "close", outcome="penalty")
        self.assertEqual((r.json()["status"], r.json()["outcome"]), ("closed", "penalty"), r)
        self.assertEqual(client().get("/api/reports/public/" + rcode).json()["status"], "closed")
        t = client("bureau").get(f"/api/cases/{fid}/timeline").json()["items"]
        self.assertEqual([x["action"] for x in t], ["cases.create", "cases.investigate", "cases.decide", "cases.close"])
        self.assertEqual([x["status"] for x in t], ["registered", "investigating", "decided", "closed"])
        self.assertEqual(t[2]["note"], "decide 办理意见")

    def test_criminal_path_with_the_police(self):
        _, c = self.open_from_report("criminal")
        fid = c["fid"]
        self.assertEqual(act("town_a", fid, "investigate").status, 200)
        self.assertEqual(act("bureau", fid, "transfer").json()["status"], "transferred")
        r = act("bureau", fid, "police_accept", police_case_no="蓟公林立字〔2026〕1号")
        self.assertEqual(r.status, 403, r)  # role
        r = act("audit", fid, "police_accept", police_case_no="x")
        self.assertEqual(r.status, 403, r)  # duty
        self.assertIn("only the police", r.json()["error"]["message"])
        r = act("police", fid, "police_accept")
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "police_case_no"))
        r = act("police", fid, "police_accept", police_case_no="蓟公林立字〔2026〕1号")
        self.assertEqual((r.status, r.json()["status"]), (200, "police_accepted"), r)
        r = act("police", fid, "police_close", outcome="criminal_filed")
        self.assertEqual((r.json()["status"], r.json()["outcome"]), ("closed", "criminal_filed"))
        self.assertEqual(count("SELECT role FROM tb_event WHERE entity_id=? AND action='cases.police_close'",
                               c["code"]), "department")

    def test_litigation_and_rectification(self):
        _, c = self.open_from_report("litigation")
        fid = c["fid"]
        act("bureau", fid, "investigate")
        self.assertEqual(act("bureau", fid, "refer").json()["status"], "referred")
        self.assertEqual(act("bureau", fid, "close", outcome="litigation_filed").json()["status"], "closed")
        _, c = self.open_from_report("rectification")
        fid = c["fid"]
        r = act("bureau", fid, "investigate")
        self.assertEqual(r.status, 409, r)
        r = act("bureau", fid, "order")
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "responsible_unit"))
        r = act("bureau", fid, "order", responsible_unit=TOWN_A, deadline="2026-12-31")
        self.assertEqual((r.json()["status"], r.json()["deadline"], r.json()["responsible_unit"]),
                         ("rectifying", "2026-12-31", TOWN_A), r)
        self.assertEqual(act("town_b", fid, "report_done").status, 404)
        self.assertEqual(act("town_a", fid, "report_done").json()["status"], "rechecking")
        self.assertEqual(act("town_a", fid, "recheck_pass").status, 403)
        r = act("bureau", fid, "recheck_fail", deadline="2027-01-15")
        self.assertEqual((r.json()["status"], r.json()["deadline"]), ("rectifying", "2027-01-15"))
        over = client("bureau").get("/api/cases/overdue?today=2027-01-20").json()["items"]
        mine = [x for x in over if x["fid"] == fid]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["days_overdue"], 5)
        self.assertNotIn(fid, [x["fid"] for x in client("bureau").get("/api/cases/overdue?today=2027-01-15").json()["items"]])
        self.assertNotIn(fid, [x["fid"] for x in client("town_b").get("/api/cases/overdue?today=2027-01-20").json()["items"]])
        self.assertEqual(client("bureau").get("/api/cases/overdue?today=20270120").status, 400)
        # reminders of the overdue step: the bureau sends them, the town hears of its case only
        self.assertEqual(client("town_a").request("POST", "/api/cases/overdue/notify?today=2027-01-20").status, 403)
        r = client("bureau").request("POST", "/api/cases/overdue/notify?today=2027-01-20")
        self.assertEqual(r.status, 200, r)
        self.assertGreaterEqual(r.json()["overdue"], 1)
        self.assertGreaterEqual(r.json()["sent"], 2)
        ref = "cases/%s/2027-01-15" % c["code"]
        mine = [x for x in client("town_a").get("/api/notifications").json()["items"] if x.get("ref") == ref]
        self.assertEqual([(x["kind"], x["level"]) for x in mine], [("case_overdue", 3)])
        self.assertIn("已超期 5 天", mine[0]["text_zh"])
        self.assertNotIn(ref, [x.get("ref") for x in client("town_b").get("/api/notifications").json()["items"]])
        r = client("bureau").request("POST", "/api/cases/overdue/notify?today=2027-01-20")
        self.assertEqual((r.json()["sent"], r.json()["skipped"]), (0, 2 * r.json()["overdue"]), r.json())
        self.assertEqual(client("bureau").request("POST", "/api/cases/overdue/notify?today=2027-1-20").status, 400)
        act("town_a", fid, "report_done")
        r = act("bureau", fid, "recheck_pass")
        self.assertEqual((r.json()["status"], r.json()["outcome"]), ("closed", "rectified"))

    def test_case_from_confirmed_alert(self):
        con = sqlite3.connect(_shared["db"])
        code, town, loss = con.execute("SELECT code, town_code, loss_ha FROM alerts WHERE result='confirmed'").fetchone()
        unconfirmed = con.execute("SELECT code FROM alerts WHERE result IS NULL OR result<>'confirmed'").fetchone()[0]
        con.close()
        r = client("bureau").request("POST", "/api/cases", {"type": "administrative", "title": "卫星发现毁林",
                                                            "source": "alert", "source_ref": code})
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json()["town_code"], r.json()["damaged_ha"]), (town, round(loss, 4)))
        r = client("bureau").request("POST", "/api/cases", {"type": "administrative", "title": "x",
                                                            "source": "alert", "source_ref": unconfirmed})
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "source_ref"))
        self.assertIn("not confirmed", r.json()["error"]["message"])

    def test_tenures(self):
        """Officials: the bureau records who held a post; one holder at a time; a town sees its own."""
        b = client("bureau")
        self.assertGreaterEqual(len(b.get("/api/positions?limit=100").json()["items"]), 13)
        r = b.request("POST", "/api/tenures", {"position_code": "P-QZ", "person_code": "GB-T1",
                                               "person_name": "周某戊", "start_date": "2021-01-01",
                                               "end_date": "2025-12-31"})
        self.assertEqual(r.status, 201, r)
        r = b.request("POST", "/api/tenures", {"position_code": "P-QZ", "person_code": "GB-T2",
                                               "person_name": "吴某己", "start_date": "2025-06-01"})
        self.assertEqual((r.status, r.json()["error"]["field"]), (409, "start_date"), r)
        self.assertIn("held by 周某戊 from 2021-01-01 to 2025-12-31", r.json()["error"]["message"])
        r = b.request("POST", "/api/tenures", {"position_code": "P-QZ", "person_code": "GB-T2",
                                               "person_name": "吴某己", "start_date": "2026-01-01",
                                               "end_date": "2025-01-01"})
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "end_date"), r)
        for login in ("town_a", "leader", "police"):
            r = client(login).request("POST", "/api/tenures", {"position_code": "P-QZ", "person_code": "GB-T3",
                                                               "person_name": "x", "start_date": "2030-01-01"})
            self.assertEqual(r.status, 403, (login, r))
        self.assertEqual(client("ranger_a").get("/api/tenures").status, 403)
        # the departure audit of that tenure: read-only, not for towns or rangers
        r = b.get("/api/audit/departure?position=P-QZ&person=GB-T1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["jurisdiction"], r.json()["tenure"]["end_date"], r.json()["tenure"]["in_post"]),
                         ("district", "2025-12-31", False))
        self.assertEqual(len(r.json()["not_recorded"]), 4)
        self.assertEqual(client("police").get("/api/audit/departure?position=P-QZ&person=GB-T1").status, 200)
        for login in ("town_a", "ranger_a"):
            self.assertEqual(client(login).get("/api/audit/departure?position=P-QZ&person=GB-T1").status, 403, login)
        r = b.get("/api/audit/departure?position=P-QZ&person=GB-NOBODY")
        self.assertEqual((r.status, r.json()["error"]["field"]), (404, "person"), r)
        r = b.get("/api/audit/departure?person=GB-T1")
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "position"), r)

    def test_roles_and_towns(self):
        _, c = self.open_from_report("administrative", town=TOWN_B)
        fid = c["fid"]
        self.assertEqual(client("town_a").get(f"/api/cases/{fid}").status, 404)
        self.assertEqual(client("town_a").get(f"/api/cases/{fid}/timeline").status, 404)
        self.assertEqual(act("town_a", fid, "investigate").status, 404)
        self.assertEqual(client("town_b").get(f"/api/cases/{fid}").status, 200)
        self.assertNotIn(fid, [x["fid"] for x in client("town_a").get("/api/cases?limit=1000").json()["items"]])
        for login in ("town_a", "leader", "police", "ranger_a"):
            r = client(login).request("POST", "/api/cases", {"type": "administrative", "title": "x",
                                                             "source": "other", "town_code": TOWN_A})
            self.assertEqual(r.status, 403, (login, r))
        self.assertEqual(client("ranger_a").get("/api/cases").status, 403)
        self.assertEqual(client().get("/api/cases").status, 401)
        r = client("bureau").request("POST", "/api/cases", {"type": "murder", "title": "x", "source": "other",
                                                            "town_code": TOWN_A})
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "type"))
        r = client("bureau").request("POST", "/api/cases", {"type": "administrative", "title": "x", "source": "other"})
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "town_code"))
        s = client("town_b").get("/api/cases/summary").json()
        self.assertGreaterEqual(s["cases_by_type"].get("administrative", 0), 1)
        sa = client("bureau").get("/api/cases/summary").json()
        self.assertGreater(sum(sa["cases_by_status"].values()), sum(s["cases_by_status"].values()))

    def test_report_review(self):
        r = public_report(kind="other")
        fid = report_fid(r.json()["code"])
        self.assertEqual(client("town_a").request("POST", f"/api/reports/{fid}/reject", {"reply": "x"}).status, 403)
        r2 = client("bureau").request("POST", f"/api/reports/{fid}/reject", {})
        self.assertEqual((r2.status, r2.json()["error"]["field"]), (422, "reply"))
        self.assertEqual(client("town_a").request("POST", f"/api/reports/{fid}/verify", {}).json()["status"], "verifying")
        r2 = client("bureau").request("POST", f"/api/reports/{fid}/reject", {"reply": "经核查为正常抚育作业，已批准作业设计。"})
        self.assertEqual(r2.json()["status"], "rejected")
        s = client().get("/api/reports/public/" + r.json()["code"]).json()
        self.assertEqual((s["status"], s["public_reply"]), ("rejected", "经核查为正常抚育作业，已批准作业设计。"))
        self.assertEqual(client("bureau").request("POST", f"/api/reports/{fid}/verify", {}).status, 409)


class Chain(unittest.TestCase):
    def test_zz_audit_chain_intact(self):
        r = run("audit", "verify", db=_shared["db"])
        self.assertEqual(r.code, 0, r)


if __name__ == "__main__":
    unittest.main(verbosity=2)
