/* utf8.h — strict UTF-8 validation (no overlongs, no surrogates, ≤ U+10FFFF). */
#ifndef TB_BASE_UTF8_H
#define TB_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8.  *bad (if not NULL) receives the
 * byte offset of the first invalid sequence. */
bool tb_utf8_valid(const char *s, size_t n, size_t *bad);
/* Copy s[0..n) into out (size bytes, always NUL-terminated), each byte of an
 * invalid sequence written as \xff so a message never carries raw bytes.
 * Returns the number of escaped bytes. */
size_t tb_utf8_escape(const char *s, size_t n, char *out, size_t size);
/* Number of code points in a valid UTF-8 string. */
size_t tb_utf8_len(const char *s);

#endif
