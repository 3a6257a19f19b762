/* test_registry_query.c — the registry's query interface for other modules
 * (registry/query.c): a parcel by code, the parcels of a box (active or
 * all, by code, stop value passed back) and of a town or village, divisions,
 * key zones, the district outline, the natural-forest total and extents. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "registry/registry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
	char dir[64];
	char path[96];
	tb_db *db;
	double ha[3]; /* areas of parcels 001, 002, 003 */
} fixture;

static const tb_actor WHO = {"tester", "bureau"};

static GEOSGeometry *square(double x, double y, double deg)
{
	char text[256];
	snprintf(text, sizeof text, "POLYGON((%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f))", x, y, x + deg, y,
		 x + deg, y + deg, x, y + deg, x, y);
	return wkt(text);
}

static int create(tb_db *db, const tb_resource *r, json_t *props, GEOSGeometry *g, double *ha)
{
	tb_err e = {0};
	tb_record rec = {.props = props, .geom = g, .name = "test record"};
	int rc = tb_write_create(db, &WHO, r, &rec, "unit test", NULL, &e);
	if (rc) fprintf(stderr, "create: %s\n", e.message);
	if (ha) *ha = json_number_value(json_object_get(props, "area_ha"));
	if (rec.geom) drop(rec.geom);
	json_decref(props);
	return rc;
}

static json_t *parcel(const char *xb, const char *qi_yuan)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:f}", "xiang", "120119104", "cun", "120119104201", "lin_ban", "001",
			 "xiao_ban", xb, "di_lei", "030100", "qi_yuan", qi_yuan, "yu_bi_du", 0.7);
}

/* 001 natural (0.001°), 002 planted (0.002°), 003 natural then lost. */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	tb_err e = {0};
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tbrq", "q.gpkg") ||
	    tb_registry_init(f->path, "test", &f->db, &e)) {
		fprintf(stderr, "setup: %s\n", e.message);
		return -1;
	}
	if (create(f->db, &tb_parcels, parcel("001", "11"), square(117.42, 40.15, 0.001), &f->ha[0]) ||
	    create(f->db, &tb_parcels, parcel("002", "21"), square(117.43, 40.15, 0.002), &f->ha[1]) ||
	    create(f->db, &tb_parcels, parcel("003", "11"), square(117.44, 40.15, 0.001), &f->ha[2]))
		return -1;
	json_t *patch = json_pack("{s:s}", "status", "lost");
	tb_record up = {.props = patch, .fid = 3, .name = "parcel 3"};
	int rc = tb_write_update(f->db, &WHO, &tb_parcels, &up, 1, "unit test", NULL, &e);
	if (up.geom) drop(up.geom);
	json_decref(patch);
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

static void parcel_by_code(void **state)
{
	fixture *f = *state;
	tb_parcel_info p;
	tb_err e = {0};
	assert_int_equal(tb_registry_parcel(f->db, "120119104-001-001", &p, &e), 0);
	assert_string_equal(p.town, "120119104");
	assert_true(p.natural);
	assert_true(p.active);
	assert_true(fabs(p.area_ha - f->ha[0]) < 1e-9);
	assert_int_equal(tb_registry_parcel(f->db, "120119104-001-002", &p, &e), 0);
	assert_false(p.natural);
	assert_int_equal(tb_registry_parcel(f->db, "120119104-001-003", &p, &e), 0);
	assert_true(p.natural);
	assert_false(p.active);
	assert_int_equal(tb_registry_parcel(f->db, "no-such", &p, &e), TB_ENOTFOUND);
	assert_int_equal(e.code, 0);
	assert_string_equal(p.town, "");
}

typedef struct seen {
	char codes[8][32];
	int n, stop_at;
	GEOSGeometry *kept;
} seen;

