/* test_registry_loss.c — tb_registry_remove_natural: natural forest lost
 * (an approved occupation, a loss confirmed on site) is cut out of the
 * natural parcels, and the parcel hook keeps the area ledger equal to the
 * natural-forest area of the registry (§2), each row naming the caller's
 * event.  Areas are checked by hand: 0.001° × 0.001° at 40.15°N is
 * ~85.2 m × ~111.0 m ≈ 0.946 ha. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "db/event.h"
#include "registry/registry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fixture {
	char dir[64];
	char path[96];
	tb_db *db;
} fixture;

static const tb_actor WHO = {"tester", "bureau"};

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tbloss", "r.gpkg"))
		return -1;
	tb_err e = {0};
	if (tb_registry_init(f->path, "test", &f->db, &e)) {
		fprintf(stderr, "setup: %s\n", e.message);
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

/* A lon/lat rectangle (x, y)–(x + dx, y + dy) in 下营镇. */
static GEOSGeometry *rect(double x, double y, double dx, double dy)
{
	char wkt[256];
	snprintf(wkt, sizeof wkt, "POLYGON((%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f))", x, y, x + dx, y,
		 x + dx, y + dy, x, y + dy, x, y);
	GEOSWKTReader *r = GEOSWKTReader_create_r(tb_geos());
	GEOSGeometry *g = GEOSWKTReader_read_r(tb_geos(), r, wkt);
	GEOSWKTReader_destroy_r(tb_geos(), r);
	return g;
}

/* A parcel of 下营镇 林班 001; qi_yuan "11" natural, "21" planted. */
static void add_parcel(tb_db *db, const char *xb, const char *qi_yuan, GEOSGeometry *g)
{
	json_t *p = json_pack("{s:s,s:s,s:s,s:s,s:s,s:f}", "xiang", "120119104", "lin_ban", "001", "xiao_ban", xb,
			      "di_lei", "030100", "qi_yuan", qi_yuan, "yu_bi_du", 0.7);
	tb_record rec = {.props = p, .geom = g, .name = "test parcel"};
	tb_err e = {0};
	int rc = tb_write_create(db, &WHO, &tb_parcels, &rec, "unit test", NULL, &e);
	if (rc) fprintf(stderr, "%s\n", e.message);
	assert_int_equal(rc, 0);
	if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
	json_decref(p);
}

/* The cut as a caller does it: one transaction, one event; *seq = its seq. */
static int cut(tb_db *db, GEOSGeometry *area, json_t *ledger, json_t *parcels, double *total, int64_t *seq, tb_err *e)
{
	tb_write_ctx cx = {.actor = &WHO, .parcels = parcels};
	int rc = tb_db_begin(db, e);
	if (!rc) rc = tb_event_next_seq(db, &cx.seq, e);
	if (!rc) rc = tb_registry_remove_natural(db, &cx, area, "test loss", ledger, total, e);
	if (!rc) {
		tb_event_in ev = {.actor = WHO.login, .role = WHO.role, .action = "test.loss", .parcels = parcels,
				  .payload = ledger};
		int64_t s = 0;
		rc = tb_event_append(db, &ev, &s, e);
		assert_int_equal(s, cx.seq);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
	*seq = cx.seq;
	GEOSGeom_destroy_r(tb_geos(), area);
	return rc;
}

static double num(tb_db *db, const char *sql)
{
	double v = NAN;
	tb_err e = {0};
	assert_int_equal(tb_db_double(db, sql, &v, &e), 0);
	return v;
}

static double parcel_ha(tb_db *db, const char *xb)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT area_ha FROM parcels WHERE code='120119104-001-%s'", xb);
	return num(db, sql);
}

/* ledger sum == natural area, and the stats say so */
static void assert_consistent(tb_db *db)
{
	double ledger = num(db, "SELECT coalesce(sum(delta_ha),0) FROM area_ledger");
	double natural = num(db, "SELECT coalesce(sum(area_ha),0) FROM parcels WHERE natural=1"
				 " AND coalesce(status,'active')='active'");
	assert_true(fabs(ledger - natural) < 0.0005);
	tb_err e = {0};
	json_t *s = tb_registry_stats(db, &e);
	assert_non_null(s);
	assert_true(json_is_true(json_object_get(s, "ledger_consistent")));
	json_decref(s);
}

