/* test_db_schema.c — the connection, migrations and GeoPackage structure
 * (db/db.h, db/schema.h, db/gpkg.h): pragmas, application id and version,
 * the SRS table, migrating twice, a failing step rolled back, settings,
 * open flags, and the ST_* functions the R-tree triggers call. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "db/attach.h"
#include "db/event.h"
#include "db/sqlite/sqlite_int.h"
#include "db/gpkg.h"
#include "db/schema.h"
#include "geo/geo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fx {
	char dir[64];
	char path[128];
	tb_db *db;
} fx;

static int64_t q64(tb_db *db, const char *sql)
{
	int64_t v = -1;
	tb_err e = {0};
	if (tb_db_int64(db, sql, &v, &e)) fail_msg("%s: %s", sql, e.message);
	return v;
}

/* First column of the first row as text (static buffer). */
static const char *qtext(tb_db *db, const char *sql)
{
	static char out[1024];
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, NULL))
		fail_msg("%s: %s", sql, tb_db_errmsg(db));
	out[0] = 0;
	if (tb_stmt_step(st) == TB_ROW && tb_col_text(st, 0))
		snprintf(out, sizeof out, "%s", tb_col_text(st, 0));
	tb_stmt_finalize(st);
	return out;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tb_schema_", "t.gpkg"))
		return -1;
	tb_err e = {0};
	if (tb_db_open(f->path, TB_DB_CREATE | TB_DB_MUST_BE_NEW, &f->db, &e)) return -1;
	if (tb_schema_migrate(f->db, &tb_core_module, "test", &e)) {
		fprintf(stderr, "migrate: %s\n", e.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	tb_db_close(f->db);
	tb_test_remove_db(NULL, f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_pragmas(void **state)
{
	fx *f = *state;
	assert_int_equal(q64(f->db, "PRAGMA application_id"), 0x47504B47);
	assert_int_equal(q64(f->db, "PRAGMA user_version"), 10300);
	assert_string_equal(qtext(f->db, "PRAGMA journal_mode"), "wal");
	assert_int_equal(q64(f->db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(q64(f->db, "PRAGMA synchronous"), 2); /* FULL */
	assert_string_equal(qtext(f->db, "PRAGMA integrity_check"), "ok");
	assert_int_equal(q64(f->db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
}

static void test_srs(void **state)
{
	fx *f = *state;
	assert_int_equal(q64(f->db, "SELECT count(*) FROM gpkg_spatial_ref_sys"), 6);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id IN"
	                            " (-1, 0, 4326, 4490, 4527, 4548)"),
	                 6);
	assert_string_equal(
	    qtext(f->db, "SELECT organization FROM gpkg_spatial_ref_sys WHERE srs_id=-1"), "NONE");
	assert_string_equal(
	    qtext(f->db, "SELECT definition FROM gpkg_spatial_ref_sys WHERE srs_id=0"),
	    "undefined");
	assert_int_equal(
	    q64(f->db,
	        "SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id=organization_coordsys_id"
	        " AND organization='EPSG'"),
	    4);
	/* real WKT definitions from PROJ */
	assert_non_null(
	    strstr(qtext(f->db, "SELECT definition FROM gpkg_spatial_ref_sys WHERE srs_id=4490"),
	           "China Geodetic Coordinate System 2000"));
	assert_non_null(strstr(
	    qtext(f->db, "SELECT definition FROM gpkg_spatial_ref_sys WHERE srs_id=4326"), "WGS"));
	assert_non_null(strstr(
	    qtext(f->db, "SELECT definition FROM gpkg_spatial_ref_sys WHERE srs_id=4548"), "117"));
}

static void test_core_tables(void **state)
{
	fx *f = *state;
	const char *tables[] = {"gpkg_spatial_ref_sys",
	                        "gpkg_contents",
	                        "gpkg_geometry_columns",
	                        "gpkg_extensions",
	                        "gpkg_data_columns",
	                        "gpkg_data_column_constraints",
	                        "tb_meta",
	                        "tb_event",
	                        "tb_event_parcel",
	                        "tb_setting",
	                        "tb_code"};
	char sql[256];
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		snprintf(sql, sizeof sql,
		         "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%s'",
		         tables[i]);
		if (q64(f->db, sql) != 1) fail_msg("missing table %s", tables[i]);
	}
	assert_int_equal(q64(f->db,
	                     "SELECT count(*) FROM gpkg_contents WHERE data_type='attributes'"
	                     " AND table_name IN ('tb_event','tb_setting','tb_code')"),
	                 3);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM gpkg_contents WHERE identifier IS NULL"),
	                 0);
	assert_int_equal(
	    q64(f->db, "SELECT count(*) FROM gpkg_extensions WHERE extension_name='gpkg_schema'"),
	    2);
	assert_true(q64(f->db, "SELECT count(*) FROM tb_code") > 40);
}

static void test_migrate_twice(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	assert_int_equal(tb_schema_version(f->db, "core"), 1);
	assert_int_equal(tb_schema_version(f->db, "nope"), 0);
	assert_int_equal(tb_schema_migrate(f->db, &tb_core_module, "test", &e), 0);
	assert_int_equal(tb_schema_migrate(f->db, &tb_core_module, "other", &e), 0);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_event"), 1);
	assert_int_equal(
	    q64(f->db,
	        "SELECT count(*) FROM tb_event WHERE action='schema.migrate'"
	        " AND entity='schema' AND entity_id='core' AND actor='test' AND role='admin'"),
	    1);
	assert_string_equal(qtext(f->db, "SELECT payload FROM tb_event WHERE seq=1"),
	                    "{\"module\":\"core\",\"version\":1,"
	                    "\"what\":\"GeoPackage metadata, event log, settings, code lists, attachments\"}");
	assert_int_equal(q64(f->db, "SELECT count(*) FROM gpkg_spatial_ref_sys"), 6);
	/* and after reopening */
	tb_db_close(f->db);
	assert_int_equal(tb_db_open(f->path, 0, &f->db, &e), 0);
	assert_int_equal(tb_schema_migrate(f->db, &tb_core_module, "test", &e), 0);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_event"), 1);
	tb_verify_result r;
	assert_int_equal(tb_event_verify(f->db, &r, &e), 0);
	assert_int_equal(r.first_bad, 0);
	assert_int_equal(r.checked, 1);
}

/* ---- a module of our own: steps apply in order, a failing step rolls back -- */

static int step_ok(tb_db *db, tb_err *e)
{
	return tb_db_exec(db, "CREATE TABLE t_one (x INTEGER)", e);
}

static int step_two(tb_db *db, tb_err *e)
{
	return tb_db_exec(db, "CREATE TABLE t_two (y INTEGER)", e);
}

static int step_fail(tb_db *db, tb_err *e)
{
	int rc = tb_db_exec(db, "CREATE TABLE t_three (z INTEGER)", e);
	if (!rc) rc = tb_db_exec(db, "INSERT INTO no_such_table VALUES(1)", e);
	return rc;
}

static int step_three(tb_db *db, tb_err *e)
{
	return tb_db_exec(db, "CREATE TABLE t_three (z INTEGER)", e);
}

static void test_module_steps(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	static const tb_migration steps[] = {
	    {1, "one", step_ok}, {2, "two", step_two}, {3, "three fails", step_fail}};
	tb_module m = {"testmod", steps, 3};
	assert_int_equal(tb_schema_migrate(f->db, &m, "test", &e), TB_EDB);
	assert_non_null(strstr(e.message, "no_such_table"));
	assert_int_equal(f->db->tx_depth, 0);
	assert_int_equal(tb_schema_version(f->db, "testmod"), 2);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM sqlite_master WHERE name='t_two'"), 1);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM sqlite_master WHERE name='t_three'"), 0);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_event WHERE entity_id='testmod'"), 2);
	/* a fixed step 3 continues from version 2 */
	static const tb_migration fixed[] = {
	    {1, "one", step_ok}, {2, "two", step_two}, {3, "three", step_three}};
	tb_module m2 = {"testmod", fixed, 3};
	assert_int_equal(tb_schema_migrate(f->db, &m2, "test", &e), 0);
	assert_int_equal(tb_schema_version(f->db, "testmod"), 3);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM sqlite_master WHERE name='t_three'"), 1);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_event WHERE entity_id='testmod'"), 3);
	tb_verify_result r;
	assert_int_equal(tb_event_verify(f->db, &r, &e), 0);
	assert_int_equal(r.first_bad, 0);
	assert_int_equal(r.checked, 4);
}

