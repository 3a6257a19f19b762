/* schema.c — the auth module's tables: the described users resource (with
 * its hooks) and three plain tables: sessions, API tokens and login
 * attempts.  tb_auth_module is migrated after the registry's, by the HTTP
 * layer and the CLI alike. */
#include "auth/auth_int.h"

#include "base/data.h"
#include "db/codes.h"
#include "db/gpkg.h"

#include <stdlib.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int users_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx,
                              tb_err *e);

/* Users are admin-only, so the resource has no scope field.  pw_hash is set
 * only by tb_user_add / tb_user_passwd (users.c), never from input, and
 * never leaves the server (TB_PRIVATE keeps it out of JSON and events). */
static const tb_field user_fields[] = {
    {"login", TB_F_TEXT, TB_REQUIRED | TB_UNIQUE, "登录名", "Login", .max_len = AUTH_LOGIN_MAX},
    {"name", TB_F_TEXT, 0, "姓名", "Name", .max_len = 100},
    {"role", TB_F_CODE, TB_REQUIRED | TB_INDEXED, "角色", "Role", .codes = "role"},
    {"scope", TB_F_TEXT, 0, "管辖范围", "Jurisdiction", .max_len = 255},
    {"unit", TB_F_TEXT, 0, "所属单位", "Unit", .max_len = 31},
    {"disabled", TB_F_BOOL, 0, "已停用", "Disabled"},
    {"pw_hash", TB_F_TEXT, TB_PRIVATE | TB_COMPUTED, "口令散列", "Password hash"},
    {"last_login", TB_F_TIME, TB_COMPUTED, "最近登录", "Last login"},
};

const tb_resource tb_users = {
    .name = "users",
    .label_zh = "用户",
    .label_en = "Users",
    .clause = "4",
    .fields = user_fields,
    .nfields = N(user_fields),
    .key = "login",
    .before_write = users_before_write,
};

/* ---- hooks ---------------------------------------------------------------- */

static bool login_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 3 || n > AUTH_LOGIN_MAX) return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._-", s[i])) return false;
	return true;
}

/* Roles whose users see only part of the district need a scope. */
static bool role_needs_scope(const char *role)
{
	return role && (!strcmp(role, "town") || !strcmp(role, "unit") || !strcmp(role, "ranger"));
}

/* Computed fields are dropped from an update's row (record.c); put the
 * stored ones back so a generic update never wipes the password hash. */
static int keep_stored(tb_db *db, tb_record *rec, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db, "SELECT pw_hash, last_login FROM users WHERE fid=?", &st, e);
	if (rc) return rc;
	tb_bind_int64(st, 1, rec->fid);
	if (tb_stmt_step(st) == TB_ROW) {
		const char *h = tb_col_text(st, 0);
		const char *t = tb_col_text(st, 1);
		json_object_set_new(rec->props, "pw_hash", h ? json_string(h) : json_null());
		json_object_set_new(rec->props, "last_login", t ? json_string(t) : json_null());
	} else
		rc = tb_db_error(db, e, "users");
	tb_stmt_finalize(st);
	return rc;
}

/* "a, b,,c " → "a,b,c": the form list queries and tb_jurisdiction_allows
 * expect. */
static void normalise_scope(json_t *props)
{
	const char *s = json_string_value(json_object_get(props, "scope"));
	if (!s) return;
	char out[1024];
	size_t k = 0;
	for (size_t i = 0; s[i] && k + 1 < sizeof out; i++) {
		if (s[i] == ' ' || s[i] == '\t' || (s[i] == ',' && (!k || out[k - 1] == ',')))
			continue;
		out[k++] = s[i];
	}
	while (k && out[k - 1] == ',')
		k--;
	out[k] = 0;
	json_object_set_new(props, "scope", k ? json_string(out) : json_null());
}

