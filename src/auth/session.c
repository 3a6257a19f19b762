/* session.c — logging in and out, and checking session tokens: failed-login
 * throttling per account and per IP, idle and absolute expiry, CSRF tokens.
 * A login or logout is one transaction with one event (session.login /
 * session.logout).  A failed login writes only a tb_login_attempt row and a
 * log line, never an event: guessing must not grow the append-only log. */
#include "auth/auth_int.h"

#include "base/log.h"
#include "base/tbtime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define DENIED_MSG "wrong login or password"
#define THROTTLED_MSG "too many failed logins; try again later"
#define EXPIRED_MSG "not logged in, or the session has expired"
#define TOUCH_MS 60000                            /* last_seen precision      */
#define ATTEMPT_KEEP_MS (30LL * 24 * 3600 * 1000) /* attempt rows kept 30 days */

void tb_session_limits_default(tb_session_limits *l)
{
	*l = (tb_session_limits){.idle_s = 1800,
	                         .absolute_s = 43200,
	                         .max_fail_account = 5,
	                         .max_fail_ip = 20,
	                         .window_s = 900};
}

/* The limits with unset (≤ 0) members at their defaults. */
static tb_session_limits limits_of(const tb_session_limits *l)
{
	tb_session_limits d, r;
	tb_session_limits_default(&d);
	r = l ? *l : d;
	if (r.idle_s <= 0) r.idle_s = d.idle_s;
	if (r.absolute_s <= 0) r.absolute_s = d.absolute_s;
	if (r.max_fail_account <= 0) r.max_fail_account = d.max_fail_account;
	if (r.max_fail_ip <= 0) r.max_fail_ip = d.max_fail_ip;
	if (r.window_s <= 0) r.window_s = d.window_s;
	return r;
}

/* A login or address as given, made safe for the table and the log: cut
 * to n - 1 bytes, ASCII lowercased, control bytes and quotes replaced (log
 * lines cannot be forged). */
static void clean(const char *in, char *out, size_t n)
{
	size_t i = 0;
	for (; in && in[i] && i + 1 < n; i++) {
		unsigned char c = (unsigned char)in[i];
		out[i] = c < 0x20 || c == 0x7f || c == '\'' || c == '\\' ? '?' : (char)tolower(c);
	}
	out[i] = 0;
}

/* ---- throttling ------------------------------------------------------------------ */

static int count(tb_db *db, const char *sql, const char *key, int64_t since, int64_t *n, tb_err *e)
{
	tb_stmt *st = tb_db_stmt(db, sql, e);
	if (!st) return e->code ? e->code : TB_EDB;
	tb_bind_text_copy(st, 1, key);
	tb_bind_int64(st, 2, since);
	int rc = tb_stmt_step(st) == TB_ROW ? 0 : tb_db_error(db, e, "tb_login_attempt");
	*n = rc ? 0 : tb_col_int64(st, 0);
	tb_stmt_reset(st);
	return rc;
}

/* Failures inside the window: per account since its last success, and per
 * IP in all. */
static int throttled(tb_db *db, const tb_session_limits *l, const char *login, const char *ip,
                     int64_t now, bool *over, tb_err *e)
{
	static const char *by_login =
	    "SELECT count(*) FROM tb_login_attempt WHERE login=?1 AND ok=0 AND time_ms>?2"
	    " AND id>coalesce((SELECT max(id) FROM tb_login_attempt WHERE login=?1 AND ok=1),0)";
	static const char *by_ip =
	    "SELECT count(*) FROM tb_login_attempt WHERE ip=?1 AND ok=0 AND time_ms>?2";
	int64_t since = now - (int64_t)l->window_s * 1000, na = 0, ni = 0;
	int rc = count(db, by_login, login, since, &na, e);
	if (!rc) rc = count(db, by_ip, ip, since, &ni, e);
	*over = na >= l->max_fail_account || ni >= l->max_fail_ip;
	return rc;
}

static int record_attempt(tb_db *db, const char *login, const char *ip, int64_t now, bool ok,
                          tb_err *e)
{
	int rc =
	    auth_exec(db, "INSERT INTO tb_login_attempt(time_ms, login, ip, ok) VALUES(?,?,?,?)",
	              "issi", NULL, e, now, login, ip, (int64_t)ok);
	if (!rc && !ok)
		rc = auth_exec(db, "DELETE FROM tb_login_attempt WHERE time_ms<?", "i", NULL, e,
		               now - ATTEMPT_KEEP_MS);
	return rc;
}

