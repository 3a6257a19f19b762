/* auth.h — users, roles, jurisdiction, sessions and API tokens (§4 roles;
 * DESIGN.md §7).  Passwords are hashed with Argon2id (libsodium
 * crypto_pwhash_str); session and API tokens are 256-bit random values,
 * stored only as SHA-256 hashes, revocable.  Everything here is a feature
 * operation usable from the CLI and from the HTTP layer alike. */
#ifndef TB_AUTH_AUTH_H
#define TB_AUTH_AUTH_H

#include "base/role.h"
#include "db/resource.h"
#include "db/schema.h"
#include "db/write.h"

#include <stdbool.h>
#include <stdint.h>

/* Roles (plan §4 and DESIGN.md §7). */
#define TB_ROLES "admin,bureau,leader,town,unit,ranger,department,public"

typedef struct tb_principal {
	int64_t user_id;     /* 0 for the public                              */
	char login[64];
	char role[16];       /* one of TB_ROLES                               */
	char scope[256];     /* jurisdiction: comma-separated town codes (town
				role) or unit codes (unit role); "" = whole district */
	char unit[32];       /* the user's unit code, if any                  */
	char csrf[65];       /* the session's CSRF token (cookie sessions)     */
	bool via_cookie;     /* authenticated by session cookie (needs CSRF)   */
	bool via_token;      /* authenticated by an API token                  */
} tb_principal;

extern const tb_resource tb_users;  /* login, name, role, scope, unit, disabled, pw_hash (private) */
extern const tb_module tb_auth_module; /* users, sessions, api tokens, login attempts */

/* tb_role_bit (role name → TB_R_* bit) is in base/role.h. */
bool tb_role_valid(const char *role);

/* ---- users (CLI: tianbao user add|passwd|disable|list) -------------------- */
/* Password rules: at least 10 characters; never logged. */
int tb_user_add(tb_db *db, const tb_actor *who, const char *login, const char *name,
		const char *role, const char *scope, const char *unit, const char *password,
		tb_err *e);
/* Change a password; revokes all the user's sessions. */
int tb_user_passwd(tb_db *db, const tb_actor *who, const char *login, const char *password,
		   tb_err *e);
/* Disable a user; revokes sessions and API tokens. */
int tb_user_disable(tb_db *db, const tb_actor *who, const char *login, tb_err *e);
json_t *tb_user_list(tb_db *db, tb_err *e); /* array, never with hashes */
/* Users are written only through these operations (they set the hash and
 * revoke sessions in the same transaction).  A generic update of tb_users
 * keeps the stored hash; tb_session_check and tb_token_check refuse
 * disabled users whatever path disabled them.  `who` NULL = "system". */

/* ---- sessions ------------------------------------------------------------- */
typedef struct tb_session_limits {
	int idle_s;       /* default 1800 */
	int absolute_s;   /* default 43200 */
	int max_fail_account; /* failed logins per account per window, default 5  */
	int max_fail_ip;      /* per IP per window, default 20                   */
	int window_s;         /* throttling window, default 900                   */
} tb_session_limits; /* members <= 0 (or l NULL) take the defaults */

void tb_session_limits_default(tb_session_limits *l);
/* Log in.  On success token_out (64 hex chars + NUL) is the session token
 * to set as cookie and *p the principal (with its csrf).  Wrong login or
 * password → TB_EDENIED "wrong login or password"; throttled → TB_ETOOBIG
 * "too many failed logins; try again later".  Failed attempts are logged. */
int tb_session_login(tb_db *db, const tb_session_limits *l, const char *login,
		     const char *password, const char *ip, char token_out[65], tb_principal *p,
		     tb_err *e);
/* Check a session token (from the cookie): valid, not idle/absolute
 * expired, user enabled.  Refreshes the idle timer. */
int tb_session_check(tb_db *db, const tb_session_limits *l, const char *token, tb_principal *p,
		     tb_err *e);
/* Revoke the session (event session.logout).  Unknown or already closed
 * session → TB_ENOTFOUND.  A session or API token that fails a check gives
 * TB_EDENIED (the HTTP layer answers 401). */
int tb_session_logout(tb_db *db, const char *token, tb_err *e);

/* ---- API tokens (CLI: tianbao token add|list|revoke) ------------------------ */
int tb_token_add(tb_db *db, const tb_actor *who, const char *login, const char *label,
		 char token_out[65], tb_err *e);
int tb_token_revoke(tb_db *db, const tb_actor *who, const char *label, tb_err *e);
int tb_token_check(tb_db *db, const char *token, tb_principal *p, tb_err *e);
/* All tokens as [{"label","login","created_at","revoked"}], never hashes.
 * Labels are unique and never reused, even after revocation. */
json_t *tb_token_list(tb_db *db, tb_err *e);

/* ---- jurisdiction ----------------------------------------------------------- */
/* The scope filter for a resource and principal: NULL when the principal
 * sees everything; else a comma-separated list of allowed values of the
 * resource's scope field ("" = nothing).  Caller frees. */
char *tb_jurisdiction(const tb_principal *p, const tb_resource *r);
/* True when the principal may see / change a record with this scope value. */
bool tb_jurisdiction_allows(const tb_principal *p, const char *scope_value);
/* True for the roles that see the whole district (admin, bureau, leader,
 * department); false for scoped roles, the public and p NULL. */
bool tb_principal_sees_all(const tb_principal *p);

#endif
