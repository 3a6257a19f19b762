/* test_monitor_pest.c — pest degree days, stages and survey grades
 * (§3.1.3; data/jizhou/pests.json), and the weather import that feeds
 * them: degree-day sums on a hand-computed series, grades and the
 * disaster threshold (leaf loss ≥ 20 % and infested-tree rate ≥ 2 %),
 * all-or-nothing weather imports and the FWI restart after a gap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "duty/duty.h"
#include "monitor/fire.h"
#include "monitor/monitor.h"
#include "monitor/pest.h"
#include "registry/registry.h"

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

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tbpest", "p.gpkg"))
		return -1;
	tb_err e = {0};
	if (tb_registry_init(f->path, "test", &f->db, &e) ||
	    tb_schema_migrate(f->db, &tb_duty_module, "test", &e) ||
	    tb_schema_migrate(f->db, &tb_monitor_module, "test", &e)) {
		fprintf(stderr, "setup: %s: %s\n", e.field, e.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tb_db_close(f->db);
	tb_test_remove_db(f->dir, f->path);
	free(f);
	return 0;
}

static const tb_pest_species *webworm(tb_pest_config *c)
{
	tb_err e = {0};
	assert_int_equal(tb_pest_config_load(c, &e), 0);
	const tb_pest_species *s = tb_pest_species_find(c, "fall_webworm");
	assert_non_null(s);
	return s;
}

/* One day: (tmax+tmin)/2 − base when both are given, else temp − base;
 * never below 0. */
static void test_degree_day(void **state)
{
	(void)state;
	assert_float_equal(tb_pest_dd_day(10, 12, NAN, NAN), 2, 1e-12);
	assert_float_equal(tb_pest_dd_day(10, 8, 18, 6), 2, 1e-12);       /* mean 12, not temp 8 */
	assert_float_equal(tb_pest_dd_day(10, 9, NAN, NAN), 0, 0);        /* floored */
	assert_float_equal(tb_pest_dd_day(10, 25, 30, 14), 12, 1e-12);    /* mean 22 */
	assert_float_equal(tb_pest_dd_day(10, 15.5, NAN, 3), 5.5, 1e-12); /* tmax missing: temp */
}

/* Stages of fall webworm at the configured sums: 160 越冬代成虫羽化,
 * 330 第1代幼虫网幕期 … 1530 第3代幼虫. */
static void test_stages(void **state)
{
	(void)state;
	tb_pest_config c;
	const tb_pest_species *s = webworm(&c);
	assert_float_equal(s->base_temp, 10, 0);
	assert_int_equal(tb_pest_stage_of(s, 0), -1);
	assert_int_equal(tb_pest_stage_of(s, 159.9), -1);
	assert_int_equal(tb_pest_stage_of(s, 160), 0);
	assert_string_equal(s->stages[0].name_zh, "越冬代成虫羽化");
	assert_int_equal(tb_pest_stage_of(s, 330), 1);
	assert_int_equal(tb_pest_stage_of(s, 929.9), 2);
	assert_int_equal(tb_pest_stage_of(s, 2000), 5);
}

/* Grades by infested-tree rate and the disaster threshold of the issue:
 * leaf loss ≥ 20 % and infested-tree rate ≥ 2 %. */
static void test_grades(void **state)
{
	(void)state;
	tb_pest_config c;
	const tb_pest_species *s = webworm(&c);
	tb_pest_grading g;
	tb_pest_grade_survey(s, 100, 0, 0, &g);
	assert_string_equal(g.grade->code, "none");
	assert_int_equal(g.level, 1);
	tb_pest_grade_survey(s, 200, 3, 10, &g); /* 1.5 % */
	assert_float_equal(g.infested_pct, 1.5, 1e-12);
	assert_string_equal(g.grade->code, "light");
	assert_false(g.disaster);
	assert_int_equal(g.level, 2);
	tb_pest_grade_survey(s, 200, 5, 19.9, &g); /* 2.5 %, leaf loss just below */
	assert_string_equal(g.grade->code, "moderate");
	assert_false(g.disaster);
	assert_int_equal(g.level, 3);
	tb_pest_grade_survey(s, 200, 4, 20, &g); /* exactly 2 % and 20 %: 成灾 */
	assert_true(g.disaster);
	assert_int_equal(g.level, 5);
	tb_pest_grade_survey(s, 100, 1, 60, &g); /* heavy leaf loss, 1 % trees: not a disaster */
	assert_false(g.disaster);
	tb_pest_grade_survey(s, 50, 3, 0, &g); /* 6 % */
	assert_string_equal(g.grade->code, "severe");
	assert_int_equal(g.level, 4);
}

static json_t *day(const char *date, double temp, double tmax, double tmin)
{
	json_t *o = json_pack("{s:s,s:f,s:f,s:f,s:f}", "date", date, "temp", temp, "rh", 40.0,
	                      "wind", 10.0, "rain", 0.0);
	if (!isnan(tmax)) json_object_set_new(o, "tmax", json_real(tmax));
	if (!isnan(tmin)) json_object_set_new(o, "tmin", json_real(tmin));
	return o;
}