/* A failed login: logged (never the password) and recorded; same message
 * whatever the reason. */
static int fail_login(tb_db *db, const char *login, const char *ip, int64_t now, const char *reason,
                      tb_err *e)
{
	tb_warn("login failed: login '%s' from %s: %s", login, ip, reason);
	tb_err ignore = {0};
	if (record_attempt(db, login, ip, now, false, &ignore))
		tb_warn("login attempt not recorded: %s", ignore.message);
	return tb_err_set(e, TB_EDENIED, NULL, NULL, DENIED_MSG);
}

/* ---- login --------------------------------------------------------------------------- */

typedef struct stored_user {
	int64_t id;
	bool disabled;
	char hash[crypto_pwhash_STRBYTES];
} stored_user;

/* The stored user for a login; u->id stays 0 when there is none. */
static int find_user(tb_db *db, const char *login, stored_user *u, tb_err *e)
{
	tb_stmt *st;
	int rc =
	    tb_db_prepare(db, "SELECT fid, disabled, pw_hash FROM users WHERE login=?", &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, login);
	memset(u, 0, sizeof *u);
	int s = tb_stmt_step(st);
	if (s == TB_ROW) {
		u->id = tb_col_int64(st, 0);
		u->disabled = tb_col_int(st, 1) != 0;
		const char *h = tb_col_text(st, 2);
		snprintf(u->hash, sizeof u->hash, "%s", h ? (const char *)h : "");
	} else if (s != TB_DONE)
		rc = tb_db_error(db, e, "users");
	tb_stmt_finalize(st);
	return rc;
}

