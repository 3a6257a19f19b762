"""Use control (§3.1.1, §3.2) through the real server on the demo database:
the activity check, geometry upload, applications with their automatic
decision and review workflow (invalid moves 409, wrong role 403, another
town 404/403), occupation approval needing the higher authority's document
and recording the loss in the area ledger (natural area in /api/stats goes
down), tending needing an approved operation design, field errors (422) and
bureau edits of the rules."""
import json
import sqlite3

import tblib
import tbserver
from tblib import TbCase, ogr
from tbserver import TOWN_A, TOWN_B

PDF = b"%PDF-1.4\n% approval of the State Forestry and Grassland Administration\n%%EOF\n"


def parcel_geom(db, where):
    """(code, OGR geometry) of the first demo parcel matching an SQL condition."""
    con = sqlite3.connect(db)
    code = con.execute(f"SELECT code FROM parcels WHERE {where} ORDER BY fid LIMIT 1").fetchone()[0]
    con.close()
    ds = ogr.Open(db)
    lyr = ds.GetLayerByName("parcels")
    lyr.SetAttributeFilter(f"code='{code}'")
    f = lyr.GetNextFeature()
    g = f.GetGeometryRef().Clone()
    f = lyr = ds = None
    return code, g


def inner_square(g, frac=0.25):
    """A square around the parcel's inner point, a fraction of its box wide, clipped to the parcel."""
    p = g.PointOnSurface()
    x0, x1, y0, y1 = g.GetEnvelope()
    d = min(x1 - x0, y1 - y0) * frac / 2
    x, y = p.GetX(), p.GetY()
    sq = ogr.CreateGeometryFromWkt(f"POLYGON(({x-d} {y-d},{x+d} {y-d},{x+d} {y+d},{x-d} {y+d},{x-d} {y-d}))")
    return json.loads(sq.Intersection(g).ExportToJson())


def box_of(g):
    x0, x1, y0, y1 = g.GetEnvelope()
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


