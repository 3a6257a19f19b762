/* ogc.c — OGC API – Features Part 1 (Core, GeoJSON, OpenAPI 3.0) at /ogc
 * (see ogc.h), generated from the resource descriptions, so that a spatial
 * kind described tomorrow is a collection tomorrow.  Items come from the
 * list query of the JSON API (tb_record_list, jurisdiction from the
 * caller's principal), one SQL statement per page.  Documents are built with
 * jansson, except that GEOS's GeoJSON text of each geometry is copied into
 * the body as it is. */
#include "http/ogc.h"

#include "http/access.h"

#include "base/tbtime.h"
#include "db/gpkg.h"
#include "registry/registry.h"

#include <math.h>
#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Geometries are stored in CGCS2000 geographic (EPSG:4490), lon/lat.  They
 * are served as CRS84 (WGS84 lon/lat) without a transformation: CGCS2000 and
 * WGS84 agree to a few centimetres, below the accuracy of any forest
 * inventory survey. */
#define CRS84 "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#define CONF "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
#define MT_JSON "application/json"
#define MT_GEOJSON "application/geo+json"
#define MT_OAS "application/vnd.oai.openapi+json;version=3.0"

#define LIMIT_DEFAULT 10
#define LIMIT_MAX 10000 /* the query layer's page maximum */
#define MAX_FILTERS 32
#define CHUNK 10000 /* candidates per query while testing a bbox exactly */

/* ---- links ------------------------------------------------------------------ */

/* "http://<Host>" for absolute links; only host-name characters are kept
 * from the header, so a hostile Host cannot inject anything into links. */
static void base_url(const tb_req *req, char *out, size_t size)
{
	const char *host = tb_req_header(req, "Host");
	char h[256];
	size_t k = 0;
	for (const char *p = host ? host : ""; *p && k + 1 < sizeof h; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(".-:[]", *p))
			h[k++] = *p;
	h[k] = 0;
	snprintf(out, size, "http://%s", k ? h : "localhost");
}

static void add_link(json_t *links, const char *href, const char *rel, const char *type,
                     const char *title)
{
	json_t *l = json_pack("{s:s,s:s,s:s}", "href", href, "rel", rel, "type", type);
	if (l && title) json_object_set_new(l, "title", json_string(title));
	if (l) json_array_append_new(links, l);
}

/* A link to base + path (+ suffix). */
static void add_link_to(json_t *links, const char *base, const char *path, const char *suffix,
                        const char *rel, const char *type, const char *title)
{
	char href[512];
	snprintf(href, sizeof href, "%s%s%s", base, path, suffix ? suffix : "");
	add_link(links, href, rel, type, title);
}

/* ---- landing page, conformance ------------------------------------------------- */

int tb_ogc_landing(tb_req *req, tb_resp *resp)
{
	char base[300], title[512];
	base_url(req, base, sizeof base);
	char *name = tb_setting_get(req->db, "district_name", "");
	snprintf(title, sizeof title, "tianbao 天保 — %s", name ? name : "");
	free(name);
	json_t *links = json_array();
	add_link_to(links, base, req->path, NULL, "self", MT_JSON, "this document");
	add_link_to(links, base, "/ogc/api", NULL, "service-desc", MT_OAS, "the API definition");
	add_link_to(links, base, "/ogc/conformance", NULL, "conformance", MT_JSON,
	            "OGC API conformance classes implemented by this server");
	add_link_to(links, base, "/ogc/collections", NULL, "data", MT_JSON, "feature collections");
	return tb_resp_json(resp, 200,
	                    json_pack("{s:s,s:s,s:o}", "title", title, "description",
	                              "天然林保护修复 natural-forest registry: its spatial layers "
	                              "(parcels 小班, key protection zones, divisions …)",
	                              "links", links));
}

int tb_ogc_conformance(tb_req *req, tb_resp *resp)
{
	(void)req;
	return tb_resp_json(
	    resp, 200,
	    json_pack("{s:[sss]}", "conformsTo", CONF "core", CONF "geojson", CONF "oas30"));
}

