/* test_duty_track.c — patrol tracks (src/duty/track.c, track_patrol.c):
 * reading GPX 1.0/1.1 (Garmin extensions, several segments, no times,
 * malformed XML), GeoJSON and phone JSON points; the measures of a patrol;
 * one fixture per anti-fake reason flagged with exactly that reason; grid
 * coverage on a hand-computed grid.  Fixtures are in tests/fixtures/gpx (the
 * generated ones by make_fixtures.py there).  Reference distances come from
 * GeographicLib's GeodSolve 2.1.2 on the CGCS2000 ellipsoid:
 *   GeodSolve -i -e 6378137 0.003352810681182318935434 -p 9 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "base/tbtime.h"
#include "duty/track.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE(name) TB_SOURCE_DIR "/tests/fixtures/gpx/" name
/* The test grid: about 2.04 km × 2.00 km around 117.45E 40.15N (蓟州区). */
#define GRID_WKT                                                                                   \
	"POLYGON((117.438 40.141, 117.462 40.141, 117.462 40.159, 117.438 40.159, 117.438 "        \
	"40.141))"

/* |got − want| ≤ tol, saying both values when not. */
#define assert_near(got, want, tol) near_(got, want, tol, #got, __FILE__, __LINE__)
static void near_(double got, double want, double tol, const char *what, const char *file, int line)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s:%d: %s = %.9f, expected %.9f ± %g", file, line, what, got, want, tol);
}

static int64_t iso_ms(const char *s)
{
	int64_t ms = 0;
	assert_true(tb_time_parse_iso(s, &ms));
	return ms;
}


static void read_ok(const char *path, tb_track *t)
{
	tb_err e = {0};
	int rc = tb_track_read_file(path, t, &e);
	if (rc) fail_msg("%s: %s", path, e.message);
}

/* Sum of tb_distance_m over consecutive points of the same segment. */
static double segment_sum(const tb_track *t)
{
	double s = 0;
	for (size_t i = 1; i < t->n; i++)
		if (t->pts[i].segment == t->pts[i - 1].segment)
			s += tb_distance_m(t->pts[i - 1].lon, t->pts[i - 1].lat, t->pts[i].lon,
			                   t->pts[i].lat);
	return s;
}

static void analyse(const tb_track *t, const GEOSGeometry *grid, const GEOSGeometry *const *earlier,
                    size_t n, tb_patrol_result *r)
{
	tb_patrol_rules rules;
	tb_patrol_rules_default(&rules);
	tb_err e = {0};
	int rc =
	    tb_patrol_analyse(t, grid, earlier, n, &rules, iso_ms("2026-11-29T12:00:00Z"), r, &e);
	if (rc) fail_msg("analyse: %s", e.message);
}

static char *reasons_text(const tb_patrol_result *r)
{
	return json_dumps(r->reasons, JSON_COMPACT);
}

/* ---- GPX reading -------------------------------------------------------- */

static void test_garmin_extensions(void **state)
{
	(void)state;
	tb_track t;
	read_ok(FIXTURE("garmin_11.gpx"), &t);
	assert_int_equal(t.n, 5);
	assert_string_equal(t.source, "gpx");
	int64_t t0 = iso_ms("2026-11-28T01:00:00Z");
	assert_true(t.pts[0].t_ms == t0);
	assert_true(t.pts[2].t_ms == t0 + 20500); /* fractional seconds */
	assert_true(t.pts[3].t_ms == t0 + 30000); /* 09:00:30+08:00 */
	assert_near(t.pts[0].ele, 182.4, 1e-9);
	assert_true(isnan(t.pts[4].ele));
	assert_near(t.pts[1].lon, 117.4502, 1e-12);
	assert_near(t.pts[1].lat, 40.1501, 1e-12);
	for (size_t i = 0; i < t.n; i++)
		assert_int_equal(t.pts[i].segment, 0);
	tb_patrol_result r;
	analyse(&t, NULL, NULL, 0, &r);
	assert_near(r.distance_m, segment_sum(&t), 1e-9);
	assert_near(r.duration_s, 40.0, 1e-9);
	assert_true(isnan(r.inside_share) && isnan(r.grid_coverage));
	tb_patrol_result_free(&r);
	tb_track_free(&t);
}

