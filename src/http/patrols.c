/* patrols.c — patrol endpoints: POST /api/patrols/upload (a GPX or GeoJSON
 * file as the raw body), POST /api/patrols/points (the phone page's
 * recorded points as JSON) and GET /api/patrols/summary?month=.  Who may
 * submit for which ranger is http/access.c's tb_access_act_as_ranger. */
#include "http/access.h"
#include "http/api.h"

#include "duty/duty.h"
#include "duty/patrol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int store(tb_req *req, tb_resp *resp, const char *ranger, tb_track *t, const char *source)
{
	tb_actor who = tb_req_actor(req);
	json_t *p = NULL;
	tb_err e = {0};
	if (tb_patrol_import(req->db, &who, ranger, t, source, &p, &e)) return tb_resp_err(resp, &e);
	/* a track sent again is the patrol stored the first time (200, not 201) */
	return tb_resp_json(resp, json_is_true(json_object_get(p, "resubmitted")) ? 200 : 201, p);
}

int tb_api_patrol_upload(tb_req *req, tb_resp *resp)
{
	const char *ranger = tb_req_query(req, "ranger"), *name = tb_req_query(req, "filename");
	if (!tb_access_act_as_ranger(req, ranger, resp)) return 0;
	static const char *const exts[] = {".gpx", ".geojson", ".json", NULL};
	const char *ext = tb_upload_ext(name, exts);
	if (!ext) return tb_resp_error(resp, 400, "bad_request", "filename", "name the file: .gpx or .geojson");
	char path[96];
	bool ok = tb_upload_save(req, "track", ext, path, sizeof path);
	tb_track t = {0};
	tb_err e = {0};
	if (!ok) tb_resp_error(resp, 500, "io", NULL, "cannot store the upload");
	else if (tb_track_read_file(path, &t, &e)) {
		snprintf(e.record, sizeof e.record, "%s", name);
		tb_resp_err(resp, &e);
	} else
		store(req, resp, ranger, &t, name);
	tb_track_free(&t);
	if (ok) unlink(path);
	return 0;
}

int tb_api_patrol_points(tb_req *req, tb_resp *resp)
{
	json_t *body = tb_req_json(req, resp);
	if (!body) return 0;
	const char *ranger = json_string_value(json_object_get(body, "ranger"));
	tb_track t = {0};
	tb_err e = {0};
	if (tb_access_act_as_ranger(req, ranger, resp)) {
		if (tb_track_from_json(json_object_get(body, "points"), &t, &e)) tb_resp_err(resp, &e);
		else store(req, resp, ranger, &t, "phone");
	}
	tb_track_free(&t);
	json_decref(body);
	return 0;
}

int tb_api_patrol_summary(tb_req *req, tb_resp *resp)
{
	char *scope = tb_access_towns(req, &tb_patrols);
	tb_err e = {0};
	json_t *s = tb_patrol_summary(req->db, tb_req_query(req, "month"), scope, &e);
	free(scope);
	return s ? tb_resp_json(resp, 200, s) : tb_resp_err(resp, &e);
}
