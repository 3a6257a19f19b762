/* utf8.h — strict UTF-8 validation (no overlongs, no surrogates, ≤ U+10FFFF). */
#ifndef TB_BASE_UTF8_H
#define TB_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8.  *bad (if not NULL) receives the
 * byte offset of the first invalid sequence. */
bool tb_utf8_valid(const char *s, size_t n, size_t *bad);
/* Number of code points in a valid UTF-8 string. */
size_t tb_utf8_len(const char *s);

#endif
