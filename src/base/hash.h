/* hash.h — SHA-256 (libsodium) as raw bytes or lowercase hex. */
#ifndef TB_BASE_HASH_H
#define TB_BASE_HASH_H

#include <stddef.h>

#define TB_SHA256_HEX 65 /* 64 hex digits + NUL */

/* Must be called once before any crypto use (idempotent, thread-safe). */
int tb_crypto_init(void);
void tb_sha256(const void *data, size_t n, unsigned char out[32]);
void tb_sha256_hex(const void *data, size_t n, char out[TB_SHA256_HEX]);
void tb_hex(const unsigned char *bytes, size_t n, char *out); /* out: 2n+1 */
/* Parse 2n hex digits into bytes; returns 0 or TB_EINPUT. */
int tb_unhex(const char *hex, unsigned char *out, size_t n);

#endif
