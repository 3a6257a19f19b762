/* cases.c (http) — handlers of the public reporting line and of cases
 * (§3.5): the challenge, the public and the staff report, the status by
 * receipt code and its page, the reporter's contact for bureau and police,
 * report review, opening and moving cases, timelines, overdue cases and the
 * summary.  Handlers parse, call one operation of src/cases, and
 * serialise; who reaches which record, and who may read a contact, is
 * http/access.c's decision. */
#include "http/cases.h"

#include "http/access.h"
#include "http/api.h"
#include "http/static.h"
#include "base/json.h"
#include "base/tbtime.h"
#include "cases/cases.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PHOTOS 10

int tb_api_report_challenge(tb_req *req, tb_resp *resp)
{
	tb_report_config c;
	tb_report_config_load(req->db, &c);
	char ch[160];
	tb_pow_challenge(c.pow_bits, c.pow_ttl_min, ch, sizeof ch);
	tb_resp_header(resp, "Cache-Control", "no-store");
	return tb_resp_json(resp, 200, json_pack("{s:s,s:i,s:s}", "challenge", ch, "bits", c.pow_bits, "algorithm",
						 "sha256(challenge + ':' + nonce) begins with <bits> zero bits"));
}

typedef struct photos {
	tb_report_photo p[MAX_PHOTOS];
	unsigned char *bytes[MAX_PHOTOS];
	int n;
} photos;

static void photos_free(photos *ph)
{
	for (int i = 0; i < ph->n; i++) free(ph->bytes[i]);
}

/* photos: [{name, data}] with data base64 (a data: URL is accepted);
 * false after replying 422 / 413. */
static bool parse_photos(const json_t *arr, photos *ph, tb_resp *resp)
{
	memset(ph, 0, sizeof *ph);
	if (!arr || json_is_null(arr)) return true;
	if (!json_is_array(arr)) {
		tb_resp_error(resp, 422, "invalid", "photos", "photos must be a list of {name, data (base64)}");
		return false;
	}
	if (json_array_size(arr) > MAX_PHOTOS) {
		tb_resp_error(resp, 413, "too_big", "photos", "at most %d photos", MAX_PHOTOS);
		return false;
	}
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
	{
		const char *d = tb_json_str(x, "data");
		if (!d) {
			tb_resp_error(resp, 422, "invalid", "photos", "photo %zu has no data", i + 1);
			return false;
		}
		const char *comma = !strncmp(d, "data:", 5) ? strchr(d, ',') : NULL;
		if (comma) d = comma + 1;
		size_t len = strlen(d), cap = len / 4 * 3 + 3, n = 0;
		unsigned char *b = malloc(cap ? cap : 1);
		if (!b || sodium_base642bin(b, cap, d, len, " \r\n", &n, NULL, sodium_base64_VARIANT_ORIGINAL)) {
			free(b);
			tb_resp_error(resp, 422, "invalid", "photos", "photo %zu is not valid base64", i + 1);
			return false;
		}
		ph->bytes[ph->n] = b;
		ph->p[ph->n] = (tb_report_photo){b, n, tb_json_str(x, "name")};
		ph->n++;
	}
	return true;
}

/* The body of a report → tb_report_in (strings borrowed from body). */
static void report_in(const json_t *body, tb_report_in *in, photos *ph)
{
	json_t *lon = json_object_get(body, "lon"), *lat = json_object_get(body, "lat");
	*in = (tb_report_in){.channel = tb_json_str(body, "channel"), .kind = tb_json_str(body, "kind"),
			     .description = tb_json_str(body, "description"), .place = tb_json_str(body, "place"),
			     .seen_at = tb_json_str(body, "seen_at"), .name = tb_json_str(body, "name"),
			     .phone = tb_json_str(body, "phone"), .photos = ph->p, .nphotos = ph->n,
			     .challenge = tb_json_str(body, "challenge"), .nonce = tb_json_str(body, "nonce")};
	if (json_is_number(lon) && json_is_number(lat)) {
		in->has_point = true;
		in->lon = json_number_value(lon);
		in->lat = json_number_value(lat);
	}
}

static int submit(tb_req *req, tb_resp *resp, bool public)
{
	json_t *body = tb_req_json(req, resp);
	if (!body) return 0;
	photos ph;
	if (!parse_photos(json_object_get(body, "photos"), &ph, resp)) {
		photos_free(&ph);
		json_decref(body);
		return 0;
	}
	tb_report_in in;
	report_in(body, &in, &ph);
	tb_actor who = tb_req_actor(req);
	if (public) {
		in.channel = "online";
		in.ip = req->client ? req->client : req->ip; /* an IPv6 client counted by its /64 */
		who = (tb_actor){"public", "public"};
	}
	tb_err e = {0};
	json_t *out = NULL;
	if (!public && in.channel && !strcmp(in.channel, "online"))
		tb_resp_error(resp, 422, "invalid", "channel", "online reports come through the public form");
	else if (tb_report_submit(req->db, &who, &in, &out, &e)) {
		if (e.code == TB_ETOOBIG && !strcmp(e.field, "rate")) {
			tb_resp_header(resp, "Retry-After", "3600");
			tb_resp_error(resp, 429, "rate_limited", "rate", "%s", e.message);
		} else
			tb_resp_err(resp, &e);
	} else {
		char loc[64];
		snprintf(loc, sizeof loc, "/report/%s", tb_json_str(out, "code"));
		tb_resp_header(resp, "Location", loc);
		tb_resp_json(resp, 201, out);
	}
	photos_free(&ph);
	json_decref(body);
	return 0;
}