static void test_gpx10(void **state)
{
	(void)state;
	tb_track t;
	read_ok(FIXTURE("gpx10.gpx"), &t);
	assert_int_equal(t.n, 3);
	assert_near(t.pts[2].ele, 192.0, 1e-9);
	tb_patrol_result r;
	analyse(&t, NULL, NULL, 0, &r);
	/* 40.150 117.450 40.151 117.450 → 111.037526166; 40.151 → 40.152: 111.037545399 */
	assert_near(r.distance_m, 222.075071565, 1e-6);
	assert_near(r.duration_s, 200.0, 1e-9);
	assert_near(r.moving_s, 200.0, 1e-9);
	assert_near(r.max_speed_kmh, 111.037545399 / 100 * 3.6, 1e-6);
	tb_patrol_result_free(&r);
	tb_track_free(&t);
}

/* Three segments in two <trk>; the gaps (299.801131078 m and 298.227867643 m)
 * are not walked.  GeodSolve on the five within-segment pairs:
 * 85.212960219 + 101.703111073 + 98.518464887 + 111.037506929 + 85.206712617. */
static void check_multisegment(const char *path)
{
	tb_track t;
	read_ok(path, &t);
	assert_int_equal(t.n, 8);
	static const int seg[] = {0, 0, 0, 1, 1, 2, 2, 2};
	for (size_t i = 0; i < t.n; i++)
		assert_int_equal(t.pts[i].segment, seg[i]);
	tb_patrol_result r;
	analyse(&t, NULL, NULL, 0, &r);
	assert_near(r.distance_m, 481.678755725, 1e-6);
	assert_near(r.duration_s, 5 * 3600 + 180, 1e-9);
	assert_int_equal(GEOSGetNumGeometries_r(tb_geos(), r.line), 3);
	assert_near(tb_length_m(r.line), r.distance_m, 1e-6);
	tb_patrol_result_free(&r);
	tb_track_free(&t);
}

static void test_multisegment(void **state)
{
	(void)state;
	check_multisegment(FIXTURE("multiseg.gpx"));
	check_multisegment(FIXTURE("multiseg.geojson")); /* MultiLineString, nested coordTimes */
}

static void expect_error(const char *path, int code, const char *needle)
{
	tb_track t;
	tb_err e = {0};
	assert_int_equal(tb_track_read_file(path, &t, &e), code);
	assert_int_equal(e.code, code);
	if (!strstr(e.message, needle)) fail_msg("'%s' not in '%s'", needle, e.message);
	assert_int_equal(t.n, 0);
	assert_null(t.pts);
}

static void test_gpx_refused(void **state)
{
	(void)state;
	expect_error(FIXTURE("no_time.gpx"), TB_EINPUT,
	             "the track has no timestamps (point 1 of 3 has no time); patrols need the "
	             "time of each point");
	expect_error(FIXTURE("malformed.gpx"), TB_EINPUT, "not a readable GPX file: ");
	expect_error(FIXTURE("malformed.gpx"), TB_EINPUT, "mismatched tag at line 5");
	expect_error(FIXTURE("waypoints_no_time.gpx"), TB_EINPUT, "no timestamps");
	expect_error(FIXTURE("does_not_exist.gpx"), TB_EIO, "cannot read the file");
	expect_error(FIXTURE("make_fixtures.py"), TB_EINPUT, "not a track");
}

static void test_route_with_times(void **state)
{
	(void)state;
	tb_track t;
	read_ok(FIXTURE("route_timed.gpx"), &t);
	assert_int_equal(t.n, 3);
	assert_true(t.pts[2].t_ms - t.pts[0].t_ms == 120000);
	tb_track_free(&t);
}

/* ---- the same walk as GPX, GeoJSON line, GeoJSON points, phone JSON ----- */