/* ---- OpenAPI 3.0 description ----------------------------------------------------- */

static json_t *param_ref(const char *name)
{
	char ref[96];
	snprintf(ref, sizeof ref, "#/components/parameters/%s", name);
	return json_pack("{s:s}", "$ref", ref);
}

/* A GET operation answering `mt`; params (consumed) may be NULL.  Public
 * operations need no credentials. */
static json_t *operation(const char *id, const char *summary, const char *mt, json_t *params,
                         bool public)
{
	json_t *op =
	    json_pack("{s:s,s:s,s:{s:{s:s,s:{s:{}}},s:{s:s}}}", "operationId", id, "summary",
	              summary, "responses", "200", "description", summary, "content", mt, "default",
	              "description", "an error: {\"error\":{\"code\",\"message\",\"field\"}}");
	if (params) json_object_set_new(op, "parameters", params);
	if (public) json_object_set_new(op, "security", json_array());
	return json_pack("{s:o}", "get", op);
}

static json_t *field_schema(const tb_field *f)
{
	switch (f->type) {
	case TB_F_INT:
		return json_pack("{s:s}", "type", "integer");
	case TB_F_REAL:
		return json_pack("{s:s}", "type", "number");
	case TB_F_BOOL:
		return json_pack("{s:s}", "type", "boolean");
	case TB_F_DATE:
		return json_pack("{s:s,s:s}", "type", "string", "format", "date");
	case TB_F_TIME:
		return json_pack("{s:s,s:s}", "type", "string", "format", "date-time");
	default:
		return json_pack("{s:s}", "type", "string");
	}
}

/* A parameter of the query (schema consumed). */
static json_t *query_param(const char *name, const char *description, json_t *schema)
{
	return json_pack("{s:s,s:s,s:s,s:b,s:o}", "name", name, "in", "query", "description",
	                 description ? description : name, "required", 0, "schema", schema);
}

static json_t *path_param(const char *name, json_t *schema)
{
	return json_pack("{s:s,s:s,s:b,s:o}", "name", name, "in", "path", "required", 1, "schema",
	                 schema);
}

/* The items parameters of one collection: paging, bbox and an equality
 * filter per described field (GDAL's OAPIF driver reads these to send
 * attribute filters to the server). */
static json_t *items_params(const tb_resource *r)
{
	json_t *p =
	    json_pack("[o,o,o]", param_ref("limit"), param_ref("offset"), param_ref("bbox"));
	for (int i = 0; i < r->nfields; i++) {
		const tb_field *f = &r->fields[i];
		if (f->flags & TB_PRIVATE || f->type == TB_F_JSON) continue;
		json_array_append_new(p, query_param(f->name, f->label_zh, field_schema(f)));
	}
	return p;
}

static json_t *oas_parameters(void)
{
	json_t *names = json_array();
	for (int i = 0; tb_registry_resources[i]; i++)
		if (tb_registry_resources[i]->geom != TB_GEOM_NONE)
			json_array_append_new(names, json_string(tb_registry_resources[i]->name));
	json_t *bbox = query_param("bbox", "minlon,minlat,maxlon,maxlat (CRS84)",
	                           json_pack("{s:s,s:i,s:i,s:{s:s}}", "type", "array", "minItems",
	                                     4, "maxItems", 4, "items", "type", "number"));
	json_object_set_new(bbox, "style", json_string("form"));
	json_object_set_new(bbox, "explode", json_false());
	json_t *p = json_object();
	json_object_set_new(
	    p, "limit",
	    query_param("limit", "features per page",
	                json_pack("{s:s,s:i,s:i,s:i}", "type", "integer", "minimum", 1, "maximum",
	                          LIMIT_MAX, "default", LIMIT_DEFAULT)));
	json_object_set_new(
	    p, "offset",
	    query_param("offset", "features to skip",
	                json_pack("{s:s,s:i,s:i}", "type", "integer", "minimum", 0, "default", 0)));
	json_object_set_new(p, "bbox", bbox);
	json_object_set_new(
	    p, "collectionId",
	    path_param("collectionId", json_pack("{s:s,s:o}", "type", "string", "enum", names)));
	json_object_set_new(p, "featureId",
	                    path_param("featureId", json_pack("{s:s}", "type", "integer")));
	return p;
}

