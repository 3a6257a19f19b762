/* data.c — lookup of embedded data files, with a folder override. */
#include "base/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tb_data_file {
	const char *path;
	const unsigned char *bytes;
	size_t len;
};
extern const struct tb_data_file tb_data_files[];

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, cap);
			if (!nb) { free(buf); fclose(f); return NULL; }
			buf = nb;
		}
		size_t r = fread(buf + n, 1, 4096, f);
		n += r;
		if (r < 4096) break;
	}
	fclose(f);
	buf[n] = 0;
	if (len) *len = n;
	return buf;
}

char *tb_data_read(const char *relpath, size_t *len)
{
	const char *dir = getenv("TIANBAO_DATA");
	if (dir && *dir) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, relpath);
		char *r = read_file(path, len);
		if (r) return r;
	}
	for (const struct tb_data_file *f = tb_data_files; f->path; f++) {
		if (strcmp(f->path, relpath)) continue;
		char *r = malloc(f->len + 1);
		if (!r) return NULL;
		memcpy(r, f->bytes, f->len);
		r[f->len] = 0;
		if (len) *len = f->len;
		return r;
	}
	return NULL;
}
