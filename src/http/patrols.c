/* patrols.c — patrol endpoints: POST /api/patrols/upload (a GPX or GeoJSON
 * file as the raw body), POST /api/patrols/points (the phone page's
 * recorded points as JSON) and GET /api/patrols/summary?month=.  A ranger
 * may submit only his own patrols. */
#include "http/api.h"

#include "duty/duty.h"
#include "duty/patrol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The ranger a request may act for: a ranger user is bound to the ranger
 * record with his login; other roles name one (within their jurisdiction). */
static bool ranger_allowed(tb_req *req, const char *ranger, tb_resp *resp)
{
	tb_ranger_info r;
	int rc = tb_duty_ranger(req->db, ranger, &r, NULL);
	if (rc && rc != TB_ENOTFOUND) {
		tb_resp_error(resp, 500, "database", NULL, "cannot read rangers");
		return false;
	}
	bool found = !rc, ok = false;
	if (found) {
		if (!strcmp(req->who.role, "ranger")) ok = r.login[0] && !strcmp(r.login, req->who.login);
		else ok = r.town[0] && tb_jurisdiction_allows(&req->who, r.town);
	}
	if (!found) tb_resp_error(resp, 422, "invalid", "ranger", "no ranger with code '%s'", ranger ? ranger : "");
	else if (!ok) tb_resp_error(resp, 403, "forbidden", "ranger", "you may not submit patrols for %s", ranger);
	return found && ok;
}

static int store(tb_req *req, tb_resp *resp, const char *ranger, tb_track *t, const char *source)
{
	tb_actor who = tb_req_actor(req);
	json_t *p = NULL;
	tb_err e = {0};
	if (tb_patrol_import(req->db, &who, ranger, t, source, &p, &e)) return tb_resp_err(resp, &e);
	return tb_resp_json(resp, 201, p);
}

int tb_api_patrol_upload(tb_req *req, tb_resp *resp)
{
	const char *ranger = tb_req_query(req, "ranger"), *name = tb_req_query(req, "filename");
	if (!ranger_allowed(req, ranger, resp)) return 0;
	size_t n = name ? strlen(name) : 0;
	const char *ext = n > 4 && !strcasecmp(name + n - 4, ".gpx") ? ".gpx"
			  : n > 8 && !strcasecmp(name + n - 8, ".geojson") ? ".geojson"
			  : n > 5 && !strcasecmp(name + n - 5, ".json") ? ".json" : NULL;
	if (!ext) return tb_resp_error(resp, 400, "bad_request", "filename", "name the file: .gpx or .geojson");
	char path[96];
	snprintf(path, sizeof path, "/tmp/tianbao-track-XXXXXX%s", ext);
	int fd = mkstemps(path, (int)strlen(ext));
	if (fd < 0) return tb_resp_error(resp, 500, "io", NULL, "cannot store the upload");
	bool ok = write(fd, req->body ? req->body : "", req->body_len) == (ssize_t)req->body_len;
	close(fd);
	tb_track t = {0};
	tb_err e = {0};
	if (!ok) tb_resp_error(resp, 500, "io", NULL, "cannot store the upload");
	else if (tb_track_read_file(path, &t, &e)) {
		snprintf(e.record, sizeof e.record, "%s", name);
		tb_resp_err(resp, &e);
	} else
		store(req, resp, ranger, &t, name);
	tb_track_free(&t);
	unlink(path);
	return 0;
}

int tb_api_patrol_points(tb_req *req, tb_resp *resp)
{
	json_t *body = tb_req_json(req, resp);
	if (!body) return 0;
	const char *ranger = json_string_value(json_object_get(body, "ranger"));
	tb_track t = {0};
	tb_err e = {0};
	if (ranger_allowed(req, ranger, resp)) {
		if (tb_track_from_json(json_object_get(body, "points"), &t, &e)) tb_resp_err(resp, &e);
		else store(req, resp, ranger, &t, "phone");
	}
	tb_track_free(&t);
	json_decref(body);
	return 0;
}

int tb_api_patrol_summary(tb_req *req, tb_resp *resp)
{
	char *scope = tb_jurisdiction(&req->who, &tb_patrols);
	tb_err e = {0};
	json_t *s = tb_patrol_summary(req->db, tb_req_query(req, "month"), scope, &e);
	free(scope);
	return s ? tb_resp_json(resp, 200, s) : tb_resp_err(resp, &e);
}
