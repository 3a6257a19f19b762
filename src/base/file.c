/* file.c — see file.h. */
#include "base/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *tb_file_read(const char *path, size_t max, size_t *len, tb_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (e) tb_err_set(e, TB_EIO, path, NULL, "cannot read the file: %s", strerror(errno));
		return NULL;
	}
	char *buf = NULL;
	size_t cap = 0, n = 0;
	int rc = 0;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 131072);
			if (!nb) {
				rc = TB_ENOMEM;
				break;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, 65536, f);
		n += r;
		if (n > max) {
			rc = TB_ETOOBIG;
			break;
		}
		if (r < 65536) {
			if (ferror(f)) rc = TB_EIO;
			break;
		}
	}
	fclose(f);
	if (rc) {
		free(buf);
		if (e)
			tb_err_set(e, rc, path, NULL, rc == TB_ETOOBIG ? "larger than the limit of %zu bytes"
					   : "cannot read the file", max);
		return NULL;
	}
	buf[n] = 0;
	if (len) *len = n;
	return buf;
}
