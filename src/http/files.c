/* files.c — file transfer endpoints of the registry: POST /api/import
 * (a zipped shapefile, GeoPackage, GeoJSON, KML or CSV as the raw body; dry
 * run or real, all-or-nothing, every bad record listed) and GET
 * /api/export/{layer}?format= (a download of what the caller may see).
 * Both hand the work to io/ exactly as the CLI does. */
#include "http/api.h"

#include "http/access.h"

#include "app/app.h"
#include "base/utf8.h"
#include "db/attach.h"
#include "io/gis.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static json_t *errors_json(const tb_errlist *l)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < l->len; i++) {
		const tb_err *e = &l->items[i];
		json_array_append_new(arr, json_pack("{s:s,s:s?,s:s?}", "message", e->message, "record",
						     e->record[0] ? e->record : NULL, "field",
						     e->field[0] ? e->field : NULL));
	}
	return arr;
}

static int import_reply(tb_resp *resp, int rc, const tb_import_report *rep, const tb_import_opts *o,
			const char *layer, const tb_errlist *errs, const tb_err *e)
{
	if (rc == TB_EINPUT || rc == TB_EUSAGE) {
		json_t *err = json_pack("{s:s,s:s,s:I,s:o}", "code", "bad_input", "message",
					"nothing was changed", "count", (json_int_t)tb_errlist_count(errs),
					"errors", errors_json(errs));
		if (!errs->len)
			json_array_append_new(json_object_get(err, "errors"),
					      json_pack("{s:s,s:s?,s:s?}", "message", e->message, "record",
							e->record[0] ? e->record : NULL, "field",
							e->field[0] ? e->field : NULL));
		return tb_resp_json(resp, 422, json_pack("{s:o}", "error", err));
	}
	if (rc) return tb_resp_err(resp, e);
	json_t *out = json_pack("{s:s,s:I,s:I,s:I,s:b,s:s,s:s,s:O,s:O,s:O,s:I}", "layer", layer, "features",
				(json_int_t)rep->features, "imported", (json_int_t)rep->imported, "repaired",
				(json_int_t)rep->repaired, "dry_run", o->dry_run, "srs", rep->srs, "encoding",
				rep->encoding, "columns", rep->columns, "repairs", rep->repairs, "notes",
				rep->notes, "event", (json_int_t)rep->event_seq);
	json_object_update(out, rep->derived);
	return tb_resp_json(resp, 200, out);
}

/* Errors about the whole file name the uploaded file, not its temporary copy. */
static void name_upload(tb_errlist *errs, tb_err *e, const char *path, const char *filename)
{
	for (size_t i = 0; i <= errs->len; i++) {
		tb_err *x = i < errs->len ? &errs->items[i] : e;
		if (!strcmp(x->record, path)) tb_utf8_escape(filename, strlen(filename), x->record, sizeof x->record);
	}
}

int tb_api_import(tb_req *req, tb_resp *resp)
{
	static const char *const exts[] = {".shp.zip", ".zip", ".gpkg", ".geojson", ".json", ".kml", ".csv", NULL};
	const char *layer = tb_req_query(req, "layer");
	const char *dry = tb_req_query(req, "dry_run");
	const char *ext = tb_upload_ext(tb_req_query(req, "filename"), exts);
	if (!layer) layer = "parcels";
	const tb_resource *r = tb_app_import_resource(layer);
	if (!r) {
		char layers[256] = "";
		for (int i = 0; tb_app_import_layers[i]; i++)
			snprintf(layers + strlen(layers), sizeof layers - strlen(layers), "%s%s", i ? ", " : "",
				 tb_app_import_layers[i]);
		return tb_resp_error(resp, 400, "bad_request", "layer", "layer must be one of %s", layers);
	}
	if (!ext)
		return tb_resp_error(resp, 400, "bad_request", "filename",
				     "name the file: .zip (shapefile), .gpkg, .geojson, .kml or .csv");
	if (!req->body_len) return tb_resp_error(resp, 400, "bad_request", NULL, "the file is empty");
	char path[128];
	if (!tb_upload_save(req, "upload", ext, path, sizeof path))
		return tb_resp_error(resp, 500, "io", NULL, "cannot store the upload");
	tb_actor who = tb_req_actor(req);
	tb_import_opts o = {.path = path, .dry_run = dry && !strcmp(dry, "true"), .actor = &who,
			    .repair = tb_req_query(req, "repair") && !strcmp(tb_req_query(req, "repair"), "true"),
			    .encoding = tb_req_query(req, "encoding"), .srs = tb_req_query(req, "srs")};
	tb_err e = {0};
	tb_errlist errs;
	tb_errlist_init(&errs, 1000);
	tb_import_report rep = {0};
	int rc = tb_registry_import(req->db, r, &o, &rep, &errs, &e);
	name_upload(&errs, &e, path, tb_req_query(req, "filename"));
	import_reply(resp, rc, &rep, &o, layer, &errs, &e);
	tb_import_report_free(&rep);
	tb_errlist_free(&errs);
	unlink(path);
	return 0;
}

