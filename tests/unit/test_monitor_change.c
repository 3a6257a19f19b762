/* test_monitor_change.c — satellite change detection (src/monitor/change.c,
 * §3.1.3) on synthetic 4-band GeoTIFFs written with GDAL in the test:
 * 200 × 200 pixels of 10 m in CGCS2000 GK zone 39 (EPSG:4527) near 117.42E
 * 40.15N (蓟州区 下营镇).  BEFORE is intact forest everywhere (R 300, NIR
 * 3000: NDVI 0.818); AFTER has cleared patches (R 1200, NIR 1500: NDVI 0.111,
 * ΔNDVI −0.707) at known pixels:
 *   A 10 × 12 px in parcel P1                 → kept, 120 px
 *   B 10 × 10 px across P1 | P2                → kept, 100 px, two parcels
 *   C two 5 × 5 squares touching at a corner   → one patch (8-connectivity), 50 px
 *   U two bars joined by a bottom row (a "U")  → one patch (union of labels), 73 px
 *   G 3 × 3 px                                 → kept, 9 px (0.09 ha ≥ 1 亩)
 *   F 2 × 3 px                                 → dropped, 0.06 ha < MMU 0.0667 ha
 *   D 10 × 10 px under the cloud mask          → ignored
 *   N 5 × 10 px where AFTER is nodata          → ignored
 *   E 10 × 10 px in the bottom-right quarter, which is not natural forest → ignored
 *   M 10 × 10 px of moderate change (ΔNDVI −0.15 > −0.2) → not loss
 *   S 10 × 10 px of NDVI loss whose ΔNBR is only −0.136 → a patch without
 *     SWIR or with combine "or", none with SWIR and "and"
 * Parcels: P1 = columns 0–99 (all rows), P2 = columns 100–199 rows 0–99.
 * Areas: the ellipsoidal area of the same pixel rectangles computed
 * independently (transform + tb_area_ha), asserted within one pixel. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "monitor/change.h"

#include <cpl_conv.h>
#include <gdal.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define W 200
#define H 200
#define PX 10.0

static char dir[256];
static double X0, Y0; /* top-left corner, EPSG:4527 */

#define assert_near(got, want, tol) near_(got, want, tol, #got, __FILE__, __LINE__)
static void near_(double got, double want, double tol, const char *what, const char *file, int line)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s:%d: %s = %.9f, expected %.9f ± %g", file, line, what, got, want, tol);
}

typedef struct img {
	uint16_t b[5][W * H]; /* B, G, R, NIR, SWIR */
	uint8_t cloud[W * H];
} img;

static void fill(img *m, int r0, int r1, int c0, int c1, int red, int nir, int swir)
{
	for (int r = r0; r <= r1; r++)
		for (int c = c0; c <= c1; c++) {
			m->b[2][r * W + c] = (uint16_t)red, m->b[3][r * W + c] = (uint16_t)nir;
			if (swir >= 0) m->b[4][r * W + c] = (uint16_t)swir;
		}
}

static void forest(img *m)
{
	for (int i = 0; i < W * H; i++) {
		m->b[0][i] = 200, m->b[1][i] = 400, m->b[2][i] = 300, m->b[3][i] = 3000, m->b[4][i] = 1000;
		m->cloud[i] = 0;
	}
}

