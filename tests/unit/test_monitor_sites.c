/* test_monitor_sites.c — the monitoring station and points loaded at
 * migration (§3.3.3), and the stand indicators of a plot survey against a
 * tally computed by hand: stems/ha, basal area/ha, mean and quadratic mean
 * DBH, Shannon H' and volume from V = a·D^b·H^c; the tally import is all
 * or nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "base/json.h"
#include "duty/duty.h"
#include "monitor/monitor.h"
#include "monitor/sites.h"
#include "registry/registry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
	char dir[64], path[96];
	tb_db *db;
} fixture;

static const tb_actor WHO = {"tester", "bureau"};

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tbms", "m.gpkg"))
		return -1;
	tb_err e = {0};
	if (tb_registry_init(f->path, "test", &f->db, &e) || tb_schema_migrate(f->db, &tb_duty_module, "test", &e) ||
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
	if (tb_test_rmtree(f->dir)) return -1;
	free(f);
	return 0;
}

static double num(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

/* The tally of the hand computation (plot 400 m², 25 trees/ha per tree):
 *   411 d10 h8, 411 d20 h12, 240 d10 h8, 240 d4 h3 (below 5 cm),
 *   421 d30 (no height: the plot's mean measured height 28/3 m),
 *   411 d15 dead.
 * Counted: 4 stems → 100 /ha.  Basal area π/4·(0.1²+0.2²+0.1²+0.3²)·25
 * = 2.945 m²/ha.  Mean DBH 70/4 = 17.5 cm, QMD √(1500/4) = 19.365 cm.
 * Shannon on 2,1,1 stems: −(½ln½ + 2·¼ln¼) = 1.0397.  Volume with
 * V = 5e-5·D²·H for all and 1e-4·D²·H for 240:
 * (5e-5·(800+4800+8400) + 1e-4·800)·25 = 19.5 m³/ha. */
static void indicators_by_hand(void **state)
{
	(void)state;
	const tb_tally_tree t[] = {{"411", 10, 8, true},  {"411", 20, 12, true}, {"240", 10, 8, true},
				   {"240", 4, 3, true},   {"421", 30, 0, true},  {"411", 15, 9, false}};
	const tb_volume_eq eqs[] = {{"*", "all", 5e-5, 2, 1}, {"240", "pine", 1e-4, 2, 1}};
	json_t *o = tb_tally_indicators(t, 6, 400, 5, eqs, 2);
	assert_int_equal(json_integer_value(json_object_get(o, "stems")), 4);
	assert_true(fabs(num(o, "stems_ha") - 100) < 1e-9);
	assert_true(fabs(num(o, "basal_area_m2_ha") - 2.945) < 1e-9);
	assert_true(fabs(num(o, "mean_dbh_cm") - 17.5) < 1e-9);
	assert_true(fabs(num(o, "qmd_cm") - 19.365) < 1e-9);
	assert_true(fabs(num(o, "shannon") - 1.04) < 1e-9);
	assert_true(fabs(num(o, "volume_m3_ha") - 19.5) < 1e-9);
	assert_true(fabs(num(o, "dead_stems_ha") - 25) < 1e-9);
	assert_int_equal(json_integer_value(json_object_get(o, "heights_estimated")), 1);
	json_t *sp = json_object_get(o, "species");
	assert_int_equal(json_array_size(sp), 3);
	json_t *oak = json_array_get(sp, 0);
	assert_string_equal(tb_json_str(oak, "species"), "411");
	assert_true(fabs(num(oak, "stems_ha") - 50) < 1e-9);
	assert_true(fabs(num(oak, "share") - 0.5) < 1e-9);
	/* π/4·(0.01+0.04)·25 = 0.982 m²/ha; 5e-5·(800+4800)·25 = 7 m³/ha */
	assert_true(fabs(num(oak, "basal_area_m2_ha") - 0.982) < 1e-9);
	assert_true(fabs(num(oak, "volume_m3_ha") - 7) < 1e-9);
	json_decref(o);

	/* an empty tally is zeros, not NaN */
	o = tb_tally_indicators(NULL, 0, 600, 5, eqs, 2);
	assert_true(num(o, "stems_ha") == 0 && num(o, "shannon") == 0 && num(o, "mean_dbh_cm") == 0);
	json_decref(o);
}

