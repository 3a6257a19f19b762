"""`tianbao check-activity` on the demo database (§3.1.1, §3.2) with the
fixture areas of tests/fixtures/control: a GeoJSON box around the demo
parcel 120119102-004-007 (natural forest, partly inside a key zone) and the
same box as a Shapefile in CGCS2000 GK zone 39 (EPSG:4527).  The JSON keys,
the verdicts and clauses, areas that agree with the registry and between the
two files, the readable table, bad input (exit 2) and the application
command."""
import os
import sqlite3

import tblib
from tblib import TbCase, run

FIX = os.path.join(tblib.SRC, "tests", "fixtures", "control")
PARCEL = "120119102-004-007"


class CheckActivity(TbCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        os.makedirs(tblib.WORK, exist_ok=True)
        cls.cdir = tempfile.mkdtemp(prefix="cli-control-", dir=tblib.WORK)
        cls.db = os.path.join(cls.cdir, "demo.gpkg")
        r = run("demo", db=cls.db)
        assert r.code == 0, repr(r)
        con = sqlite3.connect(cls.db)
        cls.parcel = con.execute("SELECT area_ha, key_zone_ha, natural FROM parcels WHERE code=?", (PARCEL,)).fetchone()
        con.close()

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.cdir, ignore_errors=True)

    def check(self, *args):
        r = run("check-activity", *args, "--json", db=self.db)
        self.assertEqual(r.code, 0, repr(r))
        return r.json()

    def test_geojson_and_shapefile_in_4527(self):
        area, kz, natural = self.parcel
        self.assertEqual(natural, 1)
        self.assertGreater(kz, 0)
        self.assertLess(kz, area)  # the parcel spans a key zone boundary
        d = self.check("--activity", "occupation", "--purpose", "national_defence",
                       "--geometry", os.path.join(FIX, "area_4490.geojson"))
        for k in ("verdict", "clauses", "natural_forest_ha", "key_zone_ha", "parcels", "reasons",
                  "outside_key_zone_ha", "non_forest_ha", "total_ha"):
            self.assertIn(k, d)
        self.assertEqual(d["verdict"], "needs_approval")
        self.assertEqual(d["clauses"], ["3.2.2"])
        p = next(x for x in d["parcels"] if x["id"] == PARCEL)
        self.assertEqual(set(["id", "area_ha", "in_key_zone", "verdict"]) - set(p), set())
        self.assertTrue(p["in_key_zone"])
        self.assertEqual(p["verdict"], "needs_approval")
        # the box holds the whole parcel: its areas are the registry's
        self.assertAlmostEqual(p["area_ha"], area, delta=0.0002)
        self.assertAlmostEqual(p["key_zone_ha"], kz, delta=0.0002)
        nat = sum(x["area_ha"] for x in d["parcels"] if x["natural"])
        self.assertAlmostEqual(d["natural_forest_ha"], nat, delta=0.0005)
        self.assertAlmostEqual(d["key_zone_ha"] + d["outside_key_zone_ha"], d["natural_forest_ha"], delta=0.0002)
        self.assertAlmostEqual(d["forest_ha"] + d["non_forest_ha"], d["total_ha"], delta=0.0002)
        self.assertEqual(d["reasons"][0]["rule"], "UR15")
        self.assertIn("国务院林业主管部门", d["reasons"][0]["authority"])
        s = self.check("--activity", "occupation", "--purpose", "national_defence",
                       "--geometry", os.path.join(FIX, "area_4527.shp"))
        self.assertEqual(s["verdict"], "needs_approval")
        for k in ("natural_forest_ha", "key_zone_ha", "total_ha"):
            self.assertAlmostEqual(s[k], d[k], delta=0.002, msg=k)

    def test_verdicts_and_clauses(self):
        area = os.path.join(FIX, "area_4490.geojson")
        d = self.check("--activity", "commercial_logging", "--geometry", area)
        self.assertEqual(d["verdict"], "prohibited")
        self.assertIn("3.2.1", d["clauses"])
        d = self.check("--activity", "clearing_for_farming", "--geometry", area)
        self.assertEqual(d["verdict"], "prohibited")
        self.assertIn("3.1.1", d["clauses"])  # key-zone part
        d = self.check("--activity", "tending", "--geometry", area)
        self.assertEqual((d["verdict"], d["clauses"][0]), ("needs_approval", "3.2.1"))
        d = self.check("--activity", "tending", "--design-approved", "--geometry", area)
        self.assertEqual(d["verdict"], "conditional")
        d = self.check("--activity", "pest_control", "--geometry", area)
        self.assertEqual(d["verdict"], "allowed")
        d = self.check("--activity", "occupation", "--purpose", "other", "--geometry", area)
        self.assertEqual((d["verdict"], d["clauses"]), ("prohibited", ["3.2.2"]))

    def test_every_prohibiting_clause_plan_first(self):
        area = os.path.join(FIX, "area_4490.geojson")
        d = self.check("--activity", "clearing_for_farming", "--geometry", area)
        self.assertEqual((d["verdict"], d["clauses"]), ("prohibited", ["3.1.1", "3.2.2"]))
        kz = next(r for r in d["reasons"] if r["rule"] == "UR22")  # the key-zone part
        self.assertEqual((kz["clause"], kz["clauses"], kz["rules"], kz["basis"]),
                         ("3.1.1", ["3.1.1", "3.2.2"], ["UR22", "UR21"], "plan"))
        self.assertAlmostEqual(kz["area_ha"], self.parcel[1], delta=0.002)
        self.assertEqual(kz["also"], [{"rule": "UR21", "clause": "3.2.2", "basis": "law",
                                       "message_zh": "禁止毁林开垦（《森林法》）。",
                                       "message_en": "Clearing forest for farming is banned (Forest Law)."}])
        out = next(r for r in d["reasons"] if r["rule"] == "UR21")  # outside the key zone: the Forest Law alone
        self.assertEqual((out["clauses"], out["rules"]), (["3.2.2"], ["UR21"]))
        d = self.check("--activity", "conversion_to_plantation", "--geometry", area)
        kz = next(r for r in d["reasons"] if r["rule"] == "UR24")
        self.assertEqual((kz["clause"], kz["clauses"]), ("3.1.1", ["3.1.1"]))
        r = run("check-activity", "--activity", "clearing_for_farming", "--geometry", area, db=self.db)
        self.assertIn("同时禁止 also prohibited: §3.2.2 UR21 禁止毁林开垦（《森林法》）。", r.out)

    def test_canopy_condition_is_a_district_setting(self):
        area = os.path.join(FIX, "area_4490.geojson")
        d = self.check("--activity", "tending", "--design-approved", "--geometry", area)
        r = next(x for x in d["reasons"] if x["rule"] == "UR09")
        self.assertEqual((r["clause"], r["conditions_zh"], r["conditions_en"]),
                         ("3.2.1", "按批准的作业设计实施。", "Work only as the approved operation design says."))
        self.assertEqual((r["district_conditions_zh"], r["district_conditions_en"]),
                         ("保留郁闭度不低于0.6。", "Keep canopy closure at 0.6 or more."))
        t = run("check-activity", "--activity", "tending", "--design-approved", "--geometry", area, db=self.db)
        self.assertIn("区级设定 district setting (not a plan clause): 保留郁闭度不低于0.6。 / Keep canopy closure at 0.6 or more.",
                      t.out)
        self.assertNotIn("district_conditions_zh", next(x for x in d["reasons"] if x["rule"] == "UR41"))

    def test_readable_table(self):
        r = run("check-activity", "--activity", "ecotourism", "--geometry", os.path.join(FIX, "area_4490.geojson"), db=self.db)
        self.assertEqual(r.code, 0, repr(r))
        self.assertIn("结论 verdict: 禁止 prohibited", r.out)
        self.assertIn(PARCEL, r.out)
        self.assertIn("§3.2.1", r.out)

    def test_bad_input(self):
        r = run("check-activity", "--activity", "tending", "--geometry", os.path.join(FIX, "bowtie.geojson"), db=self.db)
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("Self-intersection", r.err)
        r = run("check-activity", "--activity", "tending", "--geometry", os.path.join(FIX, "empty.geojson"), "--json", db=self.db)
        self.assertEqual(r.code, 2, repr(r))
        self.assertEqual(r.err_json()["error"]["field"], "geometry")
        self.assertIn("empty", r.err_json()["error"]["message"])
        r = run("check-activity", "--activity", "tending", "--geometry", os.path.join(FIX, "point.geojson"), db=self.db)
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("not polygonal", r.err)
        r = run("check-activity", "--activity", "logging", "--geometry", os.path.join(FIX, "area_4490.geojson"), db=self.db)
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("activity", r.err)
        r = run("check-activity", "--activity", "tending", "--geometry", os.path.join(FIX, "area_4527.shp"),
                "--srs", "EPSG:4490", db=self.db)  # a wrong CRS forced on the file
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("coordinate system", r.err)
        r = run("check-activity", "--activity", "tending", db=self.db)
        self.assertEqual(r.code, 1, repr(r))

    def test_application_command(self):
        r = run("application", "list", "--json", db=self.db)
        self.assertEqual(r.code, 0, repr(r))
        self.assertEqual(r.json(), [])
        r = run("application", "show", "SQ-0000-0000", db=self.db)
        self.assertNotEqual(r.code, 0)
        r = run("application", "fly", db=self.db)
        self.assertEqual(r.code, 1)


if __name__ == "__main__":
    tblib.main()