/* ---- settings ---------------------------------------------------------------- */

static void test_settings(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	char *s = tb_setting_get(f->db, "district.code", NULL);
	assert_null(s);
	s = tb_setting_get(f->db, "district.code", "120119");
	assert_string_equal(s, "120119");
	free(s);
	assert_int_equal(tb_setting_set(f->db, "district.code", "120119", &e), 0);
	assert_int_equal(tb_setting_set(f->db, "district.name", "蓟州区", &e), 0);
	assert_int_equal(tb_setting_set(f->db, "target.area_ha", "1234.5", &e), 0);
	s = tb_setting_get(f->db, "district.name", "x");
	assert_string_equal(s, "蓟州区");
	free(s);
	assert_true(tb_setting_num(f->db, "target.area_ha", -1) == 1234.5);
	assert_true(tb_setting_num(f->db, "district.name", -1) == -1); /* not a number */
	assert_true(tb_setting_num(f->db, "missing", 7.5) == 7.5);
	/* overwrite */
	assert_int_equal(tb_setting_set(f->db, "target.area_ha", "2000", &e), 0);
	assert_true(tb_setting_num(f->db, "target.area_ha", -1) == 2000);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_setting"), 3);
	/* a NULL value is stored as NULL and reads back as the default */
	assert_int_equal(tb_setting_set(f->db, "district.code", NULL, &e), 0);
	s = tb_setting_get(f->db, "district.code", "dflt");
	assert_string_equal(s, "dflt");
	free(s);
}

