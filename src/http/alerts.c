/* alerts.c — HTTP handlers of the monitoring sites and the alert loop
 * (§3.1.3, §3.3.3): the external push (POST /api/alerts, a GeoJSON Feature
 * from a camera, drone or other system with an API token), the lifecycle
 * actions assign / verify / close, the ranger's own tasks for the phone
 * page, notifications, the dashboard summary and the indicators of a plot
 * survey.  Handlers parse, call one operation of src/monitor, and
 * serialise.  Who sees which alert is http/access.c's decision (a ranger
 * user, the ranger record whose `login` is his, only those assigned to him). */
#include "http/alerts.h"

#include "http/access.h"
#include "http/api.h"
#include "base/json.h"
#include "duty/duty.h"
#include "monitor/alert.h"
#include "monitor/sites.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_ranger(const tb_req *req)
{
	return !strcmp(req->who.role, "ranger");
}

/* A whole number ≥ 0 from the query (dflt when absent); false after 400. */
static bool query_count(tb_req *req, const char *name, long long dflt, long long *out, tb_resp *resp)
{
	const char *v = tb_req_query(req, name);
	char *end = NULL;
	*out = v ? strtoll(v, &end, 10) : dflt;
	if (v && (!*v || *end || *out < 0)) {
		tb_resp_error(resp, 400, "bad_request", name, "%s must be a whole number ≥ 0", name);
		return false;
	}
	return true;
}

/* ---- alerts ----------------------------------------------------------------------------- */

/* A ranger sees only the alerts assigned to him: the alerts resource names
 * its owner (ranger_code) and http/access.c applies it under the generic
 * handlers. */
int tb_api_alerts_list(tb_req *req, tb_resp *resp)
{
	return tb_api_list(req, resp);
}

int tb_api_alerts_get(tb_req *req, tb_resp *resp)
{
	return tb_api_get(req, resp);
}

/* The external push: a GeoJSON Feature {properties:{source, type,
 * observed_at, confidence, media, note, external_id}, geometry}. */
int tb_api_alerts_push(tb_req *req, tb_resp *resp)
{
	json_t *body = tb_req_json(req, resp);
	if (!body) return 0;
	json_t *p = json_object_get(body, "properties");
	if (!json_is_object(p)) p = body; /* a flat object is accepted too */
	json_t *conf = json_object_get(p, "confidence");
	tb_err e = {0};
	GEOSGeometry *g = NULL;
	if (!json_is_number(conf)) tb_resp_error(resp, 422, "invalid", "confidence", "confidence (0–1) is required");
	else if (!(g = tb_alert_geom_from_json(json_object_get(body, "geometry"), &e))) tb_resp_err(resp, &e);
	else {
		tb_alert_in in = {tb_json_str(p, "source"), tb_json_str(p, "type"), tb_json_str(p, "observed_at"), g,
				  json_number_value(conf), tb_json_str(p, "media"), tb_json_str(p, "note"),
				  tb_json_str(p, "external_id")};
		tb_actor who = tb_req_actor(req);
		int64_t id;
		bool merged;
		json_t *a = NULL;
		if (tb_alert_raise(req->db, &who, &in, &id, &merged, &e) || tb_record_get(req->db, &tb_alerts, id, &a, NULL, &e))
			tb_resp_err(resp, &e);
		else {
			json_object_set_new(a, "id", json_integer(id));
			json_object_set_new(a, "merged", json_boolean(merged));
			char loc[64];
			snprintf(loc, sizeof loc, "/api/alerts/%lld", (long long)id);
			tb_resp_header(resp, "Location", loc);
			tb_resp_json(resp, merged ? 200 : 201, a);
		}
	}
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
	json_decref(body);
	return 0;
}

typedef int (*alert_op)(tb_db *, const tb_actor *, int64_t, const tb_alert_action *, json_t **, tb_err *);

/* assign / verify / close: body → tb_alert_action → the operation. */
static int act(tb_req *req, tb_resp *resp, alert_op op)
{
	json_t *rec = tb_access_get(req, &tb_alerts, 0, NULL, resp); /* 404 out of reach */
	if (!rec) return 0;
	int64_t id = json_integer_value(json_object_get(rec, "fid"));
	json_decref(rec);
	json_t *body = tb_req_json(req, resp);
	if (!body) return 0;
	json_t *loss = json_object_get(body, "loss_ha");
	if (loss && !json_is_null(loss) && !json_is_number(loss)) {
		json_decref(body);
		return tb_resp_error(resp, 422, "invalid", "loss_ha", "loss_ha must be a number of hectares");
	}
	char *scope = tb_access_towns(req, &tb_alerts);
	tb_alert_action a = {tb_json_str(body, "ranger"), tb_json_str(body, "result"), tb_json_str(body, "note"),
			     tb_json_str(body, "photo"), json_is_number(loss) ? json_number_value(loss) : NAN, scope,
			     json_object_get(body, "loss_geometry")};
	tb_actor who = tb_req_actor(req);
	json_t *out = NULL;
	tb_err e = {0};
	if (op(req->db, &who, id, &a, &out, &e)) tb_resp_err(resp, &e);
	else tb_resp_json(resp, 200, out);
	free(scope);
	json_decref(body);
	return 0;
}

