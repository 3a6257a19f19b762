/* test_geo_valid.c — checking and repairing parcel geometry (src/geo/valid.c)
 * and the thread's GEOS context (src/geo/geos.c).  The bow-tie's two
 * triangles were measured with GeographicLib:
 *   $ printf '117.40 40.10\n117.405 40.105\n117.40 40.11\n' |
 *       Planimeter -e 6378137 0.003352810681182318935434 -w -p 10
 *   3 2510.3273304325 236682.72081
 *   $ printf '117.405 40.105\n117.41 40.10\n117.41 40.11\n' | Planimeter …
 *   3 2510.3273304325 236682.72081
 * so the repaired bow-tie has 2 × 23.6682720810 ha = 47.336544162 ha. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "geo/geo.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#define BOWTIE "POLYGON((117.40 40.10, 117.41 40.11, 117.41 40.10, 117.40 40.11, 117.40 40.10))"
#define BOWTIE_HA 47.336544162



static void valid_polygons_pass(void **state)
{
	(void)state;
	static const char *ok[] = {
	    "POLYGON((117.40 40.10, 117.41 40.10, 117.41 40.11, 117.40 40.11, 117.40 40.10))",
	    "MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2)))",
	    "POLYGON((117.4512 40.0831, 117.4538 40.0829, 117.4561 40.0840, 117.4579 40.0858, "
	    "117.4583 40.0877, 117.4570 40.0893, 117.4549 40.0901, 117.4526 40.0898, "
	    "117.4508 40.0886, 117.4497 40.0869, 117.4499 40.0851, 117.4503 40.0839, "
	    "117.4512 40.0831))",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		tb_err e = {0};
		GEOSGeometry *g = wkt(ok[i]);
		assert_int_equal(tb_geom_check_polygonal(g, "小班 001", &e), 0);
		assert_int_equal(e.code, 0);
		drop(g);
	}
}

static void bowtie_is_refused_with_the_place(void **state)
{
	(void)state;
	tb_err e = {0};
	GEOSGeometry *g = wkt(BOWTIE);
	assert_int_equal(tb_geom_check_polygonal(g, "feature 12 (小班 001-003)", &e), TB_EINPUT);
	assert_int_equal(e.code, TB_EINPUT);
	assert_string_equal(e.message,
	                    "invalid polygon: Self-intersection at or near point 117.405 40.105");
	assert_string_equal(e.record, "feature 12 (小班 001-003)");
	assert_string_equal(e.field, "geometry");
	drop(g);
}

static void other_invalid_shapes_name_their_reason(void **state)
{
	(void)state;
	tb_err e = {0};
	GEOSGeometry *g =
	    wkt("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (20 20, 21 20, 21 21, 20 20))");
	assert_int_equal(tb_geom_check_polygonal(g, NULL, &e), TB_EINPUT);
	assert_non_null(strstr(e.message, "Hole lies outside shell"));
	drop(g);
	g = wkt("MULTIPOLYGON(((0 0, 2 0, 2 2, 0 2, 0 0)), ((1 1, 3 1, 3 3, 1 3, 1 1)))");
	assert_int_equal(tb_geom_check_polygonal(g, NULL, &e), TB_EINPUT);
	assert_non_null(strstr(e.message, "Self-intersection"));
	drop(g);
}

static void empty_point_null_are_refused(void **state)
{
	(void)state;
	tb_err e = {0};
	assert_int_equal(tb_geom_check_polygonal(NULL, "小班 7", &e), TB_EINPUT);
	assert_string_equal(e.message, "no geometry");
	assert_string_equal(e.record, "小班 7");

	GEOSGeometry *g = wkt("POLYGON EMPTY");
	assert_int_equal(tb_geom_check_polygonal(g, NULL, &e), TB_EINPUT);
	assert_string_equal(e.message, "geometry is empty");
	drop(g);

	g = wkt("POINT(117.4 40.1)");
	assert_int_equal(tb_geom_check_polygonal(g, NULL, &e), TB_EINPUT);
	assert_string_equal(e.message, "geometry is a Point, not a Polygon or MultiPolygon");
	drop(g);

	g = wkt("LINESTRING(0 0, 1 1)");
	assert_int_equal(tb_geom_check_polygonal(g, NULL, &e), TB_EINPUT);
	assert_non_null(strstr(e.message, "is a LineString"));
	drop(g);

	g = wkt("GEOMETRYCOLLECTION(POLYGON((0 0, 1 0, 1 1, 0 0)))");
	assert_int_equal(tb_geom_check_polygonal(g, NULL, &e), TB_EINPUT);
	assert_non_null(strstr(e.message, "is a GeometryCollection"));
	drop(g);
}

static void bowtie_repairs_to_two_triangles(void **state)
{
	(void)state;
	GEOSContextHandle_t h = tb_geos();
	GEOSGeometry *g = wkt(BOWTIE);
	char what[256];
	GEOSGeometry *m = tb_geom_repair(g, what, sizeof what);
	assert_non_null(m);
	assert_int_equal(GEOSGeomTypeId_r(h, m), GEOS_MULTIPOLYGON);
	assert_int_equal(GEOSGetNumGeometries_r(h, m), 2);
	assert_int_equal(tb_geom_check_polygonal(m, NULL, NULL), 0);
	assert_true(fabs(tb_area_ha(m) - BOWTIE_HA) < 1e-7);
	/* The bow-tie's loops run opposite ways, so its signed areas cancel. */
	assert_string_equal(what,
	                    "repaired self-intersection: area 0.0000 ha → 47.3365 ha, 2 parts");
	drop(m);
	drop(g);
}

