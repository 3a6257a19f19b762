/* conn_int.h — what the backend-neutral files of src/db/ need from a
 * connection beyond db.h: per-connection caches that the backend keeps and
 * frees with the connection.  For src/db/ only. */
#ifndef TB_DB_CONN_INT_H
#define TB_DB_CONN_INT_H

#include "db/db.h"

struct tb_codes;
/* The connection's cached code lists (codes.c), NULL until loaded. */
struct tb_codes **tb_db_codes_slot(tb_db *db);
void tb_codes_free(struct tb_codes *c); /* codes.c */

#endif
