/* buf.h — growable byte buffers with a hard maximum (after curl's dynbuf).
 *
 * Every buffer is created with the largest size it may ever reach; growing
 * past it fails with TB_ETOOBIG instead of eating memory.  The data is always
 * NUL-terminated so it can be used as a C string.  The buffer owns its memory;
 * tb_buf_free releases it, tb_buf_take hands it to the caller. */
#ifndef TB_BASE_BUF_H
#define TB_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct tb_buf {
	char *data;
	size_t len, cap, max;
} tb_buf;

void tb_buf_init(tb_buf *b, size_t max);
void tb_buf_free(tb_buf *b);
void tb_buf_reset(tb_buf *b); /* len = 0, keeps memory */
int tb_buf_add(tb_buf *b, const void *p, size_t n);
int tb_buf_adds(tb_buf *b, const char *s);
int tb_buf_addf(tb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tb_buf_vaddf(tb_buf *b, const char *fmt, va_list ap);
/* Transfer ownership of the data (NUL-terminated, may be NULL if empty). */
char *tb_buf_take(tb_buf *b);

#endif
