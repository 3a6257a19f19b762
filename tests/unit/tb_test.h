/* tb_test.h — small helpers shared by the unit tests (include after
 * <cmocka.h>): geometries from WKT, and removing a test database with its
 * WAL side files. */
#ifndef TB_TESTS_TB_TEST_H
#define TB_TESTS_TB_TEST_H

#include "geo/geo.h"

#include <stdio.h>
#include <unistd.h>

/* A geometry from WKT on the thread's GEOS context; fails the test if the
 * text does not parse.  Free with drop(). */
static inline GEOSGeometry *wkt(const char *text)
{
	GEOSContextHandle_t h = tb_geos();
	GEOSWKTReader *r = GEOSWKTReader_create_r(h);
	GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
	GEOSWKTReader_destroy_r(h, r);
	assert_non_null(g);
	return g;
}

static inline void drop(GEOSGeometry *g)
{
	GEOSGeom_destroy_r(tb_geos(), g);
}

/* Remove a database file, its -wal and -shm, then its (empty) folder. */
static inline void tb_test_remove_db(const char *dir, const char *path)
{
	char p[512];
	const char *sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", path, sfx[i]);
		unlink(p);
	}
	if (dir) rmdir(dir);
}

#endif