/* ---- open flags and transactions ------------------------------------------------ */

static void test_open_flags(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	tb_db *db = (tb_db *)1;
	assert_int_equal(tb_db_open(f->path, TB_DB_CREATE | TB_DB_MUST_BE_NEW, &db, &e), TB_EUSAGE);
	assert_null(db);
	assert_string_equal(e.record, f->path);
	assert_non_null(strstr(e.message, "already exists"));
	char other[160];
	snprintf(other, sizeof other, "%s/missing.gpkg", f->dir);
	assert_int_equal(tb_db_open(other, 0, &db, &e), TB_EUSAGE);
	assert_non_null(strstr(e.message, "tianbao init"));
	assert_int_equal(access(other, F_OK), -1); /* not created */
	snprintf(other, sizeof other, "%s/no/such/dir/x.gpkg", f->dir);
	assert_int_equal(tb_db_open(other, TB_DB_CREATE, &db, &e), TB_EIO);
	assert_null(db);

	/* read-only: reads work, writes are refused */
	assert_int_equal(tb_db_open(f->path, TB_DB_READONLY, &db, &e), 0);
	assert_int_equal(q64(db, "SELECT count(*) FROM tb_event"), 1);
	assert_int_equal(tb_setting_set(db, "k", "v", &e), TB_EDB);
	assert_non_null(strstr(e.message, "readonly"));
	tb_db_close(db);
	tb_db_close(NULL);
}

