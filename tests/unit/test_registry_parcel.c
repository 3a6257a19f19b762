/* test_registry_parcel.c — the behaviour of 小班 records: derived fields
 * (area, 天然林, restoration class, key-zone area), the checks (district,
 * codes, canopy vs 地类, overlaps) and the area ledger with the event that
 * caused each entry; statistics against the target. */
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
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tbreg", "r.gpkg"))
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

/* A lon/lat square of `deg` degrees at (x, y) in 下营镇. */
static GEOSGeometry *square(double x, double y, double deg)
{
	char wkt[256];
	snprintf(wkt, sizeof wkt, "POLYGON((%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f))", x, y,
		 x + deg, y, x + deg, y + deg, x, y + deg, x, y);
	GEOSWKTReader *r = GEOSWKTReader_create_r(tb_geos());
	GEOSGeometry *g = GEOSWKTReader_read_r(tb_geos(), r, wkt);
	GEOSWKTReader_destroy_r(tb_geos(), r);
	return g;
}

static json_t *parcel(const char *xb, const char *di_lei, const char *qi_yuan, double canopy)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:f}", "xiang", "120119104", "lin_ban", "001", "xiao_ban", xb,
			 "di_lei", di_lei, "qi_yuan", qi_yuan, "yu_bi_du", canopy);
}

static int create(tb_db *db, json_t *props, GEOSGeometry *g, tb_record *rec, tb_err *e)
{
	*rec = (tb_record){.props = props, .geom = g, .name = "test parcel"};
	int rc = tb_write_create(db, &WHO, &tb_parcels, rec, "unit test", NULL, e);
	if (rec->geom) GEOSGeom_destroy_r(tb_geos(), rec->geom);
	rec->geom = NULL;
	return rc;
}

static void derived_fields_and_ledger(void **state)
{
	fixture *f = *state;
	tb_record rec;
	tb_err e = {0};
	json_t *p = parcel("001", "030100", "11", 0.7);
	assert_int_equal(create(f->db, p, square(117.42, 40.15, 0.001), &rec, &e), 0);
	assert_string_equal(json_string_value(json_object_get(p, "code")), "120119104-001-001");
	assert_true(json_is_true(json_object_get(p, "natural")));
	assert_string_equal(json_string_value(json_object_get(p, "restoration_class")), "1");
	double ha = json_real_value(json_object_get(p, "area_ha"));
	/* 0.001° × 0.001° at 40.15°N: ~85.2 m × ~111.0 m */
	assert_true(ha > 0.94 && ha < 0.95);
	json_decref(p);
	double ledger = 0;
	assert_int_equal(tb_db_double(f->db, "SELECT sum(delta_ha) FROM area_ledger", &ledger, &e), 0);
	assert_true(fabs(ledger - ha) < 1e-9);
	int64_t seq = 0, ev = 0;
	tb_db_int64(f->db, "SELECT event_seq FROM area_ledger", &seq, &e);
	tb_db_int64(f->db, "SELECT max(seq) FROM tb_event WHERE action='parcels.create'", &ev, &e);
	assert_int_equal(seq, ev); /* the ledger names the event that caused it */

	/* a plantation adds nothing to the ledger */
	p = parcel("002", "030100", "21", 0.7);
	assert_int_equal(create(f->db, p, square(117.43, 40.15, 0.001), &rec, &e), 0);
	assert_false(json_is_true(json_object_get(p, "natural")));
	assert_true(json_is_null(json_object_get(p, "restoration_class")));
	json_decref(p);
	int64_t n = 0;
	tb_db_int64(f->db, "SELECT count(*) FROM area_ledger", &n, &e);
	assert_int_equal(n, 1);

	/* 灭失: status lost → a loss entry of the whole area */
	json_t *patch = json_pack("{s:s}", "status", "lost");
	tb_record up = {.props = patch, .fid = 1, .name = "parcel 1"};
	assert_int_equal(tb_write_update(f->db, &WHO, &tb_parcels, &up, 1, "destroyed by fire", NULL, &e), 0);
	if (up.geom) GEOSGeom_destroy_r(tb_geos(), up.geom);
	json_decref(patch);
	assert_int_equal(tb_db_double(f->db, "SELECT sum(delta_ha) FROM area_ledger", &ledger, &e), 0);
	assert_true(fabs(ledger) < 1e-9);
	char *kind = NULL;
	tb_stmt *st;
	tb_db_prepare(f->db, "SELECT kind, cause FROM area_ledger ORDER BY fid DESC LIMIT 1", &st, NULL);
	assert_int_equal(tb_stmt_step(st), TB_ROW);
	kind = strdup(tb_col_text(st, 0));
	assert_string_equal(tb_col_text(st, 1), "destroyed by fire");
	tb_stmt_finalize(st);
	assert_string_equal(kind, "loss");
	free(kind);
	json_t *s = tb_registry_stats(f->db, &e);
	assert_true(json_is_true(json_object_get(s, "ledger_consistent")));
	assert_true(json_real_value(json_object_get(s, "natural_forest_ha")) == 0);
	assert_true(json_real_value(json_object_get(s, "target_ha")) == 5565.1);
	json_decref(s);
}

