/* users.c — user operations (add, change password, disable, list) and the
 * helpers the session and token code share: loading a principal, revoking
 * a user's sessions and tokens, and appending this module's events.  Each
 * operation is one transaction with exactly one event, and no secret ever
 * enters an event. */
#include "auth/auth_int.h"

#include "base/log.h"
#include "db/event.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- shared helpers ----------------------------------------------------------- */

int auth_exec(tb_db *db, const char *sql, const char *types, int64_t *changes, tb_err *e, ...)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db, sql, &st, e);
	if (rc) return rc;
	va_list ap;
	va_start(ap, e);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 'i')
			tb_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else
			tb_bind_text_copy(st, i + 1, va_arg(ap, const char *));
	}
	va_end(ap);
	if (tb_stmt_step(st) != TB_DONE)
		rc = tb_db_error(db, e, "auth");
	else if (changes)
		*changes = tb_db_changes(db);
	tb_stmt_finalize(st);
	return rc;
}

int auth_event(tb_db *db, const char *actor, const char *role, const char *action,
               const char *entity, const char *id, const json_t *payload, tb_err *e)
{
	tb_event_in ev = {.actor = actor ? actor : "system",
	                  .role = role ? role : "admin",
	                  .action = action,
	                  .entity = entity,
	                  .entity_id = id,
	                  .payload = payload};
	return tb_event_append(db, &ev, NULL, e);
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

int auth_principal_load(tb_db *db, int64_t id, tb_principal *p, bool *disabled, tb_err *e)
{
	static const char *sql = "SELECT login, role, scope, unit, disabled FROM users WHERE fid=?";
	tb_stmt *st = tb_db_stmt(db, sql, e); /* per request: cached */
	if (!st) return TB_EDB;
	int rc = 0;
	tb_bind_int64(st, 1, id);
	int s = tb_stmt_step(st);
	if (s == TB_ROW) {
		memset(p, 0, sizeof *p);
		p->user_id = id;
		copy(p->login, sizeof p->login, tb_col_text(st, 0));
		copy(p->role, sizeof p->role, tb_col_text(st, 1));
		copy(p->scope, sizeof p->scope, tb_col_text(st, 2));
		copy(p->unit, sizeof p->unit, tb_col_text(st, 3));
		*disabled = tb_col_int(st, 4) != 0;
	} else if (s == TB_DONE)
		rc = tb_err_set(e, TB_ENOTFOUND, NULL, NULL, "no such user");
	else
		rc = tb_db_error(db, e, "users");
	tb_stmt_reset(st);
	return rc;
}

int auth_revoke_sessions(tb_db *db, int64_t user_id, int64_t *n, tb_err *e)
{
	return auth_exec(db, "UPDATE tb_session SET revoked=1 WHERE user_id=? AND revoked=0", "i",
	                 n, e, user_id);
}

int auth_revoke_tokens(tb_db *db, int64_t user_id, int64_t *n, tb_err *e)
{
	return auth_exec(db, "UPDATE tb_api_token SET revoked=1 WHERE user_id=? AND revoked=0", "i",
	                 n, e, user_id);
}

/* ---- operations ------------------------------------------------------------------ */

/* Who acts: the given actor, or "system" when none is given. */
const tb_actor *auth_actor(const tb_actor *who)
{
	static const tb_actor sys = {"system", "admin"};
	return who && who->login ? who : &sys;
}

static json_t *user_props(const char *login, const char *name, const char *role, const char *scope,
                          const char *unit)
{
	json_t *o = json_pack("{s:s?,s:s?}", "login", login, "role", role);
	if (name && *name) json_object_set_new(o, "name", json_string(name));
	if (scope && *scope) json_object_set_new(o, "scope", json_string(scope));
	if (unit && *unit) json_object_set_new(o, "unit", json_string(unit));
	json_object_set_new(o, "disabled", json_false());
	return o;
}

static int set_hash(tb_db *db, int64_t fid, const char *hash, tb_err *e)
{
	return auth_exec(db, "UPDATE users SET pw_hash=? WHERE fid=?", "si", NULL, e, hash, fid);
}

/* A copy of the user's props for an event: no private field. */
static json_t *event_props(const json_t *props)
{
	json_t *o = json_deep_copy(props);
	for (int i = 0; i < tb_users.nfields; i++)
		if (tb_users.fields[i].flags & TB_PRIVATE)
			json_object_del(o, tb_users.fields[i].name);
	return o;
}

int tb_user_add(tb_db *db, const tb_actor *who, const char *login, const char *name,
                const char *role, const char *scope, const char *unit, const char *password,
                tb_err *e)
{
	char hash[crypto_pwhash_STRBYTES];
	who = auth_actor(who);
	tb_write_ctx cx = {.actor = who};
	json_t *props = user_props(login, name, role, scope, unit), *payload = NULL;
	tb_record rec = {.props = props, .name = login ? login : "user"};
	tb_writer *w = NULL;
	/* hash before the transaction: Argon2id takes a while; hold no lock */
	int rc = auth_pw_check(password, e);
	if (!rc) rc = auth_pw_hash(password, hash, e);
	if (rc) goto out;
	if ((rc = tb_db_begin(db, e))) goto out;
	rc = tb_event_next_seq(db, &cx.seq, e);
	if (!rc && !(w = tb_writer_new(db, &tb_users, &cx, e))) rc = e->code ? e->code : TB_EDB;
	if (!rc) rc = tb_writer_insert(w, &rec, NULL, e);
	if (!rc) rc = set_hash(db, rec.fid, hash, e);
	if (!rc) {
		payload = json_pack("{s:o}", "after", event_props(props));
		rc = auth_event(db, who->login, who->role, "user.add", "users",
		                json_string_value(json_object_get(props, "login")), payload, e);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
out:
	sodium_memzero(hash, sizeof hash);
	tb_writer_free(w);
	json_decref(payload);
	json_decref(props);
	return rc;
}

/* Update the user `login` with patch (inside the caller's transaction);
 * *fid receives its id. */
static int patch_user(tb_db *db, tb_write_ctx *cx, const char *login, json_t *patch, int64_t *fid,
                      tb_err *e)
{
	json_t *old = NULL;
	int rc = tb_record_get_by_key(db, &tb_users, login ? login : "", &old, NULL, e);
	if (rc) return rc;
	tb_record rec = {
	    .props = patch, .fid = json_integer_value(json_object_get(old, "fid")), .name = login};
	*fid = rec.fid;
	rc = tb_event_next_seq(db, &cx->seq, e);
	if (!rc) rc = tb_record_update(db, &tb_users, &rec, 0, cx, e);
	json_decref(old);
	return rc;
}

int tb_user_passwd(tb_db *db, const tb_actor *who, const char *login, const char *password,
                   tb_err *e)
{
	char hash[crypto_pwhash_STRBYTES];
	who = auth_actor(who);
	tb_write_ctx cx = {.actor = who};
	json_t *patch = json_object(), *payload = NULL;
	int64_t fid = 0, nsess = 0;
	int rc = auth_pw_check(password, e);
	if (!rc) rc = auth_pw_hash(password, hash, e);
	if (rc) goto out;
	if ((rc = tb_db_begin(db, e))) goto out;
	rc = patch_user(db, &cx, login, patch, &fid, e);
	if (!rc) rc = set_hash(db, fid, hash, e);
	if (!rc) rc = auth_revoke_sessions(db, fid, &nsess, e);
	if (!rc) {
		payload = json_pack("{s:I}", "sessions_revoked", (json_int_t)nsess);
		rc = auth_event(db, who->login, who->role, "user.passwd", "users", login, payload,
		                e);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
out:
	sodium_memzero(hash, sizeof hash);
	json_decref(payload);
	json_decref(patch);
	return rc;
}

static int refuse_if_disabled(tb_db *db, const char *login, tb_err *e)
{
	json_t *u = NULL;
	int rc = tb_record_get_by_key(db, &tb_users, login ? login : "", &u, NULL, e);
	if (!rc && json_is_true(json_object_get(u, "disabled")))
		rc = tb_err_set(e, TB_ECONFLICT, login, "disabled", "the user is already disabled");
	json_decref(u);
	return rc;
}

int tb_user_disable(tb_db *db, const tb_actor *who, const char *login, tb_err *e)
{
	who = auth_actor(who);
	tb_write_ctx cx = {.actor = who};
	json_t *patch = json_pack("{s:b}", "disabled", 1), *payload = NULL;
	int64_t fid = 0, nsess = 0, ntok = 0;
	int rc = tb_db_begin(db, e);
	if (rc) goto out;
	rc = refuse_if_disabled(db, login, e);
	if (!rc) rc = patch_user(db, &cx, login, patch, &fid, e);
	if (!rc) rc = auth_revoke_sessions(db, fid, &nsess, e);
	if (!rc) rc = auth_revoke_tokens(db, fid, &ntok, e);
	if (!rc) {
		payload = json_pack("{s:I,s:I}", "sessions_revoked", (json_int_t)nsess,
		                    "tokens_revoked", (json_int_t)ntok);
		rc = auth_event(db, who->login, who->role, "user.disable", "users", login, payload,
		                e);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
out:
	json_decref(payload);
	json_decref(patch);
	return rc;
}

json_t *tb_user_list(tb_db *db, tb_err *e)
{
	tb_rows rows = {0};
	tb_query q = {.sort = "login", .limit = 10000};
	if (tb_record_list(db, &tb_users, &q, &rows, e)) return NULL;
	json_t *items = json_incref(rows.items);
	tb_rows_free(&rows);
	return items; /* tb_record_row leaves private fields out */
}
