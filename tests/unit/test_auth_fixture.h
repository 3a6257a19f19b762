/* test_auth_fixture.h — the fixture the auth tests share: a fresh database
 * (core + auth modules) in a temporary folder, a clock fixed with
 * TIANBAO_NOW that tests move, fast Argon2id (TIANBAO_PWHASH_FAST=1), and
 * small SQL helpers.  Included by test_auth_*.c only. */
#ifndef TEST_AUTH_FIXTURE_H
#define TEST_AUTH_FIXTURE_H

#include "auth/auth.h"
#include "tb_test.h"
#include "base/hash.h"
#include "base/tbtime.h"
#include "db/event.h"
#include "db/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0_MS 1777881600000LL /* 2026-05-04T08:00:00Z */
#define PW "correct horse battery"

typedef struct fx {
	char dir[64];
	char path[128];
	tb_db *db;
} fx;

static const tb_actor root = {"root", "admin"};

static inline void set_now(int64_t ms)
{
	char iso[32];
	tb_time_format_iso(ms, iso);
	setenv("TIANBAO_NOW", iso, 1);
}

static inline int64_t q64(tb_db *db, const char *sql)
{
	int64_t v = -1;
	tb_err e = {0};
	if (tb_db_int64(db, sql, &v, &e)) fail_msg("%s: %s", sql, e.message);
	return v;
}

/* First column of the first row as text ("(null)" when none); static buffer. */
static inline const char *qtext(tb_db *db, const char *sql)
{
	static char out[4096];
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, NULL))
		fail_msg("%s: %s", sql, tb_db_errmsg(db));
	snprintf(out, sizeof out, "(null)");
	if (tb_stmt_step(st) == TB_ROW && tb_col_text(st, 0))
		snprintf(out, sizeof out, "%s", tb_col_text(st, 0));
	tb_stmt_finalize(st);
	return out;
}

static inline int64_t events(tb_db *db)
{
	return q64(db, "SELECT count(*) FROM tb_event");
}

static inline void add_user(fx *f, const char *login, const char *role, const char *scope)
{
	tb_err e = {0};
	int rc = tb_user_add(f->db, &root, login, "测试用户", role, scope, NULL, PW, &e);
	if (rc) fail_msg("add %s: %s: %s", login, e.field, e.message);
}

static inline bool is_hex64(const char *s)
{
	if (strlen(s) != 64) return false;
	for (int i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", s[i])) return false;
	return true;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/tb_auth_XXXXXX");
	if (!f || !mkdtemp(f->dir)) return -1;
	snprintf(f->path, sizeof f->path, "%s/t.gpkg", f->dir);
	setenv("TIANBAO_PWHASH_FAST", "1", 1);
	setenv("TIANBAO_LOG", "error", 1); /* failed logins warn; keep test output clean */
	set_now(T0_MS);
	tb_err e = {0};
	if (tb_db_open(f->path, TB_DB_CREATE, &f->db, &e) ||
	    tb_schema_migrate(f->db, &tb_core_module, "test", &e) ||
	    tb_schema_migrate(f->db, &tb_auth_module, "test", &e)) {
		fprintf(stderr, "setup: %s\n", e.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	tb_db_close(f->db);
	tb_test_remove_db(f->dir, f->path);
	free(f);
	return 0;
}

#endif
