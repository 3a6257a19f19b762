/* db.c — small query helpers and the district settings, over the statement
 * interface of db.h (so they serve every backend). */
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

/* The first column of the first row as an integer or a real (0 when there
 * is no row). */
static int scalar(tb_db *db, const char *sql, int64_t *i, double *d, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db, sql, &st, e);
	if (rc) return rc;
	rc = tb_stmt_step(st);
	bool row = rc == TB_ROW;
	if (i) *i = row ? tb_col_int64(st, 0) : 0;
	if (d) *d = row ? tb_col_double(st, 0) : 0;
	rc = row || rc == TB_DONE ? 0 : tb_db_error(db, e, "query");
	tb_stmt_finalize(st);
	return rc;
}

int tb_db_int64(tb_db *db, const char *sql, int64_t *out, tb_err *e)
{
	return scalar(db, sql, out, NULL, e);
}

int tb_db_double(tb_db *db, const char *sql, double *out, tb_err *e)
{
	return scalar(db, sql, NULL, out, e);
}

char *tb_setting_get(tb_db *db, const char *key, const char *dflt)
{
	tb_stmt *st;
	char *r = NULL;
	if (tb_db_prepare(db, "SELECT value FROM tb_setting WHERE key=?", &st, NULL) == 0) {
		tb_bind_text(st, 1, key);
		if (tb_stmt_step(st) == TB_ROW && tb_col_text(st, 0))
			r = strdup(tb_col_text(st, 0));
		tb_stmt_finalize(st);
	}
	if (!r && dflt) r = strdup(dflt);
	return r;
}

double tb_setting_num(tb_db *db, const char *key, double dflt)
{
	char *s = tb_setting_get(db, key, NULL);
	if (!s) return dflt;
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end) v = dflt;
	free(s);
	return v;
}

int tb_setting_set(tb_db *db, const char *key, const char *value, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db,
			       "INSERT INTO tb_setting(key,value) VALUES(?,?) "
			       "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
			       &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, key);
	tb_bind_text(st, 2, value);
	rc = tb_stmt_step(st) == TB_DONE ? 0 : tb_db_error(db, e, "setting");
	tb_stmt_finalize(st);
	return rc;
}