/* The session row, the successful attempt, last_login and the event. */
static int open_session(tb_db *db, const stored_user *u, const char *ip, int64_t now,
                        const char *token_hash, tb_principal *p, tb_err *e)
{
	bool disabled;
	char iso[32];
	tb_time_format_iso(now, iso);
	int rc = tb_db_begin(db, e);
	if (rc) return rc;
	rc = auth_principal_load(db, u->id, p, &disabled, e);
	if (!rc) {
		char csrf_hash[65]; /* unused: the CSRF token is stored as it is */
		auth_token_new(p->csrf, csrf_hash);
		rc = auth_exec(db,
		               "INSERT INTO tb_session(token_hash, user_id, created_at_ms,"
		               " last_seen_ms, csrf, ip) VALUES(?,?,?,?,?,?)",
		               "siiiss", NULL, e, token_hash, u->id, now, now, p->csrf, ip);
	}
	if (!rc) rc = record_attempt(db, p->login, ip, now, true, e);
	if (!rc)
		rc = auth_exec(db, "UPDATE users SET last_login=? WHERE fid=?", "si", NULL, e, iso,
		               u->id);
	if (!rc) {
		json_t *payload = json_pack("{s:s}", "ip", ip);
		rc = auth_event(db, p->login, p->role, "session.login", "users", p->login, payload,
		                e);
		json_decref(payload);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
	return rc;
}

int tb_session_login(tb_db *db, const tb_session_limits *lim, const char *login,
                     const char *password, const char *ip, char token_out[65], tb_principal *p,
                     tb_err *e)
{
	tb_session_limits l = limits_of(lim);
	char who[AUTH_LOGIN_MAX + 2], addr[64], token_hash[65];
	stored_user u;
	bool over = false;
	int64_t now = tb_time_now_ms();
	clean(login, who, sizeof who);
	clean(ip, addr, sizeof addr);
	token_out[0] = 0;
	int rc = throttled(db, &l, who, addr, now, &over, e);
	if (!rc && over) {
		tb_warn("login refused: login '%s' from %s: too many failures", who, addr);
		rc = tb_err_set(e, TB_ETOOBIG, NULL, NULL, THROTTLED_MSG);
	}
	if (!rc) rc = find_user(db, who, &u, e);
	if (rc) return rc;
	bool ok = auth_pw_verify(u.id && u.hash[0] ? u.hash : NULL, password ? password : "");
	sodium_memzero(u.hash, sizeof u.hash);
	if (!u.id || !ok || u.disabled)
		return fail_login(db, who, addr, now,
		                  !u.id ? "no such user"
		                  : !ok ? "wrong password"
		                        : "user disabled",
		                  e);
	auth_token_new(token_out, token_hash);
	rc = open_session(db, &u, addr, now, token_hash, p, e);
	if (rc)
		token_out[0] = 0;
	else
		p->via_cookie = true;
	return rc;
}

/* ---- check and logout ------------------------------------------------------------------ */

typedef struct session_row {
	int64_t id, user_id, created, seen;
	bool revoked;
	char csrf[65];
} session_row;

static int find_session(tb_db *db, const char *token, session_row *s, tb_err *e)
{
	char hash[65];
	if (!auth_token_hash(token, hash))
		return tb_err_set(e, TB_EDENIED, NULL, NULL, EXPIRED_MSG);
	static const char *sql = "SELECT id, user_id, created_at_ms, last_seen_ms, revoked, csrf"
				 " FROM tb_session WHERE token_hash=?";
	tb_stmt *st = tb_db_stmt(db, sql, e); /* per request: cached */
	if (!st) return TB_EDB;
	int rc = 0;
	tb_bind_text(st, 1, hash);
	int r = tb_stmt_step(st);
	if (r == TB_ROW) {
		s->id = tb_col_int64(st, 0);
		s->user_id = tb_col_int64(st, 1);
		s->created = tb_col_int64(st, 2);
		s->seen = tb_col_int64(st, 3);
		s->revoked = tb_col_int(st, 4) != 0;
		const char *c = tb_col_text(st, 5);
		snprintf(s->csrf, sizeof s->csrf, "%s", c ? (const char *)c : "");
	} else
		rc = r == TB_DONE ? tb_err_set(e, TB_EDENIED, NULL, NULL, EXPIRED_MSG)
		                      : tb_db_error(db, e, "tb_session");
	tb_stmt_reset(st);
	return rc;
}

int tb_session_check(tb_db *db, const tb_session_limits *lim, const char *token, tb_principal *p,
                     tb_err *e)
{
	tb_session_limits l = limits_of(lim);
	session_row s = {0};
	bool disabled = true;
	int64_t now = tb_time_now_ms();
	int rc = find_session(db, token, &s, e);
	if (!rc && (s.revoked || now - s.created > (int64_t)l.absolute_s * 1000 ||
	            now - s.seen > (int64_t)l.idle_s * 1000))
		rc = tb_err_set(e, TB_EDENIED, NULL, NULL, EXPIRED_MSG);
	if (!rc) rc = auth_principal_load(db, s.user_id, p, &disabled, e);
	if (!rc && disabled) rc = tb_err_set(e, TB_EDENIED, NULL, NULL, EXPIRED_MSG);
	/* Refreshing the idle timer is bookkeeping, not a change of record: no
	 * event, and at most one write a minute per session.  A failed refresh
	 * (busy or read-only database) does not log the user out. */
	tb_err touch = {0};
	if (!rc && now - s.seen >= TOUCH_MS &&
	    auth_exec(db, "UPDATE tb_session SET last_seen_ms=? WHERE id=?", "ii", NULL, &touch,
	              now, s.id))
		tb_warn("session idle timer not refreshed: %s", touch.message);
	if (rc) return rc;
	memcpy(p->csrf, s.csrf, sizeof p->csrf);
	p->via_cookie = true;
	return 0;
}

int tb_session_logout(tb_db *db, const char *token, tb_err *e)
{
	session_row s = {0};
	tb_principal p;
	bool disabled;
	int rc = find_session(db, token, &s, e);
	if (rc == TB_EDENIED || (!rc && s.revoked))
		rc = tb_err_set(e, TB_ENOTFOUND, NULL, NULL,
		                "no such session, or it is already closed");
	if (!rc) rc = auth_principal_load(db, s.user_id, &p, &disabled, e);
	if (rc) return rc;
	if ((rc = tb_db_begin(db, e))) return rc;
	int64_t n = 0;
	rc = auth_exec(db, "UPDATE tb_session SET revoked=1 WHERE id=? AND revoked=0", "i", &n, e,
	               s.id);
	if (!rc && n != 1)
		rc = tb_err_set(e, TB_ENOTFOUND, NULL, NULL,
		                "no such session, or it is already closed");
	if (!rc) rc = auth_event(db, p.login, p.role, "session.logout", "users", p.login, NULL, e);
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
	return rc;
}
