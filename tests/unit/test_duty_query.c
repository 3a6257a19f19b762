/* test_duty_query.c — duty's query interface for other modules
 * (duty/query.c): the ranger of a login, a ranger by code, the active
 * rangers of a grid and of a town on a date (in their order, stop value
 * passed back), the grid holding a point and the grids of a town. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "duty/duty.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
	char dir[64];
	char path[96];
	tb_db *db;
} fixture;

static const tb_actor WHO = {"tester", "bureau"};
#define TOWN "120119104"

static int create(tb_db *db, const tb_resource *r, json_t *props, const char *geom)
{
	tb_err e = {0};
	tb_record rec = {.props = props, .geom = geom ? wkt(geom) : NULL, .name = "test record"};
	int rc = tb_write_create(db, &WHO, r, &rec, "unit test", NULL, &e);
	if (rc) fprintf(stderr, "create %s: %s\n", r->name, e.message);
	if (rec.geom) drop(rec.geom);
	json_decref(props);
	return rc;
}

static json_t *ranger(const char *code, const char *login, const char *status)
{
	return json_pack("{s:s,s:s,s:s,s:s?,s:s}", "code", code, "name", "测试护林员", "town_code", TOWN, "login", login,
			 "status", status);
}

static json_t *assign(const char *grid, const char *r, const char *from, const char *to)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s?}", "grid_code", grid, "ranger_code", r, "town_code", TOWN, "start_date",
			 from, "end_date", to);
}

/* Grids G-A (staffed) and G-B (empty) side by side; rangers R1, R2 active
 * in G-A from different dates, R3 inactive, R4 assigned until 2024. */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	tb_err e = {0};
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tbdq", "d.gpkg") ||
	    tb_registry_init(f->path, "test", &f->db, &e) || tb_schema_migrate(f->db, &tb_duty_module, "test", &e)) {
		fprintf(stderr, "setup: %s\n", e.message);
		return -1;
	}
	*state = f;
	const char *a = "POLYGON((117.42 40.15,117.43 40.15,117.43 40.16,117.42 40.16,117.42 40.15))";
	const char *b = "POLYGON((117.43 40.15,117.44 40.15,117.44 40.16,117.43 40.16,117.43 40.15))";
	return create(f->db, &tb_grids, json_pack("{s:s,s:s,s:s}", "code", "G-B", "name", "乙网格", "town_code", TOWN), b) ||
	       create(f->db, &tb_grids, json_pack("{s:s,s:s,s:s}", "code", "G-A", "name", "甲网格", "town_code", TOWN), a) ||
	       create(f->db, &tb_rangers, ranger("R2", NULL, "active"), NULL) ||
	       create(f->db, &tb_rangers, ranger("R1", "ranger1", "active"), NULL) ||
	       create(f->db, &tb_rangers, ranger("R1b", "ranger1", "active"), NULL) ||
	       create(f->db, &tb_rangers, ranger("R3", NULL, "inactive"), NULL) ||
	       create(f->db, &tb_rangers, ranger("R4", NULL, "active"), NULL) ||
	       create(f->db, &tb_grid_rangers, assign("G-A", "R2", "2025-03-01", NULL), NULL) ||
	       create(f->db, &tb_grid_rangers, assign("G-A", "R1", "2024-01-01", "2030-12-31"), NULL) ||
	       create(f->db, &tb_grid_rangers, assign("G-A", "R3", "2024-01-01", NULL), NULL) ||
	       create(f->db, &tb_grid_rangers, assign("G-A", "R4", "2023-01-01", "2024-12-31"), NULL);
}

static int teardown(void **state)
{
	fixture *f = *state;
	tb_db_close(f->db);
	if (tb_test_rmtree(f->dir)) return -1;
	free(f);
	return 0;
}

static void rangers_by_login_and_code(void **state)
{
	fixture *f = *state;
	char code[64];
	assert_true(tb_duty_ranger_of_login(f->db, "ranger1", code));
	assert_string_equal(code, "R1"); /* the first record with that login */
	assert_false(tb_duty_ranger_of_login(f->db, "nobody", code));
	assert_string_equal(code, "");
	assert_false(tb_duty_ranger_of_login(f->db, "", code));
	tb_ranger_info r;
	tb_err e = {0};
	assert_int_equal(tb_duty_ranger(f->db, "R1", &r, &e), 0);
	assert_string_equal(r.town, TOWN);
	assert_string_equal(r.login, "ranger1");
	assert_string_equal(r.status, "active");
	assert_int_equal(tb_duty_ranger(f->db, "R3", &r, &e), 0);
	assert_string_equal(r.login, "");
	assert_string_equal(r.status, "inactive");
	assert_int_equal(tb_duty_ranger(f->db, "R9", &r, &e), TB_ENOTFOUND);
	assert_int_equal(e.code, 0);
}