static void restoration_classes(void **state)
{
	fixture *f = *state;
	static const struct { const char *di_lei; double canopy; const char *cls; } cases[] = {
		{"030301", 0.5, "3"}, {"030302", 0.4, "3"}, {"030401", 0.15, "2"}, {"030100", 0.3, "1"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char xb[8];
		snprintf(xb, sizeof xb, "1%02zu", i);
		tb_record rec;
		tb_err e = {0};
		json_t *p = parcel(xb, cases[i].di_lei, "13", cases[i].canopy);
		assert_int_equal(create(f->db, p, square(117.40 + 0.002 * (double)i, 40.17, 0.001), &rec, &e), 0);
		assert_string_equal(json_string_value(json_object_get(p, "restoration_class")), cases[i].cls);
		json_decref(p);
	}
}

static void checks(void **state)
{
	fixture *f = *state;
	tb_record rec;
	tb_err e = {0};
	json_t *p = parcel("201", "030100", "11", 0.6);
	assert_int_equal(create(f->db, p, square(117.42, 40.16, 0.002), &rec, &e), 0);
	json_decref(p);
	/* overlap of about a quarter of the parcel */
	p = parcel("202", "030100", "11", 0.6);
	assert_int_equal(create(f->db, p, square(117.421, 40.161, 0.002), &rec, &e), TB_EINPUT);
	assert_string_equal(e.field, "geometry");
	assert_non_null(strstr(e.message, "overlaps parcel 120119104-001-201 by"));
	json_decref(p);
	/* outside the district */
	p = parcel("203", "030100", "11", 0.6);
	assert_int_equal(create(f->db, p, square(116.40, 39.90, 0.001), &rec, &e), TB_EINPUT);
	assert_non_null(strstr(e.message, "outside the district 蓟州区"));
	json_decref(p);
	/* 疏林地 with the canopy of 乔木林地 */
	p = parcel("204", "030401", "11", 0.6);
	assert_int_equal(create(f->db, p, square(117.44, 40.16, 0.001), &rec, &e), TB_EINPUT);
	assert_string_equal(e.field, "yu_bi_du");
	json_decref(p);
	/* a village of another town */
	p = parcel("205", "030100", "11", 0.6);
	json_object_set_new(p, "cun", json_string("120119102201"));
	assert_int_equal(create(f->db, p, square(117.45, 40.16, 0.001), &rec, &e), TB_EINPUT);
	assert_string_equal(e.field, "cun");
	json_decref(p);
	/* nothing of the refused writes reached the database or the log */
	int64_t n = 0;
	tb_db_int64(f->db, "SELECT count(*) FROM parcels", &n, &e);
	assert_int_equal(n, 1);
	tb_db_int64(f->db, "SELECT count(*) FROM tb_event WHERE action='parcels.create'", &n, &e);
	assert_int_equal(n, 1);
	tb_verify_result v;
	assert_int_equal(tb_event_verify(f->db, &v, &e), 0);
	assert_int_equal(v.first_bad, 0);
}

static void key_zone_area(void **state)
{
	fixture *f = *state;
	tb_record rec;
	tb_err e = {0};
	json_t *z = json_pack("{s:s,s:s,s:s}", "code", "Z1", "name", "测试重点区域", "level", "city");
	tb_record zr = {.props = z, .geom = square(117.50, 40.10, 0.01), .name = "zone"};
	assert_int_equal(tb_write_create(f->db, &WHO, &tb_zones, &zr, NULL, NULL, &e), 0);
	GEOSGeom_destroy_r(tb_geos(), zr.geom);
	json_decref(z);
	/* a parcel half inside the zone */
	json_t *p = parcel("301", "030100", "11", 0.6);
	assert_int_equal(create(f->db, p, square(117.509, 40.105, 0.002), &rec, &e), 0);
	double area = json_real_value(json_object_get(p, "area_ha"));
	double kz = json_real_value(json_object_get(p, "key_zone_ha"));
	assert_true(fabs(kz - area / 2) < 0.01);
	json_decref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(derived_fields_and_ledger, setup, teardown),
		cmocka_unit_test_setup_teardown(restoration_classes, setup, teardown),
		cmocka_unit_test_setup_teardown(checks, setup, teardown),
		cmocka_unit_test_setup_teardown(key_zone_area, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