/* AFTER with the patches of the header comment */
static void after_image(img *m)
{
	forest(m);
	fill(m, 20, 29, 20, 31, 1200, 1500, 2000);  /* A */
	fill(m, 40, 49, 95, 104, 1200, 1500, 2000); /* B */
	fill(m, 60, 64, 10, 14, 1200, 1500, 2000);  /* C1 */
	fill(m, 65, 69, 15, 19, 1200, 1500, 2000);  /* C2 */
	fill(m, 110, 119, 20, 22, 1200, 1500, 2000); /* U left bar */
	fill(m, 110, 119, 30, 32, 1200, 1500, 2000); /* U right bar */
	fill(m, 120, 120, 20, 32, 1200, 1500, 2000); /* U bottom */
	fill(m, 85, 87, 70, 72, 1200, 1500, 2000);   /* G */
	fill(m, 5, 6, 60, 62, 1200, 1500, 2000);     /* F */
	fill(m, 70, 79, 50, 59, 1200, 1500, 2000);   /* D (clouded) */
	for (int r = 70; r <= 79; r++)
		for (int c = 50; c <= 59; c++) m->cloud[r * W + c] = 1;
	fill(m, 150, 159, 150, 159, 1200, 1500, 2000); /* E (not natural forest) */
	fill(m, 130, 139, 40, 49, 500, 2500, 1000);    /* M (moderate: ΔNDVI −0.15) */
	for (int r = 90; r <= 94; r++)                 /* N: nodata in AFTER */
		for (int c = 30; c <= 39; c++)
			for (int b = 0; b < 5; b++) m->b[b][r * W + c] = 0;
	fill(m, 180, 189, 60, 69, 1200, 1500, 700); /* S: NDVI loss, ΔNBR only −0.136 */
}

static char *wkt4527(void)
{
	OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
	OSRImportFromEPSG(s, 4527);
	char *w = NULL;
	OSRExportToWkt(s, &w);
	OSRDestroySpatialReference(s);
	return w;
}

static void write_tif(const char *path, const img *m, int nbands, const char *date)
{
	GDALAllRegister();
	GDALDriverH drv = GDALGetDriverByName("GTiff");
	char *opts[] = {"TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64", NULL};
	GDALDatasetH ds = GDALCreate(drv, path, W, H, nbands, GDT_UInt16, opts);
	assert_non_null(ds);
	double gt[6] = {X0, PX, 0, Y0, 0, -PX};
	GDALSetGeoTransform(ds, gt);
	char *w = wkt4527();
	GDALSetProjection(ds, w);
	CPLFree(w);
	if (date) GDALSetMetadataItem(ds, "TIFFTAG_DATETIME", date, NULL);
	for (int b = 0; b < nbands; b++) {
		GDALRasterBandH band = GDALGetRasterBand(ds, b + 1);
		GDALSetRasterNoDataValue(band, 0);
		assert_int_equal(GDALRasterIO(band, GF_Write, 0, 0, W, H, (void *)m->b[b], W, H, GDT_UInt16, 0, 0),
				 CE_None);
	}
	GDALClose(ds);
}

/* the same image as Float32 reflectance (value × 0.0001), nodata 0 */
static void write_tif_f32(const char *path, const img *m, int nbands)
{
	GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, W, H, nbands, GDT_Float32, NULL);
	assert_non_null(ds);
	double gt[6] = {X0, PX, 0, Y0, 0, -PX};
	GDALSetGeoTransform(ds, gt);
	char *w = wkt4527();
	GDALSetProjection(ds, w);
	CPLFree(w);
	float *v = malloc(sizeof(float) * W * H);
	for (int b = 0; b < nbands; b++) {
		for (int i = 0; i < W * H; i++) v[i] = m->b[b][i] * 1e-4f;
		GDALRasterBandH band = GDALGetRasterBand(ds, b + 1);
		GDALSetRasterNoDataValue(band, 0);
		assert_int_equal(GDALRasterIO(band, GF_Write, 0, 0, W, H, v, W, H, GDT_Float32, 0, 0), CE_None);
	}
	free(v);
	GDALClose(ds);
}

static void write_mask(const char *path, const img *m)
{
	GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, W, H, 1, GDT_Byte, NULL);
	double gt[6] = {X0, PX, 0, Y0, 0, -PX};
	GDALSetGeoTransform(ds, gt);
	char *w = wkt4527();
	GDALSetProjection(ds, w);
	CPLFree(w);
	assert_int_equal(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, 0, W, H, (void *)m->cloud, W, H, GDT_Byte,
				      0, 0),
			 CE_None);
	GDALClose(ds);
}

