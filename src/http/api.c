/* api.c — the generic resource handlers: list, get, create and update of
 * any described resource (the route names it), with the caller's
 * jurisdiction from http/access.c, ETag/If-Match concurrency and field errors;
 * plus the registry's archive, statistics and schema. */
#include "http/api.h"

#include "base/json.h"
#include "db/codes.h"
#include "db/event.h"
#include "app/app.h"
#include "base/tbtime.h"
#include "duty/duty.h"
#include "http/access.h"
#include "http/server.h"
#include "registry/registry.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tb_resource *resource_of(tb_req *req, tb_resp *resp)
{
	const tb_resource *r = req->route->resource ? tb_app_resource(req->route->resource) : NULL;
	if (!r) tb_resp_error(resp, 500, "internal", NULL, "route has no resource");
	return r;
}

static void etag(tb_resp *resp, const json_t *props)
{
	char v[64];
	snprintf(v, sizeof v, "\"v%lld\"", (long long)json_integer_value(json_object_get(props, "version")));
	tb_resp_header(resp, "ETag", v);
}

/* ---- list ---------------------------------------------------------------------- */

typedef struct qargs {
	tb_filter f[64];
	int n;
	char ops[64][80];
	bool overflow;
	const char *bad;
} qargs;

static const char *reserved[] = {"limit", "offset", "sort", "bbox", "f", NULL};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	qargs *q = cls;
	for (int i = 0; reserved[i]; i++)
		if (!strcmp(key, reserved[i])) return MHD_YES;
	if (q->n >= 64) {
		q->overflow = true;
		return MHD_NO;
	}
	/* "field" or "field.op" */
	snprintf(q->ops[q->n], sizeof q->ops[0], "%s", key);
	char *dot = strchr(q->ops[q->n], '.');
	if (dot) *dot = 0;
	q->f[q->n] = (tb_filter){.field = q->ops[q->n], .op = dot ? dot + 1 : "eq", .value = value ? value : ""};
	q->n++;
	return MHD_YES;
}

static bool parse_int_arg(tb_req *req, const char *name, int64_t *out, tb_resp *resp)
{
	const char *v = tb_req_query(req, name);
	if (!v) return true;
	char *end;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || n < 0) {
		tb_resp_error(resp, 400, "bad_request", name, "%s must be a whole number ≥ 0", name);
		return false;
	}
	*out = n;
	return true;
}

bool tb_api_bbox(tb_req *req, double bbox[4], bool *have, tb_resp *resp)
{
	const char *v = tb_req_query(req, "bbox");
	*have = false;
	if (!v) return true;
	if (sscanf(v, "%lf,%lf,%lf,%lf", &bbox[0], &bbox[1], &bbox[2], &bbox[3]) != 4 || bbox[0] > bbox[2] ||
	    bbox[1] > bbox[3]) {
		tb_resp_error(resp, 400, "bad_request", "bbox", "bbox must be minlon,minlat,maxlon,maxlat");
		return false;
	}
	*have = true;
	return true;
}

int tb_api_list(tb_req *req, tb_resp *resp)
{
	const tb_resource *r = resource_of(req, resp);
	if (!r) return 0;
	qargs qa = {0};
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect, &qa);
	if (qa.overflow) return tb_resp_error(resp, 400, "bad_request", NULL, "too many filters");
	tb_query q = {.filters = qa.f, .nfilters = qa.n, .sort = tb_req_query(req, "sort")};
	double bbox[4];
	bool have_bbox;
	if (!parse_int_arg(req, "limit", &q.limit, resp) || !parse_int_arg(req, "offset", &q.offset, resp) ||
	    !tb_api_bbox(req, bbox, &have_bbox, resp))
		return 0;
	if (have_bbox) q.bbox = bbox;
	tb_access a;
	tb_access_of(req, r, &a);
	tb_rows rows;
	tb_err e = {0};
	int rc = tb_access_query(&a, &q, &e) ? e.code : tb_record_list(req->db, r, &q, &rows, &e);
	tb_access_free(&a);
	if (rc) return tb_resp_err(resp, &e);
	int64_t limit = q.limit > 0 ? (q.limit > 10000 ? 10000 : q.limit) : 100;
	tb_resp_json(resp, 200, json_pack("{s:O,s:I,s:I,s:I}", "items", rows.items, "total", (json_int_t)rows.total,
					  "limit", (json_int_t)limit, "offset", (json_int_t)q.offset));
	tb_rows_free(&rows);
	return 0;
}

