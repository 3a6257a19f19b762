"""`tianbao detect-change` through the real binary (§3.1.3): a district
database with two natural-forest parcels and one plantation imported from a
GeoJSON in GK zone 39, and synthetic 4-band (B,G,R,NIR) GeoTIFF pairs
written with GDAL here: 200 × 200 pixels of 10 m, BEFORE intact forest,
AFTER with cleared patches at known pixels (see AFTER_PATCHES).  Asserts the
exact patch count, each area within one pixel of the ellipsoidal truth, the
parcels, that a clouded patch, a patch in the plantation and a patch below
the minimum mapping unit are ignored, BEFORE in another CRS, the recording
as alerts, and the usage errors."""
import array
import json
import subprocess

import tblib
from tblib import TbCase, gdal, ogr, osr, parcel_attrs, run, srs, to_srs, write_layer

W = H = 200
PX = 10.0
X, Y = to_srs(117.42, 40.15, 4527)
X0, Y0 = (X // 10) * 10, (Y // 10) * 10  # top-left corner

P1, P2, P3 = "120119104-001-001", "120119104-001-002", "120119104-001-003"

# (name, rows, cols) — inclusive pixel ranges; values R 1200, NIR 1500
AFTER_PATCHES = [
    ("A", (20, 29), (20, 31)),      # 120 px in P1
    ("B", (40, 49), (95, 104)),     # 100 px across P1 | P2
    ("C1", (60, 64), (10, 14)),     # C: two squares touching at a corner → one patch
    ("C2", (65, 69), (15, 19)),
    ("G", (85, 87), (70, 72)),      # 9 px = 0.09 ha ≥ 1 亩
    ("F", (5, 6), (60, 62)),        # 6 px = 0.06 ha < 0.0667 ha: dropped
    ("D", (70, 79), (50, 59)),      # under the cloud mask: ignored
    ("E", (150, 159), (150, 159)),  # in the plantation P3: ignored
]


def rect_wkt(r0, r1, c0, c1):
    ax, bx = X0 + c0 * PX, X0 + (c1 + 1) * PX
    ay, by = Y0 - r0 * PX, Y0 - (r1 + 1) * PX
    return f"POLYGON(({ax} {ay},{bx} {ay},{bx} {by},{ax} {by},{ax} {ay}))"


def rect_ha(r0, r1, c0, c1):
    """Ellipsoidal area of a pixel rectangle, independently of tianbao: the
    grid area divided by the areal scale factor of the Gauss-Krüger
    projection at its centre (PROJ's `proj -S`, GRS80 ≈ CGCS2000)."""
    cx, cy = X0 + (c0 + c1 + 1) / 2 * PX, Y0 - (r0 + r1 + 1) / 2 * PX
    ct = osr.CoordinateTransformation(srs(4527), srs(4490))
    lon, lat, _ = ct.TransformPoint(cx, cy)
    out = subprocess.run(["proj", "-S", "+proj=tmerc", "+lon_0=117", "+k=1", "+x_0=39500000", "+ellps=GRS80"],
                         input=f"{lon} {lat}\n", capture_output=True, text=True, check=True).stdout
    s = float(out.split("<")[1].split()[2])  # <h k s omega theta a b>
    return (r1 - r0 + 1) * (c1 - c0 + 1) * PX * PX / s / 1e4


PIXEL_HA = rect_ha(100, 100, 100, 100)


def write_tif(path, bands, epsg=4527, gt=None, w=W, h=H, date=None, dtype=gdal.GDT_UInt16, nodata=0):
    ds = gdal.GetDriverByName("GTiff").Create(path, w, h, len(bands), dtype, ["TILED=YES"])
    ds.SetGeoTransform(gt or (X0, PX, 0, Y0, 0, -PX))
    ds.SetProjection(srs(epsg).ExportToWkt())
    if date:
        ds.SetMetadataItem("TIFFTAG_DATETIME", date)
    code = "H" if dtype == gdal.GDT_UInt16 else "B"
    for i, v in enumerate(bands):
        b = ds.GetRasterBand(i + 1)
        if nodata is not None:
            b.SetNoDataValue(nodata)
        b.WriteRaster(0, 0, w, h, array.array(code, v).tobytes(), buf_type=dtype)
    ds = None
    return path


def forest_bands(n=W * H):
    return [[200] * n, [400] * n, [300] * n, [3000] * n]


def after_bands():
    b = forest_bands()
    for _, (r0, r1), (c0, c1) in AFTER_PATCHES:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                b[2][r * W + c], b[3][r * W + c] = 1200, 1500
    return b


def cloud_band():
    m = [0] * (W * H)
    for r in range(70, 80):
        for c in range(50, 60):
            m[r * W + c] = 1
    return m


class DetectChange(TbCase):
    def setUp(self):
        super().setUp()
        self.db = self.path("t.gpkg")
        self.ok(run("init", db=self.db))
        feats = [
            (parcel_attrs(LIN_BAN="001", XIAO_BAN="001"), rect_wkt(0, 199, 0, 99)),
            (parcel_attrs(LIN_BAN="001", XIAO_BAN="002"), rect_wkt(0, 99, 100, 199)),
            (parcel_attrs(LIN_BAN="001", XIAO_BAN="003", QI_YUAN="21"), rect_wkt(100, 199, 100, 199)),
        ]
        gj = write_layer(self.path("parcels.geojson"), feats, epsg=4527)
        self.ok(run("import", gj, "--json", db=self.db))
        self.before = write_tif(self.path("before.tif"), forest_bands(), date="2025:05:01 10:30:00")
        self.after = write_tif(self.path("after.tif"), after_bands(), date="2026:05:03 10:31:00")
        self.mask = write_tif(self.path("cloud.tif"), [cloud_band()], dtype=gdal.GDT_Byte, nodata=None)

    def detect(self, *args, before=None, db="default"):
        return run("detect-change", before or self.before, self.after, *args, "--json",
                   db=self.db if db == "default" else db)

    def patches_by_corner(self, j):
        return {(p["pixel_bbox"]["row0"], p["pixel_bbox"]["col0"]): p for p in j["patches"]}

    def check_patches(self, j):
        ps = self.patches_by_corner(j)
        self.assertEqual(len(j["patches"]), 4, j["patches"])  # A, B, C, G
        a, b, c, g = ps[(20, 20)], ps[(40, 95)], ps[(60, 10)], ps[(85, 70)]
        self.assertEqual(a["pixels"], 120)
        self.assertAlmostEqual(a["area_ha"], rect_ha(20, 29, 20, 31), delta=PIXEL_HA)
        self.assertAlmostEqual(a["area_ha"], 1.2, delta=PIXEL_HA)
        self.assertEqual(a["parcels"], [P1])
        self.assertEqual(a["confidence"], 1.0)  # mean ΔNDVI −0.707: 0.5 + 0.5·clamp((0.707−0.2)/0.3)
        self.assertAlmostEqual(a["mean_dndvi"], 300 / 2700 - 2700 / 3300, places=4)
        self.assertEqual(b["pixels"], 100)
        self.assertAlmostEqual(b["area_ha"], rect_ha(40, 49, 95, 104), delta=PIXEL_HA)
        self.assertEqual(b["parcels"], [P1, P2])
        self.assertEqual(c["pixels"], 50)  # 8-connected through the corner
        self.assertAlmostEqual(c["area_ha"], rect_ha(60, 64, 10, 14) + rect_ha(65, 69, 15, 19), delta=PIXEL_HA)
        self.assertEqual(g["pixels"], 9)
        self.assertAlmostEqual(g["area_ha"], 0.09, delta=PIXEL_HA)
        # ignored: D (cloud), E (plantation), F (below the MMU)
        self.assertNotIn((70, 50), ps)
        self.assertNotIn((150, 150), ps)
        self.assertNotIn((5, 60), ps)
        s = j["summary"]
        self.assertEqual(s["dropped_below_mmu"], 1)
        self.assertEqual(s["dropped_pixels"], 6)
        self.assertEqual(s["forest_pixels"], 30000)  # P1 + P2, not P3
        self.assertEqual(s["crs"], "EPSG:4527")
        self.assertEqual(s["acquired"], "2026-05-03T10:31:00Z")
        self.assertAlmostEqual(s["loss_ha"], sum(p["area_ha"] for p in j["patches"]), places=3)

    def test_dry_run_with_cloud_mask(self):
        r = self.ok(self.detect("--cloud-mask", self.mask, "--dry-run"))
        j = r.json()
        self.check_patches(j)
        self.assertEqual(j["summary"]["masked_pixels"], 100)
        self.assertTrue(j["dry_run"])
        self.assertEqual(j["recorded"], 0)
        self.assertEqual(j["observed_at"], "2026-05-03T10:31:00Z")
        self.assertNotIn("geometry", j["patches"][0])
        # --geometry adds each patch's polygon (EPSG:4490 GeoJSON)
        j = self.ok(self.detect("--cloud-mask", self.mask, "--dry-run", "--geometry")).json()
        geom = ogr.CreateGeometryFromJson(json.dumps(j["patches"][0]["geometry"]))
        geom.AssignSpatialReference(srs(4490))
        geom.TransformTo(srs(4527))  # back on the grid: the 120 pixels of A, 100 m² each
        self.assertAlmostEqual(geom.GetArea(), 12000, delta=0.01)

    def test_without_cloud_mask_the_clouded_patch_is_found(self):
        j = self.ok(self.detect("--dry-run")).json()
        self.assertEqual(len(j["patches"]), 5)
        self.assertEqual(self.patches_by_corner(j)[(70, 50)]["pixels"], 100)

    def test_cloud_band(self):
        b = after_bands() + [cloud_band()]
        self.after = write_tif(self.path("after5.tif"), b, date="2026:05:03 10:31:00")
        j = self.ok(self.detect("--cloud-band", "5", "--dry-run")).json()
        self.check_patches(j)

    def test_mmu_and_threshold_options(self):
        j = self.ok(self.detect("--cloud-mask", self.mask, "--dry-run", "--mmu-ha", "0.05")).json()
        self.assertEqual(len(j["patches"]), 5)  # F (0.06 ha) kept
        self.assertAlmostEqual(self.patches_by_corner(j)[(5, 60)]["area_ha"], 0.06, delta=PIXEL_HA)
        j = self.ok(self.detect("--cloud-mask", self.mask, "--dry-run", "--ndvi-threshold", "-0.8")).json()
        self.assertEqual(j["patches"], [])  # ΔNDVI −0.707 is above −0.8

    def test_before_in_another_crs_is_warped(self):
        # BEFORE: EPSG:4490, 0.0001° pixels, wider than AFTER
        w, h = 400, 400
        before = write_tif(self.path("before4490.tif"), forest_bands(w * h), epsg=4490,
                           gt=(117.41, 0.0001, 0, 40.16, 0, -0.0001), w=w, h=h)
        j = self.ok(self.detect("--cloud-mask", self.mask, "--dry-run", before=before)).json()
        self.assertTrue(j["summary"]["warped"])
        self.check_patches(j)

    def test_records_alerts(self):
        r = self.detect("--cloud-mask", self.mask, "--date", "2026-05-03")
        j = r.json()  # the patches are printed even when they could not be recorded
        self.check_patches(j)
        self.assertEqual(j["observed_at"], "2026-05-03T00:00:00Z")
        if r.code == 3:  # the alert module refused or is not built
            self.assertIn("could not record the patches as alerts", r.err)
            self.assertIn("record_error", j)
            return
        self.assertEqual(r.code, 0, repr(r))
        self.assertEqual(j["recorded"], 4)
        ids = [p["alert_id"] for p in j["patches"]]
        self.assertTrue(all(i > 0 for i in ids))
        # the same scene again: every patch merges into its alert (external id)
        j2 = self.ok(self.detect("--cloud-mask", self.mask, "--date", "2026-05-03")).json()
        self.assertEqual(sorted(p["alert_id"] for p in j2["patches"]), sorted(ids))
        self.assertTrue(all(p["merged"] for p in j2["patches"]))

    def test_progress_bar_on_stderr(self):
        r = self.ok(self.detect("--cloud-mask", self.mask, "--dry-run", "--progress"))
        self.assertIn("变化检测 detecting     200/200 rows", r.err)
        self.check_patches(r.json())  # stdout stays clean JSON

    def test_text_output(self):
        r = self.ok(run("detect-change", self.before, self.after, "--cloud-mask", self.mask, "--dry-run", db=self.db))
        self.assertIn("变化图斑 patches: 4", r.out)
        self.assertIn(P1 + "," + P2, r.out)

    def test_usage_errors(self):
        r = self.detect("--dry-run", db=self.path("missing.gpkg"))
        self.assertEqual(r.code, 1, repr(r))
        self.assertIn("the natural-forest mask comes from the district database", r.err)
        r = self.detect("--no-forest-mask")
        self.assertEqual(r.code, 1, repr(r))
        self.assertIn("use it with --dry-run", r.err)
        # raw use without a database: the plantation patch E is found too
        j = self.ok(self.detect("--no-forest-mask", "--dry-run", "--cloud-mask", self.mask,
                                db=self.path("missing.gpkg"))).json()
        self.assertEqual(len(j["patches"]), 5)
        self.assertEqual(self.patches_by_corner(j)[(150, 150)]["parcels"], [])
        r = self.detect("--nir", "7", "--dry-run")
        self.assertEqual(r.code, 2, repr(r))
        self.assertEqual(r.err_json()["error"]["field"], "nir")
        self.assertIn("band 7 does not exist (the image has 4 bands)", r.err)
        r = self.detect("--ndvi-threshold", "0.3", "--dry-run")
        self.assertEqual(r.code, 1, repr(r))
        self.assertIn("must be a number in [-2, 0]", r.err)
        r = run("detect-change", self.path("nope.tif"), self.after, "--dry-run", "--json", db=self.db)
        self.assertEqual(r.code, 3, repr(r))
        err = r.err_json()["error"]  # only our JSON on stderr: GDAL's own messages are kept quiet
        self.assertIn("cannot open the raster", err["message"])
        self.assertTrue(err["record"].endswith("nope.tif"), err)
        r = self.detect("--date", "3 May", "--dry-run")
        self.assertEqual(r.code, 1, repr(r))

    def test_no_date_refuses_recording(self):
        self.after = write_tif(self.path("after-nodate.tif"), after_bands())
        r = self.detect("--cloud-mask", self.mask)
        self.assertEqual(r.code, 1, repr(r))
        self.assertIn("has no acquisition date", r.err)
        self.assertEqual(r.json()["recorded"], 0)

    def test_no_date_is_refused_before_the_analysis(self):
        # band 7 does not exist: an analysis would fail on it; the date is asked first
        self.after = write_tif(self.path("after-nodate.tif"), after_bands())
        r = self.detect("--nir", "7")
        self.assertEqual(r.code, 1, repr(r))
        self.assertIn("has no acquisition date (TIFFTAG_DATETIME): give --date (nothing was analysed)", r.err)
        self.assertNotIn("band 7", r.err)
        j = r.json()
        self.assertEqual(j["recorded"], 0)
        self.assertNotIn("patches", j)  # nothing analysed
        self.assertIsNone(j["observed_at"])
        self.assertEqual(self.ok(run("alert", "list", "--json", db=self.db)).json(), [])
        # with --date the same image is analysed (and band 7 is then the error)
        r = self.detect("--nir", "7", "--date", "2026-05-03")
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("band 7 does not exist", r.err)
        # a dry run needs no date
        self.assertIsNone(self.ok(self.detect("--dry-run", "--cloud-mask", self.mask)).json()["observed_at"])


if __name__ == "__main__":
    tblib.main()