/* a pixel rectangle (rows r0..r1, cols c0..c1, inclusive) in EPSG:4490 */
static GEOSGeometry *pixrect(int r0, int r1, int c0, int c1)
{
	char t[512];
	double ax = X0 + c0 * PX, bx = X0 + (c1 + 1) * PX, ay = Y0 - r0 * PX, by = Y0 - (r1 + 1) * PX;
	snprintf(t, sizeof t, "POLYGON((%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f))", ax, ay, bx, ay, bx, by, ax,
		 by, ax, ay);
	GEOSGeometry *g = wkt(t);
	tb_transform *tr = tb_transform_new("EPSG:4527", NULL);
	assert_non_null(tr);
	GEOSGeometry *o = tb_transform_geom_copy(tr, g, NULL);
	assert_non_null(o);
	tb_transform_free(tr);
	drop(g);
	return o;
}

static double rect_ha(int r0, int r1, int c0, int c1)
{
	GEOSGeometry *g = pixrect(r0, r1, c0, c1);
	double a = tb_area_ha(g);
	drop(g);
	return a;
}

static char before_tif[300], after_tif[300], after5_tif[300], before5_tif[300], mask_tif[300], before4490[300];
static tb_change_forest parcels;
static double pixel_ha;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/tb-change-XXXXXX");
	if (!mkdtemp(dir)) return -1;
	tb_transform *t = tb_transform_new2("EPSG:4490", "EPSG:4527", NULL);
	double x = 117.42, y = 40.15;
	tb_transform_points(t, &x, &y, 1);
	tb_transform_free(t);
	X0 = floor(x / 10) * 10, Y0 = floor(y / 10) * 10;
	img *m = malloc(sizeof *m);
	forest(m);
	snprintf(before_tif, sizeof before_tif, "%s/before.tif", dir);
	snprintf(before5_tif, sizeof before5_tif, "%s/before5.tif", dir);
	write_tif(before_tif, m, 4, "2025:05:01 10:30:00");
	write_tif(before5_tif, m, 5, "2025:05:01 10:30:00");
	after_image(m);
	snprintf(after_tif, sizeof after_tif, "%s/after.tif", dir);
	snprintf(after5_tif, sizeof after5_tif, "%s/after5.tif", dir);
	snprintf(mask_tif, sizeof mask_tif, "%s/cloud.tif", dir);
	write_tif(after_tif, m, 4, "2026:05:03 10:31:00");
	write_tif(after5_tif, m, 5, "2026:05:03 10:31:00");
	write_mask(mask_tif, m);
	free(m);
	/* BEFORE on another grid: EPSG:4490, 0.0002° pixels, larger than AFTER */
	snprintf(before4490, sizeof before4490, "%s/before4490.tif", dir);
	{
		int w = 400, h = 400;
		GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), before4490, w, h, 4, GDT_UInt16, NULL);
		double gt[6] = {117.41, 0.0001, 0, 40.16, 0, -0.0001};
		GDALSetGeoTransform(ds, gt);
		OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
		OSRImportFromEPSG(s, 4490);
		char *wk = NULL;
		OSRExportToWkt(s, &wk);
		GDALSetProjection(ds, wk);
		CPLFree(wk);
		OSRDestroySpatialReference(s);
		uint16_t *v = malloc(sizeof(uint16_t) * (size_t)w * h);
		int vals[4] = {200, 400, 300, 3000};
		for (int b = 0; b < 4; b++) {
			for (int i = 0; i < w * h; i++) v[i] = (uint16_t)vals[b];
			GDALSetRasterNoDataValue(GDALGetRasterBand(ds, b + 1), 0);
			assert_int_equal(GDALRasterIO(GDALGetRasterBand(ds, b + 1), GF_Write, 0, 0, w, h, v, w, h,
						      GDT_UInt16, 0, 0),
					 CE_None);
		}
		free(v);
		GDALClose(ds);
	}
	/* natural parcels P1 (left half) and P2 (top-right quarter), EPSG:4490 */
	GEOSGeometry *p1 = pixrect(0, 199, 0, 99), *p2 = pixrect(0, 99, 100, 199);
	tb_change_forest_add(&parcels, "120119104-001-001", p1);
	tb_change_forest_add(&parcels, "120119104-001-002", p2);
	drop(p1), drop(p2);
	pixel_ha = rect_ha(100, 100, 100, 100);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tb_change_forest_free(&parcels);
	const char *names[] = {"before.tif", "before5.tif", "after.tif", "after5.tif", "cloud.tif", "before4490.tif"};
	char p[400];
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
	tb_geos_finish();
	return 0;
}