static int see(void *ctx, tb_parcel_row *p)
{
	seen *s = ctx;
	assert_non_null(p->geom);
	assert_string_equal(p->town, "120119104");
	assert_string_equal(p->village, "120119104201");
	snprintf(s->codes[s->n++], 32, "%s", p->code);
	if (s->n == s->stop_at) {
		s->kept = p->geom; /* keep the geometry: the iterator must not free it */
		p->geom = NULL;
		return 7;
	}
	return 0;
}

static void parcels_in_box(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	const double all[4] = {117.41, 40.14, 117.45, 40.16};
	seen s = {.n = 0};
	assert_int_equal(tb_registry_parcels_in_box(f->db, all, true, see, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.codes[0], "120119104-001-001");
	assert_string_equal(s.codes[1], "120119104-001-002");
	s = (seen){.n = 0};
	assert_int_equal(tb_registry_parcels_in_box(f->db, all, false, see, &s, &e), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.codes[2], "120119104-001-003");
	/* a point inside 002's box only; a box meeting none */
	const double pt[4] = {117.431, 40.151, 117.431, 40.151}, none[4] = {117.0, 40.0, 117.01, 40.01};
	s = (seen){.n = 0};
	assert_int_equal(tb_registry_parcels_in_box(f->db, pt, true, see, &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.codes[0], "120119104-001-002");
	s = (seen){.n = 0};
	assert_int_equal(tb_registry_parcels_in_box(f->db, none, false, see, &s, &e), 0);
	assert_int_equal(s.n, 0);
	/* the callback's value stops the walk and comes back; a kept geometry survives */
	s = (seen){.n = 0, .stop_at = 1};
	assert_int_equal(tb_registry_parcels_in_box(f->db, all, false, see, &s, &e), 7);
	assert_int_equal(s.n, 1);
	assert_non_null(s.kept);
	assert_true(fabs(tb_area_ha(s.kept) - f->ha[0]) < 1e-4);
	drop(s.kept);
}

static void parcels_of_town(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	seen s = {.n = 0};
	assert_int_equal(tb_registry_parcels_of(f->db, "120119104", NULL, 0, 0, see, &s, &e), 0);
	assert_int_equal(s.n, 3); /* fid order, every status */
	assert_string_equal(s.codes[0], "120119104-001-001");
	assert_string_equal(s.codes[2], "120119104-001-003");
	s = (seen){.n = 0};
	assert_int_equal(tb_registry_parcels_of(f->db, NULL, "120119104201", TB_PARCELS_NATURAL | TB_PARCELS_LARGEST, 1,
						see, &s, &e),
			 0);
	assert_int_equal(s.n, 1); /* 001 and 003 are equal: the lower code first */
	assert_string_equal(s.codes[0], "120119104-001-001");
	s = (seen){.n = 0};
	assert_int_equal(tb_registry_parcels_of(f->db, "120119104", NULL, TB_PARCELS_ACTIVE | TB_PARCELS_LARGEST, 0, see,
						&s, &e),
			 0);
	assert_int_equal(s.n, 2); /* 002 is the larger */
	assert_string_equal(s.codes[0], "120119104-001-002");
	assert_string_equal(s.codes[1], "120119104-001-001");
	s = (seen){.n = 0};
	assert_int_equal(tb_registry_parcels_of(f->db, "120119999", NULL, 0, 0, see, &s, &e), 0);
	assert_int_equal(s.n, 0);
}

typedef struct areas {
	int n, with_geom;
	char first[32];
} areas;

static int count_area(void *ctx, tb_area_row *a)
{
	areas *c = ctx;
	if (!c->n++) snprintf(c->first, sizeof c->first, "%s", a->code);
	c->with_geom += a->geom != NULL;
	return 0;
}

static void divisions_zones_outline(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	tb_division_info d;
	assert_int_equal(tb_registry_division(f->db, "120119104", &d, &e), 0);
	assert_string_equal(d.level, "town");
	assert_string_equal(d.name, "下营镇");
	assert_int_equal(tb_registry_division(f->db, "nowhere", &d, &e), TB_ENOTFOUND);
	/* the district's towns, by code (a fresh district has no town outlines);
	 * by box, those with an outline meeting it */
	assert_int_equal(create(f->db, &tb_divisions,
				json_pack("{s:s,s:s,s:s,s:s}", "code", "120119999", "name", "测试镇", "level", "town",
					  "parent_code", "120119"),
				square(117.419, 40.149, 0.003), NULL),
			 0);
	areas a = {0};
	assert_int_equal(tb_registry_divisions(f->db, "town", NULL, count_area, &a, &e), 0);
	int64_t towns = 0;
	assert_int_equal(tb_db_int64(f->db, "SELECT count(*) FROM divisions WHERE level='town'", &towns, &e), 0);
	assert_int_equal(towns, 29);
	assert_int_equal(a.n, 29);
	assert_int_equal(a.with_geom, 1);
	assert_string_equal(a.first, "120119001");
	const double b[4] = {117.4205, 40.1505, 117.4205, 40.1505}, away[4] = {117.43, 40.15, 117.431, 40.151};
	a = (areas){0};
	assert_int_equal(tb_registry_divisions(f->db, "town", b, count_area, &a, &e), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.with_geom, 1);
	assert_string_equal(a.first, "120119999");
	a = (areas){0};
	assert_int_equal(tb_registry_divisions(f->db, "village", b, count_area, &a, &e), 0);
	assert_int_equal(a.n, 0);
	assert_int_equal(tb_registry_divisions(f->db, "town", away, count_area, &a, &e), 0);
	assert_int_equal(a.n, 0);
	/* key zones: none, then one meeting 001 */
	a = (areas){0};
	assert_int_equal(tb_registry_zones_in_box(f->db, b, count_area, &a, &e), 0);
	assert_int_equal(a.n, 0);
	assert_int_equal(create(f->db, &tb_zones, json_pack("{s:s,s:s}", "code", "KZ-1", "name", "test zone"),
				square(117.4201, 40.1501, 0.0008), NULL),
			 0);
	a = (areas){0};
	assert_int_equal(tb_registry_zones_in_box(f->db, b, count_area, &a, &e), 0);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.first, "KZ-1");
	/* the outline holds the parcels */
	GEOSGeometry *outline = NULL;
	assert_int_equal(tb_registry_district_outline(f->db, &outline, &e), 0);
	assert_non_null(outline);
	GEOSGeometry *p1 = square(117.42, 40.15, 0.001);
	assert_int_equal(GEOSContains_r(tb_geos(), outline, p1), 1);
	drop(p1);
	drop(outline);
}

static void totals_and_extent(void **state)
{
	fixture *f = *state;
	/* 003 is lost, 002 planted: only 001 counts */
	assert_true(fabs(tb_registry_natural_ha(f->db, NULL) - f->ha[0]) < 1e-9);
	assert_true(fabs(tb_registry_natural_ha(f->db, "120119001,120119104") - f->ha[0]) < 1e-9);
	assert_true(tb_registry_natural_ha(f->db, "120119001") == 0);
	double b[4];
	assert_true(tb_registry_extent(f->db, "120119104", b));
	/* the R-tree keeps 32-bit floats, rounded outwards */
	assert_true(fabs(b[0] - 117.42) < 1e-5 && fabs(b[1] - 40.15) < 1e-5);
	assert_true(fabs(b[2] - 117.441) < 1e-5 && fabs(b[3] - 40.152) < 1e-5);
	assert_false(tb_registry_extent(f->db, "120119001", b));
	assert_true(tb_registry_extent(f->db, NULL, b)); /* the divisions layer */
	assert_true(b[0] < 117.42 && b[2] > 117.441 && b[1] < 40.15 && b[3] > 40.152);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(parcel_by_code, setup, teardown),
		cmocka_unit_test_setup_teardown(parcels_in_box, setup, teardown),
		cmocka_unit_test_setup_teardown(parcels_of_town, setup, teardown),
		cmocka_unit_test_setup_teardown(divisions_zones_outline, setup, teardown),
		cmocka_unit_test_setup_teardown(totals_and_extent, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