static void same_measures(const char *path, const tb_patrol_result *want, const char *source)
{
	tb_track t;
	read_ok(path, &t);
	assert_string_equal(t.source, source);
	tb_patrol_result r;
	GEOSGeometry *grid = wkt(GRID_WKT);
	analyse(&t, grid, NULL, 0, &r);
	assert_int_equal(r.points, want->points);
	assert_near(r.distance_m, want->distance_m, 1e-6);
	assert_near(r.duration_s, want->duration_s, 1e-9);
	assert_near(r.moving_s, want->moving_s, 1e-9);
	assert_near(r.max_speed_kmh, want->max_speed_kmh, 1e-6);
	assert_near(r.grid_coverage, want->grid_coverage, 1e-9);
	assert_int_equal(json_array_size(r.reasons), 0);
	tb_patrol_result_free(&r);
	GEOSGeom_destroy_r(tb_geos(), grid);
	tb_track_free(&t);
}

static void test_formats_agree(void **state)
{
	(void)state;
	tb_track t;
	read_ok(FIXTURE("clean.gpx"), &t);
	tb_patrol_result want;
	GEOSGeometry *grid = wkt(GRID_WKT);
	analyse(&t, grid, NULL, 0, &want);
	same_measures(FIXTURE("clean.geojson"), &want, "geojson");
	same_measures(FIXTURE("clean_points.geojson"), &want, "geojson");
	same_measures(FIXTURE("clean_phone.json"), &want, "json");
	tb_patrol_result_free(&want);
	GEOSGeom_destroy_r(tb_geos(), grid);
	tb_track_free(&t);
}