/* ---- get ----------------------------------------------------------------------- */

int tb_api_get(tb_req *req, tb_resp *resp)
{
	const tb_resource *r = resource_of(req, resp);
	GEOSGeometry *g = NULL;
	json_t *p = r ? tb_access_get(req, r, 0, r->geom ? &g : NULL, resp) : NULL;
	if (!p) return 0;
	if (r->geom && tb_req_query(req, "geometry") && !strcmp(tb_req_query(req, "geometry"), "true"))
		json_object_set_new(p, "geometry", tb_geojson_from_geom(g));
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
	etag(resp, p);
	tb_resp_json(resp, 200, p);
	return 0;
}

/* ---- create / update ---------------------------------------------------------------- */

/* Split a body into props and geometry: a GeoJSON Feature
 * {"properties":{…},"geometry":{…}} or a flat object with "geometry". */
static int split_body(json_t *body, json_t **props, GEOSGeometry **geom, tb_err *e)
{
	*geom = NULL;
	json_t *g = json_object_get(body, "geometry");
	json_t *p = json_object_get(body, "properties");
	if (json_is_object(p)) { /* a GeoJSON Feature: its properties as they are */
		*props = json_deep_copy(p);
	} else { /* a flat object: geometry, GeoJSON "type" and version are not fields */
		*props = json_deep_copy(body);
		json_object_del(*props, "geometry");
		if (json_is_string(json_object_get(body, "type")) && !strcmp(json_string_value(json_object_get(body, "type")), "Feature"))
			json_object_del(*props, "type");
	}
	json_object_del(*props, "version");
	if (!g || json_is_null(g)) return 0;
	*geom = tb_geom_from_geojson(g, NULL, NULL);
	if (!*geom)
		return tb_err_set(e, TB_EINPUT, NULL, "geometry", "not a GeoJSON geometry in lon/lat (EPSG:4490)");
	return 0;
}

int tb_api_create(tb_req *req, tb_resp *resp)
{
	const tb_resource *r = resource_of(req, resp);
	json_t *body = r ? tb_req_json(req, resp) : NULL;
	if (!body) return 0;
	json_t *props = NULL;
	GEOSGeometry *g = NULL;
	tb_err e = {0};
	if (split_body(body, &props, &g, &e)) tb_resp_err(resp, &e);
	else if (tb_access_may_write(req, r, props, resp)) {
		tb_actor who = tb_req_actor(req);
		char name[64];
		snprintf(name, sizeof name, "new %s", r->name);
		tb_record rec = {.props = props, .geom = g, .name = name};
		if (tb_write_create(req->db, &who, r, &rec, NULL, NULL, &e)) tb_resp_err(resp, &e);
		else {
			g = rec.geom;
			json_t *row = NULL;
			tb_record_get(req->db, r, rec.fid, &row, NULL, &e);
			char loc[128];
			snprintf(loc, sizeof loc, "/api/%s/%lld", r->name, (long long)rec.fid);
			tb_resp_header(resp, "Location", loc);
			if (row) etag(resp, row);
			tb_resp_json(resp, 201, row ? row : json_object());
		}
		g = rec.geom;
	}
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
	json_decref(props);
	json_decref(body);
	return 0;
}

