/* test_geo_crs.c — PROJ transforms into CGCS2000 lon/lat, the CRS guess and
 * the WKT for gpkg_spatial_ref_sys (src/geo/crs.c).  Reference lon/lat from
 * PROJ's own cs2cs, which uses the authority axis order (northing first for
 * EPSG:4527/4548, latitude first for EPSG:4490):
 *   $ echo "4441234.5 39512345.678" | cs2cs -d 10 EPSG:4527 EPSG:4490
 *   40.1053303239	117.1447960708 0.0000000000
 *   $ echo "4441234.5 512345.678" | cs2cs -d 10 EPSG:4548 EPSG:4490
 *   40.1053303239	117.1447960708 0.0000000000                          */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "geo/geo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GK_E 512345.678 /* metres east of the false origin, CM 117°E */
#define GK_N 4441234.5
#define REF_LON 117.1447960708
#define REF_LAT 40.1053303239


static void gk39_prefixed_to_lonlat_and_back(void **state)
{
	(void)state;
	tb_err e = {0};
	tb_transform *t = tb_transform_new("EPSG:4527", &e);
	assert_non_null(t);
	double x = 39000000 + GK_E, y = GK_N;
	assert_int_equal(tb_transform_points(t, &x, &y, 1), 0);
	assert_true(fabs(x - REF_LON) < 1e-10 && fabs(y - REF_LAT) < 1e-10); /* x = lon */
	tb_transform *back = tb_transform_new2("EPSG:4490", "EPSG:4527", &e);
	assert_non_null(back);
	assert_int_equal(tb_transform_points(back, &x, &y, 1), 0);
	assert_true(fabs(x - (39000000 + GK_E)) < 1e-3); /* within 1 mm */
	assert_true(fabs(y - GK_N) < 1e-3);
	tb_transform_free(t);
	tb_transform_free(back);
}

static void gk_with_and_without_zone_prefix_agree(void **state)
{
	(void)state;
	tb_transform *a = tb_transform_new("EPSG:4527", NULL);
	tb_transform *b = tb_transform_new("EPSG:4548", NULL);
	assert_non_null(a);
	assert_non_null(b);
	double xa[2] = {39000000 + GK_E, 39500000}, ya[2] = {GK_N, 4000000};
	double xb[2] = {GK_E, 500000}, yb[2] = {GK_N, 4000000};
	assert_int_equal(tb_transform_points(a, xa, ya, 2), 0);
	assert_int_equal(tb_transform_points(b, xb, yb, 2), 0);
	for (int i = 0; i < 2; i++)
		assert_true(fabs(xa[i] - xb[i]) < 1e-12 && fabs(ya[i] - yb[i]) < 1e-12);
	assert_true(fabs(xb[1] - 117.0) < 1e-12); /* on the central meridian */
	tb_transform_free(a);
	tb_transform_free(b);
}

static void wgs84_gps_is_taken_as_cgcs2000(void **state)
{
	(void)state;
	/* PROJ has no published WGS84 → CGCS2000 shift and uses a null transform
	 * (the two agree to a few centimetres); lon/lat stays lon/lat. */
	tb_transform *t = tb_transform_new("EPSG:4326", NULL);
	assert_non_null(t);
	double x = 117.4, y = 40.1;
	assert_int_equal(tb_transform_points(t, &x, &y, 1), 0);
	assert_true(fabs(x - 117.4) < 1e-9 && fabs(y - 40.1) < 1e-9);
	tb_transform_free(t);
}

static void unknown_crs_is_refused(void **state)
{
	(void)state;
	tb_err e = {0};
	assert_null(tb_transform_new("EPSG:99999", &e));
	assert_int_equal(e.code, TB_EINPUT);
	assert_non_null(strstr(e.message, "EPSG:99999"));
	assert_non_null(strstr(e.message, "crs not found"));
	assert_string_equal(e.field, "crs");
	tb_err_clear(&e);
	assert_null(tb_transform_new("not a crs at all", &e));
	assert_int_equal(e.code, TB_EINPUT);
	assert_non_null(strstr(e.message, "not a crs at all"));
	tb_err_clear(&e);
	assert_null(tb_transform_new(NULL, &e));
	assert_int_equal(e.code, TB_EUSAGE);
}

static void points_outside_the_domain_are_refused(void **state)
{
	(void)state;
	tb_transform *t = tb_transform_new("EPSG:4527", NULL);
	assert_non_null(t);
	double x = 1e12, y = 1e12;
	assert_int_equal(tb_transform_points(t, &x, &y, 1), TB_EINPUT);
	x = NAN;
	y = GK_N;
	assert_int_equal(tb_transform_points(t, &x, &y, 1), TB_EINPUT);
	x = INFINITY;
	assert_int_equal(tb_transform_points(t, &x, &y, 1), TB_EINPUT);
	tb_transform_free(t);
}

