"""Fire danger and pests through the real binary (§3.1.3): `tianbao fire`
reproduces the R package cffdrs's reference table (tests/fixtures/fire/
cffdrs_fwi_01.csv = cffdrs/cffdrs_r tests/data/fwi_01.csv at commit
8d2797df4403c0b643e539d78ef05780dda2d23f: 48 consecutive days, 40°N) within
0.1 for every index and day, as JSON and as CSV; bad rows name the line and
field (exit 2); `weather import` stores a station's days all or nothing,
computes the danger, and counts its warnings; `pest status` sums degree
days."""
import csv
import io
import os
import sqlite3

import tblib
from tblib import TbCase, run

REF = os.path.join(tblib.SRC, "tests", "fixtures", "fire", "cffdrs_fwi_01.csv")
INDICES = ["ffmc", "dmc", "dc", "isi", "bui", "fwi", "dsr"]
LEVELS = [(30, 5), (20, 4), (10, 3), (5, 2), (0, 1)]  # fire.json: min FWI of each level


def reference():
    with open(REF) as f:
        return list(csv.DictReader(f))


def weather_csv(path, rows, year=1985):
    with open(path, "w") as f:
        f.write("date,temp,rh,wind,rain\n")
        for d in rows:
            f.write("%d-%02d-%02d,%s,%s,%s,%s\n" % (year, int(d["MON"]), int(d["DAY"]), d["TEMP"], d["RH"], d["WS"], d["PREC"]))
    return path


def level_of(fwi):
    return next(level for floor, level in LEVELS if fwi >= floor)


class FireTable(TbCase):
    def test_reference_table_json(self):
        ref = reference()
        self.assertEqual(len(ref), 48)
        out = self.ok(run("fire", weather_csv(self.path("w.csv"), ref), "--lat", "40", "--json")).json()
        self.assertEqual(len(out), 48)
        for i, (got, want) in enumerate(zip(out, ref)):
            for k in INDICES:
                self.assertAlmostEqual(got[k], float(want[k.upper()]), delta=0.1, msg=f"day {i + 1} {k}")
            self.assertEqual(got["level"], level_of(float(want["FWI"])), f"day {i + 1}")
        self.assertEqual(out[0]["date"], "1985-04-13")
        self.assertEqual(out[24]["level"], 5)  # 1985-05-07, FWI 52.3: 红

    def test_reference_table_csv(self):
        ref = reference()
        r = self.ok(run("fire", weather_csv(self.path("w.csv"), ref), "--lat", "40"))
        rows = list(csv.DictReader(io.StringIO(r.out)))
        self.assertEqual(list(rows[0].keys()), ["date", "temp", "rh", "wind", "rain"] + INDICES + ["level"])
        for i, (got, want) in enumerate(zip(rows, ref)):
            for k in INDICES:
                self.assertAlmostEqual(float(got[k]), float(want[k.upper()]), delta=0.1, msg=f"day {i + 1} {k}")

    def test_latitude_changes_day_length(self):
        ref = reference()[:10]
        north = self.ok(run("fire", weather_csv(self.path("w.csv"), ref), "--lat", "40", "--json")).json()
        tropic = self.ok(run("fire", self.path("w.csv"), "--lat", "20", "--json")).json()
        # April: DMC day length 12.8 at 40°N against 9.5 at 20°N
        self.assertGreater(north[0]["dmc"], tropic[0]["dmc"])
        self.assertAlmostEqual(north[0]["dmc"] - 6, (tropic[0]["dmc"] - 6) * 12.8 / 9.5, delta=1e-3)

    def test_bad_rows(self):
        with open(self.path("bad.csv"), "w") as f:
            f.write("date,temp,rh,wind,rain\n2026-04-01,20,30,10,0\n2026-04-02,20,130,10,0\n")
        r = run("fire", self.path("bad.csv"))
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("bad.csv line 3: rh: value 130 out of range", r.err)
        with open(self.path("bad2.csv"), "w") as f:
            f.write("date,temp,rh,wind,rain\n2026-02-30,20,30,10,0\n")
        r = run("fire", self.path("bad2.csv"), "--json")
        self.assertEqual(r.code, 2)
        self.assertEqual(r.err_json()["error"]["field"], "date")
        self.assertEqual(r.err_json()["error"]["record"], self.path("bad2.csv") + " line 2")
        with open(self.path("bad3.csv"), "w") as f:
            f.write("date,temp,rh,rain\n2026-04-01,20,30,0\n")
        r = run("fire", self.path("bad3.csv"))
        self.assertEqual(r.code, 2)
        self.assertIn("wind", r.err)
        with open(self.path("bad4.csv"), "w") as f:
            f.write("date,temp,rh,wind,rain\n2026-04-01,20,dry,10,0\n")
        r = run("fire", self.path("bad4.csv"))
        self.assertEqual(r.code, 2)
        self.assertIn("line 2: rh: 'dry' is not a number", r.err)
        self.assertEqual(run("fire", self.path("w.csv"), "--lat", "95").code, 1)


