/* conn.c — the SQLite backend's connection: opening the database with the
 * pragmas tianbao relies on, the prepared-statement cache, SQL text
 * execution and transactions.  The GeoPackage SQL functions the R-tree
 * triggers call are registered at open (functions.c). */
#include "db/sqlite/sqlite_int.h"

#include "db/conn_int.h"

#include "db/gpkg.h"
#include "db/writeq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long a writer waits for another process (the CLI) to release the file. */
#define TB_DB_BUSY_MS 5000
#define TB_DB_BUSY_MS_S "5000"

int tb_db_error(tb_db *db, tb_err *e, const char *what)
{
	return tb_err_set(e, TB_EDB, NULL, NULL, "%s: %s", what,
			  db && db->h ? sqlite3_errmsg(db->h) : "cannot open");
}

static int pragmas(tb_db *db, bool ro, tb_err *e)
{
	/* a 64 MiB page cache keeps a large import's pages out of the WAL
	 * until it commits; statement journals (every INSERT that fires the
	 * R-tree triggers has one) stay in memory instead of temp files */
	/* busy_timeout first: switching to WAL may itself wait for a lock */
	const char *rw = "PRAGMA busy_timeout=" TB_DB_BUSY_MS_S "; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;";
	const char *r = "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=" TB_DB_BUSY_MS_S ";";
	return tb_db_exec(db, ro ? r : rw, e);
}