static double station_dd(json_t *status, const char *station)
{
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(status, "stations"), i, s) if (
	    !strcmp(
	        json_string_value(json_object_get(s, "station")),
	        station)) return json_number_value(json_object_get(json_array_get(json_object_get(s,
	                                                                                          "species"),
	                                                                          0),
	                                                           "degree_days"));
	fail_msg("no station %s", station);
	return -1;
}

/* The hand-computed series (base 10 °C): 04-01 temp 12 → 2; 04-02 tmax 18
 * tmin 6 → 2; 04-03 temp 9 → 0; 04-04 tmax 30 tmin 14 → 12; 04-05 temp
 * 15.5 → 5.5.  Sums: 4.0 on 04-03, 21.5 on 04-05; from Jan 1 that is 95
 * days with 5 observed. */
static void test_degree_day_series(void **state)
{
	fixture *f = *state;
	json_t *recs = json_pack("[o,o,o,o,o]", day("2026-04-01", 12, NAN, NAN),
	                         day("2026-04-02", 8, 18, 6), day("2026-04-03", 9, NAN, NAN),
	                         day("2026-04-04", 25, 30, 14), day("2026-04-05", 15.5, NAN, NAN));
	json_t *res = NULL;
	tb_err e = {0};
	assert_int_equal(
	    tb_weather_import(f->db, &WHO, "54428", recs, "manual", "test", &res, NULL, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(res, "stored")), 5);
	assert_int_equal(json_array_size(json_object_get(res, "danger")), 5);
	json_decref(res);
	json_decref(recs);

	json_t *st = tb_pest_status(f->db, NULL, "2026-04-03", NULL, &e);
	assert_non_null(st);
	assert_float_equal(station_dd(st, "54428"), 4.0, 1e-9);
	assert_float_equal(station_dd(st, "A1201"), 0.0, 0);
	json_decref(st);
	/* a town's jurisdiction: the station covering it, with only its code */
	st = tb_pest_status(f->db, NULL, "2026-04-03", "120119104", &e);
	assert_non_null(st);
	assert_int_equal(json_array_size(json_object_get(st, "stations")), 1);
	json_t *only = json_array_get(json_object_get(st, "stations"), 0);
	assert_string_equal(json_string_value(json_object_get(only, "station")), "A1201");
	assert_string_equal(json_string_value(json_object_get(only, "towns")), "120119104");
	json_decref(st);
	st = tb_pest_status(f->db, NULL, "2026-04-03", "", &e);
	assert_int_equal(json_array_size(json_object_get(st, "stations")), 0);
	json_decref(st);
	st = tb_pest_status(f->db, "54428", "2026-04-05", NULL, &e);
	assert_non_null(st);
	assert_int_equal(json_array_size(json_object_get(st, "stations")), 1);
	json_t *sp = json_array_get(
	    json_object_get(json_array_get(json_object_get(st, "stations"), 0), "species"), 0);
	assert_float_equal(json_number_value(json_object_get(sp, "degree_days")), 21.5, 1e-9);
	assert_int_equal(json_integer_value(json_object_get(sp, "days")), 5);
	assert_int_equal(json_integer_value(json_object_get(sp, "missing_days")), 90);
	assert_true(json_is_null(json_object_get(sp, "stage")));
	assert_float_equal(
	    json_number_value(json_object_get(json_object_get(sp, "next"), "remaining_dd")), 138.5,
	    1e-9);
	assert_int_equal(json_array_size(json_object_get(st, "warnings")), 0);
	json_decref(st);
	assert_null(tb_pest_status(f->db, "nope", NULL, NULL, &e));
	assert_string_equal(e.field, "station");
}

/* All or nothing: two bad records are both listed and nothing is stored;
 * a repeated date is refused. */
static void test_import_all_or_nothing(void **state)
{
	fixture *f = *state;
	json_t *recs = json_pack("[o,o,o]", day("2026-04-01", 12, NAN, NAN),
	                         day("2026-04-02", 80, NAN, NAN), day("2026-04-03", 9, 5, 8));
	tb_errlist errs;
	tb_errlist_init(&errs, 10);
	json_t *res = NULL;
	tb_err e = {0};
	assert_int_equal(
	    tb_weather_import(f->db, &WHO, "54428", recs, "manual", "test", &res, &errs, &e),
	    TB_EINPUT);
	assert_null(res);
	assert_int_equal(errs.len, 2);
	assert_string_equal(errs.items[0].record, "records[1]");
	assert_string_equal(errs.items[0].field, "temp");
	assert_string_equal(errs.items[1].record, "records[2]");
	assert_string_equal(errs.items[1].field, "tmin");
	tb_errlist_free(&errs);
	json_decref(recs);
	int64_t n = -1;
	assert_int_equal(tb_db_int64(f->db, "SELECT count(*) FROM weather", &n, &e), 0);
	assert_int_equal(n, 0);
	recs = json_pack("[o,o]", day("2026-04-01", 12, NAN, NAN), day("2026-04-01", 13, NAN, NAN));
	tb_errlist_init(&errs, 10);
	assert_int_equal(
	    tb_weather_import(f->db, &WHO, "54428", recs, "manual", "test", &res, &errs, &e),
	    TB_EINPUT);
	assert_string_equal(e.field, "date");
	tb_errlist_free(&errs);
	json_decref(recs);
}

