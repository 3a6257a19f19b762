"""The monitoring commands through the real binary: the station and five
points of §3.3.3, survey indicators checked against an independent
computation from the stored tally and data/jizhou/volume.csv, the tally
import (all or nothing), the demo's determinism, and the alert loop from
the command line with its exit codes."""
import csv
import json
import math
import os
import sqlite3
from collections import Counter

import tblib
from tblib import TbCase, run

_demo = {}


def demo(case):
    if "db" not in _demo:
        d = os.path.join(tblib.WORK, f"cli-monitor-{os.getpid()}")
        os.makedirs(d, exist_ok=True)
        db = os.path.join(d, "demo.gpkg")
        for ext in ("", "-wal", "-shm"):
            if os.path.exists(db + ext):
                os.remove(db + ext)
        case.assertEqual(run("demo", "--json", db=db).code, 0)
        _demo["db"] = db
    return _demo["db"]


def volume_table():
    with open(os.path.join(tblib.SRC, "data", "jizhou", "volume.csv"), newline="") as f:
        return {r["species"]: (float(r["a"]), float(r["b"]), float(r["c"])) for r in csv.DictReader(f)}


def expected(db, survey):
    """The indicators computed here from the stored rows (live trees ≥ 5 cm)."""
    con = sqlite3.connect(db)
    area = con.execute("SELECT p.area_m2 FROM plots p JOIN plot_surveys s ON s.plot_code=p.code WHERE s.code=?",
                       (survey,)).fetchone()[0]
    rows = con.execute("SELECT species, dbh_cm, height_m, status FROM plot_trees WHERE survey_code=?", (survey,)).fetchall()
    con.close()
    live = [r for r in rows if r[3] == "live" and r[1] >= 5]
    k = 10000 / area
    heights = [r[2] for r in live if r[2]]
    by_sp = {}
    for r in live:
        if r[2]:
            by_sp.setdefault(r[0], []).append(r[2])
    eq = volume_table()
    vol = 0
    for sp, d, h, _ in live:
        if not h:
            h = sum(by_sp[sp]) / len(by_sp[sp]) if sp in by_sp else sum(heights) / len(heights)
        a, b, c = eq.get(sp, eq["*"])
        vol += a * d ** b * h ** c
    n = len(live)
    counts = Counter(r[0] for r in live)
    return {"stems_ha": n * k, "basal_area_m2_ha": sum(math.pi * (r[1] / 200) ** 2 for r in live) * k,
            "mean_dbh_cm": sum(r[1] for r in live) / n, "qmd_cm": math.sqrt(sum(r[1] ** 2 for r in live) / n),
            "shannon": -sum(c / n * math.log(c / n) for c in counts.values()), "volume_m3_ha": vol * k}


class Monitor(TbCase):
    def test_sites_and_indicators(self):
        db = demo(self)
        sites = self.ok(run("monitor", "sites", "--json", db=db)).json()
        self.assertEqual(len(sites), 6)
        self.assertEqual(Counter(s["kind"] for s in sites), {"station": 1, "point": 5})
        self.assertEqual(sum(s["plots"] for s in sites), 13)  # 3 at the station, 2 at each point
        for s in sites:
            self.assertIn("示意", s["note"])  # locations are schematic
            self.assertTrue(s["staff_count"] >= 2 and s["equipment"] and s["housing_m2"] > 0)
        text = self.ok(run("monitor", "sites", db=db)).out
        self.assertIn("八仙山监测点", text)
        for survey in ("JZ-MP-1-YD01-2025", "JZ-MS-0-YD03-2025"):
            got = self.ok(run("monitor", "indicators", survey, "--json", db=db)).json()
            want = expected(db, survey)
            for k, v in want.items():
                self.assertAlmostEqual(got[k], v, delta=0.0011, msg=f"{survey} {k}")
        r = run("monitor", "indicators", "NOPE", db=db)
        self.assertNotEqual(r.code, 0)
        self.assertEqual(run("monitor", "nothing", db=db).code, 1)

    def test_tally_import_all_or_nothing(self):
        db = self.path("d.gpkg")
        self.ok(run("demo", db=db))
        survey = "JZ-MP-2-YD01-2025"
        before = self.ok(run("monitor", "indicators", survey, "--json", db=db)).json()
        bad = self.path("bad.csv")
        with open(bad, "w") as f:
            f.write("tree_no,species,dbh_cm,height_m,status\n101,411,12.5,9,live\n102,411,-3,9,live\n103,xyz,10,8,live\n")
        r = run("monitor", "import-tally", bad, "--survey", survey, "--json", db=db)
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("dbh_cm", r.err)
        self.assertEqual(self.ok(run("monitor", "indicators", survey, "--json", db=db)).json()["trees_tallied"],
                         before["trees_tallied"])
        good = self.path("good.csv")
        with open(good, "w") as f:
            f.write("tree_no,species,dbh_cm,height_m,status\n101,411,12.5,9,live\n102,240,22,13.5,live\n103,430,8,,dead\n")
        r = self.ok(run("monitor", "import-tally", good, "--survey", survey, "--json", db=db)).json()
        self.assertEqual(r["trees"], 3)
        after = self.ok(run("monitor", "indicators", survey, "--json", db=db)).json()
        self.assertEqual(after["trees_tallied"], before["trees_tallied"] + 3)
        self.assertAlmostEqual(after["stems_ha"], before["stems_ha"] + 2 * 10000 / 600, places=2)
        self.assertEqual(run("monitor", "import-tally", good, "--survey", "NOPE", db=db).code, 2)
        self.assertEqual(run("monitor", "import-tally", good, db=db).code, 1)

    def test_demo_is_deterministic(self):
        a, b = self.path("a.gpkg"), self.path("b.gpkg")
        self.ok(run("demo", db=a))
        self.ok(run("demo", db=b))
        q = ["SELECT code, site_code, parcel_code, lon, lat FROM plots ORDER BY code",
             "SELECT survey_code, tree_no, species, dbh_cm, height_m, status FROM plot_trees ORDER BY survey_code, tree_no",
             "SELECT code, type, status, result, town_code, grid_code, ranger_code, natural_forest_ha, merged_count FROM alerts"
             " ORDER BY code"]
        ca, cb = sqlite3.connect(a), sqlite3.connect(b)
        for sql in q:
            self.assertEqual(ca.execute(sql).fetchall(), cb.execute(sql).fetchall(), sql)
        states = Counter(r[0] for r in ca.execute("SELECT status FROM alerts"))
        self.assertEqual(states, {"assigned": 2, "verified": 1, "closed": 1, "new": 1})
        ca.close(), cb.close()
        s = self.ok(run("stats", "--json", db=a)).json()
        self.assertTrue(s["ledger_consistent"])  # the demo's confirmed fire lost no natural forest


