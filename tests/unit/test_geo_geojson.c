/* test_geo_geojson.c — GEOS geometry ↔ GeoJSON geometry JSON
 * (src/geo/geojson.c): the one writer and the one reader every layer uses
 * (HTTP API/OGC, control areas, alerts, change patches, district outline). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "geo/geo.h"

#include <stdlib.h>
#include <string.h>

/* g → JSON → geometry, which must equal g exactly (same type, same
 * coordinates, same rings in the same order). */
static void round_trip(const char *text, const char *type)
{
	GEOSGeometry *g = wkt(text);
	json_t *j = tb_geojson_from_geom(g);
	assert_true(json_is_object(j));
	assert_string_equal(json_string_value(json_object_get(j, "type")), type);
	tb_err e = {0};
	GEOSGeometry *back = tb_geom_from_geojson(j, "t", &e);
	assert_non_null(back);
	assert_int_equal(e.code, 0);
	assert_int_equal(GEOSEqualsExact_r(tb_geos(), g, back, 0), 1);
	assert_int_equal(GEOSGeomTypeId_r(tb_geos(), back), GEOSGeomTypeId_r(tb_geos(), g));
	/* the text writer gives the same JSON */
	char *t = tb_geojson_text(g);
	assert_non_null(t);
	json_t *jt = json_loads(t, 0, NULL);
	assert_true(json_equal(j, jt));
	json_decref(jt);
	free(t);
	json_decref(j);
	drop(back);
	drop(g);
}

static void point_round_trips(void **state)
{
	(void)state;
	round_trip("POINT(117.4056 40.0451)", "Point");
	GEOSGeometry *g = wkt("POINT(117.5 40.25)");
	json_t *j = tb_geojson_from_geom(g);
	json_t *c = json_object_get(j, "coordinates");
	assert_int_equal(json_array_size(c), 2);
	assert_true(json_real_value(json_array_get(c, 0)) == 117.5);
	assert_true(json_real_value(json_array_get(c, 1)) == 40.25);
	json_decref(j);
	drop(g);
}

static void polygon_with_hole_round_trips(void **state)
{
	(void)state;
	const char *p = "POLYGON((117.40 40.10, 117.42 40.10, 117.42 40.12, 117.40 40.12, 117.40 40.10),"
			"(117.405 40.105, 117.405 40.11, 117.41 40.11, 117.41 40.105, 117.405 40.105))";
	round_trip(p, "Polygon");
	GEOSGeometry *g = wkt(p);
	json_t *j = tb_geojson_from_geom(g);
	json_t *rings = json_object_get(j, "coordinates");
	assert_int_equal(json_array_size(rings), 2); /* shell + hole */
	assert_int_equal(json_array_size(json_array_get(rings, 1)), 5);
	GEOSGeometry *back = tb_geom_from_geojson(j, NULL, NULL);
	assert_int_equal(GEOSGetNumInteriorRings_r(tb_geos(), back), 1);
	/* the hole is subtracted from the area after the round trip */
	GEOSGeometry *shell = wkt("POLYGON((117.40 40.10, 117.42 40.10, 117.42 40.12, 117.40 40.12, 117.40 40.10))");
	GEOSGeometry *hole = wkt("POLYGON((117.405 40.105, 117.41 40.105, 117.41 40.11, 117.405 40.11, 117.405 40.105))");
	assert_float_equal(tb_area_ha(back), tb_area_ha(shell) - tb_area_ha(hole), 1e-6);
	drop(shell);
	drop(hole);
	json_decref(j);
	drop(back);
	drop(g);
}

static void multipolygon_round_trips(void **state)
{
	(void)state;
	round_trip("MULTIPOLYGON(((117.40 40.10, 117.41 40.10, 117.41 40.11, 117.40 40.10)),"
		   "((117.50 40.20, 117.52 40.20, 117.52 40.22, 117.50 40.22, 117.50 40.20),"
		   "(117.505 40.205, 117.505 40.21, 117.51 40.21, 117.505 40.205)))",
		   "MultiPolygon");
}

static void null_writes_json_null(void **state)
{
	(void)state;
	json_t *j = tb_geojson_from_geom(NULL);
	assert_true(json_is_null(j));
	json_decref(j);
	assert_null(tb_geojson_text(NULL));
}

static void bad_input_is_refused(void **state)
{
	(void)state;
	const char *bad[] = {
	    "{\"type\":\"Polygon\",\"coordinates\":\"nope\"}",
	    "{\"type\":\"Circle\",\"coordinates\":[117.4,40.1]}",
	    "{\"coordinates\":[117.4,40.1]}",
	    "[1,2]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *v = json_loads(bad[i], 0, NULL);
		assert_non_null(v);
		tb_err e = {0};
		assert_null(tb_geom_from_geojson(v, "parcels", &e));
		assert_int_equal(e.code, TB_EINPUT);
		assert_string_equal(e.record, "parcels");
		assert_string_equal(e.field, "geometry");
		assert_non_null(strstr(e.message, "not a GeoJSON geometry: "));
		assert_null(tb_geom_from_geojson(v, NULL, NULL)); /* no *e: just NULL */
		json_decref(v);
	}
	/* NULL and scalars (not serialisable as a document) */
	tb_err e = {0};
	assert_null(tb_geom_from_geojson(NULL, NULL, &e));
	assert_int_equal(e.code, TB_EINPUT);
	json_t *n = json_integer(3);
	assert_null(tb_geom_from_geojson(n, NULL, NULL));
	json_decref(n);
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
	    cmocka_unit_test(point_round_trips),
	    cmocka_unit_test(polygon_with_hole_round_trips),
	    cmocka_unit_test(multipolygon_round_trips),
	    cmocka_unit_test(null_writes_json_null),
	    cmocka_unit_test(bad_input_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