typedef struct list {
	char codes[8][64];
	int n, stop_at;
} list;

static int add(void *ctx, const char *ranger)
{
	list *l = ctx;
	snprintf(l->codes[l->n++], 64, "%s", ranger);
	return l->n == l->stop_at ? 5 : 0;
}

static void active_rangers(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	list l = {.n = 0};
	/* by assignment start: R1 (2024) before R2 (2025); R3 inactive, R4 ended */
	assert_int_equal(tb_duty_grid_rangers(f->db, "G-A", "2025-06-01", add, &l, &e), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.codes[0], "R1");
	assert_string_equal(l.codes[1], "R2");
	l = (list){.n = 0};
	assert_int_equal(tb_duty_grid_rangers(f->db, "G-A", "2024-06-01", add, &l, &e), 0);
	assert_int_equal(l.n, 2); /* R4 (from 2023) before R1 (from 2024) */
	assert_string_equal(l.codes[0], "R4");
	assert_string_equal(l.codes[1], "R1");
	l = (list){.n = 0};
	assert_int_equal(tb_duty_grid_rangers(f->db, "G-B", "2025-06-01", add, &l, &e), 0);
	assert_int_equal(l.n, 0);
	l = (list){.n = 0, .stop_at = 1};
	assert_int_equal(tb_duty_grid_rangers(f->db, "G-A", "2025-06-01", add, &l, &e), 5);
	assert_int_equal(l.n, 1);
	/* of the town: by code */
	l = (list){.n = 0};
	assert_int_equal(tb_duty_town_rangers(f->db, TOWN, "2024-06-01", add, &l, &e), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.codes[0], "R1");
	assert_string_equal(l.codes[1], "R4");
	l = (list){.n = 0};
	assert_int_equal(tb_duty_town_rangers(f->db, "120119001", "2024-06-01", add, &l, &e), 0);
	assert_int_equal(l.n, 0);
}

typedef struct grids {
	char codes[4][64];
	int n, with_geom;
} grids;

static int add_grid(void *ctx, tb_area_row *a)
{
	grids *g = ctx;
	assert_string_equal(a->town, TOWN);
	g->with_geom += a->geom != NULL;
	snprintf(g->codes[g->n++], 64, "%s", a->code);
	return 0;
}

static void grids_and_points(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	char code[64], town[32];
	GEOSGeometry *in_b = wkt("POINT(117.435 40.155)"), *out = wkt("POINT(117.5 40.155)");
	assert_int_equal(tb_duty_grid_at(f->db, in_b, code, town, &e), 0);
	assert_string_equal(code, "G-B");
	assert_string_equal(town, TOWN);
	assert_int_equal(tb_duty_grid_at(f->db, out, code, town, &e), 0);
	assert_string_equal(code, "");
	assert_string_equal(town, "");
	drop(in_b);
	drop(out);
	/* on the shared edge both grids hold the point: the first by code */
	GEOSGeometry *edge = wkt("POINT(117.43 40.155)");
	assert_int_equal(tb_duty_grid_at(f->db, edge, code, town, &e), 0);
	assert_string_equal(code, "G-A");
	drop(edge);
	grids g = {.n = 0};
	assert_int_equal(tb_duty_grids(f->db, TOWN, false, add_grid, &g, &e), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.with_geom, 2);
	assert_string_equal(g.codes[0], "G-A");
	assert_string_equal(g.codes[1], "G-B");
	g = (grids){.n = 0};
	assert_int_equal(tb_duty_grids(f->db, TOWN, true, add_grid, &g, &e), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.codes[0], "G-A");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(rangers_by_login_and_code, setup, teardown),
		cmocka_unit_test_setup_teardown(active_rangers, setup, teardown),
		cmocka_unit_test_setup_teardown(grids_and_points, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
