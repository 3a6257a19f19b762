/* static.h — the web UI's files from the configured static_dir: MIME types
 * by extension, caching headers (ETag from size and mtime; no-cache for
 * HTML), no path traversal (.., symlinks out of the folder, hidden files). */
#ifndef TB_HTTP_STATIC_H
#define TB_HTTP_STATIC_H

#include "http/http.h"

int tb_static_get(tb_req *req, tb_resp *resp);

#endif
