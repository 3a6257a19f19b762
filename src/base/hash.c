/* hash.c — SHA-256 and hex helpers on top of libsodium. */
#include "base/hash.h"

#include "base/err.h"

#include <sodium.h>
#include <string.h>

int tb_crypto_init(void)
{
	return sodium_init() < 0 ? TB_EINTERNAL : 0;
}

void tb_sha256(const void *data, size_t n, unsigned char out[32])
{
	crypto_hash_sha256(out, data, n);
}

void tb_hex(const unsigned char *bytes, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[bytes[i] >> 4];
		out[2 * i + 1] = hx[bytes[i] & 15];
	}
	out[2 * n] = 0;
}

void tb_sha256_hex(const void *data, size_t n, char out[TB_SHA256_HEX])
{
	unsigned char h[32];
	tb_sha256(data, n, h);
	tb_hex(h, 32, out);
}

static int nib(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int tb_unhex(const char *hex, unsigned char *out, size_t n)
{
	if (strlen(hex) != 2 * n) return TB_EINPUT;
	for (size_t i = 0; i < n; i++) {
		int a = nib(hex[2 * i]), b = nib(hex[2 * i + 1]);
		if (a < 0 || b < 0) return TB_EINPUT;
		out[i] = (unsigned char)(a << 4 | b);
	}
	return 0;
}
