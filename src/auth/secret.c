/* secret.c — the secrets of auth: Argon2id password hashes (libsodium
 * crypto_pwhash_str_alg) and 256-bit random tokens of which only the SHA-256
 * is ever stored.  TIANBAO_PWHASH_FAST=1 (tests only) lowers the Argon2id
 * cost to libsodium's minimum; the algorithm stays Argon2id. */
#include "auth/auth_int.h"

#include "base/hash.h"
#include "base/utf8.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static bool fast_hashing(void)
{
	const char *v = getenv("TIANBAO_PWHASH_FAST");
	return v && !strcmp(v, "1");
}

int auth_pw_check(const char *password, tb_err *e)
{
	size_t n = password ? strlen(password) : 0;
	if (n > AUTH_PW_MAX)
		return tb_err_set(e, TB_EINPUT, NULL, "password", "at most %d bytes", AUTH_PW_MAX);
	if (n && !tb_utf8_valid(password, n, NULL))
		return tb_err_set(e, TB_EINPUT, NULL, "password", "not valid UTF-8");
	if (n < AUTH_PW_MIN || tb_utf8_len(password) < AUTH_PW_MIN)
		return tb_err_set(e, TB_EINPUT, NULL, "password", "at least %d characters",
		                  AUTH_PW_MIN);
	return 0;
}

int auth_pw_hash(const char *password, char out[crypto_pwhash_STRBYTES], tb_err *e)
{
	if (tb_crypto_init())
		return tb_err_set(e, TB_EINTERNAL, NULL, NULL, "libsodium did not start");
	bool fast = fast_hashing();
	unsigned long long ops =
	    fast ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
	size_t mem = fast ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
	if (crypto_pwhash_str_alg(out, password, strlen(password), ops, mem,
	                          crypto_pwhash_ALG_ARGON2ID13))
		return tb_err_set(e, TB_ENOMEM, NULL, NULL, "password hashing ran out of memory");
	return 0;
}

/* The dummy hash that unknown logins are verified against: made once, with
 * the cost of real hashes, from a random password nobody knows. */
static char dummy_hash[crypto_pwhash_STRBYTES];

static void make_dummy(void)
{
	char pw[65], ignored[65];
	auth_token_new(pw, ignored);
	if (auth_pw_hash(pw, dummy_hash, NULL)) dummy_hash[0] = 0;
	sodium_memzero(pw, sizeof pw);
}

bool auth_pw_verify(const char *hash, const char *password)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	if (tb_crypto_init()) return false;
	size_t n = strlen(password);
	if (hash && *hash) return crypto_pwhash_str_verify(hash, password, n) == 0;
	pthread_once(&once, make_dummy);
	if (dummy_hash[0] && crypto_pwhash_str_verify(dummy_hash, password, n) == 0)
		return false; /* nobody knows the dummy's password; false either way */
	return false;
}

void auth_token_new(char token[65], char hash[65])
{
	unsigned char raw[32];
	(void)tb_crypto_init();
	randombytes_buf(raw, sizeof raw);
	tb_hex(raw, sizeof raw, token);
	tb_sha256_hex(token, 64, hash);
	sodium_memzero(raw, sizeof raw);
}

bool auth_token_hash(const char *token, char hash[65])
{
	if (!token || strlen(token) != 64) return false;
	for (int i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", token[i])) return false;
	tb_sha256_hex(token, 64, hash);
	return true;
}
