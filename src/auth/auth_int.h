/* auth_int.h — what the files of src/auth/ share and nobody else sees:
 * password hashing (secret.c), the users' table helpers (users.c) and the
 * one way this module appends its events.  Not part of the contract with
 * the HTTP layer: that is auth.h. */
#ifndef TB_AUTH_AUTH_INT_H
#define TB_AUTH_AUTH_INT_H

#include "auth/auth.h"

#include <sodium.h>

#define AUTH_PW_MIN 10    /* characters (code points)            */
#define AUTH_PW_MAX 1024  /* bytes; longer input is refused       */
#define AUTH_LOGIN_MAX 63 /* fits tb_principal.login with its NUL */

/* ---- secret.c ----------------------------------------------------------- */
/* Refuse a password that breaks the rules: field error "password". */
int auth_pw_check(const char *password, tb_err *e);
/* Argon2id hash string of password into out (crypto_pwhash_STRBYTES). */
int auth_pw_hash(const char *password, char out[crypto_pwhash_STRBYTES], tb_err *e);
/* True when password matches hash.  With hash NULL a dummy hash is verified
 * (same cost) and false returned, so unknown logins take as long. */
bool auth_pw_verify(const char *hash, const char *password);
/* A new random token (64 hex) and its SHA-256 (64 hex). */
void auth_token_new(char token[65], char hash[65]);
/* SHA-256 hex of a presented token; false unless it is 64 hex digits. */
bool auth_token_hash(const char *token, char hash[65]);

/* ---- users.c ------------------------------------------------------------ */
/* The principal of user `id`; *disabled tells whether it may act. */
int auth_principal_load(tb_db *db, int64_t id, tb_principal *p, bool *disabled, tb_err *e);
/* Revoke the user's open sessions / API tokens; *n receives how many. */
int auth_revoke_sessions(tb_db *db, int64_t user_id, int64_t *n, tb_err *e);
int auth_revoke_tokens(tb_db *db, int64_t user_id, int64_t *n, tb_err *e);
/* Append this module's event (inside the caller's transaction); payload is
 * borrowed and must hold no secret. */
int auth_event(tb_db *db, const char *actor, const char *role, const char *action,
               const char *entity, const char *id, const json_t *payload, tb_err *e);
/* The given actor, or {"system","admin"} when who is NULL. */
const tb_actor *auth_actor(const tb_actor *who);
/* Run one UPDATE/INSERT with text/int parameters ("s" text, "i" int64 per
 * character of types); *changes (if not NULL) receives the rows touched. */
int auth_exec(tb_db *db, const char *sql, const char *types, int64_t *changes, tb_err *e, ...);

#endif
