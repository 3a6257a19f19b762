"""Import through the real binary: a bureau-style GBK shapefile in CGCS2000
3° Gauss-Krüger zone 39 made with GDAL, CRS handling, and one fixture per
kind of bad input — each must fail with its own message and leave the
database content unchanged."""
import json
import os
import shutil
import sqlite3
import zipfile

import tblib
from tblib import TbCase, content_digest, ogr, parcel_attrs, run, square, write_layer

# 下营镇 (120119104), north of the district; village 120119104201
LON, LAT = 117.42, 40.15


class Import(TbCase):
    def setUp(self):
        super().setUp()
        self.db = self.path("t.gpkg")
        self.ok(run("init", db=self.db))

    def imp(self, path, *args):
        return run("import", path, "--json", *args, db=self.db)

    def parcel(self, code):
        r = self.ok(run("parcels", "show", code, "--json", db=self.db))
        return r.json()

    # ---- good files ----------------------------------------------------------

    def test_gbk_zone39_shapefile_with_standard_fields(self):
        feats = [
            (parcel_attrs(LIN_BAN="012", XIAO_BAN="034", CUN="120119104201", DI_LEI="乔木林地",
                          QI_YUAN="纯天然", YOU_SHI_SZ="蒙古栎", LING_ZU="近熟林", LD_QS="集体统一经营"),
             square(LON, LAT, 200, 4527)),
            (parcel_attrs(LIN_BAN="012", XIAO_BAN="035", DI_LEI="030401", YU_BI_DU=0.15, QI_YUAN="13"),
             square(LON + 0.01, LAT, 100, 4527)),
        ]
        shp = write_layer(self.path("bureau.shp"), feats, epsg=4527, encoding="CP936")
        with open(self.path("bureau.cpg")) as f:
            self.assertIn("936", f.read())
        with open(self.path("bureau.dbf"), "rb") as f:
            self.assertIn("乔木林地".encode("gbk"), f.read())  # really GBK bytes on disk
        r = self.ok(self.imp(shp))
        j = r.json()
        self.assertEqual(j["imported"], 2)
        self.assertEqual(j["srs"], "EPSG:4527")
        p = self.parcel("120119104-012-034")
        self.assertEqual(p["di_lei"], "030100")
        self.assertEqual(p["qi_yuan"], "11")
        self.assertEqual(p["you_shi_sz"], "411")
        self.assertEqual(p["ling_zu"], "3")
        self.assertEqual(p["ld_qs"], "21")
        self.assertEqual(p["cun"], "120119104201")
        self.assertEqual(p["restoration_class"], "1")
        self.assertTrue(p["natural"])
        # 200 m × 200 m in GK zone 39, ~2.4° from the central meridian is
        # 4 ha on the grid; the ellipsoidal area differs by the scale factor
        self.assertAlmostEqual(p["area_ha"], 4.0, delta=0.005)
        q = self.parcel("120119104-012-035")
        self.assertEqual(q["restoration_class"], "2")  # 天然疏林地
        self.assertAlmostEqual(q["area_ha"], 1.0, delta=0.002)
        s = run("stats", "--json", db=self.db).json()
        self.assertAlmostEqual(s["natural_forest_ha"], p["area_ha"] + q["area_ha"], places=4)
        self.assertTrue(s["ledger_consistent"])
        self.assertEqual(run("audit", "verify", db=self.db).code, 0)
        # the import is one event in both parcels' archives
        self.assertEqual([e["action"] for e in p["archive"]], ["parcels.import"])

    def test_gbk_without_cpg_is_detected(self):
        feats = [(parcel_attrs(DI_LEI="乔木林地", QI_YUAN="纯天然"), square(LON, LAT, 150, 4527))]
        shp = write_layer(self.path("nocpg.shp"), feats, epsg=4527, encoding="CP936")
        os.remove(self.path("nocpg.cpg"))
        with open(self.path("nocpg.dbf"), "r+b") as f:  # clear the DBF language id
            f.seek(29)
            f.write(b"\0")
        r = self.ok(self.imp(shp))
        self.assertIn("GB18030", r.json()["encoding"])
        self.assertEqual(self.parcel("120119104-001-001")["di_lei"], "030100")

    def test_explicit_encoding(self):
        feats = [(parcel_attrs(DI_LEI="乔木林地"), square(LON, LAT, 150, 4527))]
        shp = write_layer(self.path("enc.shp"), feats, epsg=4527, encoding="CP936")
        os.remove(self.path("enc.cpg"))
        r = self.ok(self.imp(shp, "--encoding", "GBK"))
        self.assertEqual(r.json()["encoding"], "GBK")

    def test_cm117_without_prefix_and_no_prj(self):
        feats = [(parcel_attrs(), square(LON, LAT, 120, 4548))]
        r = self.ok(self.imp(write_layer(self.path("cm117.shp"), feats, epsg=4548)))
        self.assertEqual(r.json()["srs"], "EPSG:4548")
        a = self.parcel("120119104-001-001")["area_ha"]
        # the same square, no .prj: the CRS is guessed from the coordinates
        fresh = self.path("noprj.gpkg")
        self.ok(run("init", db=fresh))
        feats = [(parcel_attrs(), square(LON, LAT, 120, 4527))]
        shp = write_layer(self.path("noprj.shp"), feats, epsg=4527, prj=False)
        r = self.ok(run("import", shp, "--json", db=fresh))
        self.assertIn("EPSG:4527", r.json()["srs"])
        self.assertIn("guessed", r.json()["srs"])
        b = run("parcels", "show", "120119104-001-001", "--json", db=fresh).json()["area_ha"]
        self.assertAlmostEqual(a, b, places=3)

    def test_prefix_mislabelled_as_cm117(self):
        feats = [(parcel_attrs(), square(LON, LAT, 100, 4527))]
        shp = write_layer(self.path("mislabel.shp"), feats, epsg=4527)
        # write the CM 117°E .prj next to zone-prefixed coordinates
        from tblib import srs
        with open(self.path("mislabel.prj"), "w") as f:
            f.write(srs(4548).ExportToWkt())
        r = self.ok(self.imp(shp))
        self.assertIn("zone prefix corrected", r.json()["srs"])
        self.assertAlmostEqual(self.parcel("120119104-001-001")["area_ha"], 1.0, delta=0.002)

    def test_geojson_gpkg_kml(self):
        for i, name in enumerate(("a.geojson", "b.gpkg", "c.kml")):
            feats = [(parcel_attrs(XIAO_BAN=f"1{i}"), square(LON + 0.01 * i, LAT + 0.02, 100))]
            self.ok(self.imp(write_layer(self.path(name), feats)))
            self.assertAlmostEqual(self.parcel(f"120119104-001-1{i}")["area_ha"], 1.0, delta=0.002)

    def test_srs_override(self):
        feats = [(parcel_attrs(), square(LON, LAT, 100, 4527))]
        shp = write_layer(self.path("o.shp"), feats, epsg=4527, prj=False)
        r = self.ok(self.imp(shp, "--srs", "EPSG:4527"))
        self.assertEqual(r.json()["srs"], "EPSG:4527")
        r = run("import", shp, "--srs", "EPSG:999999", db=self.path("t.gpkg"))
        self.assertEqual(r.code, 1, repr(r))
        self.assertIn("unknown coordinate system", r.err)

    def test_repair(self):
        bowtie = self.bowtie()
        feats = [(parcel_attrs(), bowtie)]
        path = write_layer(self.path("bow.geojson"), feats)
        r = self.ok(self.imp(path, "--repair"))
        j = r.json()
        self.assertEqual(j["repaired"], 1)
        self.assertIn("Self-intersection", j["repairs"][0]["was"])
        self.assertGreater(self.parcel("120119104-001-001")["area_ha"], 0.4)

    def test_dry_run_changes_nothing(self):
        feats = [(parcel_attrs(), square(LON, LAT, 100))]
        before = content_digest(self.db)
        r = self.ok(self.imp(write_layer(self.path("d.geojson"), feats), "--dry-run"))
        self.assertEqual(r.json()["imported"], 1)
        self.assertTrue(r.json()["dry_run"])
        self.assertEqual(content_digest(self.db), before)

    # ---- bad files: specific message, nothing changed --------------------------

    def bowtie(self):
        x, y = tblib.to_srs(LON, LAT, 4527)
        ring = [(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100), (x, y)]
        from tblib import osr, srs
        ct = osr.CoordinateTransformation(srs(4527), srs(4490))
        pts = [ct.TransformPoint(a, b)[:2] for a, b in ring]
        return "POLYGON((" + ",".join(f"{a!r} {b!r}" for a, b in pts) + "))"

    def fails(self, feats, *messages, fields=tblib.STD_FIELDS, name="bad.geojson", count=None):
        # a good parcel first, so a partial import would show
        good = (parcel_attrs(XIAO_BAN="900"), square(LON + 0.05, LAT, 100))
        path = write_layer(self.path(name), [good] + feats, fields=fields)
        before = content_digest(self.db)
        r = run("import", path, "--json", db=self.db)
        self.assertEqual(r.code, 2, repr(r))
        err = r.err_json()["error"]
        text = " | ".join(f"{e.get('record')}: {e.get('field')}: {e['message']}" for e in err["errors"])
        for m in messages:
            self.assertIn(m, text)
        if count is not None:
            self.assertEqual(err["count"], count, text)
        self.assertEqual(content_digest(self.db), before, "database changed by a failed import")
        return err["errors"]

    def test_unknown_code(self):
        errs = self.fails([(parcel_attrs(DI_LEI="039999"), square(LON, LAT, 100))],
                          "unknown code '039999' in code list 地类 (di_lei)", count=1)
        self.assertEqual(errs[0]["field"], "di_lei")
        self.assertEqual(errs[0]["record"], "feature 2 (小班 120119104-001-001)")

    def test_value_out_of_range(self):
        errs = self.fails([(parcel_attrs(YU_BI_DU=1.5), square(LON, LAT, 100))], "out of range [0, 1]")
        self.assertEqual(errs[0]["field"], "yu_bi_du")

    def test_canopy_inconsistent_with_land_class(self):
        self.fails([(parcel_attrs(YU_BI_DU=0.15), square(LON, LAT, 100))],
                   "canopy closure 0.15 does not fit 地类 030100 乔木林地")

    def test_invalid_geometry(self):
        errs = self.fails([(parcel_attrs(), self.bowtie())], "Self-intersection")
        self.assertEqual(errs[0]["field"], "geometry")

    def test_outside_the_district(self):
        self.fails([(parcel_attrs(), square(116.40, 39.90, 100))], "outside the district 蓟州区")

    def test_overlap_within_the_file(self):
        self.fails([(parcel_attrs(XIAO_BAN="001"), square(LON, LAT, 100)),
                    (parcel_attrs(XIAO_BAN="002"), square(LON + 0.0005, LAT, 100))],
                   "overlaps parcel 120119104-001-001 by")

    def test_overlap_with_stored_parcel(self):
        self.ok(self.imp(write_layer(self.path("first.geojson"), [(parcel_attrs(), square(LON, LAT, 100))])))
        self.fails([(parcel_attrs(XIAO_BAN="002"), square(LON, LAT, 100))], "overlaps parcel 120119104-001-001 by 1.0")

    def test_touching_parcels_are_fine(self):
        x, y = tblib.to_srs(LON, LAT, 4527)
        lon2, lat2 = tblib.to_srs(x + 100, y, 4490) if False else (None, None)
        a = square(LON, LAT, 100, 4527)
        from tblib import ogr
        ga = ogr.CreateGeometryFromWkt(a)
        gb = ogr.CreateGeometryFromWkt(a)
        # shift the second square by exactly 100 m east in GK coordinates
        for i in range(gb.GetGeometryRef(0).GetPointCount()):
            px, py, _ = gb.GetGeometryRef(0).GetPoint(i)
            gb.GetGeometryRef(0).SetPoint_2D(i, px + 100, py)
        feats = [(parcel_attrs(XIAO_BAN="001"), ga.ExportToWkt()), (parcel_attrs(XIAO_BAN="002"), gb.ExportToWkt())]
        self.ok(self.imp(write_layer(self.path("touch.shp"), feats, epsg=4527)))

    def test_duplicate_code(self):
        self.fails([(parcel_attrs(), square(LON, LAT, 100)), (parcel_attrs(), square(LON + 0.01, LAT, 100))],
                   "duplicate code '120119104-001-001'")

    def test_unknown_town_and_village(self):
        self.fails([(parcel_attrs(XIANG="120119999"), square(LON, LAT, 100))], "unknown town code '120119999'")
        self.fails([(parcel_attrs(CUN="120119102201"), square(LON, LAT, 100))],
                   "village '120119102201' belongs to town 120119102, not to 120119104")

    def test_missing_column(self):
        fields = [f for f in tblib.STD_FIELDS if f[0] != "DI_LEI"]
        self.fails([], "the file has no column for 地类 (di_lei, DI_LEI)", fields=fields)

    def test_missing_geometry(self):
        self.fails([(parcel_attrs(), None)], "geometry is missing")

    def test_every_bad_record_is_listed(self):
        errs = self.fails([(parcel_attrs(XIAO_BAN="001", DI_LEI="1"), square(LON, LAT, 100)),
                           (parcel_attrs(XIAO_BAN="002", YU_BI_DU=7), square(LON + 0.01, LAT, 100)),
                           (parcel_attrs(XIAO_BAN="003"), self.bowtie()),
                           (parcel_attrs(XIAO_BAN="004"), square(LON + 0.02, LAT, 100))],
                          count=3)
        self.assertEqual([e["record"] for e in errs],
                         ["feature 2 (小班 120119104-001-001)", "feature 3 (小班 120119104-001-002)",
                          "feature 4 (小班 120119104-001-003)"])

    def test_not_a_gis_file(self):
        p = self.path("notes.txt")
        with open(p, "w") as f:
            f.write("hello")
        r = run("import", p, db=self.db)
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("not a GIS file GDAL can read", r.err)
        r = run("import", self.path("missing.shp"), db=self.db)
        self.assertEqual(r.code, 1)
        self.assertIn("cannot read the file", r.err)

    # ---- broken files (issue 22): refused whole, the file, record, field and reason named --------

    def refused(self, path, *args, code=2):
        before = content_digest(self.db)
        r = run("import", path, "--json", *args, db=self.db)
        self.assertEqual(r.code, code, repr(r))
        self.assertEqual(content_digest(self.db), before, "database changed by a refused import")
        err = r.err_json()["error"]
        if "errors" not in err:  # one problem is printed as the error itself
            err = {"count": 1, "errors": [err]}
        return err

    def many(self, n, name):
        feats = [(parcel_attrs(LIN_BAN="%03d" % (1 + i // 100), XIAO_BAN="%03d" % (i % 100)),
                  square(LON + 0.0015 * (i % 20), LAT + 0.0015 * (i // 20), 100)) for i in range(n)]
        return write_layer(self.path(name), feats)

    def test_truncated_dbf_is_refused_whole(self):
        shp = self.many(518, "big.shp")
        dbf = self.path("big.dbf")
        with open(dbf, "rb") as f:
            head = f.read(32)
        header = int.from_bytes(head[8:10], "little")
        reclen = int.from_bytes(head[10:12], "little")
        with open(dbf, "r+b") as f:  # an interrupted copy: 258 whole records and half of one
            f.truncate(header + 258 * reclen + reclen // 2)
        err = self.refused(shp)
        self.assertEqual(err["errors"][0]["record"], shp)
        self.assertEqual(err["errors"][0]["message"],
                         "the attribute table big.dbf is truncated: its header counts 518 records but the "
                         "file holds only 258; nothing was imported (copy the file again)")
        self.assertEqual(run("parcels", "list", "--json", db=self.db).json()["total"], 0)
        zipped = self.path("big.zip")  # the zipped form says the same
        with zipfile.ZipFile(zipped, "w") as z:
            for ext in (".shp", ".shx", ".dbf", ".prj"):
                z.write(self.path("big" + ext), "big" + ext)
        err = self.refused(zipped)
        self.assertEqual(err["errors"][0]["message"],
                         "the attribute table big.dbf is truncated: its header counts 518 records but the "
                         "file holds only 258; nothing was imported (copy the file again)")

    def test_shp_and_dbf_counts_must_agree(self):
        shp = self.many(5, "five.shp")
        other = self.many(3, "three.shp")
        shutil.copy(self.path("three.dbf"), self.path("five.dbf"))  # a .dbf of another layer
        self.assertTrue(os.path.exists(other))
        err = self.refused(shp)
        self.assertEqual(err["errors"][0]["message"],
                         "the shapes (.shp/.shx: 5 records) and the attribute table (.dbf: 3 records) do "
                         "not agree; nothing was imported")

    def test_missing_dbf_says_so(self):
        shp = self.many(3, "nodbf.shp")
        os.remove(self.path("nodbf.dbf"))
        err = self.refused(shp)
        self.assertEqual(err["count"], 1)
        self.assertEqual(err["errors"][0]["message"],
                         "the shapefile's attribute table nodbf.dbf is missing (a shapefile is the .shp, "
                         ".shx and .dbf files together; zip them into one .zip to be sure)")

    def geojson(self, name, *props):
        ring = [[117.42, 40.15], [117.421, 40.15], [117.421, 40.151], [117.42, 40.151], [117.42, 40.15]]
        feats = []
        for i, p in enumerate(props):
            base = dict(XIANG="120119104", DI_LEI="030100", QI_YUAN="11", LIN_BAN="001", XIAO_BAN="001")
            base.update(p)
            r = [[x + 0.002 * i, y] for x, y in ring]
            feats.append({"type": "Feature", "properties": base, "geometry": {"type": "Polygon", "coordinates": [r]}})
        path = self.path(name)
        with open(path, "w") as f:
            json.dump({"type": "FeatureCollection", "features": feats}, f, ensure_ascii=False)
        return path

    def test_numeric_and_boolean_codes(self):
        path = self.geojson("num.geojson", {"LIN_BAN": 123, "XIAO_BAN": True})
        err = self.refused(path)
        self.assertEqual(err["count"], 1)
        e = err["errors"][0]
        self.assertEqual((e["record"], e["field"]), ("feature 1 (小班 120119104-123-true)", "xiao_ban"))
        self.assertEqual(e["message"], "小班 is a code of 1–5 digits (like '012'), not true")
        err = self.refused(self.geojson("text.geojson", {"LIN_BAN": "12a"}))
        self.assertEqual(err["errors"][0]["field"], "lin_ban")
        self.assertEqual(err["errors"][0]["message"], "林班 is a code of 1–4 digits (like '012'), not \"12a\"")
        # a number of the right digits is zero-padded, and the report says so
        r = self.ok(self.imp(self.geojson("pad.geojson", {"LIN_BAN": 12, "XIAO_BAN": 7})))
        self.assertEqual(r.json()["notes"], [
            {"field": "lin_ban", "note": "the number 12 was read as '012' (zero-padded to 3 digits)", "count": 1, "feature": 1},
            {"field": "xiao_ban", "note": "the number 7 was read as '007' (zero-padded to 3 digits)", "count": 1, "feature": 1}])
        self.assertEqual(self.parcel("120119104-012-007")["lin_ban"], "012")

    def test_csv_row_missing_trailing_fields(self):
        path = self.path("short.csv")
        wkt = square(LON, LAT, 100).replace("POLYGON", "POLYGON")
        wkt2 = square(LON + 0.01, LAT, 100)
        with open(path, "w") as f:
            f.write("WKT,XIANG,LIN_BAN,XIAO_BAN,DI_LEI,QI_YUAN\n")
            f.write(f'"{wkt}",120119104,001,001,030100,11\n')
            f.write(f'"{wkt2}",120119104,001\n')
        err = self.refused(path)
        self.assertEqual(err["count"], 1)
        e = err["errors"][0]
        self.assertEqual((e["record"], e["field"]), ("line 3", "XIAO_BAN"))
        self.assertEqual(e["message"], "the row has 3 of the header's 6 fields: XIAO_BAN and what follows is "
                                       "missing (an empty value is written as ,,)")

    def test_csv_without_geometry_column(self):
        path = self.path("nogeom.csv")
        with open(path, "w") as f:
            f.write("XIANG,LIN_BAN,XIAO_BAN,DI_LEI,QI_YUAN\n120119104,001,001,030100,11\n")
        err = self.refused(path)
        self.assertEqual(err["errors"][0]["field"], "geometry")
        self.assertEqual(err["errors"][0]["message"],
                         "the file has no geometry: no WKT/geometry column among its columns (XIANG, LIN_BAN, "
                         "XIAO_BAN, DI_LEI, QI_YUAN); a CSV needs a column WKT with each shape as text, e.g. POLYGON((…))")

    def test_invalid_bytes_are_escaped(self):
        path = self.path("gbk.csv")
        wkt = square(LON, LAT, 100)
        with open(path, "wb") as f:
            f.write(b"WKT,XIANG,LIN_BAN,XIAO_BAN,DI_LEI,QI_YUAN,BEI_ZHU\n")
            f.write(f'"{wkt}",120119104,001,001,030100,11,'.encode() + "中".encode("gbk") + b"\xff\n")
        r = run("import", path, db=self.db)  # the text form, as a user sees it
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("feature 1 (小班 120119104-001-001): BEI_ZHU: text '\\xd6\\xd0\\xff' is not valid UTF-8 at byte 0; "
                      "give the file's encoding with --encoding (e.g. GBK)", r.err)
        self.assertNotIn("\ufffd", r.err)
        self.assertTrue(r.err.isprintable() or "\n" in r.err)

    def test_whole_file_parse_error_has_line_and_column(self):
        path = self.path("broken.geojson")
        with open(path, "w") as f:
            f.write('{"type":"FeatureCollection","features":[\n{"type":"Feature","properties":{"a":1},\n'
                    '"geometry":{"type":"Point","coordinates":[1,2]}},,\n]}')
        err = self.refused(path)
        self.assertEqual(err["errors"][0]["message"],
                         "the file cannot be read: At line 3, character 50: Unexpected character (,). "
                         "Expecting ','; Failed to read GeoJSON data")

    def test_gpx_point_with_bad_latitude(self):
        path = self.path("bad.gpx")
        with open(path, "w") as f:
            f.write('<?xml version="1.0"?>\n<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>\n'
                    '<trkpt lat="40.15" lon="117.42"><time>2026-05-01T08:00:00Z</time></trkpt>\n'
                    '<trkpt lat="abc" lon="117.421"><time>2026-05-01T08:01:00Z</time></trkpt>\n'
                    '</trkseg></trk></gpx>\n')
        before = content_digest(self.db)
        r = run("patrol", "import", path, "--ranger", "R1", "--json", db=self.db)
        self.assertEqual(r.code, 2, repr(r))
        e = r.err_json()["error"]
        self.assertEqual(e["field"], "lat")
        self.assertEqual(e["message"], 'track point 2 (line 4): lat="abc" is not a number; the track is refused')
        self.assertEqual(content_digest(self.db), before)

    # ---- 一张图 files as bureaus have them (issue 11) ------------------------------------------

    def test_short_division_codes_and_national_species_codes(self):
        fields = tblib.STD_FIELDS
        feats = [(parcel_attrs(XIANG="104", CUN="201", YOU_SHI_SZ="410000"), square(LON, LAT, 100))]
        r = self.ok(self.imp(write_layer(self.path("short.shp"), feats, fields=fields)))
        notes = {n["field"]: n["note"] for n in r.json()["notes"]}
        self.assertEqual(notes["xiang"], "the short code 104 was completed to 120119104 from the county 120119")
        self.assertEqual(notes["cun"], "the short code 201 was completed to 120119104201 from the town 120119104")
        self.assertEqual(notes["you_shi_sz"], "the national code 410000 was read as 410 栎类")
        p = self.parcel("120119104-001-001")
        self.assertEqual((p["xiang"], p["cun"], p["you_shi_sz"]), ("120119104", "120119104201", "410"))

    def test_extra_columns_round_trip(self):
        fields = tblib.STD_FIELDS + [("BEI_ZHU", ogr.OFTString), ("DIAOCHA_RQ", ogr.OFTString), ("PO_DU", ogr.OFTInteger)]
        feats = [(parcel_attrs(XIAO_BAN="001", BEI_ZHU="封山育林", DIAOCHA_RQ="2019-06", PO_DU=25), square(LON, LAT, 100, 4527)),
                 (parcel_attrs(XIAO_BAN="002", BEI_ZHU="", PO_DU=5), square(LON + 0.01, LAT, 100, 4527))]
        shp = write_layer(self.path("extra.shp"), feats, epsg=4527, encoding="CP936", fields=fields)
        r = self.ok(self.imp(shp))
        self.assertEqual(r.json()["columns"]["BEI_ZHU"], "extra")
        want = {"120119104-001-001": {"BEI_ZHU": "封山育林", "DIAOCHA_RQ": "2019-06", "PO_DU": 25},
                "120119104-001-002": {"PO_DU": 5}}
        for code, extra in want.items():
            self.assertEqual(self.parcel(code)["extra"], extra)
        for fmt in ("shp", "geojson", "gpkg", "csv"):
            out = self.path(f"out.{fmt}")
            self.ok(run("export", out, "--layer", "parcels", db=self.db))
            db2 = self.path(f"again-{fmt}.gpkg")
            self.ok(run("init", db=db2))
            r2 = self.ok(run("import", out, "--json", db=db2))
            self.assertEqual(r2.json()["imported"], 2)
            for code, extra in want.items():
                got = run("parcels", "show", code, "--json", db=db2).json()["extra"]
                self.assertEqual(got, extra, fmt)

    def test_zone_import_recomputes_key_zone_area_in_its_event(self):
        self.ok(self.imp(write_layer(self.path("p.geojson"), [(parcel_attrs(), square(LON, LAT, 100))])))
        self.assertEqual(self.parcel("120119104-001-001")["key_zone_ha"], 0)
        zfields = [("code", ogr.OFTString), ("name", ogr.OFTString)]
        zpath = write_layer(self.path("z.geojson"), [({"code": "Z1", "name": "八仙山"}, square(LON - 0.001, LAT - 0.001, 300))],
                            fields=zfields, layer="zones")
        before = content_digest(self.db)
        r = self.ok(run("import", zpath, "--layer", "zones", "--dry-run", "--json", db=self.db))
        self.assertEqual(r.json()["key_zone_parcels"], 1)
        self.assertEqual(content_digest(self.db), before)
        r = self.ok(run("import", zpath, "--layer", "zones", "--json", db=self.db))
        self.assertEqual(r.json()["key_zone_parcels"], 1)
        p = self.parcel("120119104-001-001")
        self.assertAlmostEqual(p["key_zone_ha"], p["area_ha"], places=4)
        con = sqlite3.connect(self.db)
        last = con.execute("SELECT seq, action, payload FROM tb_event ORDER BY seq DESC LIMIT 1").fetchone()
        con.close()
        self.assertEqual((last[0], last[1]), (r.json()["event"], "zones.import"))
        self.assertEqual(json.loads(last[2])["key_zone_parcels"], 1)
        self.assertEqual(run("audit", "verify", db=self.db).code, 0)

    def test_no_crs_and_unguessable(self):
        feats = [(parcel_attrs(), "POLYGON((1000 1000,1100 1000,1100 1100,1000 1000))")]
        shp = write_layer(self.path("nocrs.shp"), feats, epsg=4527, prj=False)
        r = run("import", shp, db=self.db)
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("declares no coordinate system", r.err)


if __name__ == "__main__":
    tblib.main()