static void ledger_rows_of(tb_db *db, int64_t seq, int64_t *n, double *sum)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM area_ledger WHERE event_seq=%lld AND cause='test loss'",
		 (long long)seq);
	tb_err e = {0};
	assert_int_equal(tb_db_int64(db, sql, n, &e), 0);
	snprintf(sql, sizeof sql, "SELECT coalesce(sum(delta_ha),0) FROM area_ledger WHERE event_seq=%lld", (long long)seq);
	*sum = num(db, sql);
}

/* A 0.0005° square cut out of the middle of a 0.002° parcel: the parcel
 * keeps 15/16 of its area, a hole; the ledger row names the event. */
static void square_out_of_one_parcel(void **state)
{
	fixture *f = *state;
	add_parcel(f->db, "001", "11", rect(117.420, 40.150, 0.002, 0.002));
	double before = parcel_ha(f->db, "001");
	assert_true(before > 3.78 && before < 3.79); /* 4 × 0.946 ha */
	assert_consistent(f->db);
	json_t *ledger = json_array(), *parcels = json_array();
	double total = 0;
	int64_t seq = 0;
	tb_err e = {0};
	assert_int_equal(cut(f->db, rect(117.4205, 40.1505, 0.0005, 0.0005), ledger, parcels, &total, &seq, &e), 0);
	/* 0.0005° × 0.0005° ≈ 42.6 m × 55.5 m ≈ 0.2364 ha */
	assert_true(total > 0.2360 && total < 0.2370);
	double after = parcel_ha(f->db, "001");
	assert_true(fabs(before - after - total) < 0.00015);
	assert_true(fabs(after / before - 15.0 / 16.0) < 0.001);
	assert_int_equal(json_array_size(ledger), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ledger, 0), "parcel")), "120119104-001-001");
	assert_true(fabs(json_real_value(json_object_get(json_array_get(ledger, 0), "delta_ha")) + total) < 1e-9);
	assert_int_equal(json_array_size(parcels), 1);
	assert_string_equal(json_string_value(json_array_get(parcels, 0)), "120119104-001-001");
	int64_t n = 0;
	double sum = 0;
	ledger_rows_of(f->db, seq, &n, &sum);
	assert_int_equal(n, 1);
	assert_true(fabs(sum + total) < 0.00015);
	int64_t kinds = 0;
	tb_db_int64(f->db, "SELECT count(*) FROM area_ledger WHERE kind='change'", &kinds, &e);
	assert_int_equal(kinds, 1);
	assert_consistent(f->db);
	/* cutting the same place again removes nothing more */
	json_t *l2 = json_array();
	assert_int_equal(cut(f->db, rect(117.4205, 40.1505, 0.0005, 0.0005), l2, parcels, &total, &seq, &e), 0);
	assert_true(total == 0);
	assert_int_equal(json_array_size(l2), 0);
	assert_consistent(f->db);
	json_decref(l2);
	json_decref(ledger);
	json_decref(parcels);
}

/* A strip across the shared edge of two natural parcels and over a planted
 * one: each natural parcel loses a quarter, the plantation nothing. */
