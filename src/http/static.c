/* static.c — serving the web UI (see static.h).  A path is resolved
 * inside static_dir only: no "..", no hidden files, and the real path
 * (after symlinks) must stay under the folder. */
#include "http/static.h"

#include "http/server.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATIC_MAX ((size_t)32 << 20)

static const char *mime(const char *path)
{
	static const char *map[][2] = {
		{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
		{".json", "application/json; charset=utf-8"}, {".svg", "image/svg+xml"},
		{".png", "image/png"}, {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"},
		{".ico", "image/x-icon"}, {".woff2", "font/woff2"}, {".woff", "font/woff"},
		{".map", "application/json; charset=utf-8"}, {".txt", "text/plain; charset=utf-8"},
		{".webmanifest", "application/manifest+json"}, {".wasm", "application/wasm"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof map / sizeof map[0]; i++)
		if (!strcasecmp(dot, map[i][0])) return map[i][1];
	return "application/octet-stream";
}

/* Refuse "..", hidden segments, backslashes and NUL tricks. */
static bool safe_path(const char *p)
{
	if (strchr(p, '\\')) return false;
	for (const char *s = p; *s;) {
		while (*s == '/') s++;
		if (*s == '.') return false; /* "..", ".git", ".env" … */
		s = strchr(s, '/');
		if (!s) break;
	}
	return true;
}

static bool api_path(const char *p)
{
	return !strncmp(p, "/api/", 5) || !strcmp(p, "/api") || !strncmp(p, "/ogc/", 5) ||
	       !strncmp(p, "/tiles/", 7);
}

static char *read_all(const char *path, size_t size)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	char *buf = malloc(size ? size : 1);
	if (buf && fread(buf, 1, size, f) != size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The start page without a web UI: 404 with what to do, as a small HTML
 * page for a browser and as the JSON error for everything else. */
static int no_ui(tb_req *req, tb_resp *resp, const char *why)
{
	const char *accept = tb_req_header(req, "Accept");
	if (!accept || !strstr(accept, "text/html"))
		return tb_resp_error(resp, 404, "not_found", NULL, "no web UI: %s; " TB_STATIC_HOWTO, why);
	resp->status = 404;
	resp->content_type = "text/html; charset=utf-8";
	tb_buf_reset(&resp->body);
	if (tb_buf_addf(&resp->body,
			"<!doctype html><meta charset=utf-8><title>天保 tianbao: no web UI</title>"
			"<h1>天保 tianbao</h1><p>此服务器未安装网页界面 — this server has no web UI: %s.</p>"
			"<p>To use it, " TB_STATIC_HOWTO ".</p><p>The API answers under <code>/api/</code>.</p>\n",
			why))
		return tb_resp_error(resp, 500, "internal", NULL, "out of memory");
	return 404;
}

static bool page_path(const char *p)
{
	return !strcmp(p, "/") || !strcmp(p, "/index.html");
}

const char *tb_static_missing(const char *static_dir)
{
	char root[PATH_MAX], index[PATH_MAX + 16];
	if (!static_dir[0]) return "static_dir is not set";
	if (!realpath(static_dir, root)) return "static_dir does not exist";
	snprintf(index, sizeof index, "%s/index.html", root);
	return access(index, R_OK) ? "static_dir has no index.html" : NULL;
}

int tb_static_get(tb_req *req, tb_resp *resp)
{
	const tb_server_config *cfg = tb_server_cfg(req->srv);
	const char *rel = req->path;
	if (page_path(rel)) {
		const char *why = tb_static_missing(cfg->static_dir);
		if (why) return no_ui(req, resp, why);
	}
	if (api_path(rel) || !cfg->static_dir[0])
		return tb_resp_error(resp, 404, "not_found", NULL, "no such resource: %s", rel);
	if (!safe_path(rel)) return tb_resp_error(resp, 404, "not_found", NULL, "no such file");
	char root[PATH_MAX], want[PATH_MAX * 2], real[PATH_MAX];
	if (!realpath(cfg->static_dir, root)) return tb_resp_error(resp, 404, "not_found", NULL, "no web UI installed");
	bool dir = rel[strlen(rel) - 1] == '/';
	snprintf(want, sizeof want, "%s%s%s", root, rel, dir ? "index.html" : "");
	struct stat st;
	if (!realpath(want, real) || strncmp(real, root, strlen(root)) || real[strlen(root)] != '/' ||
	    stat(real, &st) || !S_ISREG(st.st_mode) || (size_t)st.st_size > STATIC_MAX)
		return tb_resp_error(resp, 404, "not_found", NULL, "no such file: %s", rel);
	char tag[64];
	snprintf(tag, sizeof tag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
		 (unsigned long long)st.st_mtime);
	tb_resp_header(resp, "ETag", tag);
	bool html = strstr(mime(real), "text/html") != NULL;
	tb_resp_header(resp, "Cache-Control", html ? "no-cache" : "public, max-age=3600");
	if (html) tb_resp_header(resp, "Content-Security-Policy",
				 "default-src 'self'; img-src 'self' data: blob: https:; style-src 'self' 'unsafe-inline'; connect-src 'self'");
	const char *inm = tb_req_header(req, "If-None-Match");
	resp->content_type = mime(real);
	if (inm && !strcmp(inm, tag)) {
		resp->status = 304;
		return 304;
	}
	char *data = read_all(real, (size_t)st.st_size);
	if (!data) return tb_resp_error(resp, 500, "io", NULL, "cannot read %s: %s", rel, strerror(errno));
	resp->status = 200;
	resp->static_data = data;
	resp->static_len = (size_t)st.st_size;
	resp->free_static = free;
	return 200;
}