static void test_phone_points(void **state)
{
	(void)state;
	json_error_t je;
	json_t *ok = json_loads(
	    "[{\"lon\":117.45,\"lat\":40.15,\"t\":\"2026-11-28T01:00:00Z\",\"acc\":8},"
	    "{\"lon\":117.451,\"lat\":40.15,\"t\":1795827660000,\"ele\":200},"
	    "{\"lon\":117.452,\"lat\":40.15,\"time\":\"2026-11-28T09:02:00+08:00\",\"seg\":1}]",
	    0, &je);
	tb_track t;
	tb_err e = {0};
	assert_int_equal(tb_track_from_json(ok, &t, &e), 0);
	assert_int_equal(t.n, 3);
	assert_true(t.pts[1].t_ms == iso_ms("2026-11-28T01:01:00Z"));
	assert_true(t.pts[2].t_ms == iso_ms("2026-11-28T01:02:00Z"));
	assert_int_equal(t.pts[2].segment, 1);
	assert_true(isnan(t.pts[0].ele) && t.pts[1].ele == 200);
	tb_track_free(&t);
	json_decref(ok);
	static const struct {
		const char *json, *needle;
	} bad[] = {
	    {"{}", "must be a JSON array"},
	    {"[]", "no points"},
	    {"[{\"lat\":40.15,\"t\":0}]", "lon and lat must be numbers"},
	    {"[{\"lon\":117.45,\"lat\":40.15,\"t\":\"yesterday\"}]", "neither ISO 8601"},
	    {"[{\"lon\":217.45,\"lat\":40.15,\"t\":0}]", "is not a longitude/latitude"},
	    {"[{\"lon\":117.45,\"lat\":40.15,\"t\":0},{\"lon\":117.45,\"lat\":40.15}]",
	     "point 2 has no timestamp"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *j = json_loads(bad[i].json, 0, &je);
		assert_non_null(j);
		memset(&e, 0, sizeof e);
		assert_int_equal(tb_track_from_json(j, &t, &e), TB_EINPUT);
		if (!strstr(e.message, bad[i].needle)) fail_msg("%s: '%s'", bad[i].json, e.message);
		json_decref(j);
	}
}

/* ---- one fixture per reason --------------------------------------------- */

static void expect_reasons(const char *name, const GEOSGeometry *const *earlier, size_t n,
                           const char *want, tb_patrol_result *r)
{
	char path[512];
	snprintf(path, sizeof path, FIXTURE("%s.gpx"), name);
	tb_track t;
	read_ok(path, &t);
	GEOSGeometry *grid = wkt(GRID_WKT);
	analyse(&t, grid, earlier, n, r);
	char *got = reasons_text(r);
	if (strcmp(got, want)) fail_msg("%s: reasons %s, expected %s", name, got, want);
	free(got);
	GEOSGeom_destroy_r(tb_geos(), grid);
	tb_track_free(&t);
}

static void test_clean_patrol_is_valid(void **state)
{
	(void)state;
	tb_patrol_result r;
	expect_reasons("clean", NULL, 0, "[]", &r);
	assert_int_equal(r.points, 181);
	assert_int_equal(r.kept, 181);
	assert_int_equal(r.dropped, 0);
	assert_near(r.distance_m, 3500, 5); /* laid out as 1500 + 500 + 1500 m */
	assert_near(r.duration_s, 5400, 1e-9);
	assert_near(r.moving_s, 5400, 1e-9); /* 2.3 km/h all the way */
	assert_near(r.max_speed_kmh, 2.33, 0.02);
	assert_near(r.inside_share, 1.0, 1e-12);
	/* a 100 m wide band along 3.5 km, less overlaps, in a 4.09 km² grid */
	assert_true(r.grid_coverage > 0.07 && r.grid_coverage < 0.09);
	assert_true(r.start_ms == iso_ms("2026-11-28T01:00:00Z"));
	assert_true(r.end_ms == iso_ms("2026-11-28T02:30:00Z"));
	tb_patrol_result_free(&r);
}

static void test_one_fixture_per_reason(void **state)
{
	(void)state;
	static const struct {
		const char *name, *reasons;
	} cases[] = {
	    {"too_short", "[\"too_short\"]"},         {"too_brief", "[\"too_brief\"]"},
	    {"speed_outlier", "[\"speed_outlier\"]"}, {"teleport", "[\"teleport\"]"},
	    {"time_order", "[\"time_order\"]"},       {"future_time", "[\"future_time\"]"},
	    {"outside_grid", "[\"outside_grid\"]"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		tb_patrol_result r;
		expect_reasons(cases[i].name, NULL, 0, cases[i].reasons, &r);
		assert_true(r.moving_s <= r.duration_s); /* also when time runs backwards */
		tb_patrol_result_free(&r);
	}
}

static void test_speed_outlier_dropped(void **state)
{
	(void)state;
	tb_patrol_result clean, spike;
	expect_reasons("clean", NULL, 0, "[]", &clean);
	expect_reasons("speed_outlier", NULL, 0, "[\"speed_outlier\"]", &spike);
	assert_int_equal(spike.dropped, 1);
	assert_int_equal(spike.kept, 180);
	assert_int_equal(spike.teleports, 0);
	/* fix 41 lies on a straight leg: leaving it out changes nothing */
	assert_near(spike.distance_m, clean.distance_m, 1e-3);
	assert_near(spike.max_speed_kmh, clean.max_speed_kmh, 1e-3);
	tb_patrol_result_free(&clean);
	tb_patrol_result_free(&spike);
}

static void test_teleport_not_bridged(void **state)
{
	(void)state;
	tb_patrol_result r;
	expect_reasons("teleport", NULL, 0, "[\"teleport\"]", &r);
	assert_int_equal(r.teleports, 1);
	assert_int_equal(r.dropped, 0);
	assert_near(r.distance_m, 3400, 5); /* two 1.7 km legs, not the 1.2 km jump */
	assert_int_equal(GEOSGetNumGeometries_r(tb_geos(), r.line), 2);
	tb_patrol_result_free(&r);
}

static void test_duplicate_shifted_in_time(void **state)
{
	(void)state;
	tb_patrol_result clean, teleport, dup;
	expect_reasons("clean", NULL, 0, "[]", &clean);
	expect_reasons("teleport", NULL, 0, "[\"teleport\"]", &teleport);
	const GEOSGeometry *earlier[] = {teleport.line, clean.line};
	expect_reasons("duplicate", earlier, 2, "[\"duplicate\"]", &dup);
	assert_int_equal(dup.duplicate_of, 1);
	tb_patrol_result again;
	expect_reasons("clean", earlier, 1, "[]", &again); /* a different shape is no duplicate */
	assert_int_equal(again.duplicate_of, -1);
	tb_patrol_result_free(&again);
	tb_patrol_result_free(&dup);
	tb_patrol_result_free(&teleport);
	tb_patrol_result_free(&clean);
}

/* ---- built in code ------------------------------------------------------ */

/* n points due east from (lon0, lat) every `step_m` metres and `step_s`
 * seconds (longitude steps from the local scale, 1e-9 relative). */
static void line_east(tb_track *t, double lon0, double lat, double lon1, size_t n, int step_s)
{
	memset(t, 0, sizeof *t);
	t->pts = calloc(n, sizeof *t->pts);
	assert_non_null(t->pts);
	t->n = n;
	snprintf(t->source, sizeof t->source, "json");
	for (size_t i = 0; i < n; i++)
		t->pts[i] = (tb_track_point){
		    lon0 + (lon1 - lon0) * (double)i / (double)(n - 1), lat, NAN,
		    iso_ms("2026-11-28T01:00:00Z") + (int64_t)i * step_s * 1000, 0};
}

/* A straight 1 km line across the middle of a 1 km × 1 km grid, buffer 50 m:
 * a 100 m band, 10 % of the grid (the round caps fall outside it). */
static void test_coverage_hand_computed(void **state)
{
	(void)state;
	double lat = 40.15, lon = 117.45;
	double dlat = 0.01 * 1000 / tb_distance_m(lon, lat - 0.005, lon, lat + 0.005);
	double dlon = 0.01 * 1000 / tb_distance_m(lon - 0.005, lat, lon + 0.005, lat);
	char text[512];
	snprintf(text, sizeof text,
	         "POLYGON((%.10f %.10f, %.10f %.10f, %.10f %.10f, %.10f %.10f, %.10f %.10f))",
	         lon - dlon / 2, lat - dlat / 2, lon + dlon / 2, lat - dlat / 2, lon + dlon / 2,
	         lat + dlat / 2, lon - dlon / 2, lat + dlat / 2, lon - dlon / 2, lat - dlat / 2);
	GEOSGeometry *grid = wkt(text);
	assert_near(tb_area_ha(grid), 100.0, 0.01);
	tb_track t;
	line_east(&t, lon - dlon / 2, lat, lon + dlon / 2, 11, 60);
	tb_patrol_result r;
	analyse(&t, grid, NULL, 0, &r);
	assert_near(r.distance_m, 1000.0, 0.01);
	assert_near(r.inside_share, 1.0, 1e-9);
	assert_near(r.grid_coverage, 0.10, 0.0005);
	tb_patrol_result_free(&r);
	tb_track_free(&t);
	GEOSGeom_destroy_r(tb_geos(), grid);
}

/* GPS jumps 500 m (60 km/h: an outlier, but under teleport_min_m) and the
 * walk goes on from there: after three agreeing fixes the track moves with
 * it, nothing stays dropped and the jump adds no distance. */
static void test_reanchor_after_shift(void **state)
{
	(void)state;
	tb_track t;
	line_east(&t, 117.44, 40.15, 117.44 + 0.0002 * 19, 20, 30);
	for (size_t i = 10; i < t.n; i++)
		t.pts[i].lat += 500 / 111030.0;
	tb_patrol_result r;
	analyse(&t, NULL, NULL, 0, &r);
	assert_int_equal(r.dropped, 0);
	assert_int_equal(r.teleports, 0);
	assert_int_equal(r.kept, 20);
	double walked = 0;
	for (size_t i = 1; i < t.n; i++)
		if (i != 10)
			walked += tb_distance_m(t.pts[i - 1].lon, t.pts[i - 1].lat, t.pts[i].lon,
			                        t.pts[i].lat);
	assert_near(r.distance_m, walked, 1e-6);
	assert_int_equal(GEOSGetNumGeometries_r(tb_geos(), r.line), 2);
	tb_patrol_result_free(&r);
	tb_track_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_garmin_extensions),
	    cmocka_unit_test(test_gpx10),
	    cmocka_unit_test(test_multisegment),
	    cmocka_unit_test(test_gpx_refused),
	    cmocka_unit_test(test_route_with_times),
	    cmocka_unit_test(test_formats_agree),
	    cmocka_unit_test(test_phone_points),
	    cmocka_unit_test(test_clean_patrol_is_valid),
	    cmocka_unit_test(test_one_fixture_per_reason),
	    cmocka_unit_test(test_speed_outlier_dropped),
	    cmocka_unit_test(test_teleport_not_bridged),
	    cmocka_unit_test(test_duplicate_shifted_in_time),
	    cmocka_unit_test(test_coverage_hand_computed),
	    cmocka_unit_test(test_reanchor_after_shift),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tb_geos_finish();
	return rc;
}