static json_t *oas_paths(void)
{
	json_t *p = json_object();
	json_object_set_new(p, "/", operation("landing", "landing page", MT_JSON, NULL, true));
	json_object_set_new(p, "/conformance",
	                    operation("conformance", "conformance classes", MT_JSON, NULL, true));
	json_object_set_new(p, "/api", operation("api", "this API definition", MT_OAS, NULL, true));
	json_object_set_new(p, "/collections",
	                    operation("collections", "feature collections", MT_JSON, NULL, false));
	json_object_set_new(p, "/collections/{collectionId}",
	                    operation("collection", "one collection", MT_JSON,
	                              json_pack("[o]", param_ref("collectionId")), false));
	json_object_set_new(
	    p, "/collections/{collectionId}/items",
	    operation("items", "features of a collection", MT_GEOJSON,
	              json_pack("[o,o,o,o]", param_ref("collectionId"), param_ref("limit"),
	                        param_ref("offset"), param_ref("bbox")),
	              false));
	json_object_set_new(
	    p, "/collections/{collectionId}/items/{featureId}",
	    operation("item", "one feature", MT_GEOJSON,
	              json_pack("[o,o]", param_ref("collectionId"), param_ref("featureId")),
	              false));
	for (int i = 0; tb_registry_resources[i]; i++) {
		const tb_resource *r = tb_registry_resources[i];
		if (r->geom == TB_GEOM_NONE) continue;
		char path[96], id[96], summary[160];
		snprintf(path, sizeof path, "/collections/%s/items", r->name);
		snprintf(id, sizeof id, "items_%s", r->name);
		snprintf(summary, sizeof summary, "%s (%s): features", r->label_en, r->label_zh);
		json_object_set_new(p, path,
		                    operation(id, summary, MT_GEOJSON, items_params(r), false));
	}
	return p;
}

/* Parameters and how to authenticate: an API token (Bearer) or the
 * session cookie of the web UI. */
static json_t *oas_components(void)
{
	return json_pack("{s:o,s:{s:{s:s,s:s},s:{s:s,s:s,s:s}}}", "parameters", oas_parameters(),
	                 "securitySchemes", "bearer", "type", "http", "scheme", "bearer", "session",
	                 "type", "apiKey", "in", "cookie", "name", "tb_session");
}

int tb_ogc_api(tb_req *req, tb_resp *resp)
{
	char base[300], server[320];
	base_url(req, base, sizeof base);
	snprintf(server, sizeof server, "%s/ogc", base);
	json_t *info = json_pack("{s:s,s:s,s:s}", "title", "tianbao 天保 — OGC API – Features",
	                         "version", "1.0.0", "description",
	                         "Natural-forest registry layers as OGC API – Features (Part 1)");
	json_t *doc = json_pack("{s:s,s:o,s:[{s:s}],s:o,s:o,s:[{s:[]},{s:[]}]}", "openapi", "3.0.3",
	                        "info", info, "servers", "url", server, "paths", oas_paths(),
	                        "components", oas_components(), "security", "bearer", "session");
	int status = tb_resp_json(resp, 200, doc);
	if (status == 200) resp->content_type = MT_OAS;
	return status;
}

/* ---- collections ------------------------------------------------------------------ */

/* The collection named by the route's {collection}: a spatial registry
 * resource, else 404. */
static const tb_resource *collection_of(tb_req *req, tb_resp *resp)
{
	const tb_resource *r = req->nparams > 0 ? tb_registry_resource(req->params[0]) : NULL;
	if (r && r->geom != TB_GEOM_NONE) return r;
	tb_resp_error(resp, 404, "not_found", "collection", "no such collection");
	return NULL;
}

/* The layer's extent as GeoPackage keeps it (gpkg_contents); the whole
 * world while the layer is empty. */