static void repair_keeps_only_polygons(void **state)
{
	(void)state;
	GEOSContextHandle_t h = tb_geos();
	GEOSGeometry *g = wkt("GEOMETRYCOLLECTION(POLYGON((0 0, 1 0, 1 1, 0 1, 0 0)),"
	                      " LINESTRING(5 5, 6 6), POINT(9 9))");
	char what[256];
	GEOSGeometry *m = tb_geom_repair(g, what, sizeof what);
	assert_non_null(m);
	assert_int_equal(GEOSGeomTypeId_r(h, m), GEOS_MULTIPOLYGON);
	assert_int_equal(GEOSGetNumGeometries_r(h, m), 1);
	assert_non_null(strstr(what, "1 part, 2 non-polygonal pieces dropped"));
	drop(m);
	drop(g);

	/* A valid polygon comes back as the same area in one part. */
	g = wkt("POLYGON((117.40 40.10, 117.41 40.10, 117.41 40.11, 117.40 40.11, 117.40 40.10))");
	m = tb_geom_repair(g, what, sizeof what);
	assert_non_null(m);
	assert_true(fabs(tb_area_ha(m) - tb_area_ha(g)) < 1e-9);
	assert_string_equal(what, "repaired nothing: area 94.6731 ha → 94.6731 ha, 1 part");
	drop(m);
	drop(g);

	/* Nothing polygonal at all: an empty MultiPolygon. */
	g = wkt("LINESTRING(0 0, 1 1)");
	m = tb_geom_repair(g, NULL, 0);
	assert_non_null(m);
	assert_int_equal(GEOSGeomTypeId_r(h, m), GEOS_MULTIPOLYGON);
	assert_int_equal(GEOSisEmpty_r(h, m), 1);
	drop(m);
	drop(g);
	assert_null(tb_geom_repair(NULL, what, sizeof what));
	assert_string_equal(what, "");
}

static void promote_to_multi(void **state)
{
	(void)state;
	GEOSContextHandle_t h = tb_geos();
	GEOSGeometry *p = wkt("POLYGON((0 0, 1 0, 1 1, 0 0))");
	GEOSGeometry *m = tb_geom_to_multi(p);
	assert_int_equal(GEOSGeomTypeId_r(h, m), GEOS_MULTIPOLYGON);
	assert_int_equal(GEOSGetNumGeometries_r(h, m), 1);
	assert_int_equal(GEOSEqualsExact_r(h, GEOSGetGeometryN_r(h, m, 0), p, 0), 1);
	assert_int_equal(GEOSGeomTypeId_r(h, p), GEOS_POLYGON); /* untouched */
	GEOSGeometry *m2 = tb_geom_to_multi(m);
	assert_int_equal(GEOSEqualsExact_r(h, m2, m, 0), 1);
	drop(m2);
	drop(m);
	drop(p);

	p = wkt("POLYGON EMPTY");
	m = tb_geom_to_multi(p);
	assert_int_equal(GEOSGeomTypeId_r(h, m), GEOS_MULTIPOLYGON);
	assert_int_equal(GEOSisEmpty_r(h, m), 1);
	drop(m);
	drop(p);

	p = wkt("POINT(1 2)");
	m = tb_geom_to_multi(p);
	assert_int_equal(GEOSGeomTypeId_r(h, m), GEOS_MULTIPOINT);
	drop(m);
	drop(p);
	assert_null(tb_geom_to_multi(NULL));
}

/* ---- the GEOS context ---------------------------------------------------- */

static void *other_thread(void *arg)
{
	GEOSContextHandle_t *out = arg;
	*out = tb_geos();
	tb_geos_finish();
	return NULL;
}

/* Uses GEOS and exits without tb_geos_finish: the exit hook frees the
 * context (LeakSanitizer would report it otherwise). */
static void *forgetful_thread(void *arg)
{
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(tb_geos(), 1, 2);
	GEOSGeom_destroy_r(tb_geos(), pt);
	return arg;
}

static void context_is_per_thread_and_keeps_errors(void **state)
{
	(void)state;
	GEOSContextHandle_t mine = tb_geos(), theirs = NULL;
	assert_ptr_equal(tb_geos(), mine);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, other_thread, &theirs), 0);
	pthread_join(th, NULL);
	assert_non_null(theirs);
	assert_ptr_not_equal(theirs, mine);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_create(&th, NULL, forgetful_thread, NULL), 0);
		pthread_join(th, NULL);
	}

	GEOSWKTReader *r = GEOSWKTReader_create_r(mine);
	assert_null(GEOSWKTReader_read_r(mine, r, "POLYGON((0 0, 1"));
	GEOSWKTReader_destroy_r(mine, r);
	assert_non_null(strstr(tb_geos_last_error(), "ParseException"));
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
	    cmocka_unit_test(valid_polygons_pass),
	    cmocka_unit_test(bowtie_is_refused_with_the_place),
	    cmocka_unit_test(other_invalid_shapes_name_their_reason),
	    cmocka_unit_test(empty_point_null_are_refused),
	    cmocka_unit_test(bowtie_repairs_to_two_triangles),
	    cmocka_unit_test(repair_keeps_only_polygons),
	    cmocka_unit_test(promote_to_multi),
	    cmocka_unit_test(context_is_per_thread_and_keeps_errors),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
