/* session.c — POST/GET/DELETE /api/session: log in with a JSON
 * {"login","password"}, receive an HttpOnly SameSite=Strict cookie and the
 * CSRF token to send back in X-CSRF-Token on writes. */
#include "http/api.h"

#include "http/access.h"
#include "http/server.h"
#include "registry/registry.h"

#include <stdlib.h>

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

static json_t *who_json(const tb_principal *p)
{
	return json_pack("{s:s,s:s,s:s,s:s}", "login", p->login, "role", p->role, "scope", p->scope,
			 "unit", p->unit);
}

int tb_api_session_login(tb_req *req, tb_resp *resp)
{
	json_t *body = tb_req_json(req, resp);
	if (!body) return 0;
	const char *login = json_string_value(json_object_get(body, "login"));
	const char *password = json_string_value(json_object_get(body, "password"));
	if (!login || !password) {
		json_decref(body);
		return tb_resp_error(resp, 422, "invalid", !login ? "login" : "password", "required value is missing");
	}
	const tb_server_config *cfg = tb_server_cfg(req->srv);
	char token[65];
	tb_principal p;
	tb_err e = {0};
	const char *from = req->client ? req->client : req->ip; /* failures counted per address (IPv6: /64) */
	int rc = tb_session_login(req->db, &cfg->session, login, password, from, token, &p, &e);
	json_decref(body);
	if (rc == TB_EDENIED) return tb_resp_error(resp, 401, "unauthenticated", NULL, "%s", e.message);
	if (rc == TB_ETOOBIG) {
		tb_resp_header(resp, "Retry-After", "900");
		return tb_resp_error(resp, 429, "rate_limited", NULL, "%s", e.message);
	}
	if (rc) return tb_resp_err(resp, &e);
	char cookie[160];
	snprintf(cookie, sizeof cookie, "tb_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d", token,
		 cfg->session.absolute_s);
	tb_resp_header(resp, "Set-Cookie", cookie);
	tb_resp_header(resp, "Cache-Control", "no-store");
	json_t *o = who_json(&p);
	json_object_set_new(o, "csrf", json_string(p.csrf));
	return tb_resp_json(resp, 200, o);
}

int tb_api_session_logout(tb_req *req, tb_resp *resp)
{
	const char *cookie = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, "tb_session");
	tb_err e = {0};
	if (cookie && tb_session_logout(req->db, cookie, &e)) return tb_resp_err(resp, &e);
	tb_resp_header(resp, "Set-Cookie", "tb_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	return tb_resp_json(resp, 200, json_pack("{s:b}", "logged_out", 1));
}

/* The extent of the caller's jurisdiction: its towns' parcels, else the
 * district outline. */
static json_t *extent(tb_req *req)
{
	char *scope = tb_access_towns(req, &tb_parcels);
	double b[4];
	json_t *box = tb_registry_extent(req->db, scope, b) ? json_pack("[f,f,f,f]", b[0], b[1], b[2], b[3])
							     : json_null();
	free(scope);
	return box;
}

int tb_api_session_get(tb_req *req, tb_resp *resp)
{
	tb_resp_header(resp, "Cache-Control", "no-store");
	json_t *o = who_json(&req->who);
	json_object_set_new(o, "extent", req->who.user_id ? extent(req) : json_null());
	/* a new tab of a cookie session learns its CSRF token here (same-origin
	 * reads only: SameSite=Strict cookie, no CORS) */
	if (req->who.via_cookie) json_object_set_new(o, "csrf", json_string(req->who.csrf));
	return tb_resp_json(resp, 200, o);
}
