"""Responsibility and grid coverage (plan §3.1.2, §3.1.3) through the real
binary: the demo is fully covered; on a small hand-made district the check
finds the gap, the grid overlap with its area, the grid without a ranger,
the parcels without a valid agreement chain, and the expiring agreement."""
import csv
import json
import os

import tblib
from tblib import TbCase, osr, run, srs, to_srs, write_layer, parcel_attrs

LON, LAT = 117.42, 40.15
TODAY = "2026-11-29"


def rect(x0, y0, dx0, dx1, dy0=0, dy1=100):
    """A rectangle in GK zone 39 metres relative to (x0, y0), as lon/lat WKT."""
    ct = osr.CoordinateTransformation(srs(4527), srs(4490))
    ring = [(x0 + dx0, y0 + dy0), (x0 + dx1, y0 + dy0), (x0 + dx1, y0 + dy1), (x0 + dx0, y0 + dy1), (x0 + dx0, y0 + dy0)]
    pts = [ct.TransformPoint(a, b)[:2] for a, b in ring]
    return "POLYGON((" + ",".join(f"{a!r} {b!r}" for a, b in pts) + "))"


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


class Demo(TbCase):
    def test_demo_is_fully_covered(self):
        db = self.path("demo.gpkg")
        self.ok(run("demo", db=db))
        r = self.ok(run("duty", "check", "--today", TODAY, "--json", db=db)).json()
        s = self.ok(run("stats", "--json", db=db)).json()
        self.assertTrue(r["ok"], json.dumps(r["totals"]))
        self.assertEqual(r["parcels_checked"], s["natural_parcels"])
        self.assertEqual(r["totals"]["gap_ha"], 0)
        self.assertGreater(len(r["expiring"]), 0)
        self.assertTrue(all(0 <= a["days_left"] <= 60 for a in r["expiring"]))
        duties = run("parcels", "list", "--limit", "1", db=db)  # the db stays usable
        self.assertEqual(duties.code, 0)


class HandMade(TbCase):
    def setUp(self):
        super().setUp()
        self.db = self.path("d.gpkg")
        self.ok(run("init", db=self.db))
        x0, y0 = to_srs(LON, LAT, 4527)
        # four 100 m × 100 m natural parcels at x = 0, 200, 500, 800 m
        feats = [(parcel_attrs(XIAO_BAN=f"00{i + 1}"), rect(x0, y0, dx, dx + 100)) for i, dx in enumerate((0, 200, 500, 800))]
        self.ok(run("import", write_layer(self.path("p.geojson"), feats), db=self.db))
        # G1 covers P1 and x 200–250 of P2; G2 covers x 225–300 of P2 (25 m overlap with G1);
        # G3 covers P4 but has no ranger; P3 is in no grid
        gfields = [("code", tblib.ogr.OFTString), ("name", tblib.ogr.OFTString), ("town_code", tblib.ogr.OFTString)]
        grids = [({"code": "G1", "name": "一号网格", "town_code": "120119104"}, rect(x0, y0, -50, 250, -50, 150)),
                 ({"code": "G2", "name": "二号网格", "town_code": "120119104"}, rect(x0, y0, 225, 350, -50, 150)),
                 ({"code": "G3", "name": "三号网格", "town_code": "120119104"}, rect(x0, y0, 750, 950, -50, 150))]
        self.ok(run("import", write_layer(self.path("g.geojson"), grids, fields=gfields), "--layer", "grids", db=self.db))
        self.ok(run("import", write_csv(self.path("r.csv"), [
            {"code": "R1", "name": "护林员甲", "town_code": "120119104", "status": "active"},
            {"code": "R2", "name": "护林员乙", "town_code": "120119104", "status": "inactive"}]), "--layer", "rangers", db=self.db))
        self.ok(run("import", write_csv(self.path("a.csv"), [
            {"grid_code": "G1", "ranger_code": "R1", "town_code": "120119104", "start_date": "2021-01-01", "end_date": ""},
            {"grid_code": "G3", "ranger_code": "R2", "town_code": "120119104", "start_date": "2021-01-01", "end_date": ""}]),
            "--layer", "grid_rangers", db=self.db))
        p = "120119104-001-00"
        self.ok(run("import", write_csv(self.path("ag.csv"), [
            {"code": "A-D", "level": "district_town", "parent_code": "", "party_a": "D-LYJ", "party_b": "T-120119104",
             "town_code": "120119104", "start_date": "2021-01-01", "end_date": "2030-12-31", "status": "signed", "parcels": ""},
            {"code": "A-T", "level": "town_village", "parent_code": "A-D", "party_a": "T-120119104", "party_b": "V-1",
             "town_code": "120119104", "start_date": "2021-01-01", "end_date": "2030-12-31", "status": "signed", "parcels": ""},
            {"code": "A-V", "level": "village_ranger", "parent_code": "A-T", "party_a": "V-1", "party_b": "R1",
             "town_code": "120119104", "start_date": "2024-01-01", "end_date": "2026-12-31", "status": "signed",
             "parcels": json.dumps([p + "1", p + "2"])},
            {"code": "A-OLD", "level": "village_ranger", "parent_code": "A-T", "party_a": "V-1", "party_b": "R2",
             "town_code": "120119104", "start_date": "2020-01-01", "end_date": "2025-01-01", "status": "signed",
             "parcels": json.dumps([p + "4"])}]), "--layer", "agreements", db=self.db))

    def test_check_finds_every_gap(self):
        r = self.ok(run("duty", "check", "--today", TODAY, "--json", db=self.db)).json()
        p = "120119104-001-00"
        self.assertFalse(r["ok"])
        self.assertEqual(r["parcels_checked"], 4)
        self.assertEqual(r["grids"], 3)
        self.assertEqual([g["parcel"] for g in r["gaps"]], [p + "3"])
        self.assertAlmostEqual(r["gaps"][0]["ha"], 1.0, delta=0.002)       # P3: 100 m × 100 m outside every grid
        self.assertEqual([(o["parcel"], o["grids"]) for o in r["overlaps"]], [(p + "2", ["G1", "G2"])])
        self.assertAlmostEqual(r["overlaps"][0]["ha"], 0.25, delta=0.001)  # 25 m × 100 m of P2 in both
        self.assertEqual([x["parcel"] for x in r["no_ranger"]], [p + "4"])  # G3's ranger is inactive
        self.assertEqual(sorted(x["parcel"] for x in r["no_agreement"]), [p + "3", p + "4"])  # A-OLD expired
        self.assertEqual([a["code"] for a in r["expiring"]], ["A-V"])
        self.assertEqual(r["expiring"][0]["days_left"], 32)
        text = self.ok(run("duty", "check", "--today", TODAY, db=self.db)).out
        self.assertIn("GAPS FOUND", text)
        self.assertIn("A-V", text)

    def test_bad_date_and_usage(self):
        self.assertEqual(run("duty", "check", "--today", "2026-13-01", db=self.db).code, 1)
        self.assertEqual(run("duty", "frobnicate", db=self.db).code, 1)


if __name__ == "__main__":
    tblib.main()