static void test_transactions(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	assert_int_equal(tb_db_begin(f->db, &e), 0);
	assert_int_equal(tb_setting_set(f->db, "a", "1", &e), 0);
	tb_db_rollback(f->db);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_setting WHERE key='a'"), 0);
	tb_db_rollback(f->db); /* harmless without a transaction */
	assert_int_equal(tb_db_begin(f->db, &e), 0);
	assert_int_equal(tb_setting_set(f->db, "a", "2", &e), 0);
	assert_int_equal(tb_db_commit(f->db, &e), 0);
	assert_int_equal(q64(f->db, "SELECT value FROM tb_setting WHERE key='a'"), 2);
	/* a second connection sees the committed row */
	tb_db *db2;
	assert_int_equal(tb_db_open(f->path, 0, &db2, &e), 0);
	assert_int_equal(q64(db2, "SELECT value FROM tb_setting WHERE key='a'"), 2);
	tb_db_close(db2);
	/* SQL errors name the reason */
	assert_int_equal(tb_db_exec(f->db, "SELEC 1", &e), TB_EDB);
	assert_non_null(strstr(e.message, "syntax error"));
	tb_stmt *st;
	assert_int_equal(tb_db_prepare(f->db, "SELECT nope FROM tb_setting", &st, &e), TB_EDB);
	assert_non_null(strstr(e.message, "prepare: no such column: nope"));
	int64_t v = 5;
	assert_int_equal(tb_db_int64(f->db, "SELECT 1 WHERE 0", &v, &e), 0);
	assert_int_equal(v, 0);
	double d = 0;
	assert_int_equal(tb_db_double(f->db, "SELECT 2.5", &d, &e), 0);
	assert_true(d == 2.5);
}

/* ---- GeoPackage SQL functions, feature registration, touch ------------------------ */

static void test_st_functions(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	GEOSContextHandle_t h = tb_geos();
	GEOSGeometry *g =
	    GEOSGeomFromWKT_r(h, "POLYGON((117.1 40.0, 117.3 40.0, 117.3 40.2, 117.1 40.0))");
	assert_non_null(g);
	size_t n;
	unsigned char *blob = tb_gpkg_encode(g, TB_SRS_CGCS2000, &n);
	assert_non_null(blob);
	tb_stmt *st;
	assert_int_equal(
	    tb_db_prepare(f->db,
	                  "SELECT ST_MinX(?1), ST_MaxX(?1), ST_MinY(?1), ST_MaxY(?1),"
	                  " ST_IsEmpty(?1), ST_IsEmpty(NULL), ST_MinX(NULL), ST_IsEmpty(x'00')",
	                  &st, &e),
	    0);
	tb_bind_blob(st, 1, blob, (int)n);
	assert_int_equal(tb_stmt_step(st), TB_ROW);
	assert_true(tb_col_double(st, 0) == 117.1);
	assert_true(tb_col_double(st, 1) == 117.3);
	assert_true(tb_col_double(st, 2) == 40.0);
	assert_true(tb_col_double(st, 3) == 40.2);
	assert_int_equal(tb_col_int(st, 4), 0);
	assert_int_equal(tb_col_type(st, 5), TB_COL_NULL);
	assert_int_equal(tb_col_type(st, 6), TB_COL_NULL);
	assert_int_equal(tb_col_int(st, 7), 1); /* malformed counts as empty */
	tb_stmt_finalize(st);
	free(blob);
	GEOSGeom_destroy_r(h, g);

	g = GEOSGeomFromWKT_r(h, "POLYGON EMPTY");
	blob = tb_gpkg_encode(g, TB_SRS_CGCS2000, &n);
	assert_int_equal(tb_db_prepare(f->db, "SELECT ST_IsEmpty(?1), ST_MinX(?1)", &st, &e), 0);
	tb_bind_blob(st, 1, blob, (int)n);
	assert_int_equal(tb_stmt_step(st), TB_ROW);
	assert_int_equal(tb_col_int(st, 0), 1);
	assert_int_equal(tb_col_type(st, 1), TB_COL_NULL);
	tb_stmt_finalize(st);
	free(blob);
	GEOSGeom_destroy_r(h, g);
}