static json_t *extent_json(tb_req *req, const tb_resource *r)
{
	double b[4] = {-180, -90, 180, 90};
	tb_gpkg_extent(req->db, r->name, b);
	/* outwards to 1e-8° (about 1 mm), so that the 12 digits of the JSON
	 * output cannot move an edge inside the data */
	for (int i = 0; i < 4; i++)
		b[i] = (i < 2 ? floor(b[i] * 1e8) : ceil(b[i] * 1e8)) / 1e8;
	return json_pack("{s:{s:[[f,f,f,f]],s:s}}", "spatial", "bbox", b[0], b[1], b[2], b[3],
	                 "crs", CRS84);
}

static json_t *collection_json(tb_req *req, const tb_resource *r, const char *base)
{
	char title[256], desc[256], path[128];
	snprintf(title, sizeof title, "%s %s", r->label_zh, r->label_en);
	snprintf(desc, sizeof desc, "%s — plan clause §%s", r->label_en,
	         r->clause ? r->clause : "");
	snprintf(path, sizeof path, "/ogc/collections/%s", r->name);
	json_t *links = json_array();
	add_link_to(links, base, path, NULL, "self", MT_JSON, title);
	add_link_to(links, base, path, "/items", "items", MT_GEOJSON, "features (GeoJSON)");
	return json_pack("{s:s,s:s,s:s,s:o,s:s,s:[s],s:o}", "id", r->name, "title", title,
	                 "description", desc, "extent", extent_json(req, r), "itemType", "feature",
	                 "crs", CRS84, "links", links);
}

int tb_ogc_collections(tb_req *req, tb_resp *resp)
{
	char base[300];
	base_url(req, base, sizeof base);
	json_t *list = json_array();
	for (int i = 0; tb_registry_resources[i]; i++)
		if (tb_registry_resources[i]->geom != TB_GEOM_NONE)
			json_array_append_new(list,
			                      collection_json(req, tb_registry_resources[i], base));
	json_t *links = json_array();
	add_link_to(links, base, "/ogc/collections", NULL, "self", MT_JSON, "feature collections");
	return tb_resp_json(resp, 200, json_pack("{s:o,s:o}", "links", links, "collections", list));
}

int tb_ogc_collection(tb_req *req, tb_resp *resp)
{
	const tb_resource *r = collection_of(req, resp);
	if (!r) return 0;
	char base[300];
	base_url(req, base, sizeof base);
	return tb_resp_json(resp, 200, collection_json(req, r, base));
}

/* ---- items: parameters ---------------------------------------------------------------- */

typedef struct items_args {
	const tb_resource *r;
	tb_filter f[MAX_FILTERS];
	int n;
	int64_t limit, offset;
	double bbox[4];
	bool have_bbox;
	const char *unknown; /* the first parameter that is neither standard nor a field */
	bool too_many;
	tb_buf keep; /* the parameters other than limit/offset, URL-encoded, for links */
} items_args;

static int url_encode(tb_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;
	for (; *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		             (c >= '0' && c <= '9') || strchr("-._~,", c);
		char enc[4] = {(char)c, 0};
		if (!plain) snprintf(enc, sizeof enc, "%%%c%c", hex[c >> 4], hex[c & 15]);
		rc = tb_buf_adds(b, enc);
	}
	return rc;
}

/* Query arguments: limit/offset apart, bbox and f standard, anything else
 * must name a described field (an equality filter) or the request is 400,
 * as OGC API – Features asks of unknown parameters. */
static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
	(void)kind;
	items_args *a = cls;
	value = value ? value : "";
	if (!strcmp(key, "limit") || !strcmp(key, "offset")) return MHD_YES;
	if (strcmp(key, "bbox") && strcmp(key, "f")) {
		const tb_field *fd = tb_resource_field(a->r, key);
		if (!fd || fd->flags & TB_PRIVATE) {
			a->unknown = key;
			return MHD_NO;
		}
		if (a->n >= MAX_FILTERS) {
			a->too_many = true;
			return MHD_NO;
		}
		a->f[a->n++] = (tb_filter){.field = key, .op = "eq", .value = value};
	}
	if (url_encode(&a->keep, key) || tb_buf_adds(&a->keep, "=") ||
	    url_encode(&a->keep, value) || tb_buf_adds(&a->keep, "&"))
		a->too_many = true;
	return a->too_many ? MHD_NO : MHD_YES;
}

