#!/usr/bin/env python3
"""The check-layers self-test: the check passes on the tree as it is and
fails, naming file, line and reason, on a copy of src/ with one violation of
each rule added; a column that shares a table's name is not a violation.
Usage: test_check_layers.py SOURCE_ROOT"""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
CHECK = os.path.join(ROOT, "scripts", "check-layers")


def run(root):
    p = subprocess.run([sys.executable, CHECK, root], capture_output=True, text=True)
    return p.returncode, p.stdout.splitlines()


def expect(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


rc, out = run(ROOT)
expect(rc == 0 and out[-1].startswith("check-layers: 0 problem(s)"), f"the tree passes: {rc} {out[-5:]}")

# one file of violations appended to monitor/ (which owns none of these tables)
BAD = """
#include "http/http.h"
static void bad(tb_db *db)
{
	sqlite3_exec(0, 0, 0, 0, 0);
	tb_db_exec(db, "SELECT code FROM rangers WHERE login='x'", NULL);
	tb_db_exec(db, "SELECT p.code FROM grids g, parcels p WHERE p.cun=g.code", NULL);
	tb_db_exec(db, "SELECT id FROM rtree_zones_geom"
		       " WHERE minx<1", NULL);
	tb_db_exec(db, "SELECT parcels, rangers FROM notifications", NULL); /* columns, not tables */
}
"""
with tempfile.TemporaryDirectory() as tmp:
    shutil.copytree(os.path.join(ROOT, "src"), os.path.join(tmp, "src"))
    target = os.path.join(tmp, "src", "monitor", "fire.c")
    with open(target, encoding="utf-8") as f:
        base = f.read().count("\n")
    with open(target, "a", encoding="utf-8") as f:
        f.write(BAD)
    rc, out = run(tmp)
    n = base  # BAD starts with a newline: its #include is line base + 2
    want = [
        f"src/monitor/fire.c:{n + 5}: names SQLite outside src/db/sqlite/ (use db/db.h)",
        f"src/monitor/fire.c:{n + 2}: monitor/ includes http/, a layer above it",
        f"src/monitor/fire.c:{n + 6}: SQL names rangers, a table of duty/ (call duty/'s public header)",
        f"src/monitor/fire.c:{n + 7}: SQL names parcels, a table of registry/ (call registry/'s public header)",
        f"src/monitor/fire.c:{n + 7}: SQL names grids, a table of duty/ (call duty/'s public header)",
        f"src/monitor/fire.c:{n + 8}: SQL names zones, a table of registry/ (call registry/'s public header)",
    ]
    expect(rc == 1, f"exit 1 on violations, got {rc}")
    for w in want:
        expect(w in out, f"reported: {w}\ngot:\n" + "\n".join(out))
    expect(len(out) == len(want) + 1, "only these problems:\n" + "\n".join(out))
    expect(out[-1].startswith(f"check-layers: {len(want)} problem(s)"), out[-1])

# 4. include cycles: a fixture tree of one folder, first without a cycle
# (a → b → c), then with c including a's header (a → b → c → a, transitively)
def tree(tmp, files):
    for name, text in files.items():
        path = os.path.join(tmp, "src", "monitor", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

ACYCLIC = {
    "a.h": "#include \"monitor/b.h\"\n",
    "a.c": "#include \"monitor/a.h\"\n",
    "b.h": "/* no includes */\n",
    "b.c": "#include \"monitor/b.h\"\n#include \"monitor/c.h\"\n",
    "c.h": "/* #include \"monitor/a.h\" in a comment does not count */\n",
    "c.c": "#include \"monitor/c.h\"\n",
}
with tempfile.TemporaryDirectory() as tmp:
    tree(tmp, ACYCLIC)
    rc, out = run(tmp)
    expect(rc == 0 and out[-1].startswith("check-layers: 0 problem(s)"), "no cycle passes:\n" + "\n".join(out))
with tempfile.TemporaryDirectory() as tmp:
    tree(tmp, dict(ACYCLIC, **{"c.c": "#include \"monitor/c.h\"\n\n#include \"a.h\"\n"}))
    rc, out = run(tmp)
    cyc = [
        "src/monitor/a.h:1: include cycle in monitor/ (a ↔ b ↔ c): a includes b.h",
        "src/monitor/b.c:2: include cycle in monitor/ (a ↔ b ↔ c): b includes c.h",
        "src/monitor/c.c:3: include cycle in monitor/ (a ↔ b ↔ c): c includes a.h",
    ]
    expect(rc == 1, f"a cycle fails, got {rc}:\n" + "\n".join(out))
    expect(out[:-1] == cyc, "the cycle's includes:\n" + "\n".join(out))
print(f"check-layers self-test: ok ({len(want)} violations found, a 3-unit include cycle found, tree clean)")
