/* http.h — the HTTP front-end of tianbao (DESIGN.md §7): a request as the
 * handlers see it, the response they fill, and the route table (data) that
 * maps method + path pattern to a handler, the roles allowed and a rate
 * class.  The server (server.c) runs libmicrohttpd and enforces limits; the
 * router (router.c) authenticates, checks the role, and calls the handler.
 * Handlers parse, call one feature operation, and serialise — no business
 * logic here. */
#ifndef TB_HTTP_HTTP_H
#define TB_HTTP_HTTP_H

#include "auth/auth.h"
#include "base/buf.h"
#include "db/db.h"
#include "db/write.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define TB_MAX_PARAMS 8

/* Roles as bits (TB_R_*, base/role.h), so a route lists who may call it;
 * the state machines use the same bits. */
#include "base/role.h"

/* Rate-limit classes (limits per client IP, configurable). */
typedef enum { TB_RATE_READ, TB_RATE_WRITE, TB_RATE_LOGIN, TB_RATE_PUBLIC_FORM } tb_rate_class;

typedef struct tb_req {
	const char *method;     /* "GET", …                                   */
	const char *path;       /* decoded path, no query                      */
	const char *ip;         /* client address (an IPv4 client of a dual-stack socket as IPv4) */
	const char *client;     /* what per-address limits count by: the IPv4 address,
	                         * or the /64 of an IPv6 one ("2001:db8:1:2::/64") */
	const char *params[TB_MAX_PARAMS]; /* {name} captures of the pattern, in order */
	int nparams;
	const char *body;       /* request body (NUL-terminated) or NULL       */
	size_t body_len;
	struct MHD_Connection *conn; /* for headers and query arguments        */
	tb_principal who;       /* the authenticated caller (role "public" if none) */
	tb_db *db;              /* this worker's connection                    */
	const struct tb_route *route;
	const struct tb_server *srv;
} tb_req;

/* Who acts in a request (for writes and their events). */
static inline tb_actor tb_req_actor(const tb_req *req)
{
	return (tb_actor){req->who.login, req->who.role};
}

typedef struct tb_resp {
	int status;
	const char *content_type; /* default application/json; charset=utf-8 */
	tb_buf body;
	char headers[8][2][160];  /* extra headers (name, value)               */
	int nheaders;
	const void *static_data;  /* a body not to copy (static files, tiles)  */
	size_t static_len;
	void (*free_static)(void *); /* how to free static_data, or NULL        */
} tb_resp;

typedef int (*tb_handler)(tb_req *req, tb_resp *resp);

typedef struct tb_route {
	const char *method;
	const char *pattern;  /* "/api/parcels/{id}/archive"; "{*}" = rest   */
	tb_handler handler;
	unsigned roles;       /* TB_R_… bits; 0 does not compile (see router.c) */
	tb_rate_class rate;
	const char *summary;  /* for `tianbao routes` and the API reference  */
	const char *resource; /* the described resource it serves, or NULL   */
} tb_route;

/* ---- request helpers ("parse or reply", after Redis) -------------------- */
const char *tb_req_header(const tb_req *r, const char *name);
const char *tb_req_query(const tb_req *r, const char *name);
/* Parse the body as a JSON object; on failure fill resp (400) and return
 * NULL. */
json_t *tb_req_json(tb_req *r, tb_resp *resp);
/* Uploads that a reader needs as a file (upload.c).  tb_upload_ext: the
 * extension of a ?filename= among exts (NULL-terminated, compared without
 * case, ".shp.zip" before ".zip"), or NULL.  tb_upload_save: the body in a
 * new private file /tmp/tianbao-<kind>-XXXXXX<ext> whose name goes into
 * path; false (nothing left behind) when it cannot be stored.  The caller
 * unlinks path when done. */
const char *tb_upload_ext(const char *name, const char *const *exts);
bool tb_upload_save(const tb_req *req, const char *kind, const char *ext, char *path, size_t size);
/* Parse a positive integer path parameter; on failure reply 400/404. */
bool tb_req_id(tb_req *r, int i, int64_t *id, tb_resp *resp);

/* ---- response helpers ------------------------------------------------------ */
void tb_resp_init(tb_resp *r);
void tb_resp_free(tb_resp *r);
void tb_resp_header(tb_resp *r, const char *name, const char *value);
/* JSON body (consumes v). */
int tb_resp_json(tb_resp *r, int status, json_t *v);
/* {"error":{"code","message","field"}} with a status. */
int tb_resp_error(tb_resp *r, int status, const char *code, const char *field,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The HTTP status and error body for a tb_err (422 for field errors of
 * bad input, 404 not found, 409 conflict, 403 denied, 413 too big, 503 with
 * Retry-After when the writer queue is full or busy …). */
int tb_resp_err(tb_resp *r, const tb_err *e);

#endif