/* A whole number ≥ min, or the default when absent.  Past max it becomes
 * max when `clamp` (the spec's rule for limit), else it is refused (which
 * also keeps offset + limit far from overflowing). */
static bool parse_count(tb_req *req, const char *name, int64_t min, int64_t max, bool clamp,
                        int64_t dflt, int64_t *out, tb_resp *resp)
{
	const char *v = tb_req_query(req, name);
	*out = dflt;
	if (!v) return true;
	char *end;
	long long n = strtoll(v, &end, 10);
	if (*v && !*end && n >= min && (n <= max || clamp)) {
		*out = n > max ? max : n;
		return true;
	}
	tb_resp_error(resp, 400, "bad_request", name, "%s must be a whole number from %lld to %lld",
	              name, (long long)min, (long long)max);
	return false;
}

/* Exactly four finite numbers, lower-left before upper-right. */
static bool parse_bbox(const char *v, double b[4])
{
	const char *p = v;
	for (int i = 0; i < 4; i++) {
		char *end;
		b[i] = strtod(p, &end);
		if (end == p || !isfinite(b[i]) || *end != (i < 3 ? ',' : '\0')) return false;
		p = end + 1;
	}
	return b[0] <= b[2] && b[1] <= b[3];
}

static bool items_args_parse(tb_req *req, const tb_resource *r, items_args *a, tb_resp *resp)
{
	a->r = r;
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect, a);
	if (a->unknown && !strcmp(a->unknown, "datetime")) {
		/* Refused rather than ignored: GDAL sends datetime for a comparison
		 * on any date property and then trusts the server's answer. */
		tb_resp_error(
		    resp, 400, "bad_request", "datetime",
		    "datetime is not supported: features of %s have no temporal geometry; "
		    "filter on a property instead",
		    r->name);
		return false;
	}
	if (a->unknown) {
		tb_resp_error(
		    resp, 400, "bad_request", a->unknown,
		    "unknown query parameter: use limit, offset, bbox or a property of %s",
		    r->name);
		return false;
	}
	if (a->too_many) {
		tb_resp_error(resp, 400, "bad_request", NULL, "too many query parameters");
		return false;
	}
	if (!parse_count(req, "limit", 1, LIMIT_MAX, true, LIMIT_DEFAULT, &a->limit, resp) ||
	    !parse_count(req, "offset", 0, INT32_MAX, false, 0, &a->offset, resp))
		return false;
	const char *bbox = tb_req_query(req, "bbox");
	if (bbox && !(a->have_bbox = parse_bbox(bbox, a->bbox))) {
		tb_resp_error(resp, 400, "bad_request", "bbox",
		              "bbox must be minlon,minlat,maxlon,maxlat");
		return false;
	}
	return true;
}

/* ---- items: query ------------------------------------------------------------------------ */

/* bbox.  The query layer selects by R-tree envelope; OGC asks for the
 * features whose geometry meets the box.  The difference — "misses", whose
 * envelope meets the box but whose shape does not — have an envelope that
 * reaches past the box and so crosses one of its four edges: four thin
 * R-tree queries along the edges find them all, and the page is then the
 * envelope query less those few ids, counted and paged by SQL.  When there
 * are too many misses the page is cut from an exact scan instead. */

#define MAX_MISSES 120 /* "fid ne" filters the query layer takes besides ours */

typedef struct misses {
	char id[MAX_MISSES][24];
	int n;
	bool overflow;
} misses;

static void note_misses(const GEOSPreparedGeometry *box, const tb_rows *c, misses *m)
{
	for (size_t i = 0; i < c->n && !m->overflow; i++) {
		if (!c->geoms[i] || GEOSPreparedIntersects_r(tb_geos(), box, c->geoms[i]) == 1)
			continue;
		char id[24];
		snprintf(id, sizeof id, "%" JSON_INTEGER_FORMAT,
		         json_integer_value(json_object_get(json_array_get(c->items, i), "fid")));
		bool seen = false;
		for (int k = 0; k < m->n && !seen; k++)
			seen = !strcmp(m->id[k], id);
		if (seen) continue;
		if (m->n == MAX_MISSES)
			m->overflow = true;
		else
			memcpy(m->id[m->n++], id, sizeof id);
	}
}

