/* router.c — matching, authentication, authorization, CSRF and rate
 * limiting in one place, under every handler (see router.h). */
#include "http/router.h"
#include "http/ratelimit.h"

#include "base/log.h"
#include "base/tbtime.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- rate limiting: http/ratelimit.h, a counter per (IP, class) ------------ */

struct tb_router {
	const tb_server_config *cfg;
	tb_ratelimit *rl;
};

tb_router *tb_router_new(const tb_server_config *cfg)
{
	tb_router *r = calloc(1, sizeof *r);
	if (!r) return NULL;
	r->cfg = cfg;
	r->rl = tb_ratelimit_new(TB_RATELIMIT_SLOTS);
	if (!r->rl) {
		free(r);
		return NULL;
	}
	return r;
}

void tb_router_free(tb_router *r)
{
	if (!r) return;
	tb_ratelimit_free(r->rl);
	free(r);
}

static int limit_of(const tb_server_config *c, tb_rate_class cls)
{
	switch (cls) {
	case TB_RATE_WRITE: return c->rate_write;
	case TB_RATE_LOGIN: return c->rate_login;
	case TB_RATE_PUBLIC_FORM: return c->rate_public;
	default: return c->rate_read;
	}
}

/* True when the request is within its class's limit (one-minute windows). */
static bool rate_ok(tb_router *r, const char *ip, tb_rate_class cls)
{
	return tb_ratelimit_hit(r->rl, ip, (int)cls, tb_time_now_ms() / 60000, limit_of(r->cfg, cls));
}

/* ---- matching -------------------------------------------------------------- */

bool tb_route_match(const char *pat, const char *path, const char **params, char *store,
		    size_t size, int *n)
{
	size_t used = 0;
	*n = 0;
	while (*pat && *path) {
		if (*pat == '{') {
			const char *close = strchr(pat, '}');
			if (!close) return false;
			bool rest = close - pat == 2 && pat[1] == '*';
			const char *end = rest ? path + strlen(path) : strchr(path, '/');
			if (!end) end = path + strlen(path);
			size_t len = (size_t)(end - path);
			if ((!len && !rest) || used + len + 1 > size || *n >= TB_MAX_PARAMS) return false;
			memcpy(store + used, path, len);
			store[used + len] = 0;
			params[(*n)++] = store + used;
			used += len + 1;
			pat = close + 1;
			path = end;
			continue;
		}
		if (*pat++ != *path++) return false;
	}
	if (!*pat && !*path) return true;
	if (!strcmp(pat, "{*}")) { /* empty rest */
		if (*n >= TB_MAX_PARAMS || used + 1 > size) return false;
		store[used] = 0;
		params[(*n)++] = store + used;
		return true;
	}
	return false;
}

void tb_route_roles(unsigned roles, char *buf, size_t size)
{
	tb_role_names(roles, buf, size);
}

/* ---- authentication ------------------------------------------------------------ */

static void public_principal(tb_principal *p)
{
	memset(p, 0, sizeof *p);
	snprintf(p->role, sizeof p->role, "public");
}

static void authenticate(tb_router *r, tb_req *req)
{
	public_principal(&req->who);
	tb_err e = {0};
	const char *cookie = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, "tb_session");
	if (cookie && *cookie) {
		if (!tb_session_check(req->db, &r->cfg->session, cookie, &req->who, &e)) {
			req->who.via_cookie = true;
			return;
		}
		public_principal(&req->who);
	}
	const char *auth = tb_req_header(req, "Authorization");
	if (auth && !strncasecmp(auth, "Bearer ", 7)) {
		if (!tb_token_check(req->db, auth + 7, &req->who, &e)) {
			req->who.via_token = true;
			return;
		}
		public_principal(&req->who);
	}
}

static bool safe_method(const char *m)
{
	return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS");
}

static void deny(tb_req *req, tb_resp *resp, int status, const char *code, const char *why)
{
	tb_warn("denied %s %s from %s (%s, %s): %s", req->method, req->path, req->ip,
		req->who.login[0] ? req->who.login : "-", req->who.role, why);
	tb_resp_error(resp, status, code, NULL, "%s", why);
}

/* The methods of the routes whose pattern matches path, as an Allow header
 * value ("GET, HEAD, PATCH, OPTIONS"): HEAD with GET, OPTIONS always. */
static void allowed_methods(const char *path, char *out, size_t size)
{
	static const char *const order[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
	char store[2048];
	const char *params[TB_MAX_PARAMS];
	int n;
	bool has[6] = {false};
	for (int i = 0; i < tb_nroutes; i++) {
		if (!tb_route_match(tb_routes[i].pattern, path, params, store, sizeof store, &n)) continue;
		for (size_t k = 0; k < 6; k++)
			if (!strcmp(tb_routes[i].method, order[k])) has[k] = true;
	}
	has[1] |= has[0];
	size_t len = 0;
	out[0] = 0;
	for (size_t k = 0; k < 6; k++)
		if (has[k]) len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s, ", order[k]);
	snprintf(out + (len < size ? len : size - 1), len < size ? size - len : 1, "OPTIONS");
}

void tb_router_dispatch(tb_router *r, tb_req *req, tb_resp *resp)
{
	char store[2048];
	const tb_route *path_match = NULL;
	for (int i = 0; i < tb_nroutes; i++) {
		const tb_route *rt = &tb_routes[i];
		if (!tb_route_match(rt->pattern, req->path, req->params, store, sizeof store, &req->nparams))
			continue;
		path_match = rt;
		bool head = !strcmp(req->method, "HEAD") && !strcmp(rt->method, "GET");
		if (strcmp(rt->method, req->method) && !head) continue;
		req->route = rt;
		break;
	}
	if (!req->route) {
		if (!path_match) {
			tb_resp_error(resp, 404, "not_found", NULL, "no such resource: %s", req->path);
			return;
		}
		/* RFC 9110 §15.5.6: a 405 names the methods the resource has; OPTIONS
		 * answers with them (no body) */
		char allow[96];
		allowed_methods(req->path, allow, sizeof allow);
		tb_resp_header(resp, "Allow", allow);
		if (!strcmp(req->method, "OPTIONS")) resp->status = 204;
		else tb_resp_error(resp, 405, "method_not_allowed", NULL, "%s is not allowed here (allowed: %s)",
				   req->method, allow);
		return;
	}
	const tb_route *rt = req->route;
	if (!rate_ok(r, req->client ? req->client : req->ip, rt->rate)) {
		tb_resp_header(resp, "Retry-After", "60");
		deny(req, resp, 429, "rate_limited", "too many requests; try again in a minute");
		return;
	}
	authenticate(r, req);
	unsigned bit = tb_role_bit(req->who.role);
	if (!(rt->roles & bit) && !(rt->roles & TB_R_PUBLIC)) {
		if (!req->who.user_id) deny(req, resp, 401, "unauthenticated", "log in first");
		else deny(req, resp, 403, "forbidden", "your role may not do this");
		return;
	}
	/* logging in needs no CSRF token, even with a stale cookie */
	bool login = !strcmp(rt->pattern, "/api/session") && !strcmp(req->method, "POST");
	if (req->who.via_cookie && !safe_method(req->method) && !login) {
		const char *t = tb_req_header(req, "X-CSRF-Token");
		if (!t || strcmp(t, req->who.csrf)) {
			deny(req, resp, 403, "csrf", "missing or wrong X-CSRF-Token header");
			return;
		}
	}
	rt->handler(req, resp);
}