static tb_change_opts opts(void)
{
	tb_change_opts o;
	tb_err e = {0};
	assert_int_equal(tb_change_defaults(&o, &e), 0);
	return o;
}

/* the patch whose pixel bbox starts at (row0, col0) */
static const tb_change_patch *at(const tb_change_result *r, int row0, int col0)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->patches[i].row0 == row0 && r->patches[i].col0 == col0) return &r->patches[i];
	fail_msg("no patch at row %d col %d", row0, col0);
	return NULL;
}

static void check_main(const tb_change_result *r, bool s_expected)
{
	/* A, B, C, U, G (+ S when NBR is not required) */
	assert_int_equal(r->n, s_expected ? 6 : 5);
	assert_int_equal(r->dropped_mmu, 1); /* F */
	assert_int_equal(r->dropped_px, 6);
	const tb_change_patch *a = at(r, 20, 20);
	assert_int_equal(a->pixels, 120);
	assert_near(a->area_ha, rect_ha(20, 29, 20, 31), 1e-6);
	assert_near(a->area_ha, 1.2, pixel_ha);
	assert_int_equal(a->nparcels, 1);
	assert_string_equal(a->parcels[0], "120119104-001-001");
	assert_near(a->mean_dndvi, 300.0 / 2700 - 2700.0 / 3300, 1e-5);
	/* confidence: 0.5 + 0.5 × clamp((0.707 − 0.2) / 0.3) = 1 */
	assert_near(a->confidence, 1.0, 1e-9);
	const tb_change_patch *b = at(r, 40, 95);
	assert_int_equal(b->pixels, 100);
	assert_near(b->area_ha, rect_ha(40, 49, 95, 104), 1e-6);
	assert_int_equal(b->nparcels, 2);
	assert_string_equal(b->parcels[0], "120119104-001-001");
	assert_string_equal(b->parcels[1], "120119104-001-002");
	const tb_change_patch *c = at(r, 60, 10);
	assert_int_equal(c->pixels, 50);
	assert_int_equal(c->row1, 69);
	assert_int_equal(c->col1, 19);
	assert_near(c->area_ha, rect_ha(60, 64, 10, 14) + rect_ha(65, 69, 15, 19), 1e-6);
	const tb_change_patch *u = at(r, 110, 20);
	assert_int_equal(u->pixels, 73);
	assert_near(u->area_ha, 73 * pixel_ha, pixel_ha);
	assert_int_equal(GEOSGetNumGeometries_r(tb_geos(), u->geom), 1);
	const tb_change_patch *g = at(r, 85, 70);
	assert_int_equal(g->pixels, 9);
	assert_near(g->area_ha, 0.09, pixel_ha);
	/* largest first */
	for (size_t i = 1; i < r->n; i++) assert_true(r->patches[i - 1].area_ha >= r->patches[i].area_ha);
	/* every polygon is valid, in EPSG:4490 and inside its parcels' envelope */
	for (size_t i = 0; i < r->n; i++) {
		assert_int_equal(GEOSisValid_r(tb_geos(), r->patches[i].geom), 1);
		assert_true(r->patches[i].lon > 117.4 && r->patches[i].lon < 117.45);
		assert_true(r->patches[i].lat > 40.1 && r->patches[i].lat < 40.16);
	}
	assert_string_equal(r->crs, "EPSG:4527");
	assert_string_equal(r->acquired, "2026-05-03T10:31:00Z");
	/* forest = P1 (200 × 100) + P2 (100 × 100) */
	assert_int_equal(r->forest_px, 30000);
}

