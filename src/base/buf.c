/* buf.c — capped growable buffers (see buf.h). */
#include "base/buf.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tb_buf_init(tb_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void tb_buf_free(tb_buf *b)
{
	free(b->data);
	tb_buf_init(b, b->max);
}

void tb_buf_reset(tb_buf *b)
{
	b->len = 0;
	if (b->data) b->data[0] = 0;
}

static int grow(tb_buf *b, size_t need)
{
	/* need < len: len + n wrapped around.  Compare with max, not max + 1,
	 * so that max = SIZE_MAX (no practical cap) does not wrap to 0. */
	if (need > b->max || need < b->len) return TB_ETOOBIG;
	if (need + 1 <= b->cap) return 0;
	size_t ncap = b->cap ? b->cap : 64;
	while (ncap < need + 1) ncap *= 2;
	if (ncap - 1 > b->max) ncap = b->max + 1;
	char *n = realloc(b->data, ncap);
	if (!n) return TB_ENOMEM;
	b->data = n;
	b->cap = ncap;
	return 0;
}

int tb_buf_add(tb_buf *b, const void *p, size_t n)
{
	int rc = grow(b, b->len + n);
	if (rc) return rc;
	if (n) memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int tb_buf_adds(tb_buf *b, const char *s)
{
	return tb_buf_add(b, s, strlen(s));
}

int tb_buf_vaddf(tb_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) return TB_EINTERNAL;
	int rc = grow(b, b->len + (size_t)n);
	if (rc) return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int tb_buf_addf(tb_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = tb_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *tb_buf_take(tb_buf *b)
{
	char *d = b->data;
	tb_buf_init(b, b->max);
	return d;
}