static char *slurp(const char *path, size_t *n)
{
	struct stat st;
	FILE *f = stat(path, &st) ? NULL : fopen(path, "rb");
	char *buf = f ? malloc((size_t)st.st_size + 1) : NULL;
	if (buf && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
	}
	if (f) fclose(f);
	*n = buf ? (size_t)st.st_size : 0;
	return buf;
}

int tb_api_export(tb_req *req, tb_resp *resp)
{
	static const char *fmt[][3] = {{"gpkg", ".gpkg", "application/geopackage+sqlite3"},
				       {"shapefile", ".shp.zip", "application/zip"},
				       {"geojson", ".geojson", "application/geo+json"},
				       {"csv", ".csv", "text/csv; charset=utf-8"},
				       {"kml", ".kml", "application/vnd.google-earth.kml+xml"}};
	const tb_resource *r = tb_app_resource(req->params[0]);
	if (!r) return tb_resp_error(resp, 404, "not_found", "layer", "no such layer '%s'", req->params[0]);
	const char *f = tb_req_query(req, "format");
	int k = -1;
	for (int i = 0; i < 5; i++)
		if (f && !strcmp(f, fmt[i][0])) k = i;
	if (k < 0) return tb_resp_error(resp, 400, "bad_request", "format", "format must be gpkg, shapefile, geojson, csv or kml");
	char dir[] = "/tmp/tianbao-export-XXXXXX", path[128];
	if (!mkdtemp(dir)) return tb_resp_error(resp, 500, "io", NULL, "cannot make a temporary folder");
	snprintf(path, sizeof path, "%s/%s%s", dir, r->name, fmt[k][1]);
	tb_access acc;
	tb_access_of(req, r, &acc);
	tb_export_opts o = {.path = path, .format = f, .where_scope = acc.scope};
	int64_t n = 0;
	tb_err e = {0};
	/* an export filters by town only: not for a reach narrower than that */
	int rc = acc.by_owner ? tb_err_set(&e, TB_EDENIED, r->name, NULL,
					   "not exported to a %s user, who sees only those assigned to him: list them instead",
					   req->who.role)
			      : tb_export(req->db, r, &o, &n, &e);
	tb_access_free(&acc);
	size_t size = 0;
	char *data = rc ? NULL : slurp(path, &size);
	unlink(path);
	char side[160]; /* the CSV export's .csvt (column types) */
	snprintf(side, sizeof side, "%st", path);
	unlink(side);
	rmdir(dir);
	if (rc) return tb_resp_err(resp, &e);
	if (!data) return tb_resp_error(resp, 500, "io", NULL, "cannot read the export");
	char disp[128], count[32];
	snprintf(disp, sizeof disp, "attachment; filename=\"%s%s\"", r->name, fmt[k][1]);
	snprintf(count, sizeof count, "%lld", (long long)n);
	tb_resp_header(resp, "Content-Disposition", disp);
	tb_resp_header(resp, "X-Feature-Count", count);
	resp->status = 200;
	resp->content_type = fmt[k][2];
	resp->static_data = data;
	resp->static_len = size;
	resp->free_static = free;
	return 200;
}

int tb_api_attachment_put(tb_req *req, tb_resp *resp)
{
	tb_actor who = tb_req_actor(req);
	char sha[65];
	const char *mime = NULL;
	tb_err e = {0};
	if (tb_attach_put(req->db, &who, tb_req_query(req, "filename"), req->body ? req->body : "", req->body_len,
			  sha, &mime, &e))
		return tb_resp_err(resp, &e);
	char loc[128];
	snprintf(loc, sizeof loc, "/api/attachments/%s", sha);
	tb_resp_header(resp, "Location", loc);
	return tb_resp_json(resp, 201, json_pack("{s:s,s:s,s:I}", "sha256", sha, "mime", mime, "size",
						 (json_int_t)req->body_len));
}

int tb_api_attachment_get(tb_req *req, tb_resp *resp)
{
	void *data;
	size_t n;
	char mime[64];
	tb_err e = {0};
	/* readable only through a record the caller may read; one answer for
	 * "not yours" and "none", so that hashes cannot be probed */
	if (!tb_access_attachment(req, req->params[0]) ||
	    tb_attach_get(req->db, req->params[0], &data, &n, mime, sizeof mime, &e)) {
		if (e.code && e.code != TB_ENOTFOUND) return tb_resp_err(resp, &e);
		return tb_resp_error(resp, 404, "not_found", NULL, "attachment %.16s…: no such attachment", req->params[0]);
	}
	resp->status = 200;
	resp->content_type = strstr(mime, "pdf") ? "application/pdf" : strstr(mime, "png") ? "image/png"
			     : strstr(mime, "webp") ? "image/webp" : "image/jpeg";
	tb_resp_header(resp, "Cache-Control", "private, max-age=31536000, immutable");
	tb_resp_header(resp, "Content-Disposition", "inline");
	resp->static_data = data;
	resp->static_len = n;
	resp->free_static = free;
	return 200;
}