class Control(TbCase):
    @classmethod
    def setUpClass(cls):
        import os
        import tempfile
        os.makedirs(tblib.WORK, exist_ok=True)
        cls.cdir = tempfile.mkdtemp(prefix="control-", dir=tblib.WORK)
        cls.db = tbserver.demo_with_users(os.path.join(cls.cdir, "c.gpkg"), cls.cdir)
        cls.srv = tbserver.Server(cls.db)
        cls.clients = {}
        for login in ["admin", "bureau", "leader", "town_a", "town_b", "ranger_a", "unit_a"]:
            c = cls.srv.client()
            assert c.login(login).status == 200, login
            cls.clients[login] = c

    @classmethod
    def tearDownClass(cls):
        import shutil
        code, err = cls.srv.stop()
        shutil.rmtree(cls.cdir, ignore_errors=True)
        assert code == 0, err

    def parcel_fid(self, code):
        con = sqlite3.connect(self.db)
        fid = con.execute("SELECT fid FROM parcels WHERE code=?", (code,)).fetchone()[0]
        con.close()
        return fid

    def c(self, login):
        return self.clients[login]

    def app(self, login, props, geometry):
        return self.c(login).request("POST", "/api/applications",
                                     {"type": "Feature", "properties": props, "geometry": geometry})

    def move(self, login, fid, to, **kw):
        return self.c(login).request("POST", f"/api/applications/{fid}/transition", dict(to=to, **kw))

    # ---- the check --------------------------------------------------------------

    def test_check_and_bad_geometry(self):
        code, g = parcel_geom(self.db, f"natural=1 AND key_zone_ha>0 AND key_zone_ha<area_ha-1")
        r = self.c("bureau").request("POST", "/api/control/check", {"activity": "commercial_logging", "geometry": box_of(g)})
        self.assertEqual(r.status, 200, r)
        d = r.json()
        self.assertEqual(d["verdict"], "prohibited")
        self.assertEqual(d["clauses"], ["3.2.1"] if d["non_forest_ha"] == 0 else ["3.2.1", "3.2.2"])
        p = next(x for x in d["parcels"] if x["id"] == code)
        self.assertTrue(p["in_key_zone"])
        self.assertGreater(d["key_zone_ha"], 0)
        self.assertAlmostEqual(d["key_zone_ha"] + d["outside_key_zone_ha"], d["natural_forest_ha"], places=3)
        self.assertAlmostEqual(d["forest_ha"] + d["non_forest_ha"], d["total_ha"], places=3)
        for k in ("verdict", "clauses", "natural_forest_ha", "key_zone_ha", "parcels", "reasons"):
            self.assertIn(k, d)
        # a reader may check too (staff); the public may not
        self.assertEqual(self.c("leader").request("POST", "/api/control/check",
                                                  {"activity": "fire_prevention", "geometry": box_of(g)}).json()["verdict"], "allowed")
        self.assertIn(self.srv.client().request("POST", "/api/control/check", {"activity": "tending", "geometry": box_of(g)}).status, (401, 403))
        x0, x1, y0, y1 = g.GetEnvelope()
        bow = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]]}
        r = self.c("bureau").request("POST", "/api/control/check", {"activity": "tending", "geometry": bow})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json()["error"]["field"], "geometry")
        self.assertIn("Self-intersection", r.json()["error"]["message"])
        gk = {"type": "Polygon", "coordinates": [[[39500000, 4440000], [39500100, 4440000], [39500100, 4440100], [39500000, 4440000]]]}
        r = self.c("bureau").request("POST", "/api/control/check", {"activity": "tending", "geometry": gk})
        self.assertEqual(r.status, 422, r)
        self.assertIn("wrong coordinate system", r.json()["error"]["message"])
        r = self.c("bureau").request("POST", "/api/control/check", {"activity": "tending", "geometry": {"type": "Polygon", "coordinates": []}})
        self.assertEqual(r.status, 422, r)
        self.assertIn("empty", r.json()["error"]["message"])
        far = {"type": "Polygon", "coordinates": [[[116.0, 39.0], [116.01, 39.0], [116.01, 39.01], [116.0, 39.0]]]}
        r = self.c("bureau").request("POST", "/api/control/check", {"activity": "tending", "geometry": far})
        self.assertEqual(r.status, 422, r)
        self.assertIn("outside the district", r.json()["error"]["message"])
        r = self.c("bureau").request("POST", "/api/control/check", {"activity": "logging", "geometry": box_of(g)})
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "activity"))

    def test_geometry_upload(self):
        _, g = parcel_geom(self.db, "natural=1")
        sq = inner_square(g)
        r = self.c("bureau").request("POST", "/api/control/check", {"activity": "tending", "geometry": sq})
        want = r.json()["total_ha"]
        # the same area as a shapefile in GK zone 39 (EPSG:4527), zipped
        import os
        import zipfile
        wkt = ogr.CreateGeometryFromJson(json.dumps(sq))
        ct = tblib.osr.CoordinateTransformation(tblib.srs(4490), tblib.srs(4527))
        wkt.Transform(ct)
        shp = tblib.write_layer(self.path("area.shp"), [({}, wkt.ExportToWkt())], epsg=4527, fields=[], layer="area")
        zp = self.path("area.zip")
        with zipfile.ZipFile(zp, "w") as z:
            for ext in (".shp", ".shx", ".dbf", ".prj"):
                z.write(shp[:-4] + ext, "area" + ext)
        with open(zp, "rb") as f:
            r = self.c("town_a").request("POST", "/api/control/geometry?filename=area.zip", raw=f.read(),
                                         headers={"Content-Type": "application/zip"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["geometry"]["type"], "MultiPolygon")
        self.assertAlmostEqual(r.json()["area_ha"], want, delta=0.0005)
        r = self.c("bureau").request("POST", "/api/control/geometry?filename=a.geojson", raw=b'{"type":"Point","coordinates":[117.4,40.1]}')
        self.assertEqual(r.status, 422, r)
        self.assertIn("not polygonal", r.json()["error"]["message"])
        r = self.c("bureau").request("POST", "/api/control/geometry?filename=a.exe", raw=b"MZ")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(self.c("leader").request("POST", "/api/control/geometry?filename=a.geojson", raw=b"{}").status, 403)

    # ---- applications -------------------------------------------------------------

    def test_occupation_workflow_and_ledger(self):
        code, g = parcel_geom(self.db, f"natural=1 AND xiang='{TOWN_B}' AND key_zone_ha=0 AND coalesce(bh_dj,'')<>'1'")
        sq = inner_square(g, 0.3)
        stats0 = self.c("bureau").get("/api/stats").json()
        props = {"applicant": "某部队营房办", "applicant_unit": "某部队", "activity": "occupation",
                 "purpose": "national_defence", "start_date": "2026-12-01", "end_date": "2027-06-30",
                 "description": "国防设施建设"}
        # not for readers, not for rangers
        self.assertEqual(self.app("leader", props, sq).status, 403)
        self.assertEqual(self.app("ranger_a", props, sq).status, 403)
        # a town user only in its own town
        r = self.app("town_a", props, sq)
        self.assertEqual((r.status, r.json()["error"]["field"]), (403, "town_code"))
        r = self.app("town_b", props, sq)
        self.assertEqual(r.status, 201, r)
        a = r.json()
        fid = a["fid"]
        self.assertRegex(a["code"], r"^SQ-\d{4}-\d{4}$")
        self.assertEqual((a["status"], a["verdict"], a["clauses"], a["town_code"]), ("submitted", "needs_approval", ["3.2.2"], TOWN_B))
        self.assertGreater(a["natural_forest_ha"], 0)
        self.assertEqual(a["decision"]["parcels"][0]["id"], code)
        self.assertIn("上级", a["decision"]["reasons"][0]["message_zh"])
        # an edit of a submitted application is decided again
        r = self.c("town_b").request("PATCH", f"/api/applications/{a['fid']}", {"purpose": "other", "version": a["version"]})
        self.assertEqual((r.status, r.json()["verdict"]), (200, "prohibited"), r)
        r = self.c("town_b").request("PATCH", f"/api/applications/{a['fid']}", {"purpose": "national_defence", "version": a["version"] + 1})
        self.assertEqual((r.status, r.json()["verdict"]), (200, "needs_approval"), r)
        _, ga = parcel_geom(self.db, f"natural=1 AND xiang='{TOWN_A}'")
        r = self.c("town_b").request("PATCH", f"/api/applications/{a['fid']}", {"geometry": inner_square(ga), "version": a["version"] + 2})
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "geometry"), r)
        self.assertIn("submit a new application", r.json()["error"]["message"])
        # another town's user does not see it
        self.assertEqual(self.c("town_a").get(f"/api/applications/{fid}").status, 404)
        self.assertEqual(self.move("town_a", fid, "checked").status, 404)
        self.assertNotIn(fid, [x["fid"] for x in self.c("town_a").get("/api/applications").json()["items"]])
        # invalid moves
        r = self.move("bureau", fid, "approved")
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json()["error"]["code"], "conflict")
        self.assertEqual(self.move("bureau", fid, "flying").status, 409)
        self.assertEqual(self.c("bureau").request("POST", f"/api/applications/{fid}/transition", {}).status, 422)
        r = self.move("town_b", fid, "checked", note="材料齐全")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["status"], r.json()["reviewed_by"], r.json()["note"]), ("checked", "town_b", "材料齐全"))
        # the town checks, only the bureau decides
        self.assertEqual(self.move("town_b", fid, "approved").status, 403)
        # an occupation needs the higher authority's approval document
        r = self.move("bureau", fid, "approved")
        self.assertEqual(r.status, 409, r)
        self.assertIn("approval document", r.json()["error"]["message"])
        r = self.move("bureau", fid, "approved", approval_doc="ab" * 32)
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "approval_doc"))
        sha = self.c("bureau").request("POST", "/api/attachments?filename=approval.pdf", raw=PDF,
                                       headers={"Content-Type": "application/pdf"}).json()["sha256"]
        r = self.move("bureau", fid, "approved", approval_doc=sha, note="准予占用")
        self.assertEqual(r.status, 200, r)
        done = r.json()
        self.assertEqual((done["status"], done["approval_doc"]), ("approved", sha))
        self.assertAlmostEqual(done["loss_ha"], a["natural_forest_ha"], delta=0.0002)
        self.assertIsNotNone(done["decided_at"])
        # the ledger records the loss, linked to the approval's event
        led = self.c("bureau").get(f"/api/area_ledger?parcel_code={code}&sort=-fid").json()["items"][0]
        self.assertAlmostEqual(led["delta_ha"], -a["natural_forest_ha"], delta=0.0002)
        self.assertIn(a["code"], led["cause"])
        ev = [e for e in self.c("bureau").get("/api/events").json()["items"] if e["seq"] == led["event_seq"]]
        self.assertEqual(ev[0]["action"], "applications.approve")
        stats1 = self.c("bureau").get("/api/stats").json()
        self.assertAlmostEqual(stats0["natural_forest_ha"] - stats1["natural_forest_ha"], done["loss_ha"], delta=0.0002)
        self.assertTrue(stats1["ledger_consistent"])
        # the approval is in the parcel's archive, and the hash chain holds
        arch = self.c("bureau").get(f"/api/parcels/{self.parcel_fid(code)}/archive").json()["events"]
        self.assertEqual([e["action"] for e in arch if e["action"].startswith("applications.")],
                         ["applications.create", "applications.update", "applications.update",
                          "applications.check", "applications.approve"])
        self.assertEqual(tblib.run("audit", "verify", db=self.db).code, 0)
        s = self.c("bureau").get("/api/control/summary").json()
        self.assertGreaterEqual(s["approved_loss_ha"], done["loss_ha"] - 0.0001)
        self.assertEqual(s["target_ha"], 5565.1)
        self.assertAlmostEqual(s["natural_forest_ha"], stats1["natural_forest_ha"], delta=0.0002)
        # closed: no more moves, no edits
        self.assertEqual(self.move("bureau", fid, "rejected").status, 409)
        r = self.c("bureau").request("PATCH", f"/api/applications/{fid}", {"note": "x", "version": done["version"]})
        self.assertEqual(r.status, 409, r)
        # the town's summary sees only its own applications
        sa = self.c("town_a").get("/api/control/summary").json()
        self.assertEqual(sa["approved_loss_ha"], 0)
        self.assertLess(sa["natural_forest_ha"], s["natural_forest_ha"])

    def test_prohibited_is_never_approved(self):
        _, g = parcel_geom(self.db, f"natural=1 AND xiang='{TOWN_A}'")
        r = self.app("bureau", {"applicant": "某公司", "activity": "commercial_logging"}, inner_square(g))
        self.assertEqual(r.status, 201, r)
        a = r.json()
        self.assertEqual(a["verdict"], "prohibited")
        self.assertIn("3.2.1", a["clauses"])
        self.assertEqual(self.move("bureau", a["fid"], "checked").status, 200)
        r = self.move("bureau", a["fid"], "approved")
        self.assertEqual(r.status, 409, r)
        self.assertIn("3.2.1", r.json()["error"]["message"])
        r = self.move("bureau", a["fid"], "rejected", note="§3.2.1 停止商业性采伐")
        self.assertEqual((r.status, r.json()["status"]), (200, "rejected"))

    def test_tending_needs_an_approved_design(self):
        code, g = parcel_geom(self.db, f"natural=1 AND xiang='{TOWN_A}' AND key_zone_ha=0")
        r = self.app("town_a", {"applicant": "下营镇林业站", "activity": "tending", "start_date": "2026-12-01",
                                "end_date": "2027-03-31"}, inner_square(g))
        self.assertEqual(r.status, 201, r)
        a = r.json()
        self.assertEqual((a["verdict"], a["clauses"]), ("needs_approval", ["3.2.1"]))
        self.assertEqual(self.move("town_a", a["fid"], "checked").status, 200)
        r = self.move("bureau", a["fid"], "approved")
        self.assertEqual(r.status, 409, r)
        self.assertIn("operation design", r.json()["error"]["message"])
        design = {"application_code": a["code"], "parcels": code, "measures": "透光伐,割灌除草", "intensity_pct": 15,
                  "retained_canopy": 0.5, "volume_m3": 12.5, "designer": "区林业调查设计队"}
        r = self.c("town_a").request("POST", "/api/designs", design)
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "retained_canopy"), r)
        con = sqlite3.connect(self.db)
        plantation = con.execute(f"SELECT code FROM parcels WHERE natural=0 AND xiang='{TOWN_A}' LIMIT 1").fetchone()[0]
        other_town = con.execute(f"SELECT code FROM parcels WHERE natural=1 AND xiang='{TOWN_B}' LIMIT 1").fetchone()[0]
        con.close()
        r = self.c("town_a").request("POST", "/api/designs", dict(design, retained_canopy=0.7, parcels=plantation))
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "parcels"), r)
        r = self.c("town_a").request("POST", "/api/designs", dict(design, retained_canopy=0.7, parcels=other_town))
        self.assertEqual(r.status, 403, r)
        r = self.c("town_a").request("POST", "/api/designs", dict(design, retained_canopy=0.7, measures="砍光"))
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "measures"), r)
        r = self.c("town_a").request("POST", "/api/designs", dict(design, retained_canopy=0.7, intensity_pct=120))
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "intensity_pct"), r)
        r = self.c("town_a").request("POST", "/api/designs", dict(design, retained_canopy=0.7))
        self.assertEqual(r.status, 201, r)
        d = r.json()
        self.assertEqual((d["status"], d["town_code"]), ("draft", TOWN_A))
        self.assertRegex(d["code"], r"^SJ-\d{4}-\d{4}$")
        dm = lambda who, to: self.c(who).request("POST", f"/api/designs/{d['fid']}/transition", {"to": to})
        self.assertEqual(dm("bureau", "approved").status, 409)
        self.assertEqual(dm("town_a", "submitted").status, 200)
        self.assertEqual(dm("town_a", "approved").status, 403)
        self.assertEqual(self.c("town_b").request("POST", f"/api/designs/{d['fid']}/transition", {"to": "approved"}).status, 404)
        r = dm("bureau", "approved")
        self.assertEqual((r.status, r.json()["status"], r.json()["approved_by"]), (200, "approved", "bureau"))
        r = self.move("bureau", a["fid"], "approved")
        self.assertEqual((r.status, r.json()["status"]), (200, "approved"), r)
        # decided again at approval: the design is approved now (UR09)
        self.assertEqual((r.json()["verdict"], r.json()["decision"]["reasons"][0]["rule"]), ("conditional", "UR09"))
        self.assertIsNone(r.json()["loss_ha"])  # tending removes no natural forest from the registry

    def test_field_errors(self):
        _, g = parcel_geom(self.db, f"natural=1 AND xiang='{TOWN_A}'")
        sq = inner_square(g)
        for props, field in [({"activity": "tending"}, "applicant"),
                             ({"applicant": "甲", "activity": "burning"}, "activity"),
                             ({"applicant": "甲", "activity": "occupation", "purpose": "profit"}, "purpose"),
                             ({"applicant": "甲", "activity": "tending", "start_date": "2027-01-02", "end_date": "2027-01-01"}, "end_date"),
                             ({"applicant": "甲", "activity": "tending", "status": "approved"}, "status"),
                             ({"applicant": "甲", "activity": "tending", "design_code": "SJ-NONE"}, "design_code")]:
            r = self.app("bureau", props, sq)
            self.assertEqual(r.status, 422, (props, r))
            self.assertEqual(r.json()["error"]["field"], field, r)
        r = self.app("bureau", {"applicant": "甲", "activity": "tending"}, None)
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "geometry"))

    def test_rules_are_editable_by_the_bureau(self):
        rules = self.c("leader").get("/api/use_rules?limit=1000").json()
        self.assertGreaterEqual(rules["total"], 40)
        ur26 = next(x for x in rules["items"] if x["code"] == "UR26")
        self.assertEqual((ur26["activity"], ur26["verdict"], ur26["clause"]), ("ecotourism", "conditional", "3.2.2"))
        self.assertEqual(self.c("town_a").request("PATCH", f"/api/use_rules/{ur26['fid']}",
                                                  {"note": "x", "version": ur26["version"]}).status, 403)
        r = self.c("bureau").request("PATCH", f"/api/use_rules/{ur26['fid']}",
                                     {"conditions_zh": "不破坏地表植被，不影响生物多样性保护，限定游步道。", "version": ur26["version"]})
        self.assertEqual(r.status, 200, r)
        r = self.c("bureau").request("PATCH", f"/api/use_rules/{ur26['fid']}",
                                     {"verdict": "needs_approval", "version": ur26["version"] + 1})
        self.assertEqual((r.status, r.json()["error"]["field"]), (422, "authority"), r)
        r = self.c("admin").request("POST", "/api/use_rules", {"code": "UR99", "activity": "grazing", "natural": "yes",
                                                               "in_key_zone": "no", "bh_dj": "2", "verdict": "prohibited",
                                                               "clause": "3.2.2", "message_zh": "测试", "message_en": "test",
                                                               "active": False})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["gyl_grade"], "any")


if __name__ == "__main__":
    tblib.main()
