/* control.c — use-control endpoints (§3.1.1, §3.2): POST /api/control/check
 * (decide an activity on a drawn area), POST /api/control/geometry (read an
 * uploaded file into EPSG:4490 GeoJSON), GET /api/control/summary, creation
 * of applications and designs (the town follows from the area or parcels,
 * so the jurisdiction is checked after it is known) and their workflow
 * moves.  Handlers parse, call src/control, and serialise. */
#include "http/control.h"

#include "control/control.h"
#include "http/access.h"
#include "http/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The record as the API returns it, with its ETag. */
static int reply_record(tb_req *req, tb_resp *resp, const tb_resource *r, int64_t fid, int status)
{
	json_t *row = NULL;
	tb_err e = {0};
	if (tb_record_get(req->db, r, fid, &row, NULL, &e)) return tb_resp_err(resp, &e);
	char v[64];
	snprintf(v, sizeof v, "\"v%lld\"", (long long)json_integer_value(json_object_get(row, "version")));
	tb_resp_header(resp, "ETag", v);
	if (status == 201) {
		char loc[128];
		snprintf(loc, sizeof loc, "/api/%s/%lld", r->name, (long long)fid);
		tb_resp_header(resp, "Location", loc);
	}
	return tb_resp_json(resp, status, row);
}

/* The record of the route's {id} if the caller may see it (else 404). */
static bool visible_fid(tb_req *req, const tb_resource *r, int64_t *fid, tb_resp *resp)
{
	json_t *p = tb_access_get(req, r, 0, NULL, resp);
	if (p) *fid = json_integer_value(json_object_get(p, "fid"));
	json_decref(p);
	return p != NULL;
}

int tb_api_control_check(tb_req *req, tb_resp *resp)
{
	json_t *body = tb_req_json(req, resp);
	if (!body) return 0;
	json_t *da = json_object_get(body, "design_approved");
	tb_use_query q = {.activity = json_string_value(json_object_get(body, "activity")),
			  .purpose = json_string_value(json_object_get(body, "purpose")),
			  .design_approved = json_is_true(da)};
	GEOSGeometry *raw = NULL, *g = NULL;
	tb_err e = {0};
	json_t *d = NULL;
	if (da && !json_is_boolean(da) && !json_is_null(da))
		tb_err_set(&e, TB_EINPUT, NULL, "design_approved", "design_approved must be true or false");
	else if (!tb_control_read_geojson(json_object_get(body, "geometry"), &raw, &e) &&
		 !tb_control_check_geometry(req->db, raw, &g, &e))
		d = tb_control_check(req->db, &q, g, &e);
	if (d) tb_resp_json(resp, 200, d);
	else tb_resp_err(resp, &e);
	if (raw) GEOSGeom_destroy_r(tb_geos(), raw);
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
	json_decref(body);
	return 0;
}

int tb_api_control_geometry(tb_req *req, tb_resp *resp)
{
	static const char *const exts[] = {".zip", ".geojson", ".json", ".kml", ".gpx", ".gpkg", NULL};
	const char *name = tb_req_query(req, "filename"), *ext = tb_upload_ext(name, exts);
	if (!ext)
		return tb_resp_error(resp, 400, "bad_request", "filename",
				     "name the file: .zip (shapefile), .geojson, .kml, .gpx or .gpkg");
	if (!req->body_len) return tb_resp_error(resp, 422, "invalid", "geometry", "the file is empty");
	char path[96];
	bool ok = tb_upload_save(req, "area", ext, path, sizeof path);
	GEOSGeometry *raw = NULL, *g = NULL;
	tb_err e = {0};
	if (!ok) tb_resp_error(resp, 500, "io", NULL, "cannot store the upload");
	else if (tb_control_read_file(path, tb_req_query(req, "srs"), &raw, &e) ||
		 tb_control_check_geometry(req->db, raw, &g, &e)) {
		snprintf(e.record, sizeof e.record, "%s", name);
		tb_resp_err(resp, &e);
	} else
		tb_resp_json(resp, 200, json_pack("{s:o,s:f}", "geometry", tb_geojson_from_geom(g), "area_ha",
						  tb_round4(tb_area_ha(g))));
	if (raw) GEOSGeom_destroy_r(tb_geos(), raw);
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
	if (ok) unlink(path);
	return 0;
}

