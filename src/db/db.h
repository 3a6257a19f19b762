/* db.h — the database connection: one SQLite file that is also a valid OGC
 * GeoPackage (DESIGN.md §1).  This layer knows SQL, GeoPackage metadata,
 * migrations and the event log; it knows nothing of forests.
 *
 * A tb_db is used by one thread at a time.  Writes go through
 * tb_db_begin / tb_db_commit (BEGIN IMMEDIATE), and every write transaction
 * appends exactly one event (event.h) before it commits. */
#ifndef TB_DB_DB_H
#define TB_DB_DB_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	TB_DB_CREATE = 1,   /* create the file if it does not exist      */
	TB_DB_READONLY = 2, /* open read-only                             */
	TB_DB_MUST_BE_NEW = 4 /* refuse an existing file (init, demo)     */
};

/* A connection and a prepared statement.  Both are opaque outside src/db/:
 * the feature modules speak SQL text through the functions below and never
 * see the engine, so that a second backend (PostgreSQL) is a second
 * implementation of this header, not a rewrite of the modules.  The SQLite
 * implementation is src/db/sqlite/. */
typedef struct tb_db tb_db;
typedef struct tb_stmt tb_stmt;

/* Open (and with TB_DB_CREATE create) a database, set the pragmas (WAL,
 * synchronous=FULL, foreign_keys, busy_timeout) and register the SQL
 * functions GeoPackage triggers need.  Does not migrate: see schema.h. */
int tb_db_open(const char *path, int flags, tb_db **out, tb_err *e);
void tb_db_close(tb_db *db);

/* Fill *e from the connection's last SQLite error, prefixed with `what`;
 * returns TB_EDB. */
int tb_db_error(tb_db *db, tb_err *e, const char *what);
int tb_db_exec(tb_db *db, const char *sql, tb_err *e);
/* Prepare one statement; free it with tb_stmt_finalize. */
int tb_db_prepare(tb_db *db, const char *sql, tb_stmt **st, tb_err *e);

/* A cached prepared statement for a static SQL text (looked up by the
 * pointer, so pass a string literal or another text that lives as long as
 * the connection).  The statement is reset and its bindings cleared before
 * it is returned; it stays owned by the connection.  For hot paths (per
 * record checks in bulk imports). */
tb_stmt *tb_db_stmt(tb_db *db, const char *sql, tb_err *e);
/* The same for SQL generated per owner (a resource description) and kind:
 * tb_db_stmt_find returns the cached statement (reset) or NULL; then
 * tb_db_stmt_keep prepares and caches sql under (owner, kind). */
tb_stmt *tb_db_stmt_find(tb_db *db, const void *owner, int kind);
tb_stmt *tb_db_stmt_keep(tb_db *db, const void *owner, int kind, const char *sql, tb_err *e);

/* Transactions.  Nested begin/commit pairs join the outermost one.  The
 * outermost begin first waits for its turn on the writer queue (writeq.h,
 * when the process enabled it), then runs BEGIN IMMEDIATE; TB_EBUSY when the
 * queue is full, the wait ran out, or another process held the file longer
 * than busy_timeout.  The outermost commit or rollback ends the turn. */
int tb_db_begin(tb_db *db, tb_err *e);
int tb_db_commit(tb_db *db, tb_err *e);
void tb_db_rollback(tb_db *db);
bool tb_db_in_tx(const tb_db *db); /* inside tb_db_begin … commit */

/* Rows changed by the last INSERT/UPDATE/DELETE, the last inserted row id,
 * the engine's message for the last error, and what kind of constraint the
 * last error violated. */
enum { TB_DBC_NONE = 0, TB_DBC_UNIQUE = 1, TB_DBC_OTHER = 2 };
int tb_db_changes(tb_db *db);
int64_t tb_db_last_id(tb_db *db);
const char *tb_db_errmsg(tb_db *db);
int tb_db_constraint(tb_db *db);

/* Statements.  Parameters are numbered from 1, columns from 0.
 * tb_stmt_step returns TB_ROW while there are rows, TB_DONE at the end,
 * anything else on an error (then tb_db_error names it).
 * tb_bind_text binds the text without copying it: it must stay valid until
 * the statement is stepped to its end, reset or finalized; the _copy forms
 * copy it; the _owned forms take a malloc'd value and free it.  A NULL text
 * binds SQL NULL.  tb_col_text is NULL for SQL NULL and stays valid until the
 * next step, reset or finalize. */
enum { TB_ROW = 100, TB_DONE = 101 };
enum { TB_COL_INT = 1, TB_COL_FLOAT = 2, TB_COL_TEXT = 3, TB_COL_BLOB = 4, TB_COL_NULL = 5 };
int tb_stmt_step(tb_stmt *st);
void tb_stmt_reset(tb_stmt *st);
void tb_stmt_clear(tb_stmt *st); /* all parameters back to NULL */
void tb_stmt_finalize(tb_stmt *st);
int tb_bind_text(tb_stmt *st, int i, const char *s);
int tb_bind_textn(tb_stmt *st, int i, const char *s, int n);
int tb_bind_text_copy(tb_stmt *st, int i, const char *s);
int tb_bind_textn_copy(tb_stmt *st, int i, const char *s, int n);
int tb_bind_text_owned(tb_stmt *st, int i, char *s);
int tb_bind_blob(tb_stmt *st, int i, const void *p, size_t n);
int tb_bind_blob_copy(tb_stmt *st, int i, const void *p, size_t n);
int tb_bind_blob_owned(tb_stmt *st, int i, void *p, size_t n);
int tb_bind_double(tb_stmt *st, int i, double v);
int tb_bind_int64(tb_stmt *st, int i, int64_t v);
int tb_bind_int(tb_stmt *st, int i, int v);
int tb_bind_null(tb_stmt *st, int i);
int tb_col_count(tb_stmt *st);
const char *tb_col_name(tb_stmt *st, int i);
int tb_col_type(tb_stmt *st, int i);
const char *tb_col_text(tb_stmt *st, int i);
const void *tb_col_blob(tb_stmt *st, int i);
int tb_col_bytes(tb_stmt *st, int i);
double tb_col_double(tb_stmt *st, int i);
int64_t tb_col_int64(tb_stmt *st, int i);
int tb_col_int(tb_stmt *st, int i);

/* Small query helpers: first column of the first row. */
int tb_db_int64(tb_db *db, const char *sql, int64_t *out, tb_err *e);
int tb_db_double(tb_db *db, const char *sql, double *out, tb_err *e);

/* Key/value settings of the district (tb_setting table): target area,
 * district code, tolerances.  get returns dflt when unset; caller frees
 * the string results. */
char *tb_setting_get(tb_db *db, const char *key, const char *dflt);
double tb_setting_num(tb_db *db, const char *key, double dflt);
int tb_setting_set(tb_db *db, const char *key, const char *value, tb_err *e);

#endif