static void test_detect_same_grid(void **state)
{
	(void)state;
	tb_change_opts o = opts();
	o.cloud_masks[0] = mask_tif;
	tb_change_result r;
	tb_err e = {0};
	int rc = tb_change_detect(before_tif, after_tif, &o, &parcels, &r, &e);
	if (rc) fail_msg("%s: %s: %s", e.record, e.field, e.message);
	check_main(&r, true);
	assert_false(r.warped);
	/* masked: D (100, cloud) + N (50, nodata) */
	assert_int_equal(r.masked_px, 150);
	const tb_change_patch *s = at(&r, 180, 60);
	assert_int_equal(s->pixels, 100);
	json_t *j = tb_change_result_json(&r, &o, true);
	json_t *p0 = json_array_get(json_object_get(j, "patches"), 0);
	assert_near(json_real_value(json_object_get(p0, "area_ha")), round(r.patches[0].area_ha * 1e4) / 1e4, 1e-12);
	assert_string_equal(json_string_value(json_object_get(json_object_get(p0, "geometry"), "type")), "MultiPolygon");
	assert_int_equal(json_array_size(json_object_get(p0, "parcels")), r.patches[0].nparcels);
	json_decref(j);
	tb_change_result_free(&r);
}

/* small strips (7 rows, not a multiple of anything) give the same result:
 * components spanning strip borders are joined */
static void test_strips_do_not_matter(void **state)
{
	(void)state;
	tb_change_opts o = opts();
	o.cloud_masks[0] = mask_tif;
	o.strip_rows = 1;
	tb_change_result r;
	tb_err e = {0};
	assert_int_equal(tb_change_detect(before_tif, after_tif, &o, &parcels, &r, &e), 0);
	check_main(&r, true);
	tb_change_result_free(&r);
}

/* without the cloud mask, D becomes a patch */
static void test_cloud_mask_removes_patch(void **state)
{
	(void)state;
	tb_change_opts o = opts();
	tb_change_result r;
	tb_err e = {0};
	assert_int_equal(tb_change_detect(before_tif, after_tif, &o, &parcels, &r, &e), 0);
	assert_int_equal(r.n, 7);
	assert_int_equal(at(&r, 70, 50)->pixels, 100);
	tb_change_result_free(&r);
}

/* with SWIR (band 5) and combine "and", S (NDVI loss, ΔNBR −0.136) is not loss */
static void test_swir_and(void **state)
{
	(void)state;
	tb_change_opts o = opts();
	o.swir = 5;
	o.cloud_masks[0] = mask_tif;
	tb_change_result r;
	tb_err e = {0};
	assert_int_equal(tb_change_detect(before5_tif, after5_tif, &o, &parcels, &r, &e), 0);
	check_main(&r, false);
	/* ΔNBR of A: (1500−2000)/3500 − (3000−1000)/4000 */
	assert_near(at(&r, 20, 20)->mean_dnbr, -500.0 / 3500 - 0.5, 1e-5);
	tb_change_result_free(&r);
	o.combine_or = true;
	assert_int_equal(tb_change_detect(before5_tif, after5_tif, &o, &parcels, &r, &e), 0);
	assert_int_equal(r.n, 6);
	tb_change_result_free(&r);
}

/* BEFORE in EPSG:4490 on another grid is warped onto AFTER's grid */
static void test_warped_before(void **state)
{
	(void)state;
	tb_change_opts o = opts();
	o.cloud_masks[0] = mask_tif;
	tb_change_result r;
	tb_err e = {0};
	int rc = tb_change_detect(before4490, after_tif, &o, &parcels, &r, &e);
	if (rc) fail_msg("%s: %s: %s", e.record, e.field, e.message);
	assert_true(r.warped);
	check_main(&r, true);
	tb_change_result_free(&r);
}

/* the MMU is applied on the ellipsoidal area: 0.05 ha keeps F (6 px) */
static void test_mmu(void **state)
{
	(void)state;
	tb_change_opts o = opts();
	o.cloud_masks[0] = mask_tif;
	o.mmu_ha = 0.05;
	tb_change_result r;
	tb_err e = {0};
	assert_int_equal(tb_change_detect(before_tif, after_tif, &o, &parcels, &r, &e), 0);
	assert_int_equal(r.n, 7);
	assert_int_equal(r.dropped_mmu, 0);
	assert_near(at(&r, 5, 60)->area_ha, 0.06, pixel_ha);
	tb_change_result_free(&r);
	o.mmu_ha = 1.1; /* only A (1.2 ha) */
	assert_int_equal(tb_change_detect(before_tif, after_tif, &o, &parcels, &r, &e), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.patches[0].pixels, 120);
	tb_change_result_free(&r);
}