int tb_api_control_summary(tb_req *req, tb_resp *resp)
{
	char *scope = tb_access_towns(req, &tb_applications);
	tb_err e = {0};
	json_t *s = tb_control_summary(req->db, scope, &e);
	free(scope);
	return s ? tb_resp_json(resp, 200, s) : tb_resp_err(resp, &e);
}

/* Properties and geometry of a body: a GeoJSON Feature or a flat object. */
static json_t *props_of(json_t *body)
{
	json_t *p = json_object_get(body, "properties");
	json_t *props = json_is_object(p) ? json_deep_copy(p) : json_deep_copy(body);
	if (!json_is_object(p)) {
		json_object_del(props, "geometry");
		json_object_del(props, "type");
	}
	json_object_del(props, "version");
	return props;
}

int tb_api_application_create(tb_req *req, tb_resp *resp)
{
	json_t *body = tb_req_json(req, resp);
	if (!body) return 0;
	json_t *props = props_of(body);
	GEOSGeometry *g = NULL;
	tb_err e = {0};
	int64_t fid = 0;
	char *scope = tb_access_towns(req, &tb_applications);
	tb_actor who = tb_req_actor(req);
	if (tb_control_read_geojson(json_object_get(body, "geometry"), &g, &e) ||
	    tb_application_create(req->db, &who, scope, props, g, &fid, &e))
		tb_resp_err(resp, &e);
	else
		reply_record(req, resp, &tb_applications, fid, 201);
	free(scope);
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
	json_decref(props);
	json_decref(body);
	return 0;
}

int tb_api_design_create(tb_req *req, tb_resp *resp)
{
	json_t *body = tb_req_json(req, resp);
	if (!body) return 0;
	json_t *props = props_of(body);
	tb_err e = {0};
	int64_t fid = 0;
	char *scope = tb_access_towns(req, &tb_designs);
	tb_actor who = tb_req_actor(req);
	if (tb_design_create(req->db, &who, scope, props, &fid, &e)) tb_resp_err(resp, &e);
	else reply_record(req, resp, &tb_designs, fid, 201);
	free(scope);
	json_decref(props);
	json_decref(body);
	return 0;
}

/* {"to": …, "note": …, "approval_doc": …}: strings or absent. */
static bool move_args(json_t *body, const char **to, const char **note, const char **doc, tb_resp *resp)
{
	static const char *const keys[] = {"to", "note", "approval_doc"};
	const char **out[] = {to, note, doc};
	for (int i = 0; i < 3; i++) {
		json_t *v = json_object_get(body, keys[i]);
		if (out[i]) *out[i] = json_string_value(v);
		if (v && !json_is_null(v) && (!json_is_string(v) || !out[i])) {
			tb_resp_error(resp, 422, "invalid", keys[i], out[i] ? "%s must be a string" : "%s is not accepted here",
				      keys[i]);
			return false;
		}
		if (out[i] && *out[i] && !**out[i]) *out[i] = NULL;
	}
	if (!*to) {
		tb_resp_error(resp, 422, "invalid", "to", "give the new status in \"to\"");
		return false;
	}
	return true;
}

int tb_api_application_transition(tb_req *req, tb_resp *resp)
{
	int64_t fid;
	if (!visible_fid(req, &tb_applications, &fid, resp)) return 0;
	json_t *body = tb_req_json(req, resp);
	if (!body) return 0;
	const char *to, *note, *doc;
	tb_actor who = tb_req_actor(req);
	tb_err e = {0};
	if (move_args(body, &to, &note, &doc, resp)) {
		if (tb_application_transition(req->db, &who, fid, to, note, doc, &e)) tb_resp_err(resp, &e);
		else reply_record(req, resp, &tb_applications, fid, 200);
	}
	json_decref(body);
	return 0;
}

int tb_api_design_transition(tb_req *req, tb_resp *resp)
{
	int64_t fid;
	if (!visible_fid(req, &tb_designs, &fid, resp)) return 0;
	json_t *body = tb_req_json(req, resp);
	if (!body) return 0;
	const char *to, *note;
	tb_actor who = tb_req_actor(req);
	tb_err e = {0};
	if (move_args(body, &to, &note, NULL, resp)) {
		if (tb_design_transition(req->db, &who, fid, to, note, &e)) tb_resp_err(resp, &e);
		else reply_record(req, resp, &tb_designs, fid, 200);
	}
	json_decref(body);
	return 0;
}