int tb_db_open(const char *path, int flags, tb_db **out, tb_err *e)
{
	*out = NULL;
	if (flags & TB_DB_MUST_BE_NEW && access(path, F_OK) == 0)
		return tb_err_set(e, TB_EUSAGE, path, NULL,
				  "database already exists; choose another path or remove it");
	if (!(flags & TB_DB_CREATE) && access(path, F_OK) != 0)
		return tb_err_set(e, TB_EUSAGE, path, NULL,
				  "no database here; create one with `tianbao init` or `tianbao demo`");
	tb_db *db = calloc(1, sizeof *db);
	if (!db) return tb_err_set(e, TB_ENOMEM, NULL, NULL, "out of memory");
	db->path = strdup(path);
	int of = flags & TB_DB_READONLY ? SQLITE_OPEN_READONLY
					: SQLITE_OPEN_READWRITE | (flags & TB_DB_CREATE ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, &db->h, of | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = tb_err_set(e, TB_EIO, path, NULL, "cannot open database: %s",
				db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		tb_db_close(db);
		return rc;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, TB_DB_BUSY_MS);
	rc = pragmas(db, flags & TB_DB_READONLY, e);
	if (!rc) rc = tb_gpkg_register_functions(db, e);
	if (rc) {
		tb_db_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

struct tb_codes **tb_db_codes_slot(tb_db *db)
{
	return &db->codes;
}

/* Prepared statements kept for the connection's life: static SQL texts
 * (tb_db_stmt, by the text's address) and statements keyed by an owner and
 * a kind (tb_db_stmt_keep: a resource's reads).  Both grow as needed; none
 * is evicted, so a statement a caller still steps is never finalized under
 * it (a fixed 128 slots evicting the oldest would have, with 4 kinds per
 * resource and more than 32 resources). */
typedef struct keyed_stmt {
	const void *owner;
	int kind;
	sqlite3_stmt *st;
} keyed_stmt;

typedef struct tb_stmt_cache {
	const char **sql;
	sqlite3_stmt **st;
	int n, cap;
	keyed_stmt *k;
	int nk, capk;
} tb_stmt_cache;

static tb_stmt_cache *stmt_cache(tb_db *db, tb_err *e)
{
	if (!db->stmts && !(db->stmts = calloc(1, sizeof *db->stmts)))
		tb_err_set(e, TB_ENOMEM, NULL, NULL, "out of memory");
	return db->stmts;
}

tb_stmt *tb_db_stmt_find(tb_db *db, const void *owner, int kind)
{
	tb_stmt_cache *c = db->stmts;
	for (int i = 0; c && i < c->nk; i++)
		if (c->k[i].owner == owner && c->k[i].kind == kind) {
			sqlite3_reset(c->k[i].st);
			sqlite3_clear_bindings(c->k[i].st);
			return (tb_stmt *)c->k[i].st;
		}
	return NULL;
}

tb_stmt *tb_db_stmt_keep(tb_db *db, const void *owner, int kind, const char *sql, tb_err *e)
{
	tb_stmt_cache *c = stmt_cache(db, e);
	if (!c) return NULL;
	if (c->nk == c->capk) {
		int cap = c->capk ? 2 * c->capk : 64;
		keyed_stmt *k = realloc(c->k, (size_t)cap * sizeof *k);
		if (!k) {
			tb_err_set(e, TB_ENOMEM, NULL, NULL, "out of memory");
			return NULL;
		}
		c->k = k;
		c->capk = cap;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		tb_db_error(db, e, "prepare");
		return NULL;
	}
	c->k[c->nk++] = (keyed_stmt){owner, kind, st};
	return (tb_stmt *)st;
}

tb_stmt *tb_db_stmt(tb_db *db, const char *sql, tb_err *e)
{
	tb_stmt_cache *c = stmt_cache(db, e);
	if (!c) return NULL;
	for (int i = 0; i < c->n; i++)
		if (c->sql[i] == sql) {
			sqlite3_reset(c->st[i]);
			sqlite3_clear_bindings(c->st[i]);
			return (tb_stmt *)c->st[i];
		}
	if (c->n == c->cap) { /* only static texts belong here: their number is the code's */
		int cap = c->cap ? 2 * c->cap : 64;
		const char **sq = realloc(c->sql, (size_t)cap * sizeof *sq);
		if (sq) c->sql = sq;
		sqlite3_stmt **st = sq ? realloc(c->st, (size_t)cap * sizeof *st) : NULL;
		if (!st) {
			tb_err_set(e, TB_ENOMEM, NULL, NULL, "out of memory");
			return NULL;
		}
		c->st = st;
		c->cap = cap;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		tb_db_error(db, e, "prepare");
		return NULL;
	}
	c->sql[c->n] = sql;
	c->st[c->n++] = st;
	return (tb_stmt *)st;
}

static void stmt_cache_free(tb_db *db)
{
	tb_stmt_cache *c = db->stmts;
	for (int i = 0; c && i < c->n; i++) sqlite3_finalize(c->st[i]);
	for (int i = 0; c && i < c->nk; i++) sqlite3_finalize(c->k[i].st);
	if (c) {
		free(c->sql);
		free(c->st);
		free(c->k);
	}
	free(c);
	db->stmts = NULL;
}

void tb_db_close(tb_db *db)
{
	if (!db) return;
	tb_db_rollback(db);
	stmt_cache_free(db);
	if (db->h) sqlite3_close_v2(db->h);
	tb_codes_free(db->codes);
	free(db->path);
	free(db);
}

int tb_db_exec(tb_db *db, const char *sql, tb_err *e)
{
	char *msg = NULL;
	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
	int rc = tb_err_set(e, TB_EDB, NULL, NULL, "%s", msg ? msg : "SQL error");
	sqlite3_free(msg);
	return rc;
}

int tb_db_prepare(tb_db *db, const char *sql, tb_stmt **st, tb_err *e)
{
	if (sqlite3_prepare_v2(db->h, sql, -1, (sqlite3_stmt **)st, NULL) == SQLITE_OK) return 0;
	return tb_db_error(db, e, "prepare");
}

int tb_db_begin(tb_db *db, tb_err *e)
{
	if (db->tx_depth++ > 0) return 0;
	int rc = tb_db_writeq_enter(&db->wq_held, e);
	if (!rc && sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		int busy = (sqlite3_errcode(db->h) & 0xff) == SQLITE_BUSY;
		rc = busy ? tb_err_set(e, TB_EBUSY, NULL, NULL,
				       "another process has held the database for writing longer than %d ms; "
				       "try again shortly", TB_DB_BUSY_MS)
			  : tb_db_error(db, e, "begin");
	}
	if (rc) {
		db->tx_depth = 0;
		tb_db_writeq_leave(&db->wq_held);
	}
	return rc;
}

int tb_db_commit(tb_db *db, tb_err *e)
{
	if (db->tx_depth <= 0) return tb_err_set(e, TB_EINTERNAL, NULL, NULL, "commit without begin");
	if (--db->tx_depth > 0) return 0;
	int rc = tb_db_exec(db, "COMMIT", e);
	if (rc) tb_db_exec(db, "ROLLBACK", NULL);
	tb_db_writeq_leave(&db->wq_held);
	return rc;
}

bool tb_db_in_tx(const tb_db *db)
{
	return db->tx_depth > 0;
}

void tb_db_rollback(tb_db *db)
{
	if (db->tx_depth <= 0) return;
	db->tx_depth = 0;
	tb_db_exec(db, "ROLLBACK", NULL);
	tb_db_writeq_leave(&db->wq_held);
}

