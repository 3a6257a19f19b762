/* routes.c — the route table (data, after Redis's command table): method,
 * path pattern, handler, the roles allowed, the rate class, a summary and
 * the described resource.  `tianbao routes` prints it and the authorization
 * tests are generated from it.  ROUTE refuses to compile without roles. */
#include "http/api.h"
#include "http/cases.h"
#include "http/control.h"
#include "http/alerts.h"
#include "http/fire.h"
#include "http/ogc.h"
#include "http/router.h"
#include "http/static.h"
#include "http/tiles.h"


/* who may read and write the registry */
#define READERS (TB_R_STAFF)
#define EDITORS (TB_R_ADMIN | TB_R_BUREAU | TB_R_TOWN | TB_R_UNIT)
#define RESOURCE(name, readers, editors)                                                            \
	ROUTE("GET", "/api/" name, tb_api_list, readers, TB_RATE_READ, name, "list " name " (filters, sort, paging, bbox)"), \
	ROUTE("POST", "/api/" name, tb_api_create, editors, TB_RATE_WRITE, name, "create a record of " name), \
	ROUTE("GET", "/api/" name "/{id}", tb_api_get, readers, TB_RATE_READ, name, "one record of " name), \
	ROUTE("PATCH", "/api/" name "/{id}", tb_api_update, editors, TB_RATE_WRITE, name, "update (If-Match) a record of " name)