/* without the forest mask, E (outside natural forest) is found too */
static void test_no_forest_mask(void **state)
{
	(void)state;
	tb_change_opts o = opts();
	o.cloud_masks[0] = mask_tif;
	o.no_forest_mask = true;
	tb_change_result r;
	tb_err e = {0};
	assert_int_equal(tb_change_detect(before_tif, after_tif, &o, NULL, &r, &e), 0);
	assert_int_equal(r.n, 7);
	assert_int_equal(at(&r, 150, 150)->nparcels, 0);
	assert_int_equal(r.forest_px, W * H);
	tb_change_result_free(&r);
}

/* speckle: 10 000 isolated loss pixels (each its own component, dropped by
 * the MMU) around one block of 81 × 51 pixels — more labels than the
 * detector keeps (4 × width + 4096), so they are compacted on the way */
static void test_many_components(void **state)
{
	(void)state;
	img *m = malloc(sizeof *m);
	forest(m);
	for (int r = 0; r < H; r += 2)
		for (int c = 0; c < W; c += 2) fill(m, r, r, c, c, 1200, 1500, -1);
	fill(m, 100, 180, 100, 150, 1200, 1500, -1);
	char path[300];
	snprintf(path, sizeof path, "%s/speckle.tif", dir);
	write_tif(path, m, 4, NULL);
	free(m);
	tb_change_opts o = opts();
	o.no_forest_mask = true;
	tb_change_result r;
	tb_err e = {0};
	assert_int_equal(tb_change_detect(before_tif, path, &o, NULL, &r, &e), 0);
	unlink(path);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.patches[0].pixels, 81 * 51);
	assert_near(r.patches[0].area_ha, rect_ha(100, 180, 100, 150), 1e-6);
	/* 100 × 100 speckle pixels, minus the 41 × 26 that fall inside the block */
	assert_int_equal(r.dropped_mmu, 100 * 100 - 41 * 26);
	assert_int_equal(r.loss_px, 100 * 100 - 41 * 26 + 81 * 51);
	assert_string_equal(r.acquired, "");
	tb_change_result_free(&r);
}

/* AFTER itself in geographic CGCS2000 (EPSG:4490, 0.0001° pixels, lon/lat
 * axis order of the GeoTIFF), parcels given in EPSG:4490 too */