/* The version the client saw: If-Match "v3" or a "version" in the body. */
static int64_t expected_version(tb_req *req, const json_t *body)
{
	const char *m = tb_req_header(req, "If-Match");
	if (m) {
		const char *v = strchr(m, 'v');
		return v ? strtoll(v + 1, NULL, 10) : -1;
	}
	json_t *v = json_object_get(body, "version");
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

int tb_api_update(tb_req *req, tb_resp *resp)
{
	const tb_resource *r = resource_of(req, resp);
	json_t *old = r ? tb_access_get(req, r, 0, NULL, resp) : NULL;
	json_t *body = old ? tb_req_json(req, resp) : NULL;
	if (!body) {
		json_decref(old);
		return 0;
	}
	int64_t expected = expected_version(req, body);
	json_t *props = NULL;
	GEOSGeometry *g = NULL;
	tb_err e = {0};
	if (expected <= 0)
		tb_resp_error(resp, 428, "precondition_required", "version",
			      "send If-Match: \"v<version>\" or the record's version to update it");
	else if (split_body(body, &props, &g, &e)) tb_resp_err(resp, &e);
	else {
		json_t *merged = json_deep_copy(old);
		json_object_update(merged, props);
		if (tb_access_may_write(req, r, merged, resp)) {
			tb_actor who = tb_req_actor(req);
			char name[96];
			snprintf(name, sizeof name, "%s %s", r->name, req->params[0]);
			tb_record rec = {.props = props, .geom = g, .name = name,
					 .fid = json_integer_value(json_object_get(old, "fid"))};
			if (tb_write_update(req->db, &who, r, &rec, expected, NULL, NULL, &e)) tb_resp_err(resp, &e);
			else {
				json_t *row = NULL;
				tb_record_get(req->db, r, rec.fid, &row, NULL, &e);
				if (row) etag(resp, row);
				tb_resp_json(resp, 200, row ? row : json_object());
			}
			g = rec.geom;
		}
		json_decref(merged);
	}
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
	json_decref(props);
	json_decref(body);
	json_decref(old);
	return 0;
}

/* ---- registry extras ------------------------------------------------------------ */

int tb_api_archive(tb_req *req, tb_resp *resp)
{
	json_t *p = tb_access_get(req, &tb_parcels, 0, NULL, resp);
	if (!p) return 0;
	tb_err e = {0};
	json_t *a = tb_event_archive(req->db, json_string_value(json_object_get(p, "code")), &e);
	if (!a) tb_resp_err(resp, &e);
	else tb_resp_json(resp, 200, json_pack("{s:O,s:o}", "code", json_object_get(p, "code"), "events", a));
	json_decref(p);
	return 0;
}

int tb_api_stats(tb_req *req, tb_resp *resp)
{
	tb_err e = {0};
	json_t *s = tb_registry_stats(req->db, &e);
	if (!s) return tb_resp_err(resp, &e);
	return tb_resp_json(resp, 200, s);
}

int tb_api_schema(tb_req *req, tb_resp *resp)
{
	json_t *res = json_object();
	for (int i = 0; tb_app_resources[i]; i++)
		json_object_set_new(res, tb_app_resources[i]->name,
				    tb_resource_schema(req->db, tb_app_resources[i]));
	return tb_resp_json(resp, 200, json_pack("{s:o,s:o}", "resources", res, "codes", tb_codes_json(req->db)));
}

int tb_api_events(tb_req *req, tb_resp *resp)
{
	int64_t limit = 20;
	if (!parse_int_arg(req, "limit", &limit, resp)) return 0;
	if (limit < 1 || limit > 500) limit = 20;
	char *towns = tb_access_towns(req, &tb_parcels);
	tb_err e = {0};
	json_t *ev = tb_registry_events(req->db, towns, (int)limit, &e);
	free(towns);
	return ev ? tb_resp_json(resp, 200, json_pack("{s:o}", "items", ev)) : tb_resp_err(resp, &e);
}

int tb_api_duty_check(tb_req *req, tb_resp *resp)
{
	const char *today = tb_req_query(req, "today");
	int64_t ms, days = 60;
	if (today && (strlen(today) != 10 || !tb_time_parse_iso(today, &ms)))
		return tb_resp_error(resp, 400, "bad_request", "today", "today must be YYYY-MM-DD");
	if (!parse_int_arg(req, "expiring_days", &days, resp)) return 0;
	tb_err e = {0};
	json_t *r = tb_duty_check(req->db, today, (int)days, &e);
	return r ? tb_resp_json(resp, 200, r) : tb_resp_err(resp, &e);
}

int tb_api_config(tb_req *req, tb_resp *resp)
{
	const tb_server_config *cfg = tb_server_cfg(req->srv);
	char *name = tb_setting_get(req->db, "district_name", ""), *code = tb_setting_get(req->db, "district_code", "");
	json_t *o = json_pack("{s:{s:s,s:s},s:f,s:s?,s:s}", "district", "code", code, "name", name, "target_ha",
			      tb_setting_num(req->db, "target_ha", 0), "basemap_url",
			      cfg->basemap_url[0] ? cfg->basemap_url : NULL, "lang_default", "zh");
	free(name);
	free(code);
	return tb_resp_json(resp, 200, o);
}
