/* pow.c — the public form's proof of work (no third-party service): the
 * server hands out a challenge signed with a key of this process
 * (HMAC-SHA-256), "v1.<expires unix s>.<bits>.<16 random bytes hex>.<mac>";
 * the client searches a nonce such that SHA-256(challenge ":" nonce) begins
 * with <bits> zero bits (≈ 2^bits hashes: a fraction of a second for one
 * report, costly for a flood).  A solved challenge is spent: the report
 * keeps its hash (unique), so it cannot be replayed.  A restart makes the
 * outstanding challenges invalid; the form fetches a new one. */
#include "cases/internal.h"

#include "base/hash.h"
#include "base/tbtime.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void make_key(void)
{
	tb_crypto_init();
	randombytes_buf(key, sizeof key);
}

static void mac_hex(const char *msg, size_t n, char out[65])
{
	unsigned char m[crypto_auth_hmacsha256_BYTES];
	pthread_once(&key_once, make_key);
	crypto_auth_hmacsha256(m, (const unsigned char *)msg, n, key);
	tb_hex(m, sizeof m, out);
}

void tb_pow_challenge(int bits, int ttl_min, char *out, size_t size)
{
	unsigned char r[16];
	char rhex[33], body[96], mac[65];
	tb_crypto_init();
	randombytes_buf(r, sizeof r);
	tb_hex(r, sizeof r, rhex);
	long long expires = tb_time_now_ms() / 1000 + (long long)ttl_min * 60;
	snprintf(body, sizeof body, "v1.%lld.%d.%s", expires, bits, rhex);
	mac_hex(body, strlen(body), mac);
	snprintf(out, size, "%s.%s", body, mac);
}

int tb_pow_zero_bits(const unsigned char h[32])
{
	int n = 0;
	for (int i = 0; i < 32; i++) {
		if (!h[i]) {
			n += 8;
			continue;
		}
		for (int b = 7; b >= 0 && !(h[i] >> b & 1); b--) n++;
		break;
	}
	return n;
}

int tb_pow_verify(const char *challenge, const char *nonce, int min_bits, char hash_out[65], tb_err *e)
{
	char body[128], mac[65];
	long long expires = 0;
	int bits = 0;
	const char *dot = challenge ? strrchr(challenge, '.') : NULL;
	size_t blen = dot ? (size_t)(dot - challenge) : 0;
	if (!challenge || !*challenge)
		return tb_err_set(e, TB_EDENIED, NULL, "challenge",
				  "a solved challenge is required (GET /api/reports/challenge)");
	if (!dot || blen >= sizeof body || strlen(dot + 1) != 64 ||
	    sscanf(challenge, "v1.%lld.%d.", &expires, &bits) != 2)
		return tb_err_set(e, TB_EDENIED, NULL, "challenge", "not a challenge of this server");
	memcpy(body, challenge, blen);
	body[blen] = 0;
	mac_hex(body, blen, mac);
	if (sodium_memcmp(mac, dot + 1, 64))
		return tb_err_set(e, TB_EDENIED, NULL, "challenge",
				  "not a challenge of this server (or the server restarted): fetch a new one");
	if (expires < tb_time_now_ms() / 1000)
		return tb_err_set(e, TB_EDENIED, NULL, "challenge", "the challenge has expired: fetch a new one");
	if (bits < min_bits)
		return tb_err_set(e, TB_EDENIED, NULL, "challenge", "the challenge is easier than %d bits", min_bits);
	if (!nonce || !*nonce || strlen(nonce) > 64)
		return tb_err_set(e, TB_EDENIED, NULL, "nonce", "the nonce that solves the challenge is required");
	char buf[256];
	int n = snprintf(buf, sizeof buf, "%s:%s", challenge, nonce);
	unsigned char h[32];
	tb_sha256(buf, (size_t)n, h);
	if (tb_pow_zero_bits(h) < bits)
		return tb_err_set(e, TB_EDENIED, NULL, "nonce",
				  "the nonce does not solve the challenge (SHA-256 must begin with %d zero bits)", bits);
	tb_sha256_hex(challenge, strlen(challenge), hash_out);
	return 0;
}