static void geometry_is_transformed_into_a_copy(void **state)
{
	(void)state;
	GEOSContextHandle_t h = tb_geos();
	tb_err e = {0};
	tb_transform *t = tb_transform_new("EPSG:4527", &e);
	assert_non_null(t);
	/* 100 m × 100 m in Gauss-Krüger, 12 km from the central meridian, where
	 * the scale factor is 1 + 1.9e-6: one hectare to within 1e-5. */
	GEOSGeometry *g = wkt("POLYGON((39512300 4441200, 39512400 4441200, 39512400 4441300,"
	                      " 39512300 4441300, 39512300 4441200))");
	GEOSGeometry *ll = tb_transform_geom_copy(t, g, &e);
	assert_non_null(ll);
	assert_true(fabs(tb_area_ha(ll) - 1.0) < 1e-5);
	double minx, miny, maxx, maxy;
	assert_true(GEOSGeom_getExtent_r(h, ll, &minx, &miny, &maxx, &maxy));
	assert_true(minx > 117.14 && maxx < 117.15 && miny > 40.10 && maxy < 40.11);
	assert_true(GEOSGeom_getExtent_r(h, g, &minx, &miny, &maxx, &maxy)); /* untouched */
	assert_true(minx == 39512300 && maxy == 4441300);
	GEOSGeom_destroy_r(h, ll);
	GEOSGeom_destroy_r(h, g);

	g = wkt("MULTIPOINT((39512345.678 4441234.5), (1e12 1e12))");
	assert_null(tb_transform_geom_copy(t, g, &e));
	assert_int_equal(e.code, TB_EINPUT);
	assert_non_null(strstr(e.message, "1e+12"));
	GEOSGeom_destroy_r(h, g);
	tb_transform_free(t);
}

static void in_place_transform_is_refused(void **state)
{
	(void)state;
	tb_err e = {0};
	tb_transform *t = tb_transform_new("EPSG:4527", NULL);
	GEOSGeometry *g = wkt("POINT(39512345.678 4441234.5)");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	assert_int_equal(tb_transform_geom(t, g, &e), TB_EUSAGE);
#pragma GCC diagnostic pop
	assert_non_null(strstr(e.message, "tb_transform_geom_copy"));
	GEOSGeom_destroy_r(tb_geos(), g);
	tb_transform_free(t);
}

static void crs_guess_from_ranges(void **state)
{
	(void)state;
	assert_int_equal(tb_crs_guess(117.0, 40.0, 118.0, 41.0), TB_SRS_CGCS2000);
	assert_int_equal(tb_crs_guess(-180, -90, 180, 90), TB_SRS_CGCS2000);
	assert_int_equal(tb_crs_guess(39500000, 4400000, 39600000, 4500000), TB_SRS_GK39_PREFIX);
	assert_int_equal(tb_crs_guess(400000, 4400000, 600000, 4500000), TB_SRS_GK_CM117);
	assert_int_equal(tb_crs_guess(-200, 40, 100, 41), 0);                    /* not lon/lat */
	assert_int_equal(tb_crs_guess(38500000, 4400000, 38600000, 4500000), 0); /* zone 38 */
	assert_int_equal(tb_crs_guess(400000, 500000, 600000, 600000), 0);       /* too far south */
	assert_int_equal(tb_crs_guess(1e9, 1e9, 2e9, 2e9), 0);
	assert_int_equal(tb_crs_guess(NAN, 40, 118, 41), 0);
	assert_int_equal(tb_crs_guess(118, 40, 117, 41), 0); /* min > max */
}

static void wkt_for_spatial_ref_sys(void **state)
{
	(void)state;
	char *w = tb_crs_wkt(4490);
	assert_non_null(w);
	assert_non_null(strstr(w, "GEOGCS[\"China Geodetic Coordinate System 2000\""));
	assert_non_null(strstr(w, "298.257222101"));
	assert_non_null(strstr(w, "AUTHORITY[\"EPSG\",\"4490\"]"));
	free(w);
	w = tb_crs_wkt(4527);
	assert_non_null(w);
	assert_non_null(strstr(w, "PROJCS[\"CGCS2000 / 3-degree Gauss-Kruger zone 39\""));
	assert_non_null(strstr(w, "PARAMETER[\"false_easting\",39500000]"));
	free(w);
	assert_null(tb_crs_wkt(999999));
}

static int teardown(void **state)
{
	(void)state;
	tb_geos_finish();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(gk39_prefixed_to_lonlat_and_back),
	    cmocka_unit_test(gk_with_and_without_zone_prefix_agree),
	    cmocka_unit_test(wgs84_gps_is_taken_as_cgcs2000),
	    cmocka_unit_test(unknown_crs_is_refused),
	    cmocka_unit_test(points_outside_the_domain_are_refused),
	    cmocka_unit_test(geometry_is_transformed_into_a_copy),
	    cmocka_unit_test(in_place_transform_is_refused),
	    cmocka_unit_test(crs_guess_from_ranges),
	    cmocka_unit_test(wkt_for_spatial_ref_sys),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