static int find_misses(tb_req *req, const tb_query *page, const items_args *a,
                       const GEOSPreparedGeometry *box, misses *m, tb_err *e)
{
	const double *b = a->bbox;
	const double edge[4][4] = {{b[0], b[1], b[0], b[3]},
	                           {b[2], b[1], b[2], b[3]},
	                           {b[0], b[1], b[2], b[1]},
	                           {b[0], b[3], b[2], b[3]}};
	int rc = 0;
	for (int i = 0; i < 4 && !rc && !m->overflow; i++) {
		tb_query q = *page;
		q.bbox = edge[i];
		q.limit = CHUNK;
		q.offset = 0;
		tb_rows c;
		if ((rc = tb_record_list(req->db, a->r, &q, &c, e))) break;
		m->overflow = c.total > CHUNK;
		note_misses(box, &c, m);
		tb_rows_free(&c);
	}
	return rc;
}

/* The envelope query less the misses. */
static int page_without(tb_req *req, const tb_query *page, const items_args *a, const misses *m,
                        tb_rows *out, tb_err *e)
{
	tb_filter f[MAX_FILTERS + MAX_MISSES];
	memcpy(f, a->f, (size_t)a->n * sizeof *f);
	for (int i = 0; i < m->n; i++)
		f[a->n + i] = (tb_filter){.field = "fid", .op = "ne", .value = m->id[i]};
	tb_query q = *page;
	q.filters = f;
	q.nfilters = a->n + m->n;
	return tb_record_list(req->db, a->r, &q, out, e);
}

/* Move the candidates of `c` whose geometry meets the box into the page
 * `out` (features matched+offset .. +limit); out->total counts them all. */
static void keep_hits(const GEOSPreparedGeometry *box, tb_rows *c, const items_args *a,
                      tb_rows *out)
{
	for (size_t i = 0; i < c->n; i++) {
		if (!c->geoms[i] || GEOSPreparedIntersects_r(tb_geos(), box, c->geoms[i]) != 1)
			continue;
		int64_t k = out->total++;
		if (k < a->offset || k >= a->offset + a->limit) continue;
		json_array_append(out->items, json_array_get(c->items, i));
		out->geoms[out->n++] = c->geoms[i];
		c->geoms[i] = NULL;
	}
}

/* Every candidate tested, the page cut from the exact matches. */
static int scan_exact(tb_req *req, const tb_query *page, const items_args *a,
                      const GEOSPreparedGeometry *box, tb_rows *out, tb_err *e)
{
	memset(out, 0, sizeof *out);
	out->items = json_array();
	out->geoms = calloc((size_t)a->limit, sizeof *out->geoms);
	if (!out->geoms) {
		tb_rows_free(out);
		return tb_err_set(e, TB_ENOMEM, a->r->name, "bbox", "out of memory");
	}
	int rc = 0;
	tb_query q = *page;
	q.limit = CHUNK;
	for (q.offset = 0; !rc;) {
		tb_rows c;
		if ((rc = tb_record_list(req->db, a->r, &q, &c, e))) break;
		keep_hits(box, &c, a, out);
		int64_t total = c.total;
		tb_rows_free(&c);
		q.offset += CHUNK;
		if (q.offset >= total) break;
	}
	if (rc) tb_rows_free(out);
	return rc;
}

