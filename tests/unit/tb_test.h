/* tb_test.h — small helpers shared by the unit tests (include after
 * <cmocka.h>): geometries from WKT, a fresh temporary folder with a database
 * path in it, and removing a test database (with its WAL side files) or the
 * whole folder.  Header-only (static inline, libc only): each unit test links
 * only its own layer. */
#ifndef TB_TESTS_TB_TEST_H
#define TB_TESTS_TB_TEST_H

#include "geo/geo.h"

#include <stdio.h>
#include <stdlib.h>
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

/* Make a fresh folder /tmp/<prefix>XXXXXX into dir (size dn) and the path
 * <dir>/<file> of the test database into path (size pn).  0, or -1 when the
 * folder cannot be made. */
static inline int tb_test_tmpdb(char *dir, size_t dn, char *path, size_t pn, const char *prefix,
				const char *file)
{
	snprintf(dir, dn, "/tmp/%sXXXXXX", prefix);
	if (!mkdtemp(dir)) return -1;
	snprintf(path, pn, "%s/%s", dir, file);
	return 0;
}

/* Remove a test folder and everything in it (rm -rf).  0 or -1. */
static inline int tb_test_rmtree(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

#endif