static void test_geographic_after(void **state)
{
	(void)state;
	int w = 300, h = 300;
	double gt[6] = {117.415, 0.0001, 0, 40.155, 0, -0.0001};
	char path[300];
	snprintf(path, sizeof path, "%s/after4490.tif", dir);
	GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, w, h, 4, GDT_UInt16, NULL);
	GDALSetGeoTransform(ds, gt);
	OGRSpatialReferenceH sr = OSRNewSpatialReference(NULL);
	OSRImportFromEPSG(sr, 4490);
	char *wk = NULL;
	OSRExportToWkt(sr, &wk);
	GDALSetProjection(ds, wk);
	CPLFree(wk);
	OSRDestroySpatialReference(sr);
	uint16_t *v = malloc(sizeof(uint16_t) * (size_t)w * h);
	int vals[4] = {200, 400, 300, 3000}, cut[4] = {200, 400, 1200, 1500};
	for (int b = 0; b < 4; b++) {
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				v[y * w + x] = (uint16_t)(y >= 100 && y < 120 && x >= 100 && x < 130 ? cut[b] : vals[b]);
		assert_int_equal(GDALRasterIO(GDALGetRasterBand(ds, b + 1), GF_Write, 0, 0, w, h, v, w, h, GDT_UInt16, 0, 0),
				 CE_None);
	}
	free(v);
	GDALClose(ds);
	/* parcel: columns 0–114, all rows → the clearing's columns 100–114 */
	char t[512];
	snprintf(t, sizeof t, "POLYGON((%.4f %.4f,%.4f %.4f,%.4f %.4f,%.4f %.4f,%.4f %.4f))", gt[0], gt[3], gt[0] + 115e-4,
		 gt[3], gt[0] + 115e-4, gt[3] - 300e-4, gt[0], gt[3] - 300e-4, gt[0], gt[3]);
	GEOSGeometry *pg = wkt(t);
	tb_change_forest f = {0};
	tb_change_forest_add(&f, "P", pg);
	drop(pg);
	tb_change_opts o = opts();
	tb_change_result r;
	tb_err e = {0};
	int rc = tb_change_detect(before4490, path, &o, &f, &r, &e);
	unlink(path);
	tb_change_forest_free(&f);
	if (rc) fail_msg("%s: %s: %s", e.record, e.field, e.message);
	assert_true(r.warped);
	assert_string_equal(r.crs, "EPSG:4490");
	assert_int_equal(r.n, 1);
	assert_int_equal(r.patches[0].pixels, 20 * 15);
	snprintf(t, sizeof t, "POLYGON((%.4f %.4f,%.4f %.4f,%.4f %.4f,%.4f %.4f,%.4f %.4f))", gt[0] + 100e-4,
		 gt[3] - 100e-4, gt[0] + 115e-4, gt[3] - 100e-4, gt[0] + 115e-4, gt[3] - 120e-4, gt[0] + 100e-4,
		 gt[3] - 120e-4, gt[0] + 100e-4, gt[3] - 100e-4);
	GEOSGeometry *truth = wkt(t);
	assert_near(r.patches[0].area_ha, tb_area_ha(truth), 1e-6);
	drop(truth);
	assert_int_equal(r.forest_px, 115 * 300);
	tb_change_result_free(&r);
}

/* a parcel with a hole (a clearing that is not natural forest, e.g. a
 * road yard) over patch A: A is not in natural forest any more */
static void test_parcel_with_hole(void **state)
{
	(void)state;
	GEOSGeometry *outer = pixrect(0, 199, 0, 99), *hole = pixrect(18, 31, 18, 33);
	GEOSGeometry *p1 = GEOSDifference_r(tb_geos(), outer, hole), *p2 = pixrect(0, 99, 100, 199);
	assert_int_equal(GEOSGetNumInteriorRings_r(tb_geos(), p1), 1);
	tb_change_forest f = {0};
	tb_change_forest_add(&f, "120119104-001-001", p1);
	tb_change_forest_add(&f, "120119104-001-002", p2);
	drop(outer), drop(hole), drop(p1), drop(p2);
	tb_change_opts o = opts();
	o.cloud_masks[0] = mask_tif;
	tb_change_result r;
	tb_err e = {0};
	assert_int_equal(tb_change_detect(before_tif, after_tif, &o, &f, &r, &e), 0);
	tb_change_forest_free(&f);
	assert_int_equal(r.n, 5); /* B, C, U, G, S */
	for (size_t i = 0; i < r.n; i++) assert_false(r.patches[i].row0 == 20 && r.patches[i].col0 == 20);
	assert_int_equal(r.forest_px, 30000 - 14 * 16);
	tb_change_result_free(&r);
}

/* Float32 reflectance images (read as Float32, not UInt16): same patches */
static void test_float_images(void **state)
{
	(void)state;
	img *m = malloc(sizeof *m);
	char bp[300], ap[300];
	snprintf(bp, sizeof bp, "%s/before-f32.tif", dir);
	snprintf(ap, sizeof ap, "%s/after-f32.tif", dir);
	forest(m);
	write_tif_f32(bp, m, 5);
	after_image(m);
	write_tif_f32(ap, m, 5);
	free(m);
	tb_change_opts o = opts();
	o.cloud_masks[0] = mask_tif;
	tb_change_result r;
	tb_err e = {0};
	int rc = tb_change_detect(bp, ap, &o, &parcels, &r, &e);
	if (rc) fail_msg("%s: %s: %s", e.record, e.field, e.message);
	snprintf(r.acquired, sizeof r.acquired, "2026-05-03T10:31:00Z"); /* no date in these files */
	check_main(&r, true);
	assert_int_equal(r.masked_px, 150);
	tb_change_result_free(&r);
	o.swir = 5;
	assert_int_equal(tb_change_detect(bp, ap, &o, &parcels, &r, &e), 0);
	snprintf(r.acquired, sizeof r.acquired, "2026-05-03T10:31:00Z");
	check_main(&r, false);
	tb_change_result_free(&r);
	unlink(bp), unlink(ap);
}