/* A gap restarts the codes from the start-up values; a later import of
 * the missing day continues the chain and recomputes the days after it. */
static void test_gap_restarts(void **state)
{
	fixture *f = *state;
	json_t *recs =
	    json_pack("[o,o]", day("2026-04-01", 20, NAN, NAN), day("2026-04-03", 20, NAN, NAN));
	json_t *res = NULL;
	tb_err e = {0};
	assert_int_equal(
	    tb_weather_import(f->db, &WHO, "A1201", recs, "manual", "test", &res, NULL, &e), 0);
	json_t *d = json_object_get(res, "danger");
	assert_true(json_is_true(json_object_get(json_array_get(d, 0), "startup")));
	assert_true(json_is_true(json_object_get(json_array_get(d, 1), "startup")));
	double dc_gap = json_number_value(json_object_get(json_array_get(d, 1), "dc"));
	json_decref(res);
	json_decref(recs);
	recs = json_pack("[o]", day("2026-04-02", 20, NAN, NAN));
	assert_int_equal(
	    tb_weather_import(f->db, &WHO, "A1201", recs, "manual", "test", &res, NULL, &e), 0);
	d = json_object_get(res, "danger");
	assert_int_equal(json_array_size(d), 2); /* 04-02 and the day after */
	assert_false(json_is_true(json_object_get(json_array_get(d, 0), "startup")));
	assert_false(json_is_true(json_object_get(json_array_get(d, 1), "startup")));
	/* DC dries by (0.36·(20 + 2.8) + 0.9)/2 = 4.554 a day in April: one day
	 * from the start-up 15 after the gap, three days once it is filled */
	assert_float_equal(dc_gap, 15 + 4.554, 1e-4);
	assert_float_equal(json_number_value(json_object_get(json_array_get(d, 1), "dc")),
	                   15 + 3 * 4.554, 1e-4);
	json_decref(res);
	json_decref(recs);
	int64_t n = 0;
	assert_int_equal(
	    tb_db_int64(f->db, "SELECT count(*) FROM fire_danger WHERE station='A1201'", &n, &e),
	    0);
	assert_int_equal(n, 3);
}

/* The demo spring series: 61 days (March–April) per station, computed
 * without a gap, climbing to a warning level at least once. */
static void test_fire_demo(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	assert_int_equal(tb_fire_demo(f->db, &WHO, &e), 0);
	int64_t n = 0;
	assert_int_equal(tb_db_int64(f->db, "SELECT count(*) FROM fire_danger", &n, &e), 0);
	assert_int_equal(n, 2 * 61);
	assert_int_equal(
	    tb_db_int64(f->db, "SELECT count(*) FROM fire_danger WHERE startup", &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(tb_db_int64(f->db, "SELECT max(level) FROM fire_danger", &n, &e), 0);
	assert_true(n >= 3);
	assert_int_equal(tb_db_int64(f->db, "SELECT min(level) FROM fire_danger", &n, &e), 0);
	assert_int_equal(n, 1);
}

/* Thresholds are configuration: district settings override fire.json. */
static void test_settings_override_levels(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	tb_fire_config c;
	assert_int_equal(tb_fire_config_load(f->db, &c, &e), 0);
	assert_int_equal(tb_fire_level_of(&c, 11), 3);
	assert_int_equal(tb_setting_set(f->db, "fire_level_3_min", "12", &e), 0);
	assert_int_equal(tb_setting_set(f->db, "fire_warn_level", "4", &e), 0);
	assert_int_equal(tb_fire_config_load(f->db, &c, &e), 0);
	assert_int_equal(tb_fire_level_of(&c, 11), 2);
	assert_int_equal(tb_fire_level_of(&c, 12), 3);
	assert_int_equal(c.warn_level, 4);
	/* a threshold out of order is refused, naming the field */
	assert_int_equal(tb_setting_set(f->db, "fire_level_4_min", "3", &e), 0);
	assert_int_equal(tb_fire_config_load(f->db, &c, &e), TB_EINPUT);
	assert_string_equal(e.field, "levels");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_degree_day),
	    cmocka_unit_test(test_stages),
	    cmocka_unit_test(test_grades),
	    cmocka_unit_test_setup_teardown(test_degree_day_series, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import_all_or_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gap_restarts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fire_demo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_settings_override_levels, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
