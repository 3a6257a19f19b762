/* The control case: the same route with roles compiles. */
#include "http/api.h"
#include "http/router.h"


const tb_route good[] = {
	ROUTE("GET", "/api/fine", tb_api_stats, TB_R_ADMIN, TB_RATE_READ, NULL, "a route for admins"),
};