static void test_features_and_touch(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	assert_int_equal(tb_db_exec(f->db,
	                            "CREATE TABLE pts (fid INTEGER PRIMARY KEY AUTOINCREMENT,"
	                            " geom POINT, name TEXT)",
	                            &e),
	                 0);
	assert_int_equal(
	    tb_gpkg_add_features(f->db, "pts", "geom", "POINT", 4490, "点 points", "test", &e), 0);
	/* idempotent */
	assert_int_equal(
	    tb_gpkg_add_features(f->db, "pts", "geom", "POINT", 4490, "点 points", "test", &e), 0);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM sqlite_master WHERE type='trigger'"
	                            " AND name LIKE 'rtree_pts_geom_%'"),
	                 6);
	assert_int_equal(q64(f->db,
	                     "SELECT count(*) FROM gpkg_extensions WHERE table_name='pts'"
	                     " AND column_name='geom' AND extension_name='gpkg_rtree_index'"),
	                 1);
	GEOSContextHandle_t h = tb_geos();
	const char *wkt[] = {"POINT(117.2 40.1)", "POINT(117.5 39.9)", "POINT EMPTY"};
	tb_stmt *st;
	assert_int_equal(
	    tb_db_prepare(f->db, "INSERT INTO pts(geom, name) VALUES(?, 'p')", &st, &e), 0);
	for (int i = 0; i < 3; i++) {
		GEOSGeometry *g = GEOSGeomFromWKT_r(h, wkt[i]);
		size_t n;
		unsigned char *blob = tb_gpkg_encode(g, 4490, &n);
		tb_bind_blob_owned(st, 1, blob, (int)n);
		assert_int_equal(tb_stmt_step(st), TB_DONE);
		tb_stmt_reset(st);
		GEOSGeom_destroy_r(h, g);
	}
	tb_stmt_finalize(st);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM rtree_pts_geom"),
	                 2); /* empty not indexed */
	assert_int_equal(tb_gpkg_touch(f->db, "pts", "geom", &e), 0);
	double d;
	tb_db_double(f->db, "SELECT min_x FROM gpkg_contents WHERE table_name='pts'", &d, &e);
	assert_true(d > 117.19 && d <= 117.2); /* the R-tree stores floats, rounded outward */
	tb_db_double(f->db, "SELECT max_x FROM gpkg_contents WHERE table_name='pts'", &d, &e);
	assert_true(d >= 117.5 && d < 117.51);
	tb_db_double(f->db, "SELECT min_y FROM gpkg_contents WHERE table_name='pts'", &d, &e);
	assert_true(d > 39.89 && d <= 39.9);
	/* deleting a row removes it from the index; moving one moves it */
	assert_int_equal(tb_db_exec(f->db, "DELETE FROM pts WHERE fid=2", &e), 0);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM rtree_pts_geom"), 1);
	assert_int_equal(tb_db_exec(f->db, "UPDATE pts SET geom=NULL WHERE fid=1", &e), 0);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM rtree_pts_geom"), 0);
	assert_int_equal(tb_gpkg_touch(f->db, "tb_setting", NULL, &e), 0);
	assert_string_equal(qtext(f->db, "PRAGMA integrity_check"), "ok");
}

/* An attachment is evidence: neither changed nor deleted, even in SQL. */
static void test_attachments_kept(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	char sha[65];
	const char *mime;
	static const char pdf[] = "%PDF-1.4\n% signed agreement\n%%EOF\n";
	tb_actor who = {"test", "admin"};
	assert_int_equal(tb_attach_put(f->db, &who, "agreement.pdf", pdf, sizeof pdf - 1, sha, &mime, &e), 0);
	assert_int_equal(tb_db_exec(f->db, "DELETE FROM tb_attachment", &e), TB_EDB);
	assert_non_null(strstr(e.message, "attachments are kept: they cannot be deleted"));
	e = (tb_err){0};
	assert_int_equal(tb_db_exec(f->db, "UPDATE tb_attachment SET name='x'", &e), TB_EDB);
	assert_non_null(strstr(e.message, "attachments are immutable"));
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_attachment"), 1);
	assert_true(tb_attach_exists(f->db, sha));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_pragmas),      T(test_srs),
	    T(test_core_tables),  T(test_migrate_twice),
	    T(test_module_steps), T(test_settings),
	    T(test_open_flags),   T(test_transactions),
	    T(test_st_functions), T(test_features_and_touch),
	    T(test_attachments_kept),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tb_geos_finish();
	return rc;
}