int tb_api_report_public(tb_req *req, tb_resp *resp)
{
	return submit(req, resp, true);
}

int tb_api_report_staff(tb_req *req, tb_resp *resp)
{
	return submit(req, resp, false);
}

int tb_api_report_status(tb_req *req, tb_resp *resp)
{
	json_t *out = NULL;
	tb_err e = {0};
	if (tb_report_status(req->db, req->params[0], &out, &e)) return tb_resp_err(resp, &e);
	tb_resp_header(resp, "Cache-Control", "no-store");
	return tb_resp_json(resp, 200, out);
}

/* /report/{code}: the public page; it reads the code from its address. */
int tb_api_report_page(tb_req *req, tb_resp *resp)
{
	req->path = "/report.html";
	return tb_static_get(req, resp);
}

int tb_api_report_contact(tb_req *req, tb_resp *resp)
{
	if (!tb_access_contact(req))
		return tb_resp_error(resp, 403, "forbidden", NULL,
				     "a reporter's contact is shown to the bureau and the police only (§3.5)");
	json_t *rec = tb_access_get(req, &tb_reports, 0, NULL, resp);
	if (!rec) return 0;
	json_t *out = NULL;
	tb_err e = {0};
	int rc = tb_report_contact(req->db, json_integer_value(json_object_get(rec, "fid")), &out, &e);
	json_decref(rec);
	tb_resp_header(resp, "Cache-Control", "no-store");
	return rc ? tb_resp_err(resp, &e) : tb_resp_json(resp, 200, out);
}

static int report_move(tb_req *req, tb_resp *resp, const char *action)
{
	json_t *rec = tb_access_get(req, &tb_reports, 0, NULL, resp);
	if (!rec) return 0;
	json_t *body = tb_req_json(req, resp);
	if (!body) {
		json_decref(rec);
		return 0;
	}
	tb_actor who = tb_req_actor(req);
	json_t *out = NULL;
	tb_err e = {0};
	if (tb_report_transition(req->db, &who, json_integer_value(json_object_get(rec, "fid")), action,
				 tb_json_str(body, "reply"), &out, &e))
		tb_resp_err(resp, &e);
	else
		tb_resp_json(resp, 200, out);
	json_decref(body);
	json_decref(rec);
	return 0;
}

int tb_api_report_verify(tb_req *req, tb_resp *resp)
{
	return report_move(req, resp, "verify");
}

int tb_api_report_reject(tb_req *req, tb_resp *resp)
{
	return report_move(req, resp, "reject");
}

int tb_api_report_close(tb_req *req, tb_resp *resp)
{
	return report_move(req, resp, "close");
}

/* ---- cases --------------------------------------------------------------------------------- */

int tb_api_case_open(tb_req *req, tb_resp *resp)
{
	json_t *body = tb_req_json(req, resp);
	if (!body) return 0;
	json_t *dmg = json_object_get(body, "damaged_ha");
	if (dmg && !json_is_null(dmg) && (!json_is_number(dmg) || json_number_value(dmg) < 0)) {
		json_decref(body);
		return tb_resp_error(resp, 422, "invalid", "damaged_ha", "damaged_ha must be a number of hectares ≥ 0");
	}
	char *scope = tb_access_towns(req, &tb_cases);
	tb_case_in in = {tb_json_str(body, "type"), tb_json_str(body, "title"), tb_json_str(body, "source"),
			 tb_json_str(body, "source_ref"), tb_json_str(body, "town_code"),
			 tb_json_str(body, "responsible_unit"), tb_json_str(body, "description"),
			 json_is_number(dmg) ? json_number_value(dmg) : NAN, scope};
	tb_actor who = tb_req_actor(req);
	json_t *out = NULL;
	tb_err e = {0};
	if (tb_case_open(req->db, &who, &in, &out, &e))
		tb_resp_err(resp, &e);
	else {
		char loc[64];
		snprintf(loc, sizeof loc, "/api/cases/%lld", (long long)json_integer_value(json_object_get(out, "fid")));
		tb_resp_header(resp, "Location", loc);
		tb_resp_json(resp, 201, out);
	}
	free(scope);
	json_decref(body);
	return 0;
}

