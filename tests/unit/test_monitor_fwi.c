/* test_monitor_fwi.c — the Canadian FWI System against a published
 * reference table, and the fire-danger levels (§3.1.3).
 *
 * Reference: the R package cffdrs's test table tests/data/fwi_01.csv of the
 * repository cffdrs/cffdrs_r at commit
 * 8d2797df4403c0b643e539d78ef05780dda2d23f — fwi(test_fwi) for 48
 * consecutive days (1985-04-13 … 05-30, 40°N, start-up FFMC 85, DMC 6,
 * DC 15, lat.adjust = TRUE), copied to tests/fixtures/fire/cffdrs_fwi_01.csv.
 * Every index of every day must agree within 0.1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "monitor/fire.h"
#include "monitor/fwi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE TB_SOURCE_DIR "/tests/fixtures/fire/cffdrs_fwi_01.csv"

typedef struct ref_day {
	double lat, temp, rh, ws, prec;
	int mon, day;
	tb_fwi_day out;
} ref_day;

static int read_reference(ref_day *days, int max)
{
	FILE *f = fopen(FIXTURE, "r");
	assert_non_null(f);
	char line[512];
	assert_non_null(fgets(line, sizeof line, f)); /* header */
	int n = 0;
	while (n < max && fgets(line, sizeof line, f)) {
		ref_day *d = &days[n];
		double lon;
		int yr;
		int k = sscanf(line, "%lf,%lf,%d,%d,%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf",
		               &lon, &d->lat, &yr, &d->mon, &d->day, &d->temp, &d->rh, &d->ws,
		               &d->prec, &d->out.ffmc, &d->out.dmc, &d->out.dc, &d->out.isi,
		               &d->out.bui, &d->out.fwi, &d->out.dsr);
		if (k == 16) n++;
	}
	fclose(f);
	return n;
}

static void check(const char *what, int i, double got, double want)
{
	if (fabs(got - want) > 0.1)
		fail_msg("day %d %s: %.4f, reference %.4f", i + 1, what, got, want);
}

/* 48 consecutive days, every index within 0.1 (in fact within 0.001). */
static void test_cffdrs_reference_table(void **state)
{
	(void)state;
	ref_day days[64];
	int n = read_reference(days, 64);
	assert_int_equal(n, 48);
	tb_fwi_codes yda = {TB_FWI_FFMC0, TB_FWI_DMC0, TB_FWI_DC0};
	double worst = 0;
	for (int i = 0; i < n; i++) {
		tb_fwi_weather w = {days[i].temp, days[i].rh,  days[i].ws,
		                    days[i].prec, days[i].mon, days[i].lat};
		tb_fwi_day o;
		tb_fwi_compute(&yda, &w, true, &o);
		const tb_fwi_day *r = &days[i].out;
		check("FFMC", i, o.ffmc, r->ffmc);
		check("DMC", i, o.dmc, r->dmc);
		check("DC", i, o.dc, r->dc);
		check("ISI", i, o.isi, r->isi);
		check("BUI", i, o.bui, r->bui);
		check("FWI", i, o.fwi, r->fwi);
		check("DSR", i, o.dsr, r->dsr);
		double d[] = {o.ffmc - r->ffmc, o.dmc - r->dmc, o.dc - r->dc,  o.isi - r->isi,
		              o.bui - r->bui,   o.fwi - r->fwi, o.dsr - r->dsr};
		for (int k = 0; k < 7; k++)
			if (fabs(d[k]) > worst) worst = fabs(d[k]);
		yda = (tb_fwi_codes){o.ffmc, o.dmc, o.dc};
	}
	/* the table is printed to 6 significant digits: agreement is to rounding */
	assert_true(worst < 0.001);
}

/* The first day by hand from the equations: 17 °C, 42 %, 25 km/h, no rain,
 * April at 40°N.  DMC: 6 + 1.894·18.1·58·12.8·1e-4 = 8.5451; DC: 15 +
 * (0.36·19.8 + 0.9)/2 = 19.014. */
static void test_first_day_by_hand(void **state)
{
	(void)state;
	assert_float_equal(tb_fwi_dmc(6, 17, 42, 0, 40, 4, true), 6 + 1.894 * 18.1 * 58 * 12.8e-4,
	                   1e-9);
	assert_float_equal(tb_fwi_dc(15, 17, 42, 0, 40, 4, true), 15 + (0.36 * 19.8 + 0.9) / 2,
	                   1e-9);
	/* no rain: DMC and DC keep yesterday's value below the rain thresholds */
	assert_float_equal(tb_fwi_dmc(20, -5, 50, 1.5, 40, 4, true), 20, 1e-9);
	assert_float_equal(tb_fwi_dc(100, -10, 50, 2.8, 40, 1, true), 100, 1e-9);
	/* DSR = 0.0272 FWI^1.77 */
	assert_float_equal(tb_fwi_dsr(10), 0.0272 * pow(10, 1.77), 1e-12);
	assert_float_equal(tb_fwi_bui(0, 0), 0, 0);
}

/* Day-length tables: 40°N uses the standard 46°N factors, 20°N ell02, the
 * equator 9 / 1.4, the south ell03/ell04 and fl02; without adjustment the
 * standard ones everywhere. */