class WeatherImport(TbCase):
    def setUp(self):
        super().setUp()
        self.db = self.path("t.gpkg")
        self.ok(run("init", db=self.db))

    def count(self, sql):
        con = sqlite3.connect(self.db)
        n = con.execute(sql).fetchone()[0]
        con.close()
        return n

    def test_import_danger_and_warnings(self):
        ref = reference()
        # up to 1985-05-08 (as 2026): the last three days are levels 4, 5, 4
        path = weather_csv(self.path("w.csv"), ref[:26], year=2026)
        r = self.ok(run("weather", "import", path, "--station", "54428", "--json", db=self.db)).json()
        self.assertEqual((r["stored"], r["replaced"]), (26, 0))
        self.assertEqual((r["from"], r["to"]), ("2026-04-13", "2026-05-08"))
        self.assertEqual(len(r["danger"]), 26)
        # the station lies at 40.05°N: same day-length band as the reference's 40°N
        for got, want in zip(r["danger"], ref):
            for k in INDICES:
                self.assertAlmostEqual(got[k], float(want[k.upper()]), delta=0.1)
        self.assertEqual([d["level"] for d in r["danger"][-3:]], [4, 5, 4])
        w = r["warnings"]
        self.assertEqual(w["due"], 3)
        # 8 towns covered by 54428, no rangers in an empty district; each
        # notification is sent, suppressed or (while notifications are not
        # available) counted as not sent — never lost silently
        self.assertEqual(w["sent"] + w["suppressed"] + w["failed"], 3 * 8)
        if w["failed"]:
            self.assertTrue(w["error"])
        self.assertEqual(self.count("SELECT count(*) FROM weather"), 26)
        self.assertEqual(self.count("SELECT count(*) FROM fire_danger WHERE station='54428'"), 26)
        self.assertEqual(self.count("SELECT count(*) FROM tb_event WHERE action='weather.import'"), 1)
        # the rest of the season continues from 05-08's codes
        rest = weather_csv(self.path("rest.csv"), ref[26:], year=2026)
        r2 = self.ok(run("weather", "import", rest, "--station", "54428", "--json", db=self.db)).json()
        self.assertFalse(r2["danger"][0]["startup"])
        self.assertAlmostEqual(r2["danger"][-1]["dc"], float(ref[-1]["DC"]), delta=0.1)
        # the same days again replace, and the danger is unchanged
        r3 = self.ok(run("weather", "import", rest, "--station", "54428", "--json", db=self.db)).json()
        self.assertEqual((r3["stored"], r3["replaced"]), (0, 22))
        self.assertAlmostEqual(r3["danger"][-1]["fwi"], r2["danger"][-1]["fwi"], delta=1e-9)
        self.ok(run("audit", "verify", db=self.db))
        # degree days (base 10 °C, no tmax/tmin: daily temp) from Jan 1 to 05-30
        dd = sum(max(0.0, float(d["TEMP"]) - 10) for d in ref)
        s = self.ok(run("pest", "status", "--station", "54428", "--date", "2026-05-30", "--json", db=self.db)).json()
        sp = s["stations"][0]["species"][0]
        self.assertEqual(sp["species"], "fall_webworm")
        self.assertAlmostEqual(sp["degree_days"], dd, delta=0.05)
        self.assertEqual(sp["days"], 48)
        self.assertEqual(sp["stage"]["code"], "g0_adult" if dd < 330 else "g1_larva")
        self.assertEqual([w["kind"] for w in s["warnings"]], ["stage"])
        n = self.ok(run("pest", "status", "--station", "54428", "--date", "2026-05-30", "--notify", "--json", db=self.db)).json()
        self.assertEqual(n["notified"]["due"], 1)
        self.assertEqual(n["notified"]["sent"] + n["notified"]["suppressed"] + n["notified"]["failed"], 8)
        text = self.ok(run("pest", "status", "--date", "2026-05-30", db=self.db)).out
        self.assertIn("美国白蛾", text)

    def test_all_or_nothing(self):
        with open(self.path("bad.csv"), "w") as f:
            f.write("date,temp,rh,wind,rain,tmax,tmin\n2026-04-01,20,30,10,0,25,12\n2026-04-02,20,30,-3,0,,\n"
                    "2026-04-03,20,30,10,0,10,12\n2026-04-01,18,30,10,0,,\n")
        r = run("weather", "import", self.path("bad.csv"), "--station", "54428", db=self.db)
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("3 problem(s); nothing was changed", r.err)
        self.assertIn("bad.csv line 3: wind", r.err)
        self.assertIn("bad.csv line 4: tmin: tmin 12 is above tmax 10", r.err)
        self.assertIn("bad.csv line 5: date: 2026-04-01 appears twice", r.err)
        self.assertEqual(self.count("SELECT count(*) FROM weather"), 0)
        self.assertEqual(self.count("SELECT count(*) FROM fire_danger"), 0)
        r = run("weather", "import", self.path("bad.csv"), "--station", "99999", db=self.db)
        self.assertEqual(r.code, 2)
        self.assertIn("no weather station '99999'", r.err)


if __name__ == "__main__":
    tblib.main()
