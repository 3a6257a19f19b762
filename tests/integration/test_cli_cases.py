"""`tianbao report-line` and `tianbao case` on a demo database: a telephone
report entered by the bureau and its public status; a rectification case
from it through order (with a deadline) and report_done; overdue with a
fixed date; the timeline; an invalid move exits 2 naming the status with
nothing changed; bad options are usage errors; the contact never appears."""
import os
import unittest

import tblib
from tblib import run

_db = {}


def setUpModule():
    d = os.path.join(tblib.WORK, f"cli-cases-{os.getpid()}")
    os.makedirs(d, exist_ok=True)
    db = os.path.join(d, "demo.gpkg")
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db + ext):
            os.remove(db + ext)
    r = run("demo", db=db)
    assert r.code == 0, r
    _db["path"] = db


class CliCases(unittest.TestCase):
    def test_report_to_rectification(self):
        db = _db["path"]
        r = run("report-line", "enter", "--channel", "phone", "--kind", "land_occupation", "--description",
                "电话反映有人在林地内建房", "--point", "117.47,40.15", "--json", db=db)
        self.assertEqual(r.code, 0, r)
        code = r.json()["code"]
        self.assertEqual(r.json()["status"], "received")
        r = run("report-line", "show", code, "--json", db=db)
        self.assertEqual((r.json()["status"], r.json()["status_zh"]), ("received", "已受理"))
        r = run("report-line", "list", "--kind", "land_occupation", "--json", db=db)
        mine = [x for x in r.json() if x["code"] == code]
        self.assertEqual(len(mine), 1)
        self.assertTrue(all(x["kind"] == "land_occupation" for x in r.json()))
        town = mine[0]["town_code"]
        self.assertRegex(town, r"^120119\d{3}$")
        r = run("case", "open", "--type", "rectification", "--title", "违法建房整改", "--source", "report",
                "--ref", code, "--json", db=db)
        self.assertEqual(r.code, 0, r)
        case = r.json()["code"]
        self.assertEqual((r.json()["town_code"], r.json()["status"]), (town, "registered"))
        self.assertEqual(run("report-line", "show", code, "--json", db=db).json()["status"], "accepted")
        r = run("case", "act", case, "--action", "order", "--note", "限期拆除", "--unit", town,
                "--deadline", "2026-03-01", "--json", db=db)
        self.assertEqual((r.code, r.json()["status"], r.json()["deadline"]), (0, "rectifying", "2026-03-01"), r)
        r = run("case", "overdue", "--today", "2026-03-11", "--json", db=db)
        self.assertEqual([(x["code"], x["days_overdue"]) for x in r.json()], [(case, 10)])
        self.assertEqual(run("case", "overdue", "--today", "2026-03-01", "--json", db=db).json(), [])
        r = run("case", "overdue", "--today", "2026-03-11", "--notify", "--json", db=db)
        self.assertEqual((r.code, r.json()["overdue"], r.json()["sent"], r.json()["skipped"]), (0, 1, 2, 0), r)
        r = run("case", "overdue", "--today", "2026-03-11", "--notify", db=db)
        self.assertIn("1 overdue on 2026-03-11: 0 reminders sent, 2 skipped", r.out)
        r = run("case", "overdue", "--today", "2026-3-11", "--notify", db=db)
        self.assertEqual(r.code, 1, r)  # a usage error
        self.assertIn("YYYY-MM-DD", r.err)
        r = run("case", "act", case, "--action", "close", "--note", "x", "--outcome", "rectified", db=db)
        self.assertEqual(r.code, 2, r)
        self.assertIn("is rectifying: cannot close it (possible: report_done)", r.err)
        r = run("case", "act", case, "--action", "report_done", "--note", "已拆除", "--json", db=db)
        self.assertEqual(r.json()["status"], "rechecking")
        r = run("case", "timeline", case, "--json", db=db)
        self.assertEqual([x["action"] for x in r.json()], ["cases.create", "cases.order", "cases.report_done"])
        r = run("case", "list", db=db)
        self.assertIn(case, r.out)
        self.assertIn("违法建房整改", r.out)

    def test_officials_and_departure_audit(self):
        db = _db["path"]
        r = run("official", "list", "--on", "2020-01-01", "--json", db=db)
        self.assertEqual(sorted((x["position_code"], x["person_code"]) for x in r.json()),
                         [("P-LYJ", "GB-0003"), ("P-T-120119104", "GB-0001")], r)
        r = run("official", "add", "--position", "P-LYJ", "--person", "GB-X", "--name", "某某", "--from", "2024-01-01", db=db)
        self.assertEqual(r.code, 2, r)
        self.assertIn("start_date: the position P-LYJ was held by 孙某丙（示例） from 2019-06-01 to 2024-05-31", r.err)
        r = run("audit", "departure", "--position", "P-T-120119104", "--person", "GB-0001", "--json", db=db)
        self.assertEqual(r.code, 0, r)
        a = r.json()
        self.assertEqual((a["jurisdiction"], a["tenure"]["start_date"], a["tenure"]["end_date"]),
                         ("120119104", "2018-03-01", "2023-02-28"))
        self.assertTrue(a["natural_forest"]["records_begin_after_start"])
        r = run("audit", "departure", "--position", "P-T-120119104", "--person", "GB-0001", db=db)
        self.assertIn("离任审计 departure audit (§3.5): 下营镇镇长 赵某甲（示例）", r.out)
        r = run("audit", "departure", "--position", "P-T-120119104", db=db)
        self.assertEqual(r.code, 1, r)
        self.assertIn("needs --position and --person", r.err)

    def test_usage_and_input_errors(self):
        db = _db["path"]
        self.assertEqual(run("case", "frobnicate", db=db).code, 1)
        self.assertEqual(run("case", "list", "--bogus", "x", db=db).code, 1)
        self.assertEqual(run("report-line", "enter", "--channel", "online", "--kind", "fire", db=db).code, 1)
        r = run("report-line", "enter", "--channel", "phone", "--kind", "ufo", "--description", "x", "--place", "y", db=db)
        self.assertEqual(r.code, 2, r)
        self.assertIn("kind", r.err)
        r = run("case", "open", "--type", "administrative", "--title", "x", "--source", "other", db=db)
        self.assertEqual(r.code, 2, r)
        self.assertIn("town_code", r.err)
        r = run("report-line", "show", "JB2222222222", db=db)
        self.assertEqual(r.code, 2, r)
        self.assertIn("no report with this receipt code", r.err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
