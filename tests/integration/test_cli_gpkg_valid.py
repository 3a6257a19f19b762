"""The demo database is a valid GeoPackage: GDAL's own validator
(validate_gpkg.py of python3-gdal, GDAL 3.6, shipped by Debian in
osgeo_utils/samples) accepts a freshly built demo and an empty database, and
every table registered in gpkg_contents has an INTEGER primary key
(GeoPackage Requirement 119 for attribute tables)."""
import os
import sqlite3
import subprocess
import sys

import tblib
from tblib import TbCase, run

from osgeo_utils.samples import validate_gpkg  # python3-gdal (scripts/packages.txt)


def integer_pk(con, table):
    cols = con.execute(f'PRAGMA table_info("{table}")').fetchall()
    pk = [(c[1], c[2].upper()) for c in cols if c[5]]
    return pk


class ValidGeoPackage(TbCase):
    def validate(self, db):
        # the script as a user runs it, with the interpreter running the tests
        p = subprocess.run([sys.executable, validate_gpkg.__file__, db], capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "", ""), p)
        # and the strict form: the extra checks, warnings as errors
        validate_gpkg.check(db, extra_checks=True, warning_as_error=True)

    def test_demo_database_validates(self):
        db = os.path.join(self.dir, "demo.gpkg")
        self.ok(run("demo", db=db))
        self.validate(db)
        con = sqlite3.connect(db)
        tables = [t for (t,) in con.execute("SELECT table_name FROM gpkg_contents ORDER BY table_name")]
        self.assertIn("tb_setting", tables)
        self.assertIn("tb_code", tables)
        for t in tables:
            pk = integer_pk(con, t)
            self.assertEqual(len(pk), 1, (t, pk))
            self.assertEqual(pk[0][1], "INTEGER", (t, pk))
        self.assertEqual(integer_pk(con, "tb_setting"), [("id", "INTEGER")])
        self.assertEqual(integer_pk(con, "tb_code"), [("id", "INTEGER")])
        # the natural keys stay unique
        with self.assertRaises(sqlite3.IntegrityError):
            con.execute("INSERT INTO tb_setting(key, value) VALUES('target_ha', '1')")
        with self.assertRaises(sqlite3.IntegrityError):
            con.execute("INSERT INTO tb_code(list, code, label_zh) VALUES('role', 'unit', 'x')")
        self.assertEqual(con.execute("SELECT value FROM tb_setting WHERE key='target_ha'").fetchone(), ("5565.1000",))
        con.close()

    def test_empty_database_validates(self):
        db = os.path.join(self.dir, "empty.gpkg")
        self.ok(run("init", db=db))
        self.validate(db)


if __name__ == "__main__":
    tblib.main()