class Alerts(TbCase):
    def test_cli_lifecycle(self):
        db = self.path("d.gpkg")
        self.ok(run("demo", db=db))
        con = sqlite3.connect(db)
        code, ranger = con.execute("SELECT code, ranger_code FROM alerts WHERE type='smoke'").fetchone()
        con.close()
        a = self.ok(run("alert", "raise", "--type", "intrusion", "--source", "camera", "--at", "2025-10-22T07:00:00Z",
                        "--point", "117.30,40.07", "--confidence", "0.4", "--json", db=db)).json()
        self.assertFalse(a["merged"])
        self.assertEqual(a["town_code"], "120119102")  # 官庄镇
        b = self.ok(run("alert", "raise", "--type", "intrusion", "--source", "drone", "--at", "2025-10-22T09:00:00Z",
                        "--point", "117.301,40.0705", "--confidence", "0.8", "--json", db=db)).json()
        self.assertEqual((b["merged"], b["code"], b["merged_count"], b["confidence"]), (True, a["code"], 2, 0.8))
        g = self.path("p.geojson")
        with open(g, "w") as f:
            json.dump({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                       "geometry": {"type": "Polygon", "coordinates": [[[117.6, 40.12], [117.601, 40.12], [117.601, 40.121],
                                                                        [117.6, 40.121], [117.6, 40.12]]]}}]}, f)
        p = self.ok(run("alert", "raise", "--type", "forest_loss", "--source", "satellite", "--at", "2025-11-01",
                        "--geometry", g, "--json", db=db)).json()
        self.assertEqual(p["town_code"], "120119203")  # 孙各庄满族乡
        r = run("alert", "raise", "--type", "fire", "--source", "camera", "--at", "2025-10-22T07:00:00Z", db=db)
        self.assertEqual(r.code, 1)  # no geometry: usage
        r = run("alert", "raise", "--type", "fire", "--source", "camera", "--at", "2025-10-22T07:00:00Z",
                "--point", "117.30,40.07", "--confidence", "7", db=db)
        self.assertEqual(r.code, 2)
        self.assertIn("confidence", r.err)
        lst = self.ok(run("alert", "list", "--status", "assigned", "--json", db=db)).json()
        self.assertIn(code, [x["code"] for x in lst])
        self.assertEqual({x["status"] for x in lst}, {"assigned"})
        r = run("alert", "close", code, "--note", "x", db=db)
        self.assertEqual(r.code, 2, repr(r))  # assigned → closed: conflict (exit 2, like bad input)
        self.assertIn("cannot close", r.err)
        photo = self.path("site.png")
        with open(photo, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8)
        v = self.ok(run("alert", "verify", code, "--result", "confirmed", "--note", "林下烟雾为村民烧秸秆",
                        "--photo-file", photo, "--json", db=db)).json()
        self.assertEqual((v["status"], v["result"], v["loss_ha"]), ("verified", "confirmed", 0))
        c = self.ok(run("alert", "close", code, "--note", "已处置", "--json", db=db)).json()
        self.assertEqual(c["status"], "closed")
        self.assertEqual(run("alert", "verify", code, "--result", "confirmed", "--note", "x", db=db).code, 2)
        self.assertEqual(run("alert", "assign", "AL-NOPE", db=db).code, 2)
        self.ok(run("audit", "verify", db=db))


if __name__ == "__main__":
    import unittest
    unittest.main()