int tb_api_alerts_assign(tb_req *req, tb_resp *resp)
{
	return act(req, resp, tb_alert_assign);
}

int tb_api_alerts_verify(tb_req *req, tb_resp *resp)
{
	return act(req, resp, tb_alert_verify);
}

int tb_api_alerts_close(tb_req *req, tb_resp *resp)
{
	return act(req, resp, tb_alert_close);
}

int tb_api_alerts_mine(tb_req *req, tb_resp *resp)
{
	char me[64];
	if (!tb_access_ranger(req, me))
		return tb_resp_json(resp, 200, json_pack("{s:n,s:[]}", "ranger", "items"));
	tb_err e = {0};
	json_t *items = tb_alert_mine(req->db, me, &e);
	if (!items) return tb_resp_err(resp, &e);
	return tb_resp_json(resp, 200, json_pack("{s:s,s:o}", "ranger", me, "items", items));
}

/* ---- notifications and the dashboard ---------------------------------------------------------- */

int tb_api_notifications(tb_req *req, tb_resp *resp)
{
	char me[64];
	tb_access_ranger(req, me);
	long long lim;
	if (!query_count(req, "limit", 50, &lim, resp)) return 0;
	tb_err e = {0};
	char *towns = tb_access_towns(req, &tb_notifications);
	json_t *n = tb_notifications_for(req->db, req->who.role, towns, me, lim > 1000 ? 1000 : (int)lim, &e);
	free(towns);
	return n ? tb_resp_json(resp, 200, n) : tb_resp_err(resp, &e);
}

int tb_api_notification_read(tb_req *req, tb_resp *resp)
{
	int64_t id;
	if (!tb_req_id(req, 0, &id, resp)) return 0;
	char me[64];
	tb_access_ranger(req, me);
	tb_actor who = tb_req_actor(req);
	json_t *out = NULL;
	tb_err e = {0};
	char *towns = tb_access_towns(req, &tb_notifications);
	int rc = tb_notification_read(req->db, &who, towns, me, id, &out, &e);
	free(towns);
	return rc ? tb_resp_err(resp, &e) : tb_resp_json(resp, 200, out);
}

int tb_api_monitor_summary(tb_req *req, tb_resp *resp)
{
	char me[64] = "";
	char *towns = NULL;
	if (is_ranger(req)) tb_access_ranger(req, me);
	else towns = tb_access_towns(req, &tb_alerts);
	tb_err e = {0};
	json_t *counts = tb_alert_counts(req->db, towns, is_ranger(req) ? me : NULL, &e);
	json_t *sites = counts ? tb_monitor_site_counts(req->db, &e) : NULL;
	free(towns);
	towns = tb_access_towns(req, &tb_notifications);
	json_t *warn = sites ? tb_notifications_for(req->db, req->who.role, towns, me, 10, &e) : NULL;
	free(towns);
	if (!warn) {
		json_decref(counts);
		json_decref(sites);
		return tb_resp_err(resp, &e);
	}
	json_t *out = json_pack("{s:o,s:O,s:O,s:O,s:O,s:O}", "alerts", counts, "sites", json_object_get(sites, "sites"),
				"plots", json_object_get(sites, "plots"), "surveys", json_object_get(sites, "surveys"),
				"warnings", json_object_get(warn, "items"), "unread", json_object_get(warn, "unread"));
	json_decref(sites);
	json_decref(warn);
	return tb_resp_json(resp, 200, out);
}

/* ---- sample plots ------------------------------------------------------------------------------------ */

int tb_api_survey_indicators(tb_req *req, tb_resp *resp)
{
	int64_t id;
	if (!tb_req_id(req, 0, &id, resp)) return 0;
	char *towns = tb_access_towns(req, &tb_plot_surveys);
	tb_err e = {0};
	json_t *o = tb_survey_indicators(req->db, id, towns, &e);
	free(towns);
	return o ? tb_resp_json(resp, 200, o) : tb_resp_err(resp, &e);
}
