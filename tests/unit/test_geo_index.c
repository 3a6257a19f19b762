/* test_geo_index.c — the STRtree index of polygons (src/geo/index.c): point
 * lookups in a 10 × 10 grid of unit squares, window queries that must return
 * exactly the cells whose envelopes meet the window, stopping early, lookup
 * by id, and the ownership rules (the index consumes what it is given). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "geo/geo.h"

#include <stdio.h>
#include <stdlib.h>



static GEOSGeometry *box(double x0, double y0, double x1, double y1)
{
	char text[256];
	snprintf(text, sizeof text, "POLYGON((%g %g, %g %g, %g %g, %g %g, %g %g))", x0, y0, x1, y0,
	         x1, y1, x0, y1, x0, y0);
	return wkt(text);
}

/* Cell (col, row) covers [col, col+1] × [row, row+1] and has id 1000 + 10 row + col. */
static int64_t cell_id(int col, int row)
{
	return 1000 + 10 * row + col;
}

static tb_index *grid(void)
{
	tb_index *ix = tb_index_new();
	assert_non_null(ix);
	for (int row = 0; row < 10; row++)
		for (int col = 0; col < 10; col++)
			assert_int_equal(
			    tb_index_add(ix, cell_id(col, row), box(col, row, col + 1, row + 1)),
			    0);
	assert_int_equal(tb_index_size(ix), 100);
	return ix;
}

static void point_in_every_cell(void **state)
{
	(void)state;
	tb_index *ix = grid();
	for (int row = 0; row < 10; row++)
		for (int col = 0; col < 10; col++) {
			assert_int_equal(tb_index_point(ix, col + 0.5, row + 0.5),
			                 cell_id(col, row));
			assert_int_equal(tb_index_point(ix, col + 0.01, row + 0.99),
			                 cell_id(col, row));
		}
	assert_int_equal(tb_index_point(ix, -0.5, -0.5), -1);
	assert_int_equal(tb_index_point(ix, 10.5, 5), -1);
	assert_int_equal(tb_index_point(ix, 5, 100), -1);
	assert_int_equal(tb_index_point(ix, 3, 3.5), -1); /* on a shared edge: contained by none */
	tb_index_free(ix);
}

struct hits {
	int64_t ids[128];
	size_t n;
	size_t stop_after; /* 0 = never stop */
};

static int collect(void *ctx, int64_t id, const GEOSGeometry *g)
{
	struct hits *h = ctx;
	assert_non_null(g);
	assert_true(h->n < 128);
	h->ids[h->n++] = id;
	return h->stop_after && h->n == h->stop_after ? 42 : 0;
}

static int by_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void window_query_returns_exactly_the_cells(void **state)
{
	(void)state;
	tb_index *ix = grid();
	GEOSGeometry *win = box(2.5, 2.5, 4.5, 3.5); /* cols 2..4, rows 2..3 */
	struct hits h = {0};
	assert_int_equal(tb_index_query(ix, win, collect, &h), 0);
	qsort(h.ids, h.n, sizeof h.ids[0], by_id);
	int64_t want[] = {cell_id(2, 2), cell_id(3, 2), cell_id(4, 2),
	                  cell_id(2, 3), cell_id(3, 3), cell_id(4, 3)};
	assert_int_equal(h.n, 6);
	assert_memory_equal(h.ids, want, sizeof want);
	drop(win);

	/* A window outside the grid, and an empty one, find nothing. */
	struct hits none = {0};
	win = box(20, 20, 21, 21);
	assert_int_equal(tb_index_query(ix, win, collect, &none), 0);
	drop(win);
	win = wkt("POLYGON EMPTY");
	assert_int_equal(tb_index_query(ix, win, collect, &none), 0);
	drop(win);
	assert_int_equal(none.n, 0);

	/* The whole grid, stopped after three: the callback's value comes back. */
	win = box(-1, -1, 11, 11);
	struct hits three = {.stop_after = 3};
	assert_int_equal(tb_index_query(ix, win, collect, &three), 42);
	assert_int_equal(three.n, 3);
	struct hits all = {0};
	assert_int_equal(tb_index_query(ix, win, collect, &all), 0);
	assert_int_equal(all.n, 100);
	drop(win);
	assert_int_equal(tb_index_query(ix, NULL, collect, &all), TB_EUSAGE);
	tb_index_free(ix);
}

static void geometry_by_id(void **state)
{
	(void)state;
	GEOSContextHandle_t h = tb_geos();
	tb_index *ix = grid();
	assert_null(tb_index_geom(ix, 1)); /* before any query, too */
	for (int row = 0; row < 10; row++)
		for (int col = 0; col < 10; col++) {
			const GEOSGeometry *g = tb_index_geom(ix, cell_id(col, row));
			assert_non_null(g);
			GEOSGeometry *want = box(col, row, col + 1, row + 1);
			assert_int_equal(GEOSEqualsExact_r(h, g, want, 0), 1);
			drop(want);
		}
	assert_int_equal(tb_index_point(ix, 0.5, 0.5), cell_id(0, 0));
	assert_non_null(tb_index_geom(ix, cell_id(9, 9)));
	assert_null(tb_index_geom(ix, -1));
	assert_null(tb_index_geom(ix, 999));
	assert_null(tb_index_geom(NULL, 1000));
	tb_index_free(ix);
}

static void overlaps_duplicates_and_empties(void **state)
{
	(void)state;
	GEOSContextHandle_t h = tb_geos();
	tb_index *ix = tb_index_new();
	assert_int_equal(tb_index_add(ix, 7, box(0, 0, 10, 10)), 0);
	assert_int_equal(tb_index_add(ix, 3, box(2, 2, 4, 4)), 0);
	assert_int_equal(tb_index_add(ix, 7, box(50, 50, 60, 60)), 0); /* same id again */
	assert_int_equal(tb_index_add(ix, 9, wkt("POLYGON EMPTY")), 0);
	assert_int_equal(tb_index_size(ix), 4);
	/* Inside both 7 and 3: the earlier added wins. */
	assert_int_equal(tb_index_point(ix, 3, 3), 7);
	assert_int_equal(tb_index_point(ix, 55, 55), 7);
	/* The first item with an id keeps it for tb_index_geom. */
	GEOSGeometry *want = box(0, 0, 10, 10);
	assert_int_equal(GEOSEqualsExact_r(h, tb_index_geom(ix, 7), want, 0), 1);
	drop(want);
	assert_int_equal(GEOSisEmpty_r(h, tb_index_geom(ix, 9)), 1);
	/* After the first query the index is closed: the geometry is still consumed. */
	assert_int_equal(tb_index_add(ix, 11, box(0, 0, 1, 1)), TB_EUSAGE);
	assert_int_equal(tb_index_size(ix), 4);
	assert_int_equal(tb_index_add(NULL, 12, box(0, 0, 1, 1)), TB_EUSAGE);
	tb_index_free(ix);

	tb_index *empty = tb_index_new();
	assert_int_equal(tb_index_point(empty, 0, 0), -1);
	tb_index_free(empty);
	tb_index_free(NULL);
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
	    cmocka_unit_test(point_in_every_cell),
	    cmocka_unit_test(window_query_returns_exactly_the_cells),
	    cmocka_unit_test(geometry_by_id),
	    cmocka_unit_test(overlaps_duplicates_and_empties),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