static int users_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r;
	(void)ctx;
	normalise_scope(rec->props);
	const char *login = json_string_value(json_object_get(rec->props, "login"));
	const char *role = json_string_value(json_object_get(rec->props, "role"));
	const char *scope = json_string_value(json_object_get(rec->props, "scope"));
	if (!login_ok(login))
		return tb_err_set(e, TB_EINPUT, rec->name, "login",
		                  "3 to %d characters of a-z, 0-9, '.', '_' and '-'",
		                  AUTH_LOGIN_MAX);
	if (role_needs_scope(role) && (!scope || !*scope))
		return tb_err_set(e, TB_EINPUT, rec->name, "scope",
		                  "required for role %s (the codes it may see)", role);
	if (!json_is_true(json_object_get(rec->props, "disabled")))
		json_object_set_new(rec->props, "disabled", json_false());
	if (rec->old) return keep_stored(db, rec, e);
	json_object_set_new(rec->props, "pw_hash", json_null());
	json_object_set_new(rec->props, "last_login", json_null());
	return 0;
}

/* ---- migrations ------------------------------------------------------------- */

/* The role code list (data/codes/codes.csv, list "role"): loaded here too,
 * since databases made before auth existed already ran the core step that
 * loads codes.csv.  Only the role rows are loaded, so the bureau's edits to
 * other lists stay. */
static int load_roles(tb_db *db, tb_err *e)
{
	size_t n;
	char *csv = tb_data_read("codes/codes.csv", &n);
	if (!csv) return tb_err_set(e, TB_EINTERNAL, "codes/codes.csv", NULL, "missing data file");
	char *out = malloc(n + 1);
	if (!out) {
		free(csv);
		return tb_err_set(e, TB_ENOMEM, NULL, NULL, "out of memory");
	}
	size_t k = 0;
	for (char *line = csv, *next; line < csv + n; line = next) {
		char *nl = memchr(line, '\n', (size_t)(csv + n - line));
		next = nl ? nl + 1 : csv + n;
		if (line == csv || !strncmp(line, "role,", 5)) {
			memcpy(out + k, line, (size_t)(next - line));
			k += (size_t)(next - line);
		}
	}
	int rc = tb_codes_load_csv(db, out, k, e);
	free(out);
	free(csv);
	return rc;
}

static const char *plain_tables =
    /* A GeoPackage attributes table needs an INTEGER PRIMARY KEY, so the
     * token hashes are UNIQUE keys beside it. */
    "CREATE TABLE tb_session (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " token_hash TEXT NOT NULL UNIQUE, user_id INTEGER NOT NULL REFERENCES users(fid),"
    " created_at_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL, csrf TEXT NOT NULL,"
    " ip TEXT, revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX tb_session_user ON tb_session(user_id, revoked);"
    "CREATE TABLE tb_api_token (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " token_hash TEXT NOT NULL UNIQUE, user_id INTEGER NOT NULL REFERENCES users(fid),"
    " label TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX tb_api_token_user ON tb_api_token(user_id, revoked);"
    "CREATE TABLE tb_login_attempt (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " time_ms INTEGER NOT NULL, login TEXT NOT NULL, ip TEXT NOT NULL, ok INTEGER NOT NULL);"
    "CREATE INDEX tb_login_attempt_login ON tb_login_attempt(login, time_ms);"
    "CREATE INDEX tb_login_attempt_ip ON tb_login_attempt(ip, time_ms);"
    "CREATE INDEX tb_login_attempt_time ON tb_login_attempt(time_ms);";

static int auth_v1(tb_db *db, tb_err *e)
{
	int rc = load_roles(db, e);
	if (!rc) rc = tb_resource_create(db, &tb_users, e);
	if (!rc) rc = tb_db_exec(db, plain_tables, e);
	if (!rc)
		rc = tb_gpkg_add_attributes(db, "tb_session", "会话 sessions",
		                            "login sessions (token hashes only)", e);
	if (!rc)
		rc = tb_gpkg_add_attributes(db, "tb_api_token", "接口令牌 API tokens",
		                            "API tokens for machine feeds (hashes only)", e);
	if (!rc)
		rc = tb_gpkg_add_attributes(db, "tb_login_attempt", "登录尝试 login attempts",
		                            "login attempts, for throttling", e);
	return rc;
}

static const tb_migration auth_steps[] = {
    {1, "auth: users, sessions, API tokens, login attempts", auth_v1},
};

const tb_module tb_auth_module = {"auth", auth_steps, N(auth_steps)};
