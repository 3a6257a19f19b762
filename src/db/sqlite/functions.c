/* functions.c — the SQL functions GeoPackage's R-tree triggers call
 * (ST_MinX … ST_IsEmpty over GeoPackage geometry blobs), registered on every
 * SQLite connection at open. */
#include "db/sqlite/sqlite_int.h"

#include "db/gpkg.h"
#include "geo/geo.h"

#include <stdint.h>

/* ---- SQL functions used by the R-tree triggers ---------------------------- */

enum { F_MINX, F_MAXX, F_MINY, F_MAXY, F_EMPTY };

static void st_env(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	int which = (int)(intptr_t)sqlite3_user_data(cx);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(cx);
		return;
	}
	const void *blob = sqlite3_value_blob(argv[0]);
	int n = sqlite3_value_bytes(argv[0]);
	double minx, maxx, miny, maxy;
	int rc = tb_gpkg_envelope(blob, (size_t)n, &minx, &maxx, &miny, &maxy);
	if (which == F_EMPTY) {
		sqlite3_result_int(cx, rc != 0);
		return;
	}
	if (rc) {
		sqlite3_result_null(cx);
		return;
	}
	double v[] = {minx, maxx, miny, maxy};
	sqlite3_result_double(cx, v[which]);
}

int tb_gpkg_register_functions(tb_db *db, tb_err *e)
{
	static const char *names[] = {"ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY", "ST_IsEmpty"};
	for (int i = 0; i < 5; i++)
		if (sqlite3_create_function(db->h, names[i], 1,
					    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
					    (void *)(intptr_t)i, st_env, NULL, NULL) != SQLITE_OK)
			return tb_db_error(db, e, "register GeoPackage functions");
	return 0;
}