const tb_route tb_routes[] = {
	ROUTE("POST", "/api/session", tb_api_session_login, TB_R_ANY, TB_RATE_LOGIN, NULL, "log in: {login,password} → cookie + csrf"),
	ROUTE("GET", "/api/session", tb_api_session_get, TB_R_ANY, TB_RATE_READ, NULL, "who am I"),
	ROUTE("DELETE", "/api/session", tb_api_session_logout, TB_R_STAFF, TB_RATE_WRITE, NULL, "log out (revokes the session)"),
	ROUTE("GET", "/api/schema", tb_api_schema, TB_R_ANY, TB_RATE_READ, NULL, "resource descriptions and code lists"),
	ROUTE("GET", "/api/stats", tb_api_stats, TB_R_ANY, TB_RATE_READ, NULL, "natural-forest area against the target (§2)"),
	ROUTE("GET", "/api/config", tb_api_config, TB_R_ANY, TB_RATE_READ, NULL, "district, target and base map for the UI"),
	ROUTE("GET", "/api/events", tb_api_events, READERS, TB_RATE_READ, NULL, "recent events (jurisdiction applied)"),
	ROUTE("POST", "/api/import", tb_api_import, TB_R_ADMIN | TB_R_BUREAU, TB_RATE_WRITE, NULL, "import a GIS file (raw body; ?layer=&filename=&dry_run=)"),
	ROUTE("GET", "/api/export/{layer}", tb_api_export, READERS, TB_RATE_READ, NULL, "download a layer (?format=gpkg|shapefile|geojson|csv|kml)"),
	ROUTE("POST", "/api/attachments", tb_api_attachment_put, TB_R_STAFF, TB_RATE_WRITE, NULL, "store a PDF/JPEG/PNG/WebP (raw body, ≤ 20 MiB) → sha256"),
	ROUTE("GET", "/api/attachments/{sha}", tb_api_attachment_get, TB_R_STAFF, TB_RATE_READ, NULL, "an attachment by its SHA-256"),
	ROUTE("GET", "/api/routes", tb_api_routes, TB_R_ADMIN | TB_R_BUREAU, TB_RATE_READ, NULL, "this table"),
	RESOURCE("parcels", READERS, EDITORS),
	ROUTE("GET", "/api/parcels/{id}/archive", tb_api_archive, READERS, TB_RATE_READ, "parcels", "a parcel's archive (档案) from the event log"),
	RESOURCE("zones", READERS, TB_R_ADMIN | TB_R_BUREAU),
	RESOURCE("divisions", READERS, TB_R_ADMIN | TB_R_BUREAU),
	RESOURCE("units", READERS, TB_R_ADMIN | TB_R_BUREAU),
	ROUTE("GET", "/api/area_ledger", tb_api_list, READERS, TB_RATE_READ, "area_ledger", "the natural-forest area ledger"),
	ROUTE("GET", "/api/area_ledger/{id}", tb_api_get, READERS, TB_RATE_READ, "area_ledger", "one ledger entry"),
	/* duty (§3.1.2, §3.1.3, §4) */
	ROUTE("GET", "/api/duty/check", tb_api_duty_check, TB_R_ADMIN | TB_R_BUREAU | TB_R_LEADER, TB_RATE_READ, NULL, "full-coverage check (全覆盖) ?today=&expiring_days="),
	ROUTE("GET", "/api/org_members", tb_api_list, READERS, TB_RATE_READ, "org_members", "the leading group (§4.1)"),
	ROUTE("GET", "/api/duties", tb_api_list, READERS, TB_RATE_READ, "duties", "duties of member units (§4.2); ?unit_code="),
	RESOURCE("agreements", READERS, EDITORS),
	RESOURCE("grids", READERS, EDITORS),
	RESOURCE("rangers", READERS, EDITORS),
	RESOURCE("grid_rangers", READERS, EDITORS),
	RESOURCE("trainings", READERS, EDITORS),
	ROUTE("POST", "/api/patrols/upload", tb_api_patrol_upload, TB_R_ADMIN | TB_R_BUREAU | TB_R_TOWN | TB_R_UNIT | TB_R_RANGER, TB_RATE_WRITE, NULL, "upload a GPX/GeoJSON track (?ranger=&filename=)"),
	ROUTE("POST", "/api/patrols/points", tb_api_patrol_points, TB_R_ADMIN | TB_R_BUREAU | TB_R_TOWN | TB_R_UNIT | TB_R_RANGER, TB_RATE_WRITE, NULL, "a track recorded by the phone page {ranger, points}"),
	ROUTE("GET", "/api/patrols/summary", tb_api_patrol_summary, READERS, TB_RATE_READ, NULL, "monthly patrol summary ?month=YYYY-MM"),
	ROUTE("GET", "/api/patrols", tb_api_list, READERS, TB_RATE_READ, "patrols", "patrols with their measures and verdict"),
	ROUTE("GET", "/api/patrols/{id}", tb_api_get, READERS, TB_RATE_READ, "patrols", "one patrol"),
	ROUTE("GET", "/api/incidents", tb_api_list, READERS, TB_RATE_READ, "incidents", "incidents recorded on patrols"),
	ROUTE("POST", "/api/incidents", tb_api_create, EDITORS | TB_R_RANGER, TB_RATE_WRITE, "incidents", "record an incident (type, point, time, photo, note)"),
	ROUTE("GET", "/api/incidents/{id}", tb_api_get, READERS, TB_RATE_READ, "incidents", "one incident"),
	/* use control (§3.1.1, §3.2) and monitoring (§3.1.3, §3.3.3): ROUTE lines in their fragments */
#include "http/routes_control.inc"
#include "http/routes_fire.inc"
#include "http/routes_alerts.inc"
#include "http/routes_cases.inc"
	/* OGC API – Features Part 1 */
	ROUTE("GET", "/ogc", tb_ogc_landing, TB_R_ANY, TB_RATE_READ, NULL, "OGC API landing page"),
	ROUTE("GET", "/ogc/", tb_ogc_landing, TB_R_ANY, TB_RATE_READ, NULL, "OGC API landing page"),
	ROUTE("GET", "/ogc/conformance", tb_ogc_conformance, TB_R_ANY, TB_RATE_READ, NULL, "conformance classes"),
	ROUTE("GET", "/ogc/api", tb_ogc_api, TB_R_ANY, TB_RATE_READ, NULL, "OpenAPI description"),
	ROUTE("GET", "/ogc/collections", tb_ogc_collections, READERS, TB_RATE_READ, NULL, "feature collections"),
	ROUTE("GET", "/ogc/collections/{collection}", tb_ogc_collection, READERS, TB_RATE_READ, NULL, "one collection"),
	ROUTE("GET", "/ogc/collections/{collection}/items", tb_ogc_items, READERS, TB_RATE_READ, NULL, "features (bbox, limit, offset, property filters)"),
	ROUTE("GET", "/ogc/collections/{collection}/items/{featureId}", tb_ogc_item, READERS, TB_RATE_READ, NULL, "one feature"),
	/* vector tiles for the one-map */
	ROUTE("GET", "/tiles/{layer}/{z}/{x}/{y}", tb_tiles_get, READERS, TB_RATE_READ, NULL, "Mapbox vector tile (….mvt); 204 when empty"),
	/* the web UI */
	ROUTE("GET", "/{*}", tb_static_get, TB_R_ANY, TB_RATE_READ, NULL, "web UI files"),
};

const int tb_nroutes = (int)(sizeof tb_routes / sizeof tb_routes[0]);

int tb_api_routes(tb_req *req, tb_resp *resp)
{
	(void)req;
	json_t *arr = json_array();
	for (int i = 0; i < tb_nroutes; i++) {
		char roles[128];
		tb_route_roles(tb_routes[i].roles, roles, sizeof roles);
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s?,s:s?}", "method", tb_routes[i].method,
						     "path", tb_routes[i].pattern, "roles", roles, "resource",
						     tb_routes[i].resource, "summary", tb_routes[i].summary));
	}
	return tb_resp_json(resp, 200, arr);
}
