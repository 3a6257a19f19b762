/* token.c — API tokens for machine feeds (weather bureau, cameras, drones):
 * 256-bit random values shown once when made, stored only as SHA-256,
 * named by a unique label, revocable.  Adding and revoking are one
 * transaction with one event each; checking a token writes nothing. */
#include "auth/auth_int.h"

#include "base/tbtime.h"

#include <stdio.h>
#include <string.h>

#define DENIED_MSG "unknown or revoked API token"

static int check_label(const char *label, tb_err *e)
{
	size_t n = label ? strlen(label) : 0;
	if (n < 1 || n > 64) return tb_err_set(e, TB_EINPUT, NULL, "label", "1 to 64 characters");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)label[i] < 0x20 || label[i] == 0x7f)
			return tb_err_set(e, TB_EINPUT, NULL, "label",
			                  "control characters are not allowed");
	return 0;
}

/* The id of an enabled user (inside the caller's transaction). */
static int enabled_user(tb_db *db, const char *login, int64_t *id, tb_err *e)
{
	json_t *u = NULL;
	int rc = tb_record_get_by_key(db, &tb_users, login ? login : "", &u, NULL, e);
	if (!rc && json_is_true(json_object_get(u, "disabled")))
		rc = tb_err_set(e, TB_ECONFLICT, login, "login", "the user is disabled");
	if (!rc) *id = json_integer_value(json_object_get(u, "fid"));
	json_decref(u);
	return rc;
}

static int insert_token(tb_db *db, const char *hash, int64_t user_id, const char *label, tb_err *e)
{
	char now[32];
	tb_time_now_iso(now);
	int rc = auth_exec(db,
	                   "INSERT INTO tb_api_token(token_hash, user_id, label, created_at)"
	                   " VALUES(?,?,?,?)",
	                   "siss", NULL, e, hash, user_id, label, now);
	if (rc && tb_db_constraint(db) == TB_DBC_UNIQUE)
		rc = tb_err_set(e, TB_EINPUT, label, "label",
		                "duplicate label '%s': labels are never reused", label);
	return rc;
}

int tb_token_add(tb_db *db, const tb_actor *who, const char *login, const char *label,
                 char token_out[65], tb_err *e)
{
	char hash[65];
	int64_t uid = 0;
	json_t *payload = NULL;
	who = auth_actor(who);
	token_out[0] = 0;
	int rc = check_label(label, e);
	if (rc || (rc = tb_db_begin(db, e))) return rc;
	auth_token_new(token_out, hash);
	rc = enabled_user(db, login, &uid, e);
	if (!rc) rc = insert_token(db, hash, uid, label, e);
	if (!rc) {
		payload = json_pack("{s:s,s:s}", "login", login, "label", label);
		rc = auth_event(db, who->login, who->role, "token.add", "tb_api_token", label,
		                payload, e);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) {
		tb_db_rollback(db);
		sodium_memzero(token_out, 65);
	}
	json_decref(payload);
	return rc;
}

static bool label_exists(tb_db *db, const char *label)
{
	tb_stmt *st;
	if (tb_db_prepare(db, "SELECT 1 FROM tb_api_token WHERE label=?", &st, NULL))
		return false;
	tb_bind_text(st, 1, label ? label : "");
	bool found = tb_stmt_step(st) == TB_ROW;
	tb_stmt_finalize(st);
	return found;
}

int tb_token_revoke(tb_db *db, const tb_actor *who, const char *label, tb_err *e)
{
	int64_t n = 0;
	json_t *payload = NULL;
	who = auth_actor(who);
	int rc = tb_db_begin(db, e);
	if (rc) return rc;
	rc = auth_exec(db, "UPDATE tb_api_token SET revoked=1 WHERE label=? AND revoked=0", "s", &n,
	               e, label ? label : "");
	if (!rc && !n)
		rc = label_exists(db, label)
		         ? tb_err_set(e, TB_ECONFLICT, label, "label", "already revoked")
		         : tb_err_set(e, TB_ENOTFOUND, label, "label",
		                      "no API token with this label");
	if (!rc) {
		payload = json_pack("{s:s}", "label", label);
		rc = auth_event(db, who->login, who->role, "token.revoke", "tb_api_token", label,
		                payload, e);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
	json_decref(payload);
	return rc;
}

int tb_token_check(tb_db *db, const char *token, tb_principal *p, tb_err *e)
{
	char hash[65];
	if (!auth_token_hash(token, hash)) return tb_err_set(e, TB_EDENIED, NULL, NULL, DENIED_MSG);
	/* every API request passes here: a cached statement */
	static const char *sql = "SELECT user_id FROM tb_api_token WHERE token_hash=? AND revoked=0";
	tb_stmt *st = tb_db_stmt(db, sql, e);
	if (!st) return TB_EDB;
	tb_bind_text(st, 1, hash);
	int64_t uid = tb_stmt_step(st) == TB_ROW ? tb_col_int64(st, 0) : 0;
	tb_stmt_reset(st);
	bool disabled = true;
	int rc = uid ? auth_principal_load(db, uid, p, &disabled, e) : 0;
	if (!rc && disabled) rc = tb_err_set(e, TB_EDENIED, NULL, NULL, DENIED_MSG);
	if (!rc) p->via_token = true;
	return rc;
}

json_t *tb_token_list(tb_db *db, tb_err *e)
{
	tb_stmt *st;
	if (tb_db_prepare(db,
	                  "SELECT t.label, u.login, t.created_at, t.revoked FROM tb_api_token t"
	                  " JOIN users u ON u.fid=t.user_id ORDER BY t.label",
	                  &st, e))
		return NULL;
	json_t *a = json_array();
	while (tb_stmt_step(st) == TB_ROW)
		json_array_append_new(
		    a, json_pack("{s:s,s:s,s:s,s:b}", "label",
		                 tb_col_text(st, 0), "login",
		                 tb_col_text(st, 1), "created_at",
		                 tb_col_text(st, 2), "revoked",
		                 tb_col_int(st, 3)));
	tb_stmt_finalize(st);
	return a;
}
