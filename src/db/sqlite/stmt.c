/* stmt.c — the statement interface of db.h over SQLite (binding, stepping,
 * reading columns).  A tb_stmt is an sqlite3_stmt re-typed, so these are
 * thin; a second backend implements the same functions over its own
 * prepared statements. */
#include "db/sqlite/sqlite_int.h"

#include <stdlib.h>

int tb_stmt_step(tb_stmt *st) { return sqlite3_step(TB_SQ(st)); }
void tb_stmt_reset(tb_stmt *st) { sqlite3_reset(TB_SQ(st)); }
void tb_stmt_clear(tb_stmt *st) { sqlite3_clear_bindings(TB_SQ(st)); }
void tb_stmt_finalize(tb_stmt *st) { sqlite3_finalize(TB_SQ(st)); }

int tb_bind_text(tb_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(TB_SQ(st), i, s, -1, SQLITE_STATIC);
}
int tb_bind_textn(tb_stmt *st, int i, const char *s, int n)
{
	return sqlite3_bind_text(TB_SQ(st), i, s, n, SQLITE_STATIC);
}
int tb_bind_text_copy(tb_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(TB_SQ(st), i, s, -1, SQLITE_TRANSIENT);
}
int tb_bind_textn_copy(tb_stmt *st, int i, const char *s, int n)
{
	return sqlite3_bind_text(TB_SQ(st), i, s, n, SQLITE_TRANSIENT);
}
int tb_bind_text_owned(tb_stmt *st, int i, char *s)
{
	return sqlite3_bind_text(TB_SQ(st), i, s, -1, free);
}
int tb_bind_blob(tb_stmt *st, int i, const void *p, size_t n)
{
	return sqlite3_bind_blob64(TB_SQ(st), i, p, n, SQLITE_STATIC);
}
int tb_bind_blob_copy(tb_stmt *st, int i, const void *p, size_t n)
{
	return sqlite3_bind_blob64(TB_SQ(st), i, p, n, SQLITE_TRANSIENT);
}
int tb_bind_blob_owned(tb_stmt *st, int i, void *p, size_t n)
{
	return sqlite3_bind_blob64(TB_SQ(st), i, p, n, free);
}
int tb_bind_double(tb_stmt *st, int i, double v) { return sqlite3_bind_double(TB_SQ(st), i, v); }
int tb_bind_int64(tb_stmt *st, int i, int64_t v) { return sqlite3_bind_int64(TB_SQ(st), i, v); }
int tb_bind_int(tb_stmt *st, int i, int v) { return sqlite3_bind_int(TB_SQ(st), i, v); }
int tb_bind_null(tb_stmt *st, int i) { return sqlite3_bind_null(TB_SQ(st), i); }

int tb_col_count(tb_stmt *st) { return sqlite3_column_count(TB_SQ(st)); }
const char *tb_col_name(tb_stmt *st, int i) { return sqlite3_column_name(TB_SQ(st), i); }
int tb_col_type(tb_stmt *st, int i) { return sqlite3_column_type(TB_SQ(st), i); }
const char *tb_col_text(tb_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(TB_SQ(st), i);
}
const void *tb_col_blob(tb_stmt *st, int i) { return sqlite3_column_blob(TB_SQ(st), i); }
int tb_col_bytes(tb_stmt *st, int i) { return sqlite3_column_bytes(TB_SQ(st), i); }
double tb_col_double(tb_stmt *st, int i) { return sqlite3_column_double(TB_SQ(st), i); }
int64_t tb_col_int64(tb_stmt *st, int i) { return sqlite3_column_int64(TB_SQ(st), i); }
int tb_col_int(tb_stmt *st, int i) { return sqlite3_column_int(TB_SQ(st), i); }

int tb_db_changes(tb_db *db) { return sqlite3_changes(db->h); }
int64_t tb_db_last_id(tb_db *db) { return sqlite3_last_insert_rowid(db->h); }
const char *tb_db_errmsg(tb_db *db) { return sqlite3_errmsg(db->h); }
int tb_db_constraint(tb_db *db)
{
	int ext = sqlite3_extended_errcode(db->h);
	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) return TB_DBC_UNIQUE;
	return (ext & 0xff) == SQLITE_CONSTRAINT ? TB_DBC_OTHER : TB_DBC_NONE;
}