int tb_api_case_act(tb_req *req, tb_resp *resp)
{
	json_t *rec = tb_access_get(req, &tb_cases, 0, NULL, resp); /* 404 out of reach */
	if (!rec) return 0;
	json_t *body = tb_req_json(req, resp);
	if (!body) {
		json_decref(rec);
		return 0;
	}
	json_t *pen = json_object_get(body, "penalty_yuan");
	tb_case_action a = {tb_json_str(body, "action"), tb_json_str(body, "note"), tb_access_duty(req),
			    tb_json_str(body, "outcome"), tb_json_str(body, "decision"),
			    json_is_number(pen) ? json_number_value(pen) : NAN, tb_json_str(body, "police_case_no"),
			    tb_json_str(body, "deadline"), tb_json_str(body, "responsible_unit"),
			    tb_json_str(body, "handler")};
	tb_actor who = tb_req_actor(req);
	json_t *out = NULL;
	tb_err e = {0};
	if (pen && !json_is_null(pen) && !json_is_number(pen))
		tb_resp_error(resp, 422, "invalid", "penalty_yuan", "penalty_yuan must be a number");
	else if (tb_case_act(req->db, &who, json_integer_value(json_object_get(rec, "fid")), &a, &out, &e))
		tb_resp_err(resp, &e);
	else
		tb_resp_json(resp, 200, out);
	json_decref(body);
	json_decref(rec);
	return 0;
}

int tb_api_case_get(tb_req *req, tb_resp *resp)
{
	GEOSGeometry *g = NULL;
	json_t *c = tb_access_get(req, &tb_cases, 0, &g, resp);
	if (!c) return 0;
	char next[256];
	tb_case_next(req->db, c, next, sizeof next);
	json_object_set_new(c, "next", json_string(next));
	if (g) {
		json_object_set_new(c, "geometry", tb_geojson_from_geom(g));
		GEOSGeom_destroy_r(tb_geos(), g);
	}
	return tb_resp_json(resp, 200, c);
}

int tb_api_case_timeline(tb_req *req, tb_resp *resp)
{
	json_t *c = tb_access_get(req, &tb_cases, 0, NULL, resp);
	if (!c) return 0;
	tb_err e = {0};
	json_t *t = tb_case_timeline(req->db, tb_json_str(c, "code"), &e);
	json_decref(c);
	return t ? tb_resp_json(resp, 200, json_pack("{s:o}", "items", t)) : tb_resp_err(resp, &e);
}

/* ?today=YYYY-MM-DD, default the server's date; false after 400. */
static bool today_arg(tb_req *req, char day[11], tb_resp *resp)
{
	const char *t = tb_req_query(req, "today");
	if (!t) {
		char now[32];
		tb_time_now_iso(now);
		snprintf(day, 11, "%.10s", now);
		return true;
	}
	char iso[32];
	int64_t ms;
	snprintf(iso, sizeof iso, "%.10sT00:00:00Z", t);
	if (strlen(t) != 10 || !tb_time_parse_iso(iso, &ms)) {
		tb_resp_error(resp, 400, "bad_request", "today", "today must be a date YYYY-MM-DD");
		return false;
	}
	snprintf(day, 11, "%s", t);
	return true;
}

int tb_api_case_overdue(tb_req *req, tb_resp *resp)
{
	char day[11];
	if (!today_arg(req, day, resp)) return 0;
	char *towns = tb_access_towns(req, &tb_cases);
	tb_err e = {0};
	json_t *o = tb_case_overdue(req->db, day, towns, &e);
	free(towns);
	return o ? tb_resp_json(resp, 200, json_pack("{s:s,s:o}", "today", day, "items", o)) : tb_resp_err(resp, &e);
}

/* POST /api/cases/overdue/notify?today=: the reminders of overdue steps
 * (what `tianbao case overdue --notify` does from cron). */
int tb_api_case_overdue_notify(tb_req *req, tb_resp *resp)
{
	char day[11];
	if (!today_arg(req, day, resp)) return 0;
	tb_actor who = tb_req_actor(req);
	tb_case_reminders n;
	tb_err e = {0};
	if (tb_case_notify_overdue(req->db, &who, day, &n, &e)) return tb_resp_err(resp, &e);
	return tb_resp_json(resp, 200, json_pack("{s:s,s:i,s:i,s:i}", "today", day, "overdue", n.overdue, "sent", n.sent,
						 "skipped", n.skipped));
}

/* GET /api/audit/departure?position=&person=&today= (read-only). */
int tb_api_departure_audit(tb_req *req, tb_resp *resp)
{
	char day[11];
	if (!today_arg(req, day, resp)) return 0;
	json_t *a = NULL;
	tb_err e = {0};
	if (tb_departure_audit(req->db, tb_req_query(req, "position"), tb_req_query(req, "person"), day, &a, &e))
		return tb_resp_err(resp, &e);
	return tb_resp_json(resp, 200, a);
}

int tb_api_cases_summary(tb_req *req, tb_resp *resp)
{
	char day[11];
	if (!today_arg(req, day, resp)) return 0;
	char *towns = tb_access_towns(req, &tb_cases);
	tb_err e = {0};
	json_t *o = tb_cases_summary(req->db, day, towns, &e);
	free(towns);
	return o ? tb_resp_json(resp, 200, o) : tb_resp_err(resp, &e);
}
