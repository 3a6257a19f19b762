/* test_control_overlay.c — the activity check's overlay on a small
 * synthetic district (§3.1.1, §3.2): a natural parcel half inside a key
 * zone, a plantation, and open land.  Areas are checked against the
 * ellipsoidal areas of hand-cut pieces and against a spherical estimate;
 * a geometry spanning zone, natural forest, plantation and open land gets
 * the strictest verdict with every part reported; a geometry touching no
 * natural forest reports none; bad geometry gets a clear error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "control/control.h"
#include "registry/registry.h"
#include "tb_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
	char dir[64];
	char path[96];
	tb_db *db;
} fixture;

static const tb_actor WHO = {"tester", "bureau"};

/* A lon/lat rectangle as WKT. */
static GEOSGeometry *rect(double x0, double y0, double x1, double y1)
{
	char t[256];
	snprintf(t, sizeof t, "POLYGON((%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f))", x0, y0, x1, y0, x1, y1,
		 x0, y1, x0, y0);
	return wkt(t);
}

static double rect_ha(double x0, double y0, double x1, double y1)
{
	GEOSGeometry *g = rect(x0, y0, x1, y1);
	double ha = tb_area_ha(g);
	drop(g);
	return ha;
}

static int add(tb_db *db, const tb_resource *r, json_t *props, GEOSGeometry *g)
{
	tb_record rec = {.props = props, .geom = g, .name = "fixture"};
	tb_err e = {0};
	int rc = tb_write_create(db, &WHO, r, &rec, "fixture", NULL, &e);
	if (rc) fprintf(stderr, "fixture: %s %s\n", e.field, e.message);
	if (rec.geom) drop(rec.geom);
	json_decref(props);
	return rc;
}

/* Natural parcel A: 117.420–117.422 × 40.150–40.152; key zone Z covers its
 * east half (x ≥ 117.421) and land beyond; plantation B: 117.430–117.432. */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tbovl", "o.gpkg"))
		return -1;
	tb_err e = {0};
	if (tb_registry_init(f->path, "test", &f->db, &e) || tb_schema_migrate(f->db, &tb_control_module, "test", &e)) {
		fprintf(stderr, "setup: %s\n", e.message);
		return -1;
	}
	int rc = add(f->db, &tb_parcels,
		     json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:s}", "xiang", "120119104", "lin_ban", "001", "xiao_ban", "001",
			       "di_lei", "030100", "qi_yuan", "11", "yu_bi_du", 0.7, "gjgyl_bhdj", "2"),
		     rect(117.420, 40.150, 117.422, 40.152));
	if (!rc)
		rc = add(f->db, &tb_parcels,
			 json_pack("{s:s,s:s,s:s,s:s,s:s,s:f}", "xiang", "120119104", "lin_ban", "001", "xiao_ban", "002",
				   "di_lei", "030100", "qi_yuan", "21", "yu_bi_du", 0.7),
			 rect(117.430, 40.150, 117.432, 40.152));
	if (!rc)
		rc = add(f->db, &tb_zones, json_pack("{s:s,s:s}", "code", "Z1", "name", "测试重点区域"),
			 rect(117.421, 40.149, 117.425, 40.153));
	*state = f;
	return rc;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tb_db_close(f->db);
	if (tb_test_rmtree(f->dir)) return -1;
	free(f);
	return 0;
}

static json_t *check(fixture *f, const char *activity, const char *purpose, GEOSGeometry *g)
{
	tb_use_query q = {.activity = activity, .purpose = purpose};
	tb_err e = {0};
	GEOSGeometry *ok = NULL;
	assert_int_equal(tb_control_check_geometry(f->db, g, &ok, &e), 0);
	json_t *d = tb_control_check(f->db, &q, ok, &e);
	if (!d) fprintf(stderr, "check: %s\n", e.message);
	assert_non_null(d);
	drop(ok);
	drop(g);
	return d;
}

