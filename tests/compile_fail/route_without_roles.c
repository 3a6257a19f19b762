/* Must NOT compile: a route with no roles (routes.c's ROUTE macro refuses
 * it with a static assertion).  Built by CTest with WILL_FAIL. */
#include "http/api.h"
#include "http/router.h"


const tb_route bad[] = {
	ROUTE("GET", "/api/oops", tb_api_stats, 0, TB_RATE_READ, NULL, "a route nobody may call"),
};