static int fetch_bbox(tb_req *req, const tb_query *page, const items_args *a, tb_rows *out,
                      tb_err *e)
{
	GEOSGeometry *rect =
	    GEOSGeom_createRectangle_r(tb_geos(), a->bbox[0], a->bbox[1], a->bbox[2], a->bbox[3]);
	const GEOSPreparedGeometry *box = rect ? GEOSPrepare_r(tb_geos(), rect) : NULL;
	misses m = {.n = 0};
	int rc = box ? find_misses(req, page, a, box, &m, e)
	             : tb_err_set(e, TB_ENOMEM, a->r->name, "bbox", "out of memory");
	if (!rc)
		rc = m.overflow ? scan_exact(req, page, a, box, out, e)
		                : page_without(req, page, a, &m, out, e);
	if (box) GEOSPreparedGeom_destroy_r(tb_geos(), box);
	if (rect) GEOSGeom_destroy_r(tb_geos(), rect);
	return rc;
}

/* The page of features the arguments ask for, within the caller's reach
 * (as the JSON API: http/access.c). */
static int fetch_page(tb_req *req, const items_args *a, tb_rows *out, tb_err *e)
{
	tb_access acc;
	tb_access_of(req, a->r, &acc);
	tb_query q = {.filters = a->f,
	              .nfilters = a->n,
	              .limit = a->limit,
	              .offset = a->offset,
	              .bbox = a->have_bbox ? a->bbox : NULL,
	              .with_geom = true};
	int rc = tb_access_query(&acc, &q, e);
	if (!rc)
		rc = a->have_bbox ? fetch_bbox(req, &q, a, out, e)
		                  : tb_record_list(req->db, a->r, &q, out, e);
	tb_access_free(&acc);
	return rc;
}

/* ---- items: GeoJSON ------------------------------------------------------------------------ */

/* Documents with features are written straight into the body: jansson
 * serialises properties and links, GEOS's GeoJSON writer the geometries,
 * whose text goes in as it is (shortest round-trip digits) instead of being
 * parsed and printed again, which was most of the cost of a page. */

#define REALS JSON_COMPACT | JSON_REAL_PRECISION(15)

/* Append v serialised (v consumed; NULL is an error). */
static int put_json(tb_buf *b, json_t *v)
{
	char *t = v ? json_dumps(v, REALS) : NULL;
	json_decref(v);
	int rc = t ? tb_buf_adds(b, t) : TB_ENOMEM;
	free(t);
	return rc;
}

/* A GeoJSON Feature: id = fid, properties = the record without fid, and
 * links (consumed) when not NULL. */
static int put_feature(tb_buf *b, json_t *props, const GEOSGeometry *g,
                       json_t *links)
{
	json_int_t id = json_integer_value(json_object_get(props, "fid"));
	json_object_del(props, "fid");
	char *geom = tb_geojson_text(g);
	int rc = tb_buf_addf(
	    b, "{\"type\":\"Feature\",\"id\":%" JSON_INTEGER_FORMAT ",\"geometry\":", id);
	if (!rc) rc = tb_buf_adds(b, geom ? geom : "null");
	if (!rc) rc = tb_buf_adds(b, ",\"properties\":");
	if (!rc) rc = put_json(b, json_incref(props));
	if (!rc && links) rc = tb_buf_adds(b, ",\"links\":");
	if (!rc && links) rc = put_json(b, json_incref(links));
	if (!rc) rc = tb_buf_adds(b, "}");
	free(geom);
	json_decref(links);
	return rc;
}

static json_t *page_link(const char *base, const tb_req *req, const items_args *a, int64_t offset,
                         const char *rel)
{
	tb_buf b;
	tb_buf_init(&b, 1 << 16);
	tb_buf_addf(&b, "%s%s?%slimit=%lld&offset=%lld", base, req->path,
	            a->keep.data ? a->keep.data : "", (long long)a->limit, (long long)offset);
	json_t *l = json_pack("{s:s?,s:s,s:s}", "href", b.data, "rel", rel, "type", MT_GEOJSON);
	tb_buf_free(&b);
	return l;
}

