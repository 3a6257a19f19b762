/* static.h — the web UI's files from the configured static_dir: MIME types
 * by extension, caching headers (ETag from size and mtime; no-cache for
 * HTML), no path traversal (.., symlinks out of the folder, hidden files). */
#ifndef TB_HTTP_STATIC_H
#define TB_HTTP_STATIC_H

#include "http/http.h"

/* GET of a file of the UI.  Without a UI (static_dir unset, missing, or
 * without index.html) "/" and "/index.html" answer 404 with what to do
 * (TB_STATIC_HOWTO): an HTML page when the client accepts HTML, else the
 * JSON error. */
int tb_static_get(tb_req *req, tb_resp *resp);

/* Why static_dir does not hold a web UI ("static_dir is not set" …), or
 * NULL when it has an index.html.  A static string. */
const char *tb_static_missing(const char *static_dir);

/* What to do about it (for the start page and `tianbao serve`'s warning). */
#define TB_STATIC_HOWTO                                                                                  \
	"build it with scripts/setup (or `make web`, which writes web/dist) and start the server with "  \
	"static_dir set to that folder (`tianbao serve --set static_dir=web/dist`, or "                  \
	"static_dir = /path/to/web/dist in tianbao.conf)"

#endif
