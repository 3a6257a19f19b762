"""Patrols through the real binary and server: a GPX track imported from
the CLI and uploaded over HTTP, JSON points from the phone page, the
verdicts (valid, duplicate), a ranger limited to his own patrols, a track
without timestamps refused, and the monthly summary."""
import json
import os
import sqlite3

import tblib
import tbserver
from tblib import TbCase, run, write_layer

FIX = os.path.join(tblib.SRC, "tests", "fixtures", "gpx")
TOWN = "120119104"


class Patrols(TbCase):
    def setUp(self):
        super().setUp()
        self.db = self.path("p.gpkg")
        self.ok(run("init", db=self.db))
        # the fixtures' 2 km × 2 km test grid
        grid = "POLYGON((117.438 40.138,117.462 40.138,117.462 40.156,117.438 40.156,117.438 40.138))"
        gfields = [("code", tblib.ogr.OFTString), ("name", tblib.ogr.OFTString), ("town_code", tblib.ogr.OFTString)]
        self.ok(run("import", write_layer(self.path("g.geojson"), [({"code": "G1", "name": "测试网格", "town_code": TOWN}, grid)],
                                          fields=gfields), "--layer", "grids", db=self.db))
        near = "POLYGON((117.449 40.1435,117.451 40.1435,117.451 40.1495,117.449 40.1495,117.449 40.1435))"
        far = "POLYGON((117.430 40.139,117.431 40.139,117.431 40.1399,117.430 40.1399,117.430 40.139))"
        self.ok(run("import", write_layer(self.path("p.geojson"), [
            (tblib.parcel_attrs(XIAO_BAN="001"), near), (tblib.parcel_attrs(XIAO_BAN="002"), far)]), db=self.db))
        with open(self.path("r.csv"), "w") as f:
            f.write("code,name,town_code,status,login\nR1,护林员甲,%s,active,ranger1\nR2,护林员乙,%s,active,\n" % (TOWN, TOWN))
        self.ok(run("import", self.path("r.csv"), "--layer", "rangers", db=self.db))
        with open(self.path("a.csv"), "w") as f:
            f.write("grid_code,ranger_code,town_code,start_date\nG1,R1,%s,2021-01-01\nG1,R2,%s,2021-01-01\n" % (TOWN, TOWN))
        self.ok(run("import", self.path("a.csv"), "--layer", "grid_rangers", db=self.db))

    def test_cli_import_and_verdicts(self):
        r = self.ok(run("patrol", "import", os.path.join(FIX, "clean.gpx"), "--ranger", "R1", "--json", db=self.db)).json()
        self.assertEqual(r["status"], "valid", r)
        self.assertEqual(r["reasons"], [])
        self.assertEqual(r["grid_code"], "G1")
        self.assertAlmostEqual(r["distance_km"], 3.5, delta=0.05)
        self.assertAlmostEqual(r["duration_h"], 1.5, delta=0.02)
        self.assertGreater(r["coverage"], 0)
        self.assertEqual(r["inside_share"], 1.0)
        self.assertEqual(r["grids_visited"], ["G1"])
        self.assertEqual(r["parcels_visited"], [TOWN + "-001-001"])  # the far parcel is ~450 m away
        d = self.ok(run("patrol", "import", os.path.join(FIX, "duplicate.gpx"), "--ranger", "R1", "--json", db=self.db)).json()
        self.assertEqual(d["status"], "suspect")
        self.assertEqual(d["reasons"], ["duplicate"])
        # the same file again (same ranger, same start and end): the first patrol, nothing stored
        con = sqlite3.connect(self.db)
        before = con.execute("SELECT count(*), (SELECT count(*) FROM tb_event) FROM patrols").fetchone()
        again = run("patrol", "import", os.path.join(FIX, "clean.gpx"), "--ranger", "R1", db=self.db)
        self.assertEqual(again.code, 0, repr(again))
        self.assertIn("the same track was imported before: nothing stored again", again.out)
        self.assertIn("patrol #%d of R1" % r["fid"], again.out)
        self.assertEqual(con.execute("SELECT count(*), (SELECT count(*) FROM tb_event) FROM patrols").fetchone(), before)
        con.close()
        r = run("patrol", "import", os.path.join(FIX, "no_time.gpx"), "--ranger", "R1", db=self.db)
        self.assertEqual(r.code, 2)
        self.assertIn("no timestamps", r.err)
        r = run("patrol", "import", os.path.join(FIX, "malformed.gpx"), "--ranger", "R1", db=self.db)
        self.assertEqual(r.code, 2, repr(r))
        r = run("patrol", "import", os.path.join(FIX, "clean.gpx"), "--ranger", "NOBODY", db=self.db)
        self.assertEqual(r.code, 2)
        self.assertIn("no ranger", r.err)
        s = self.ok(run("patrol", "summary", "--month", "2026-11", "--json", db=self.db)).json()
        r1 = next(x for x in s["rangers"] if x["ranger"] == "R1")
        self.assertEqual((r1["patrol_days"], r1["suspect"], r1["patrols"]), (1, 1, 2))
        self.assertAlmostEqual(r1["km"], 3.5, delta=0.05)
        self.assertEqual(r1["required_days"], 20)  # November is in Jizhou's fire season
        self.assertFalse(r1["met"])

    def test_server_upload_and_phone_points(self):
        tbserver.add_user(self.db, "ranger1", "ranger", TOWN, tmpdir=self.dir)
        tbserver.add_user(self.db, "bureau", "bureau", tmpdir=self.dir)
        srv = tbserver.Server(self.db)
        try:
            ranger = srv.client()
            self.assertEqual(ranger.login("ranger1").status, 200)
            with open(os.path.join(FIX, "garmin_11.gpx"), "rb") as f:
                data = f.read()
            r = ranger.request("POST", "/api/patrols/upload?ranger=R1&filename=garmin.gpx", raw=data,
                               headers={"Content-Type": "application/gpx+xml"})
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.json()["ranger_code"], "R1")
            # not his colleague's
            r = ranger.request("POST", "/api/patrols/upload?ranger=R2&filename=garmin.gpx", raw=data,
                               headers={"Content-Type": "application/gpx+xml"})
            self.assertEqual(r.status, 403, r)
            with open(os.path.join(FIX, "clean_phone.json")) as f:
                points = json.load(f)
            pts = points["points"] if isinstance(points, dict) else points
            r = ranger.request("POST", "/api/patrols/points", {"ranger": "R1", "points": pts})
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.json()["status"], "valid", r)
            self.assertEqual(r.json()["source"], "phone")
            # the phone retries after a lost answer: the same patrol (200), no second one
            again = ranger.request("POST", "/api/patrols/points", {"ranger": "R1", "points": pts})
            self.assertEqual(again.status, 200, again)
            self.assertEqual((again.json()["fid"], again.json()["resubmitted"]), (r.json()["fid"], True))
            with open(os.path.join(FIX, "no_time.gpx"), "rb") as f:
                r = ranger.request("POST", "/api/patrols/upload?ranger=R1&filename=x.gpx", raw=f.read())
            self.assertEqual(r.status, 422, r)
            self.assertIn("no timestamps", r.json()["error"]["message"])
            b = srv.client()
            b.login("bureau")
            self.attachments_and_incidents(b, ranger)
            lst = b.get("/api/patrols").json()
            self.assertEqual(lst["total"], 2)
            s = b.get("/api/patrols/summary?month=2026-11").json()
            self.assertEqual(next(x for x in s["rangers"] if x["ranger"] == "R1")["patrols"], 2)
        finally:
            srv.stop()


    def attachments_and_incidents(self, bureau, ranger):
        pdf = b"%PDF-1.4\n% signed agreement\n%%EOF\n"
        r = bureau.request("POST", "/api/attachments?filename=agreement.pdf", raw=pdf,
                           headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(r.status, 201, r)
        sha = r.json()["sha256"]
        self.assertEqual(r.json()["mime"], "application/pdf")
        g = bureau.get("/api/attachments/" + sha)
        self.assertEqual((g.status, g.headers["content-type"], g.body), (200, "application/pdf", pdf))
        r = bureau.request("POST", "/api/attachments?filename=evil.pdf", raw=b"MZ\x90\x00 not a pdf",
                           headers={"Content-Type": "application/pdf"})
        self.assertEqual(r.status, 422, r)
        self.assertIn("not a PDF, JPEG, PNG or WebP", r.json()["error"]["message"])
        base = {"code": "A-1", "level": "district_town", "party_a": "D-LYJ", "party_b": "T-" + TOWN,
                "town_code": TOWN, "start_date": "2021-01-01", "end_date": "2030-12-31", "status": "signed"}
        r = bureau.request("POST", "/api/agreements", dict(base, document_sha256="0" * 64))
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json()["error"]["field"], "document_sha256")
        r = bureau.request("POST", "/api/agreements", dict(base, end_date="2020-01-01"))
        self.assertEqual(r.json()["error"]["field"], "end_date")
        r = bureau.request("POST", "/api/agreements", dict(base, document_sha256=sha))
        self.assertEqual(r.status, 201, r)
        jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 64
        r = ranger.request("POST", "/api/attachments?filename=fire.jpg", raw=jpeg)
        self.assertEqual(r.status, 201, r)
        photo = r.json()["sha256"]
        inc = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [117.45, 40.146]},
               "properties": {"ranger_code": "R1", "town_code": TOWN, "type": "fire",
                              "time": "2026-11-28T01:30:00Z", "photo_sha256": photo, "note": "烟点"}}
        r = ranger.request("POST", "/api/incidents", inc)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["photo_sha256"], photo)
        inc["properties"]["town_code"] = "120119102"
        r = ranger.request("POST", "/api/incidents", inc)
        self.assertEqual(r.status, 403, r)  # outside the ranger's jurisdiction
        inc["properties"].update(town_code=TOWN, ranger_code="R2")
        r = ranger.request("POST", "/api/incidents", inc)
        self.assertEqual(r.status, 403, r)  # not as a colleague
        self.assertEqual(r.json()["error"]["field"], "ranger_code")
        inc["properties"]["ranger_code"] = "R-NOPE"
        r = bureau.request("POST", "/api/incidents", inc)
        self.assertEqual(r.status, 422, r)


if __name__ == "__main__":
    tblib.main()
