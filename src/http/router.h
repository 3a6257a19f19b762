/* router.h — dispatch of a request through the route table: match, then
 * authenticate (session cookie or API token), check the route's roles,
 * CSRF on cookie-authenticated writes, the per-IP rate limit, and call the
 * handler.  This is the one place authorization is enforced; jurisdiction
 * filters are applied by the resource handlers from req->who. */
#ifndef TB_HTTP_ROUTER_H
#define TB_HTTP_ROUTER_H

#include "http/http.h"
#include "http/server.h"

/* One entry of the route table.  A route without roles does not compile:
 * the static assertion inside the initialiser refuses roles == 0. */
#define ROUTE(m, p, h, roles, rate, res, sum)                                                     \
	{m, p, h, (roles) + 0 * sizeof(struct { _Static_assert((roles) != 0, "route " p " has no roles"); int x; }), \
	 rate, sum, res}

typedef struct tb_router tb_router;

extern const tb_route tb_routes[];
extern const int tb_nroutes;

tb_router *tb_router_new(const tb_server_config *cfg);
void tb_router_free(tb_router *r);
void tb_router_dispatch(tb_router *r, tb_req *req, tb_resp *resp);
/* Match a path against a pattern; captures go into params.  For tests and
 * `tianbao routes`. */
bool tb_route_match(const char *pattern, const char *path, const char **params, char *store,
		    size_t store_size, int *nparams);
/* Role names of a route's bits, comma-separated, into buf. */
void tb_route_roles(unsigned roles, char *buf, size_t size);

#endif
