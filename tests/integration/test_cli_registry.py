"""The registry through the real binary: the Jizhou demo, its statistics,
GDAL reading the database, export → re-import round trips, parcels
list/show, the audit chain, and CLI conventions (help, exit codes)."""
import os
import sqlite3
import subprocess

import tblib
from tblib import TbCase, ogr, run

TARGET = 5565.1
TOWNS = {"120119124", "120119102", "120119100", "120119112", "120119104", "120119122", "120119203"}
_demo = None


def demo_db(case):
    """One demo database shared read-only by the tests of this file."""
    global _demo
    if _demo is None:
        path = os.path.join(tblib.WORK, f"demo-{os.getpid()}.gpkg")
        for ext in ("", "-wal", "-shm"):
            if os.path.exists(path + ext):
                os.remove(path + ext)
        r = run("demo", "--json", db=path)
        case.assertEqual(r.code, 0, repr(r))
        _demo = (path, r.json())
    return _demo


class Demo(TbCase):
    def test_demo_area_is_the_plan_target(self):
        _, s = demo_db(self)
        self.assertAlmostEqual(s["natural_forest_ha"], TARGET, delta=0.05)
        self.assertEqual(s["target_ha"], TARGET)
        self.assertTrue(s["ledger_consistent"])
        self.assertAlmostEqual(s["ledger_ha"], s["natural_forest_ha"], places=3)
        self.assertGreaterEqual(s["natural_parcels"], 300)
        self.assertGreater(s["all_parcels"], s["natural_parcels"])  # plantations exist

    def test_breakdowns_add_up(self):
        _, s = demo_db(self)
        for key in ("by_town", "by_unit", "by_class", "by_age_group", "by_origin"):
            total = sum(g["ha"] for g in s[key])
            self.assertAlmostEqual(total, s["natural_forest_ha"], delta=0.01, msg=key)
            self.assertEqual(sum(g["parcels"] for g in s[key]), s["natural_parcels"], key)
        self.assertEqual({g["code"] for g in s["by_town"]}, TOWNS)
        self.assertEqual({g["name"] for g in s["by_class"]}, {"天然乔木林", "天然疏林地", "天然灌木林"})
        kz = s["key_zone"]
        self.assertGreater(kz["inside_ha"], 0)
        self.assertAlmostEqual(kz["inside_ha"] + kz["outside_ha"], s["natural_forest_ha"], places=3)

    def test_stats_command_matches_demo(self):
        db, s = demo_db(self)
        r = self.ok(run("stats", "--json", db=db))
        self.assertEqual(r.json()["natural_forest_ha"], s["natural_forest_ha"])
        r = self.ok(run("stats", db=db))
        self.assertIn("5565.1", r.out)
        self.assertIn("下营镇", r.out)

    def test_demo_is_deterministic(self):
        _, s = demo_db(self)
        other = self.path("again.gpkg")
        r = self.ok(run("demo", "--json", db=other))
        self.assertEqual(r.json()["by_town"], s["by_town"])

    def test_demo_refuses_existing_file(self):
        db, _ = demo_db(self)
        r = run("demo", db=db)
        self.assertEqual(r.code, 1, repr(r))
        self.assertIn("already exists", r.err)

    def test_gdal_reads_the_geopackage(self):
        db, s = demo_db(self)
        ds = ogr.Open(db)
        self.assertEqual(ds.GetDriver().GetName(), "GPKG")
        lyr = ds.GetLayerByName("parcels")
        self.assertEqual(lyr.GetFeatureCount(), s["all_parcels"])
        self.assertEqual(lyr.GetSpatialRef().GetAuthorityCode(None), "4490")
        self.assertEqual(ogr.GeometryTypeToName(lyr.GetGeomType()), "Multi Polygon")
        names = {ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())}
        self.assertTrue({"parcels", "zones", "divisions", "units", "area_ledger"} <= names)
        r = subprocess.run(["ogrinfo", "-so", db, "parcels"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"Feature Count: {s['all_parcels']}", r.stdout)
        self.assertIn('ID["EPSG",4490]', r.stdout)
        # a spatial filter goes through the R-tree
        lyr.SetSpatialFilterRect(117.0, 40.0, 118.0, 40.3)
        self.assertGreater(lyr.GetFeatureCount(), 0)

    def test_geopackage_is_valid_sqlite(self):
        db, _ = demo_db(self)
        con = sqlite3.connect(db)
        self.assertEqual(con.execute("PRAGMA application_id").fetchone()[0], 0x47504B47)
        self.assertEqual(con.execute("PRAGMA user_version").fetchone()[0], 10300)
        self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        srs = {r[0] for r in con.execute("SELECT srs_id FROM gpkg_spatial_ref_sys")}
        self.assertTrue({-1, 0, 4326, 4490, 4527, 4548} <= srs)

    def test_audit_verify(self):
        db, _ = demo_db(self)
        r = self.ok(run("audit", "verify", "--json", db=db))
        self.assertTrue(r.json()["ok"])
        self.assertGreaterEqual(r.json()["checked"], 4)

    def test_audit_detects_tampering(self):
        db, _ = demo_db(self)
        copy = self.path("tampered.gpkg")
        con = sqlite3.connect(db)
        con.execute(f"VACUUM INTO '{copy}'")
        con.close()
        con = sqlite3.connect(copy)
        con.execute("DROP TRIGGER tb_event_no_update")
        con.execute("UPDATE tb_event SET actor='someone else' WHERE seq=3")
        con.commit()
        con.close()
        r = run("audit", "verify", "--json", db=copy)
        self.assertEqual(r.code, 3, repr(r))
        self.assertEqual(r.json()["first_bad"], 3)
        self.assertIn("edited", r.json()["reason"])

    def test_parcels_list_filters(self):
        db, s = demo_db(self)
        r = self.ok(run("parcels", "list", "--xiang", "120119104", "--limit", "5", "--json", db=db))
        j = r.json()
        town = next(g for g in s["by_town"] if g["code"] == "120119104")
        self.assertEqual(len(j["items"]), 5)
        self.assertTrue(all(p["xiang"] == "120119104" for p in j["items"]))
        # natural parcels of the town
        r = self.ok(run("parcels", "list", "--xiang", "120119104", "--natural", "true", "--json", db=db))
        self.assertEqual(r.json()["total"], town["parcels"])
        # labels work as filter values
        r = self.ok(run("parcels", "list", "--di_lei", "乔木林地", "--limit", "1", "--json", db=db))
        self.assertEqual(r.json()["items"][0]["di_lei"], "030100")
        r = self.ok(run("parcels", "list", "--where", "yu_bi_du:ge:0.7", "--sort", "-yu_bi_du", "--json", db=db))
        vals = [p["yu_bi_du"] for p in r.json()["items"]]
        self.assertTrue(all(v >= 0.7 for v in vals))
        self.assertEqual(vals, sorted(vals, reverse=True))
        r = run("parcels", "list", "--colour", "red", db=db)
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("colour", r.err)

    def test_parcel_show_with_archive(self):
        db, _ = demo_db(self)
        code = run("parcels", "list", "--limit", "1", "--json", db=db).json()["items"][0]["code"]
        r = self.ok(run("parcels", "show", code, "--json", db=db))
        p = r.json()
        self.assertEqual(p["code"], code)
        self.assertEqual([e["action"] for e in p["archive"]], ["demo.load"])
        r = self.ok(run("parcels", "show", code, db=db))
        self.assertIn("地类", r.out)
        self.assertIn("亩", r.out)
        r = run("parcels", "show", "no-such-code", db=db)
        self.assertEqual(r.code, 2)
        self.assertIn("no such record", r.err)


class Conventions(TbCase):
    COMMANDS = ["init", "demo", "stats", "parcels", "import", "export", "audit"]

    def test_help_everywhere(self):
        r = self.ok(run("--help"))
        for c in self.COMMANDS:
            self.assertIn(c, r.out)
            h = self.ok(run(c, "--help"))
            self.assertIn("usage: tianbao", h.out)

    def test_usage_errors_exit_1(self):
        self.assertEqual(run().code, 1)
        self.assertEqual(run("frobnicate").code, 1)
        self.assertEqual(run("--bogus").code, 1)
        self.assertEqual(run("import", db=self.path("x.gpkg")).code, 1)
        self.assertEqual(run("export", "x.gpkg", db=self.path("x.gpkg")).code, 1)
        r = run("stats", db=self.path("missing.gpkg"))
        self.assertEqual(r.code, 1)
        self.assertIn("no database here", r.err)

    def test_db_from_environment(self):
        db = self.path("env.gpkg")
        self.ok(run("init", env={"TIANBAO_DB": db}))
        self.assertTrue(os.path.exists(db))
        r = self.ok(run("stats", "--json", env={"TIANBAO_DB": db}))
        self.assertEqual(r.json()["natural_forest_ha"], 0)
        self.assertEqual(r.json()["target_ha"], TARGET)

    def test_json_errors(self):
        r = run("--json", "stats", db=self.path("missing.gpkg"))
        e = r.err_json()["error"]
        self.assertEqual(e["code"], "usage")
        self.assertIn("no database", e["message"])


class RoundTrip(TbCase):
    """Export the demo parcels and import them into a fresh district: same
    attributes, same areas."""

    def roundtrip(self, name, fmt=None, area_delta=0.0):
        """area_delta: text formats (GeoJSON, WKT in CSV) round coordinates,
        which may move an area across the last (4th) decimal."""
        db, _ = demo_db(self)
        out = self.path(name)
        args = ["export", out, "--layer", "parcels"] + (["--format", fmt] if fmt else [])
        self.ok(run(*args, db=db))
        fresh = self.path("fresh.gpkg")
        self.ok(run("init", db=fresh))
        self.copy_village_collectives(db, fresh)
        zones = self.path("zones.gpkg")
        self.ok(run("export", zones, "--layer", "zones", db=db))
        self.ok(run("import", zones, "--layer", "zones", db=fresh))
        r = self.ok(run("import", out, "--json", db=fresh))
        before = {p["code"]: p for p in self.all_parcels(db)}
        after = {p["code"]: p for p in self.all_parcels(fresh)}
        self.assertEqual(r.json()["imported"], len(before))
        self.assertEqual(set(before), set(after))
        skip = {"fid", "version", "created_at", "updated_at"}
        for code, p in before.items():
            q = after[code]
            for k, v in p.items():
                if k in skip:
                    continue
                if isinstance(v, float):
                    self.assertAlmostEqual(v, q[k], delta=area_delta + 1e-9, msg=f"{code} {k}")
                else:
                    self.assertEqual(v, q[k], f"{code} {k}")
        s1 = run("stats", "--json", db=db).json()
        s2 = run("stats", "--json", db=fresh).json()
        self.assertAlmostEqual(s1["natural_forest_ha"], s2["natural_forest_ha"], delta=0.01 if area_delta else 1e-6)

    def copy_village_collectives(self, db, fresh):
        """The demo's parcels belong to village collectives that `init` does
        not create: carry them over through a CSV import of units."""
        units = self.path("units.csv")
        self.ok(run("export", units, "--layer", "units", db=db))
        with open(units, encoding="utf-8") as f:
            lines = f.read().splitlines()
        keep = [lines[0]] + [l for l in lines[1:] if l.startswith("V-") or l.startswith('"V-')]
        self.assertGreater(len(keep), 10)
        villages = self.path("villages.csv")
        with open(villages, "w", encoding="utf-8") as f:
            f.write("\n".join(keep) + "\n")
        r = self.ok(run("import", villages, "--layer", "units", "--json", db=fresh))
        self.assertEqual(r.json()["imported"], len(keep) - 1)

    def all_parcels(self, db):
        return run("parcels", "list", "--limit", "10000", "--json", db=db).json()["items"]

    def test_geopackage(self):
        self.roundtrip("parcels.gpkg")

    def test_shapefile(self):
        self.roundtrip("parcels.shp")

    def test_zipped_shapefile(self):
        self.roundtrip("parcels.shp.zip")

    def test_geojson(self):
        self.roundtrip("parcels.geojson", area_delta=0.0001)

    def test_csv_wkt(self):
        self.roundtrip("parcels.csv", area_delta=0.0001)

    def test_export_formats_readable_by_gdal(self):
        db, s = demo_db(self)
        for name in ("p.kml", "p.gpkg", "p.geojson"):
            self.ok(run("export", self.path(name), "--layer", "parcels", db=db))
            ds = ogr.Open(self.path(name))
            self.assertEqual(ds.GetLayer(0).GetFeatureCount(), s["all_parcels"], name)
        r = run("export", self.path("p.gpkg"), "--layer", "parcels", db=db)
        self.assertEqual(r.code, 1, repr(r))
        self.assertIn("exists", r.err)
        self.ok(run("export", self.path("zones.shp"), "--layer", "zones", db=db))
        ds = ogr.Open(self.path("zones.shp"))
        self.assertGreaterEqual(ds.GetLayer(0).GetFeatureCount(), 3)


if __name__ == "__main__":
    tblib.main()
