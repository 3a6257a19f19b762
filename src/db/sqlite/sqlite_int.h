/* sqlite/sqlite_int.h — the SQLite backend's connection, for the files of src/db/ only.
 * Nothing outside src/db/ includes this header or <sqlite3.h>: the check in
 * scripts/check-layers (run by `make check`) keeps it so. */
#ifndef TB_DB_SQLITE_INT_H
#define TB_DB_SQLITE_INT_H

#include "db/db.h"

#include <sqlite3.h>

struct tb_db {
	sqlite3 *h;
	char *path;
	int tx_depth;                /* >0 inside tb_db_begin                 */
	bool wq_held;                /* has a turn on the writer queue (writeq.h) */
	struct tb_codes *codes;      /* cached code lists (codes.c)           */
	struct tb_stmt_cache *stmts; /* prepared statements (tb_db_stmt)      */
};

/* A tb_stmt is an sqlite3_stmt: the pointer is only re-typed. */
#define TB_SQ(st) ((sqlite3_stmt *)(st))

#endif