static double num(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static const char *s(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

#define assert_ha(v, want) assert_true(fabs((v) - (want)) < 0.00015)

/* The parcel itself: half in the zone, half out. */
static void square_half_in_a_key_zone(void **state)
{
	fixture *f = *state;
	double west = rect_ha(117.420, 40.150, 117.421, 40.152), east = rect_ha(117.421, 40.150, 117.422, 40.152);
	/* by hand: 0.002° of latitude ≈ 222.0 m, 0.001° of longitude at 40.151° ≈ 85.2 m */
	double approx = (0.002 * 111034.0) * (0.001 * 111320.0 * cos(40.151 * M_PI / 180)) / 10000;
	assert_true(fabs(west - approx) / approx < 0.003);
	json_t *d = check(f, "ecotourism", NULL, rect(117.420, 40.150, 117.422, 40.152));
	assert_ha(num(d, "total_ha"), west + east);
	assert_ha(num(d, "natural_forest_ha"), west + east);
	assert_ha(num(d, "key_zone_ha"), east);
	assert_ha(num(d, "outside_key_zone_ha"), west);
	assert_ha(num(d, "non_forest_ha"), 0);
	assert_string_equal(s(d, "verdict"), "prohibited"); /* the strictest part decides */
	json_t *cl = json_object_get(d, "clauses");
	assert_int_equal(json_array_size(cl), 2);
	assert_string_equal(json_string_value(json_array_get(cl, 0)), "3.2.1");
	assert_string_equal(json_string_value(json_array_get(cl, 1)), "3.2.2");
	json_t *reasons = json_object_get(d, "reasons");
	assert_int_equal(json_array_size(reasons), 2);
	json_t *r0 = json_array_get(reasons, 0), *r1 = json_array_get(reasons, 1);
	assert_string_equal(s(r0, "rule"), "UR27"); /* key zone: eco-tourism banned */
	assert_ha(num(r0, "area_ha"), east);
	assert_string_equal(s(r1, "rule"), "UR26"); /* outside: conditional */
	assert_string_equal(s(r1, "verdict"), "conditional");
	assert_ha(num(r1, "area_ha"), west);
	assert_non_null(strstr(s(r1, "conditions_zh"), "地表植被"));
	json_t *p = json_array_get(json_object_get(d, "parcels"), 0);
	assert_int_equal(json_array_size(json_object_get(d, "parcels")), 1);
	assert_string_equal(s(p, "id"), "120119104-001-001");
	assert_true(json_is_true(json_object_get(p, "natural")));
	assert_true(json_is_true(json_object_get(p, "in_key_zone")));
	assert_ha(num(p, "key_zone_ha"), east);
	assert_string_equal(s(p, "verdict"), "prohibited");
	assert_int_equal(json_array_size(json_object_get(p, "parts")), 2);
	assert_string_equal(s(d, "town_code"), "120119104");
	json_decref(d);
	/* fire prevention is allowed on both sides */
	d = check(f, "fire_prevention", NULL, rect(117.420, 40.150, 117.422, 40.152));
	assert_string_equal(s(d, "verdict"), "allowed");
	json_decref(d);
}

/* Zone, natural forest (both sides), plantation and open land in one area. */
static void spanning_zone_forest_and_open_land(void **state)
{
	fixture *f = *state;
	json_t *d = check(f, "occupation", "national_defence", rect(117.4205, 40.1505, 117.4315, 40.1515));
	double nat_w = rect_ha(117.4205, 40.1505, 117.421, 40.1515), nat_e = rect_ha(117.421, 40.1505, 117.422, 40.1515);
	double plant = rect_ha(117.430, 40.1505, 117.4315, 40.1515), total = rect_ha(117.4205, 40.1505, 117.4315, 40.1515);
	double zone_open = rect_ha(117.422, 40.1505, 117.425, 40.1515);
	assert_ha(num(d, "total_ha"), total);
	assert_ha(num(d, "natural_forest_ha"), nat_w + nat_e);
	assert_ha(num(d, "key_zone_ha"), nat_e);
	assert_ha(num(d, "outside_key_zone_ha"), nat_w);
	assert_ha(num(d, "forest_ha"), nat_w + nat_e + plant);
	assert_ha(num(d, "non_forest_ha"), total - nat_w - nat_e - plant);
	assert_ha(num(json_object_get(d, "non_forest"), "in_key_zone_ha"), zone_open);
	assert_string_equal(s(d, "verdict"), "needs_approval");
	json_t *parcels = json_object_get(d, "parcels");
	assert_int_equal(json_array_size(parcels), 2);
	json_t *a = json_array_get(parcels, 0), *b = json_array_get(parcels, 1);
	assert_string_equal(s(a, "rule"), "UR15");
	assert_string_equal(s(b, "id"), "120119104-001-002");
	assert_false(json_is_true(json_object_get(b, "natural")));
	assert_false(json_is_true(json_object_get(b, "in_key_zone")));
	assert_string_equal(s(b, "rule"), "UR18");
	assert_ha(num(b, "area_ha"), plant);
	json_t *reasons = json_object_get(d, "reasons");
	assert_int_equal(json_array_size(reasons), 3); /* UR15, UR18, UR41 */
	assert_string_equal(s(json_array_get(reasons, 2), "rule"), "UR41");
	assert_string_equal(s(json_array_get(reasons, 0), "authority"), "市规划资源局（按权限报国务院林业主管部门审核）");
	json_decref(d);
	/* other purposes: the natural part is prohibited, the rest is still reported */
	d = check(f, "occupation", "other", rect(117.4205, 40.1505, 117.4315, 40.1515));
	assert_string_equal(s(d, "verdict"), "prohibited");
	assert_string_equal(s(json_array_get(json_object_get(d, "parcels"), 1), "verdict"), "needs_approval");
	json_decref(d);
}

static void touching_no_natural_forest(void **state)
{
	fixture *f = *state;
	/* over the plantation and open land east of it */
	json_t *d = check(f, "ecotourism", NULL, rect(117.431, 40.1505, 117.434, 40.1515));
	assert_ha(num(d, "natural_forest_ha"), 0);
	assert_ha(num(d, "key_zone_ha"), 0);
	assert_ha(num(d, "forest_ha"), rect_ha(117.431, 40.1505, 117.432, 40.1515));
	assert_string_equal(s(d, "verdict"), "allowed");
	json_decref(d);
	/* open land only, even one that only touches the natural parcel's edge */
	d = check(f, "commercial_logging", NULL, rect(117.418, 40.150, 117.420, 40.152));
	assert_int_equal(json_array_size(json_object_get(d, "parcels")), 0);
	assert_ha(num(d, "natural_forest_ha"), 0);
	assert_ha(num(d, "non_forest_ha"), num(d, "total_ha"));
	assert_string_equal(s(d, "verdict"), "allowed");
	assert_string_equal(s(json_array_get(json_object_get(d, "reasons"), 0), "rule"), "UR41");
	json_decref(d);
}

static void expect_geometry_error(fixture *f, GEOSGeometry *g, const char *words)
{
	tb_err e = {0};
	GEOSGeometry *out = NULL;
	assert_int_equal(tb_control_check_geometry(f->db, g, &out, &e), TB_EINPUT);
	assert_null(out);
	assert_string_equal(e.field, "geometry");
	if (!strstr(e.message, words)) fprintf(stderr, "message: %s\n", e.message);
	assert_non_null(strstr(e.message, words));
	if (g) drop(g);
}

static void bad_geometry(void **state)
{
	fixture *f = *state;
	expect_geometry_error(f, wkt("POLYGON((117.42 40.15,117.43 40.16,117.43 40.15,117.42 40.16,117.42 40.15))"),
			      "Self-intersection");
	expect_geometry_error(f, wkt("POLYGON EMPTY"), "empty");
	expect_geometry_error(f, NULL, "empty");
	expect_geometry_error(f, wkt("POLYGON((39500000 4440000,39500100 4440000,39500100 4440100,39500000 4440000))"),
			      "wrong coordinate system");
	expect_geometry_error(f, wkt("POLYGON((116.0 39.0,116.01 39.0,116.01 39.01,116.0 39.0))"), "outside the district");
	expect_geometry_error(f, wkt("LINESTRING(117.42 40.15,117.43 40.16)"), "not a Polygon");
	/* GeoJSON input: lines refused, a declared projected CRS reprojected, an unknown one refused */
	tb_err e = {0};
	GEOSGeometry *g = NULL;
	json_t *line = json_loads("{\"type\":\"LineString\",\"coordinates\":[[117.42,40.15],[117.43,40.16]]}", 0, NULL);
	assert_int_equal(tb_control_read_geojson(line, &g, &e), TB_EINPUT);
	assert_non_null(strstr(e.message, "not polygonal"));
	json_decref(line);
	GEOSGeometry *a = rect(117.420, 40.150, 117.422, 40.152);
	tb_transform *t = tb_transform_new2("EPSG:4490", "EPSG:4527", &e);
	GEOSGeometry *gk = tb_transform_geom_copy(t, a, &e);
	tb_transform_free(t);
	json_t *gj = tb_geojson_from_geom(gk);
	json_object_set_new(gj, "crs", json_pack("{s:s,s:{s:s}}", "type", "name", "properties", "name", "EPSG:4527"));
	assert_int_equal(tb_control_read_geojson(gj, &g, &e), 0);
	assert_ha(tb_area_ha(g), tb_area_ha(a));
	drop(g);
	json_object_set_new(gj, "crs", json_pack("{s:s,s:{s:s}}", "type", "name", "properties", "name", "EPSG:999999"));
	assert_int_equal(tb_control_read_geojson(gj, &g, &e), TB_EINPUT);
	assert_string_equal(e.field, "geometry");
	json_decref(gj);
	drop(gk);
	drop(a);
}

/* Files: a GeoJSON FeatureCollection of two touching halves is one area; a
 * closed GPX track becomes a polygon; a missing file is bad input. */
static void files(void **state)
{
	fixture *f = *state;
	char p1[160], p2[160];
	snprintf(p1, sizeof p1, "%s/a.geojson", f->dir);
	snprintf(p2, sizeof p2, "%s/a.gpx", f->dir);
	FILE *fp = fopen(p1, "w");
	fputs("{\"type\":\"FeatureCollection\",\"features\":["
	      "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
	      "[[[117.420,40.150],[117.421,40.150],[117.421,40.152],[117.420,40.152],[117.420,40.150]]]}},"
	      "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
	      "[[[117.421,40.150],[117.422,40.150],[117.422,40.152],[117.421,40.152],[117.421,40.150]]]}}]}",
	      fp);
	fclose(fp);
	fp = fopen(p2, "w");
	fputs("<?xml version=\"1.0\"?><gpx version=\"1.1\" creator=\"t\" xmlns=\"http://www.topografix.com/GPX/1/1\">"
	      "<trk><trkseg><trkpt lat=\"40.150\" lon=\"117.420\"/><trkpt lat=\"40.150\" lon=\"117.422\"/>"
	      "<trkpt lat=\"40.152\" lon=\"117.422\"/><trkpt lat=\"40.152\" lon=\"117.420\"/></trkseg></trk></gpx>",
	      fp);
	fclose(fp);
	double want = rect_ha(117.420, 40.150, 117.422, 40.152);
	tb_err e = {0};
	GEOSGeometry *g = NULL, *ok = NULL;
	assert_int_equal(tb_control_read_file(p1, NULL, &g, &e), 0);
	assert_int_equal(tb_control_check_geometry(f->db, g, &ok, &e), 0);
	assert_int_equal(GEOSGetNumGeometries_r(tb_geos(), ok), 1); /* merged */
	assert_ha(tb_area_ha(ok), want);
	drop(g);
	drop(ok);
	assert_int_equal(tb_control_read_file(p2, NULL, &g, &e), 0);
	assert_ha(tb_area_ha(g), want);
	drop(g);
	snprintf(p2, sizeof p2, "%s/none.geojson", f->dir);
	assert_int_equal(tb_control_read_file(p2, NULL, &g, &e), TB_EINPUT);
	assert_string_equal(e.field, "geometry");
}

static void bad_query(void **state)
{
	fixture *f = *state;
	GEOSGeometry *g = rect(117.420, 40.150, 117.422, 40.152);
	tb_err e = {0};
	tb_use_query q = {.activity = "logging"};
	assert_null(tb_control_check(f->db, &q, g, &e));
	assert_string_equal(e.field, "activity");
	q = (tb_use_query){.activity = "占用林地", .purpose = "defence"}; /* labels are accepted, codes too */
	assert_null(tb_control_check(f->db, &q, g, &e));
	assert_string_equal(e.field, "purpose");
	q.purpose = "国防建设";
	json_t *d = tb_control_check(f->db, &q, g, &e);
	if (!d) fprintf(stderr, "%s: %s\n", e.field, e.message);
	assert_non_null(d);
	assert_string_equal(s(d, "activity"), "occupation");
	assert_string_equal(s(d, "purpose"), "national_defence");
	assert_string_equal(s(d, "verdict"), "needs_approval");
	json_decref(d);
	drop(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(square_half_in_a_key_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(spanning_zone_forest_and_open_land, setup, teardown),
		cmocka_unit_test_setup_teardown(touching_no_natural_forest, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_geometry, setup, teardown),
		cmocka_unit_test_setup_teardown(files, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_query, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tb_geos_finish();
	return rc;
}