static void sites_loaded_and_survey_indicators(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	json_t *s = tb_monitor_site_list(f->db, &e);
	assert_non_null(s);
	assert_int_equal(json_array_size(s), 6); /* one station, five points (§3.3.3) */
	int stations = 0;
	size_t i;
	json_t *x;
	json_array_foreach(s, i, x) stations += !strcmp(tb_json_str(x, "kind"), "station");
	assert_int_equal(stations, 1);
	json_decref(s);
	int64_t n = 0;
	tb_db_int64(f->db, "SELECT count(*) FROM monitor_sites WHERE geom IS NOT NULL", &n, &e);
	assert_int_equal(n, 6);

	/* a plot of a point: its town comes from the site */
	json_t *p = json_pack("{s:s,s:s,s:f,s:f,s:f}", "code", "YD-T1", "site_code", "JZ-MP-1", "area_m2", 400.0, "lon",
			      117.54, "lat", 40.18);
	tb_record rec = {.props = p, .name = "plot"};
	assert_int_equal(tb_write_create(f->db, &WHO, &tb_plots, &rec, NULL, NULL, &e), 0);
	if (rec.geom) drop(rec.geom);
	assert_string_equal(tb_json_str(p, "town_code"), "120119104");
	json_decref(p);
	/* an unknown site is refused, naming the field */
	p = json_pack("{s:s,s:s,s:f,s:f,s:f}", "code", "YD-T2", "site_code", "NOPE", "area_m2", 400.0, "lon", 117.5, "lat", 40.1);
	rec = (tb_record){.props = p, .name = "plot"};
	assert_int_equal(tb_write_create(f->db, &WHO, &tb_plots, &rec, NULL, NULL, &e), TB_EINPUT);
	if (rec.geom) drop(rec.geom);
	assert_string_equal(e.field, "site_code");
	json_decref(p);

	p = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:f,s:f}", "code", "SV-1", "plot_code", "YD-T1", "date", "2025-08-15",
		      "surveyor", "李某", "seedlings", 30, "saplings", 8, "shrub_cover_pct", 35.0, "herb_cover_pct", 60.0);
	rec = (tb_record){.props = p, .name = "survey"};
	assert_int_equal(tb_write_create(f->db, &WHO, &tb_plot_surveys, &rec, NULL, NULL, &e), 0);
	int64_t survey = rec.fid;
	json_decref(p);

	/* the tally: one bad row (unknown species) and nothing is stored */
	const char *bad = "tree_no,species,dbh_cm,height_m,status\n1,411,10,8,live\n2,999,20,12,live\n";
	tb_errlist errs;
	tb_errlist_init(&errs, 10);
	assert_int_equal(tb_tally_import(f->db, &WHO, "SV-1", bad, strlen(bad), &n, &errs, &e), TB_EINPUT);
	assert_int_equal(errs.len, 1);
	assert_string_equal(errs.items[0].field, "species");
	tb_errlist_free(&errs);
	tb_db_int64(f->db, "SELECT count(*) FROM plot_trees", &n, &e);
	assert_int_equal(n, 0);
	const char *good = "tree_no,species,dbh_cm,height_m,status\n1,411,10,8,live\n2,411,20,12,live\n3,240,10,8,live\n"
			   "4,240,4,3,live\n5,421,30,,live\n6,411,15,9,dead\n";
	tb_errlist_init(&errs, 10);
	assert_int_equal(tb_tally_import(f->db, &WHO, "SV-1", good, strlen(good), &n, &errs, &e), 0);
	tb_errlist_free(&errs);
	assert_int_equal(n, 6);
	int64_t ev = 0;
	tb_db_int64(f->db, "SELECT count(*) FROM tb_event WHERE action='plot_trees.import'", &ev, &e);
	assert_int_equal(ev, 1);

	/* indicators with the shipped volume table (default form factors) */
	json_t *o = tb_survey_indicators(f->db, survey, NULL, &e);
	assert_non_null(o);
	assert_true(fabs(num(o, "stems_ha") - 100) < 1e-9);
	assert_true(fabs(num(o, "basal_area_m2_ha") - 2.945) < 1e-9);
	assert_true(fabs(num(o, "seedlings_ha") - 750) < 1e-9);
	assert_true(fabs(num(o, "saplings_ha") - 200) < 1e-9);
	/* 411: 3.299e-5·(800+4800); 240: 3.613e-5·800; 421: 3.377e-5·900·28/3; × 25 */
	double v = (3.299e-5 * 5600 + 3.613e-5 * 800 + 3.377e-5 * 900 * 28.0 / 3) * 25;
	assert_true(fabs(num(o, "volume_m3_ha") - round(v * 1000) / 1000) < 1e-9);
	json_decref(o);
	/* outside the caller's towns it does not exist */
	assert_null(tb_survey_indicators(f->db, survey, "120119102", &e));
	assert_int_equal(e.code, TB_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(indicators_by_hand),
		cmocka_unit_test_setup_teardown(sites_loaded_and_survey_indicators, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tb_geos_finish();
	return rc;
}