static void test_latitude_adjustment(void **state)
{
	(void)state;
	double base = 1.894 * (20 + 1.1) * (100 - 50) * 1e-4;
	assert_float_equal(tb_fwi_dmc(0, 20, 50, 0, 40, 6, true), base * 13.9, 1e-9);
	assert_float_equal(tb_fwi_dmc(0, 20, 50, 0, 22, 6, true), base * 10.2, 1e-9);
	assert_float_equal(tb_fwi_dmc(0, 20, 50, 0, 0, 6, true), base * 9, 1e-9);
	assert_float_equal(tb_fwi_dmc(0, 20, 50, 0, -22, 6, true), base * 7.8, 1e-9);
	assert_float_equal(tb_fwi_dmc(0, 20, 50, 0, -45, 6, true), base * 6.2, 1e-9);
	assert_float_equal(tb_fwi_dmc(0, 20, 50, 0, -45, 6, false), base * 13.9, 1e-9);
	assert_float_equal(tb_fwi_dc(0, 20, 50, 0, 40, 7, true), (0.36 * 22.8 + 6.4) / 2, 1e-9);
	assert_float_equal(tb_fwi_dc(0, 20, 50, 0, 5, 7, true), (0.36 * 22.8 + 1.4) / 2, 1e-9);
	assert_float_equal(tb_fwi_dc(0, 20, 50, 0, -30, 7, true), (0.36 * 22.8 - 1.6) / 2, 1e-9);
}

/* Danger levels from the FWI thresholds of data/jizhou/fire.json:
 * 1 绿 < 5 ≤ 2 蓝 < 10 ≤ 3 黄 < 20 ≤ 4 橙 < 30 ≤ 5 红. */
static void test_danger_levels(void **state)
{
	(void)state;
	tb_fire_config c;
	tb_err e = {0};
	assert_int_equal(tb_fire_config_load(NULL, &c, &e), 0);
	assert_int_equal(c.nlevels, 5);
	assert_int_equal(c.warn_level, 3);
	const double fwi[] = {0, 4.99, 5, 9.99, 10, 19.99, 20, 29.99, 30, 52.3};
	const int want[] = {1, 1, 2, 2, 3, 3, 4, 4, 5, 5};
	for (int i = 0; i < 10; i++)
		assert_int_equal(tb_fire_level_of(&c, fwi[i]), want[i]);
	const tb_fire_level *l = tb_fire_level_info(&c, 3);
	assert_non_null(l);
	assert_string_equal(l->colour_zh, "黄");
	assert_string_equal(l->name_en, "Level 3 high");
	assert_string_equal(tb_fire_level_info(&c, 5)->colour_zh, "红");
	assert_string_equal(tb_fire_level_info(&c, 1)->colour_zh, "绿");
	const tb_fire_station *s = tb_fire_station_find(&c, "54428");
	assert_non_null(s);
	assert_float_equal(s->lat, 40.05, 1e-9);
	assert_null(tb_fire_station_find(&c, "nope"));
}

/* The CSV table of `tianbao fire`: indices per row and errors naming the
 * line, the field and the reason. */
static void test_fire_table(void **state)
{
	(void)state;
	const char *csv =
	    "date,temp,rh,wind,rain\n1985-04-13,17,42,25,0\n1985-04-14,20,21,25,2.4\n";
	json_t *rows = NULL;
	tb_err e = {0};
	assert_int_equal(tb_fire_table(NULL, csv, strlen(csv), "w.csv", 40, &rows, &e), 0);
	assert_int_equal(json_array_size(rows), 2);
	json_t *d2 = json_array_get(rows, 1);
	assert_float_equal(json_number_value(json_object_get(d2, "ffmc")), 86.2009, 0.001);
	assert_float_equal(json_number_value(json_object_get(d2, "fwi")), 9.22044, 0.001);
	assert_int_equal(json_integer_value(json_object_get(d2, "level")), 2);
	json_decref(rows);

	const char *bad =
	    "date,temp,rh,wind,rain\n1985-04-13,17,42,25,0\n1985-04-14,20,121,25,2.4\n";
	assert_int_equal(tb_fire_table(NULL, bad, strlen(bad), "w.csv", 40, &rows, &e), TB_EINPUT);
	assert_string_equal(e.record, "w.csv line 3");
	assert_string_equal(e.field, "rh");
	const char *nodate = "date,temp,rh,wind,rain\n1985-04-31,17,42,25,0\n";
	assert_int_equal(tb_fire_table(NULL, nodate, strlen(nodate), "w.csv", 40, &rows, &e),
	                 TB_EINPUT);
	assert_string_equal(e.field, "date");
	const char *nocol = "date,temp,rh,rain\n1985-04-13,17,42,0\n";
	assert_int_equal(tb_fire_table(NULL, nocol, strlen(nocol), "w.csv", 40, &rows, &e),
	                 TB_EINPUT);
	assert_string_equal(e.field, "wind");
	const char *order =
	    "date,temp,rh,wind,rain\n1985-04-14,17,42,25,0\n1985-04-13,17,42,25,0\n";
	assert_int_equal(tb_fire_table(NULL, order, strlen(order), "w.csv", 40, &rows, &e),
	                 TB_EINPUT);
	assert_string_equal(e.record, "w.csv line 3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cffdrs_reference_table),
	    cmocka_unit_test(test_first_day_by_hand),
	    cmocka_unit_test(test_latitude_adjustment),
	    cmocka_unit_test(test_danger_levels),
	    cmocka_unit_test(test_fire_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