static void test_bad_input(void **state)
{
	(void)state;
	tb_change_opts o = opts();
	tb_change_result r;
	tb_err e = {0};
	o.nir = 9;
	assert_int_equal(tb_change_detect(before_tif, after_tif, &o, &parcels, &r, &e), TB_EINPUT);
	assert_string_equal(e.field, "nir");
	assert_non_null(strstr(e.message, "band 9 does not exist"));
	o = opts();
	assert_int_equal(tb_change_detect("/nonexistent.tif", after_tif, &o, &parcels, &r, &e), TB_EIO);
	assert_string_equal(e.record, "/nonexistent.tif");
	assert_int_equal(tb_change_detect(before_tif, after_tif, &o, NULL, &r, &e), TB_EUSAGE);
	o.ndvi_threshold = 0.3;
	assert_int_equal(tb_change_detect(before_tif, after_tif, &o, &parcels, &r, &e), TB_EINPUT);
	assert_string_equal(e.field, "ndvi_threshold");
}


/* The configuration is the file district.json names under "change", not
 * Jizhou's by name: a data folder whose district.json names another file is
 * honoured, and its errors name that file. */
static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_config_from_district_json(void **state)
{
	(void)state;
	char cfgdir[] = "/tmp/tbchgcfgXXXXXX", path[128];
	assert_non_null(mkdtemp(cfgdir));
	snprintf(path, sizeof path, "%s/other", cfgdir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/district.json", cfgdir);
	write_file(path, "{\"change\": \"other/detect.json\"}");
	snprintf(path, sizeof path, "%s/other/detect.json", cfgdir);
	write_file(path, "{\"mmu_ha\": 0.25, \"bands\": {\"red\": 1, \"nir\": 2}}");
	setenv("TIANBAO_DATA", cfgdir, 1);
	tb_change_opts o;
	tb_err e = {0};
	assert_int_equal(tb_change_defaults(&o, &e), 0);
	assert_float_equal(o.mmu_ha, 0.25, 1e-12);
	assert_int_equal(o.red, 1);
	assert_int_equal(o.nir, 2);
	write_file(path, "{\"combine\": \"xor\"}");
	assert_int_equal(tb_change_defaults(&o, &e), TB_EINPUT);
	assert_string_equal(e.record, "data/other/detect.json");
	assert_string_equal(e.field, "combine");
	unlink(path);
	e = (tb_err){0};
	assert_int_equal(tb_change_defaults(&o, &e), TB_EINPUT); /* named but missing: said so */
	assert_string_equal(e.record, "district.json");
	assert_string_equal(e.message, "names data/other/detect.json, which does not exist");
	unsetenv("TIANBAO_DATA");
	snprintf(path, sizeof path, "%s/district.json", cfgdir);
	unlink(path);
	snprintf(path, sizeof path, "%s/other", cfgdir);
	rmdir(path);
	rmdir(cfgdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_same_grid), cmocka_unit_test(test_strips_do_not_matter),
		cmocka_unit_test(test_cloud_mask_removes_patch), cmocka_unit_test(test_swir_and),
		cmocka_unit_test(test_warped_before), cmocka_unit_test(test_mmu),
		cmocka_unit_test(test_no_forest_mask), cmocka_unit_test(test_many_components),
		cmocka_unit_test(test_geographic_after), cmocka_unit_test(test_float_images),
		cmocka_unit_test(test_parcel_with_hole),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_config_from_district_json),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
