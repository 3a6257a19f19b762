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

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

enum {
	TB_DB_CREATE = 1,   /* create the file if it does not exist      */
	TB_DB_READONLY = 2, /* open read-only                             */
	TB_DB_MUST_BE_NEW = 4 /* refuse an existing file (init, demo)     */
};

typedef struct tb_db {
	sqlite3 *h;
	char *path;
	int tx_depth;          /* >0 inside tb_db_begin                 */
	bool wq_held;          /* has a turn on the writer queue (writeq.h) */
	struct tb_codes *codes; /* cached code lists (codes.c)           */
	struct tb_stmt_cache *stmts; /* prepared statements (tb_db_stmt)  */
} tb_db;

/* Open (and with TB_DB_CREATE create) a database, set the pragmas (WAL,
 * synchronous=FULL, foreign_keys, busy_timeout) and register the SQL
 * functions GeoPackage triggers need.  Does not migrate: see schema.h. */
int tb_db_open(const char *path, int flags, tb_db **out, tb_err *e);
void tb_db_close(tb_db *db);

/* Fill *e from the connection's last SQLite error, prefixed with `what`;
 * returns TB_EDB. */
int tb_db_error(tb_db *db, tb_err *e, const char *what);
int tb_db_exec(tb_db *db, const char *sql, tb_err *e);
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
