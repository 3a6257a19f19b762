/* upload.c — uploaded files that a reader needs on disk (GDAL opens paths,
 * not memory): the one place that picks the extension an upload is read
 * by and stores a request body in a private temporary file.  Used by the
 * registry import, patrol tracks and use-control areas. */
#include "http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *tb_upload_ext(const char *name, const char *const *exts)
{
	size_t n = name ? strlen(name) : 0;
	for (int i = 0; exts[i]; i++) {
		size_t m = strlen(exts[i]);
		if (n > m && !strcasecmp(name + n - m, exts[i])) return exts[i];
	}
	return NULL;
}

bool tb_upload_save(const tb_req *req, const char *kind, const char *ext, char *path, size_t size)
{
	int k = snprintf(path, size, "/tmp/tianbao-%s-XXXXXX%s", kind, ext);
	if (k < 0 || (size_t)k >= size) {
		if (size) path[0] = 0;
		return false;
	}
	int fd = mkstemps(path, (int)strlen(ext)); /* mode 0600, a new name */
	if (fd < 0) {
		path[0] = 0;
		return false;
	}
	size_t off = 0;
	while (off < req->body_len) {
		ssize_t w = write(fd, req->body + off, req->body_len - off);
		if (w <= 0) break;
		off += (size_t)w;
	}
	bool ok = close(fd) == 0 && off == req->body_len;
	if (!ok) {
		unlink(path);
		path[0] = 0;
	}
	return ok;
}
