"""POST /api/import through a real server on loopback: the one import
operation of the registry (tb_registry_import) behind the API — broken
uploads refused whole with the uploaded file's name, the record, field and
reason, nothing changed; the same layers as the CLI; a key-zone import
recomputing the parcels' key-zone areas inside its event."""
import io
import json
import os
import sqlite3
import zipfile

import tblib
import tbserver
from tblib import TbCase, content_digest, ogr, parcel_attrs, run, square, write_layer
from tbserver import Server

LON, LAT = 117.42, 40.15
_shared = {}


def setUpModule():
    d = os.path.join(tblib.WORK, f"server-import-{os.getpid()}")
    os.makedirs(d, exist_ok=True)
    db = os.path.join(d, "t.gpkg")
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db + ext):
            os.remove(db + ext)
    r = run("init", db=db)
    assert r.code == 0, r
    tbserver.add_user(db, "bureau", "bureau", tmpdir=d)
    tbserver.add_user(db, "town_a", "town", tbserver.TOWN_A, tmpdir=d)
    _shared["db"] = db
    _shared["srv"] = Server(db, settings=["rate_login=1000", "login_max_fail_ip=1000", "rate_write=100000"])


def tearDownModule():
    code, err = _shared["srv"].stop()
    assert code == 0, err


def client(login):
    c = _shared["srv"].client()
    r = c.login(login)
    assert r.status == 200, r
    return c


class Import(TbCase):
    def upload(self, data, filename, *query, login="bureau", c=None):
        q = "&".join(["filename=" + filename] + list(query))
        return (c or client(login)).request("POST", "/api/import?" + q, raw=data,
                                            headers={"Content-Type": "application/octet-stream"})

    def refused(self, data, filename, *query):
        c = client("bureau")  # logged in first: a login writes its session
        before = content_digest(_shared["db"])
        r = self.upload(data, filename, *query, c=c)
        self.assertEqual(r.status, 422, r)
        self.assertEqual(content_digest(_shared["db"]), before, "database changed by a refused upload")
        err = r.json()["error"]
        self.assertEqual(err["message"], "nothing was changed")
        return err["errors"]

    def test_csv_row_missing_trailing_fields(self):
        wkt, wkt2 = square(LON, LAT, 100), square(LON + 0.01, LAT, 100)
        data = ("WKT,XIANG,LIN_BAN,XIAO_BAN,DI_LEI,QI_YUAN\n"
                f'"{wkt}",120119104,001,001,030100,11\n"{wkt2}",120119104,001,002\n').encode()
        errs = self.refused(data, "short.csv")
        self.assertEqual(errs, [{"record": "line 3", "field": "DI_LEI",
                                 "message": "the row has 4 of the header's 6 fields: DI_LEI and what follows is "
                                            "missing (an empty value is written as ,,)"}])

    def test_zipped_shapefile_with_truncated_dbf(self):
        feats = [(parcel_attrs(XIAO_BAN="%03d" % i), square(LON + 0.0015 * (i % 20), LAT + 0.0015 * (i // 20), 100))
                 for i in range(60)]
        shp = write_layer(self.path("t.shp"), feats)
        with open(self.path("t.dbf"), "r+b") as f:
            f.truncate(os.path.getsize(self.path("t.dbf")) // 2)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for ext in (".shp", ".shx", ".dbf", ".prj"):
                z.write(shp[:-4] + ext, "t" + ext)
        errs = self.refused(buf.getvalue(), "t.shp.zip")
        self.assertEqual(len(errs), 1)
        self.assertEqual(errs[0]["record"], "t.shp.zip")  # the user's file, not the temporary copy
        self.assertRegex(errs[0]["message"], r"^the attribute table t\.dbf is truncated: its header counts 60 records "
                                             r"but the file holds only \d+; nothing was imported \(copy the file again\)$")

    def test_no_geometry_and_broken_json_name_the_upload(self):
        errs = self.refused(b"XIANG,LIN_BAN\n120119104,001\n", "plain.csv")
        self.assertEqual(errs[0]["record"], "plain.csv")
        self.assertEqual(errs[0]["field"], "geometry")
        self.assertIn("no WKT/geometry column among its columns (XIANG, LIN_BAN)", errs[0]["message"])
        errs = self.refused(b'{"type":"FeatureCollection","features":[\n{"type":"Feature"},,]}', "x.geojson")
        self.assertEqual(errs[0]["record"], "x.geojson")
        self.assertIn("At line 2, character", errs[0]["message"])

    def test_codes_and_escaped_bytes(self):
        ring = [[117.43, 40.16], [117.431, 40.16], [117.431, 40.161], [117.43, 40.16]]
        fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
              "properties": {"XIANG": "120119104", "DI_LEI": "030100", "QI_YUAN": "11", "LIN_BAN": 123, "XIAO_BAN": True}}]}
        errs = self.refused(json.dumps(fc).encode(), "codes.geojson")
        self.assertEqual(errs, [{"record": "feature 1 (小班 120119104-123-true)", "field": "xiao_ban",
                                 "message": "小班 is a code of 1–5 digits (like '012'), not true"}])
        wkt = square(LON, LAT, 100)
        data = f'WKT,XIANG,LIN_BAN,XIAO_BAN,DI_LEI,QI_YUAN\n"{wkt}",120119104,001,'.encode() + b"\xb1\xb8,030100,11\n"
        errs = self.refused(data, "gbk.csv")
        self.assertEqual(errs[0]["record"], "feature 1 (小班 120119104-001-\\xb1\\xb8)")
        self.assertIn("text '\\xb1\\xb8' is not valid UTF-8", errs[0]["message"])

    def test_same_layers_as_the_cli_and_zones_in_one_event(self):
        r = self.upload(b"x", "a.geojson", "layer=applications")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["error"]["message"], "layer must be one of parcels, zones, divisions, units, grids, "
                                                       "rangers, grid_rangers, agreements, trainings")
        feats = [(parcel_attrs(LIN_BAN="700", BEI_ZHU="天然更新"), square(LON + 0.1, LAT, 100))]
        fields = tblib.STD_FIELDS + [("BEI_ZHU", ogr.OFTString)]
        with open(write_layer(self.path("p.geojson"), feats, fields=fields), "rb") as f:
            r = self.upload(f.read(), "p.geojson")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["columns"]["BEI_ZHU"], "extra")
        zfields = [("code", ogr.OFTString), ("name", ogr.OFTString)]
        z = write_layer(self.path("z.geojson"), [({"code": "ZH1", "name": "测试区"}, square(LON + 0.099, LAT - 0.001, 300))],
                        fields=zfields, layer="zones")
        with open(z, "rb") as f:
            r = self.upload(f.read(), "z.geojson", "layer=zones")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["key_zone_parcels"], 1)
        con = sqlite3.connect(_shared["db"])
        kz, area, extra = con.execute("SELECT key_zone_ha, area_ha, extra FROM parcels WHERE code='120119104-700-001'").fetchone()
        action, payload = con.execute("SELECT action, payload FROM tb_event WHERE seq=?", (r.json()["event"],)).fetchone()
        con.close()
        self.assertAlmostEqual(kz, area, places=4)
        self.assertEqual(json.loads(extra), {"BEI_ZHU": "天然更新"})
        self.assertEqual((action, json.loads(payload)["key_zone_parcels"]), ("zones.import", 1))
        self.assertEqual(self.upload(b"x", "z.geojson", "layer=zones", login="town_a").status, 403)


if __name__ == "__main__":
    tblib.main()
