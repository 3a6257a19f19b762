/* data.c — lookup of embedded data files, with a folder override. */
#include "base/data.h"
#include "base/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tb_data_file {
	const char *path;
	const unsigned char *bytes;
	size_t len;
};
extern const struct tb_data_file tb_data_files[];

char *tb_data_read(const char *relpath, size_t *len)
{
	const char *dir = getenv("TIANBAO_DATA");
	if (dir && *dir) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, relpath);
		char *r = tb_file_read(path, (size_t)1 << 30, len, NULL);
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