static json_t *items_links(const tb_req *req, const items_args *a, const tb_rows *rows)
{
	char base[300];
	base_url(req, base, sizeof base);
	json_t *links = json_array();
	json_array_append_new(links, page_link(base, req, a, a->offset, "self"));
	if (a->offset + (int64_t)rows->n < rows->total)
		json_array_append_new(links, page_link(base, req, a, a->offset + a->limit, "next"));
	if (a->offset > 0)
		json_array_append_new(
		    links, page_link(base, req, a, a->offset > a->limit ? a->offset - a->limit : 0,
		                     "prev"));
	char path[128];
	snprintf(path, sizeof path, "/ogc/collections/%s", a->r->name);
	add_link_to(links, base, path, NULL, "collection", MT_JSON, a->r->label_en);
	return links;
}

static int put_collection(tb_buf *b, const tb_req *req, const items_args *a, tb_rows *rows)
{
	int rc = tb_buf_adds(b, "{\"type\":\"FeatureCollection\",\"features\":[");
	for (size_t i = 0; !rc && i < rows->n; i++) {
		if (i) rc = tb_buf_adds(b, ",");
		if (!rc) rc = put_feature(b, json_array_get(rows->items, i), rows->geoms[i], NULL);
	}
	char now[32];
	tb_time_now_iso(now);
	if (!rc)
		rc = tb_buf_addf(b,
		                 "],\"numberMatched\":%lld,\"numberReturned\":%zu,\"timeStamp\":\"%"
		                 "s\",\"links\":",
		                 (long long)rows->total, rows->n, now);
	if (!rc) rc = put_json(b, items_links(req, a, rows));
	return rc ? rc : tb_buf_adds(b, "}");
}

/* A 200 GeoJSON answer once `rc` (of writing the body) is 0; else 500. */
static int geojson_done(tb_resp *resp, int rc)
{
	if (rc)
		return tb_resp_error(resp, 500, "internal", NULL,
		                     "the response could not be written");
	resp->status = 200;
	resp->content_type = MT_GEOJSON;
	return 200;
}

int tb_ogc_items(tb_req *req, tb_resp *resp)
{
	const tb_resource *r = collection_of(req, resp);
	if (!r) return 0;
	items_args a = {0};
	tb_buf_init(&a.keep, 1 << 14);
	if (items_args_parse(req, r, &a, resp)) {
		tb_rows rows;
		tb_err e = {0};
		if (fetch_page(req, &a, &rows, &e))
			tb_resp_err(resp, &e);
		else {
			tb_buf_reset(&resp->body);
			geojson_done(resp, put_collection(&resp->body, req, &a, &rows));
			tb_rows_free(&rows);
		}
	}
	tb_buf_free(&a.keep);
	return resp->status;
}

static json_t *item_links(const tb_req *req, const tb_resource *r)
{
	char base[300], path[160];
	base_url(req, base, sizeof base);
	snprintf(path, sizeof path, "/ogc/collections/%s", r->name);
	json_t *links = json_array();
	add_link_to(links, base, req->path, NULL, "self", MT_GEOJSON, "this feature");
	add_link_to(links, base, path, NULL, "collection", MT_JSON, r->label_en);
	return links;
}

int tb_ogc_item(tb_req *req, tb_resp *resp)
{
	const tb_resource *r = collection_of(req, resp);
	int64_t fid;
	if (!r || !tb_req_id(req, 1, &fid, resp)) return 0;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)fid);
	tb_filter f = {.field = "fid", .op = "eq", .value = id};
	tb_access acc;
	tb_access_of(req, r, &acc);
	tb_query q = {.filters = &f, .nfilters = 1, .limit = 1, .with_geom = true};
	tb_rows rows;
	tb_err e = {0};
	int rc = tb_access_query(&acc, &q, &e) ? e.code : tb_record_list(req->db, r, &q, &rows, &e);
	tb_access_free(&acc);
	if (rc) return tb_resp_err(resp, &e);
	if (!rows.n) {
		tb_rows_free(&rows);
		/* outside the caller's jurisdiction it does not exist for him */
		return tb_resp_error(resp, 404, "not_found", NULL, "%s %lld: no such feature",
		                     r->name, (long long)fid);
	}
	tb_buf_reset(&resp->body);
	rc = put_feature(&resp->body, json_array_get(rows.items, 0), rows.geoms[0],
	                 item_links(req, r));
	tb_rows_free(&rows);
	return geojson_done(resp, rc);
}