static void cut_across_two_parcels(void **state)
{
	fixture *f = *state;
	add_parcel(f->db, "001", "11", rect(117.430, 40.150, 0.001, 0.001));
	add_parcel(f->db, "002", "11", rect(117.431, 40.150, 0.001, 0.001));
	add_parcel(f->db, "003", "21", rect(117.430, 40.151, 0.002, 0.001)); /* planted, north of both */
	double a1 = parcel_ha(f->db, "001"), a2 = parcel_ha(f->db, "002"), a3 = parcel_ha(f->db, "003");
	assert_true(a1 > 0.94 && a1 < 0.95);
	json_t *ledger = json_array(), *parcels = json_array();
	double total = 0;
	int64_t seq = 0;
	tb_err e = {0};
	/* x 117.4305–117.4315, y 40.1505–40.1515: half a parcel wide, reaching into the plantation */
	assert_int_equal(cut(f->db, rect(117.4305, 40.1505, 0.001, 0.001), ledger, parcels, &total, &seq, &e), 0);
	double b1 = parcel_ha(f->db, "001"), b2 = parcel_ha(f->db, "002");
	assert_true(fabs((a1 - b1) / a1 - 0.25) < 0.001);
	assert_true(fabs((a2 - b2) / a2 - 0.25) < 0.001);
	assert_true(fabs(total - (a1 - b1) - (a2 - b2)) < 0.0002);
	assert_true(total > 0.470 && total < 0.476); /* 2 × 0.2364 ha */
	assert_true(parcel_ha(f->db, "003") == a3);
	assert_int_equal(json_array_size(ledger), 2);
	assert_int_equal(json_array_size(parcels), 2);
	int64_t n = 0;
	double sum = 0;
	ledger_rows_of(f->db, seq, &n, &sum);
	assert_int_equal(n, 2);
	assert_true(fabs(sum + total) < 0.0002);
	assert_consistent(f->db);
	json_decref(ledger);
	json_decref(parcels);
}

/* An area covering a whole parcel: status lost, a "loss" row of its whole
 * area; a point is refused and changes nothing. */
static void whole_parcel_lost(void **state)
{
	fixture *f = *state;
	add_parcel(f->db, "001", "11", rect(117.440, 40.150, 0.001, 0.001));
	add_parcel(f->db, "002", "11", rect(117.442, 40.150, 0.001, 0.001));
	double a1 = parcel_ha(f->db, "001"), a2 = parcel_ha(f->db, "002");
	json_t *ledger = json_array(), *parcels = json_array();
	double total = 0;
	int64_t seq = 0;
	tb_err e = {0};
	assert_int_equal(cut(f->db, rect(117.4399, 40.1499, 0.0012, 0.0012), ledger, parcels, &total, &seq, &e), 0);
	assert_true(fabs(total - a1) < 1e-9);
	tb_err e2 = {0};
	char *st = NULL;
	tb_stmt *s;
	tb_db_prepare(f->db, "SELECT status FROM parcels WHERE code='120119104-001-001'", &s, NULL);
	assert_int_equal(tb_stmt_step(s), TB_ROW);
	st = strdup(tb_col_text(s, 0));
	tb_stmt_finalize(s);
	assert_string_equal(st, "lost");
	free(st);
	tb_db_prepare(f->db, "SELECT kind, delta_ha, event_seq FROM area_ledger ORDER BY fid DESC LIMIT 1", &s, NULL);
	assert_int_equal(tb_stmt_step(s), TB_ROW);
	assert_string_equal(tb_col_text(s, 0), "loss");
	assert_true(fabs(tb_col_double(s, 1) + a1) < 1e-9);
	assert_int_equal(tb_col_int64(s, 2), seq);
	tb_stmt_finalize(s);
	assert_true(parcel_ha(f->db, "002") == a2);
	assert_consistent(f->db);
	double natural = num(f->db, "SELECT sum(area_ha) FROM parcels WHERE natural=1 AND status='active'");
	assert_true(fabs(natural - a2) < 1e-9);

	/* a point cannot be cut out */
	GEOSWKTReader *r = GEOSWKTReader_create_r(tb_geos());
	GEOSGeometry *pt = GEOSWKTReader_read_r(tb_geos(), r, "POINT(117.4425 40.1505)");
	GEOSWKTReader_destroy_r(tb_geos(), r);
	int64_t events = 0, events2 = 0;
	tb_db_int64(f->db, "SELECT count(*) FROM tb_event", &events, &e2);
	assert_int_equal(cut(f->db, pt, ledger, parcels, &total, &seq, &e2), TB_EINPUT);
	assert_string_equal(e2.field, "geometry");
	tb_db_int64(f->db, "SELECT count(*) FROM tb_event", &events2, &e2);
	assert_int_equal(events, events2);
	assert_true(parcel_ha(f->db, "002") == a2);
	assert_consistent(f->db);
	json_decref(ledger);
	json_decref(parcels);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(square_out_of_one_parcel, setup, teardown),
		cmocka_unit_test_setup_teardown(cut_across_two_parcels, setup, teardown),
		cmocka_unit_test_setup_teardown(whole_parcel_lost, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
