/* report.c — the public reporting line (举报, §3.5): a report from the public
 * form or entered by staff for a call, letter or visit, checked and placed,
 * its photos stored in the same transaction and named in its one event,
 * grouped with reports of the same kind near in place and time, and given a
 * receipt code the reporter follows the status with.  The reporter's name
 * and phone, the address the report came from and the challenge it spent
 * are private fields: the record mechanism keeps them out of every JSON
 * row, export, OGC answer and event; only tb_report_contact reads the first
 * two.  Review moves (verify, reject, close) are a base/fsm.h table; the
 * move to "accepted" belongs to tb_case_open (case.c). */
#include "cases/internal.h"

#include "base/fsm.h"
#include "base/hash.h"
#include "base/json.h"
#include "base/tbtime.h"
#include "base/utf8.h"
#include "db/attach.h"
#include "db/codes.h"
#include "db/event.h"
#include "registry/registry.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- description ------------------------------------------------------------------ */

int cases__keep_computed(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)db;
	tb_write_ctx *w = ctx;
	json_t *set = w ? w->user : NULL;
	if (!json_is_object(set))
		return tb_err_set(e, TB_EINPUT, rec->name, NULL,
				  "%s are written by their own operations, not edited directly", r->name);
	for (int i = 0; rec->old && i < r->nfields; i++) {
		if (!(r->fields[i].flags & TB_COMPUTED)) continue;
		json_t *v = json_object_get(rec->old, r->fields[i].name);
		if (v && !json_is_null(v)) json_object_set(rec->props, r->fields[i].name, v);
	}
	json_object_update(rec->props, set);
	return 0;
}

static const tb_field report_fields[] = {
	{"code", TB_F_TEXT, TB_UNIQUE | TB_COMPUTED, "回执码", "Receipt code"},
	{"channel", TB_F_CODE, TB_REQUIRED | TB_INDEXED, "举报渠道", "Channel", .codes = "report_channel"},
	{"kind", TB_F_CODE, TB_REQUIRED | TB_INDEXED, "举报类别", "Kind", .codes = "report_kind"},
	{"description", TB_F_TEXT, TB_REQUIRED, "举报内容", "What was seen", .max_len = 4000},
	{"place_name", TB_F_TEXT, 0, "地点", "Place", .max_len = 200},
	{"seen_at", TB_F_TIME, TB_REQUIRED | TB_INDEXED, "发现时间", "Seen at"},
	{"lon", TB_F_REAL, TB_COMPUTED, "经度", "Longitude"},
	{"lat", TB_F_REAL, TB_COMPUTED, "纬度", "Latitude"},
	{"town_code", TB_F_TEXT, TB_COMPUTED | TB_INDEXED, "乡镇", "Town"},
	{"photo1", TB_F_TEXT, TB_COMPUTED | TB_ATTACHMENT, "照片1", "Photo 1 (SHA-256)"},
	{"photo2", TB_F_TEXT, TB_COMPUTED | TB_ATTACHMENT, "照片2", "Photo 2 (SHA-256)"},
	{"photo3", TB_F_TEXT, TB_COMPUTED | TB_ATTACHMENT, "照片3", "Photo 3 (SHA-256)"},
	{"status", TB_F_CODE, TB_COMPUTED | TB_INDEXED, "办理状态", "Status", .codes = "report_status"},
	{"public_reply", TB_F_TEXT, TB_COMPUTED, "答复", "Public reply", .max_len = 2000},
	{"group_code", TB_F_TEXT, TB_COMPUTED | TB_INDEXED, "同一线索组", "Duplicate group"},
	{"case_code", TB_F_TEXT, TB_COMPUTED | TB_INDEXED, "案件编号", "Case"},
	{"has_contact", TB_F_BOOL, TB_COMPUTED, "留有联系方式", "Contact left"},
	{"received_at", TB_F_TIME, TB_COMPUTED | TB_INDEXED, "受理时间", "Received"},
	{"received_by", TB_F_TEXT, TB_COMPUTED, "录入人", "Entered by"},
	/* private: never in JSON rows, exports, OGC answers or events */
	{"reporter_name", TB_F_TEXT, TB_PRIVATE, "举报人姓名", "Reporter's name", .max_len = 100},
	{"reporter_phone", TB_F_TEXT, TB_PRIVATE, "举报人电话", "Reporter's phone", .max_len = 40},
	{"ip_hash", TB_F_TEXT, TB_PRIVATE | TB_INDEXED, "来源地址散列", "Address hash"},
	{"pow_hash", TB_F_TEXT, TB_PRIVATE | TB_INDEXED, "已用挑战", "Spent challenge"},
};
const tb_resource tb_reports = {
	.name = "reports", .label_zh = "举报", .label_en = "Public reports", .clause = "3.5",
	.fields = report_fields, .nfields = N(report_fields), .geom = TB_GEOM_POINT,
	.key = "code", .scope = "town_code", .before_write = cases__keep_computed,
};

int cases__reports_v1(tb_db *db, tb_err *e)
{
	return tb_resource_create(db, &tb_reports, e);
}

/* ---- helpers ----------------------------------------------------------------------- */

typedef struct holder {
	GEOSGeometry *pt;
	char *town;
	size_t n;
} holder;

static int holds(void *ctx, tb_area_row *a)
{
	holder *h = ctx;
	if (!a->geom || GEOSIntersects_r(tb_geos(), a->geom, h->pt) != 1) return 0;
	snprintf(h->town, h->n, "%s", a->code ? a->code : "");
	return 1;
}

int cases__town_at(tb_db *db, double lon, double lat, char *town, size_t n, tb_err *e)
{
	town[0] = 0;
	holder h = {GEOSGeom_createPointFromXY_r(tb_geos(), lon, lat), town, n};
	if (!h.pt) return tb_err_set(e, TB_ENOMEM, NULL, NULL, "out of memory");
	double box[4] = {lon, lat, lon, lat};
	int rc = tb_registry_divisions(db, "town", box, holds, &h, e);
	GEOSGeom_destroy_r(tb_geos(), h.pt);
	return rc < 0 ? rc : 0;
}

int cases__update(tb_db *db, const tb_resource *r, int64_t fid, json_t *set, tb_write_ctx *cx, json_t **out,
		  tb_err *e)
{
	json_t *patch = json_object();
	cx->user = set;
	tb_record rec = {.props = patch, .fid = fid, .name = r->name};
	int rc = tb_record_update(db, r, &rec, 0, cx, e);
	if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
	if (!rc && out) *out = json_incref(patch);
	json_decref(patch);
	return rc;
}

int cases__event(tb_db *db, const tb_actor *who, const char *action, const char *entity, const char *id,
		 const char *town, const json_t *parcels, json_t *payload, tb_err *e)
{
	tb_event_in ev = {.actor = who->login, .role = who->role, .action = action, .entity = entity,
			  .entity_id = id, .parcels = parcels, .town = town && *town ? town : NULL, .payload = payload};
	return tb_event_append(db, &ev, NULL, e);
}

static bool code_ok(tb_db *db, const char *list, const char *v)
{
	const tb_code_entry *c = v && *v ? tb_codes_find(db, list, v) : NULL;
	return c && !strcmp(c->code, v);
}

/* A receipt code: "JB" and 10 characters of an alphabet without 0/O, 1/I
 * (50 random bits: not guessable, easy to read out on the phone). */
static void receipt_code(char out[16])
{
	static const char abc[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	unsigned char r[10];
	tb_crypto_init();
	randombytes_buf(r, sizeof r);
	memcpy(out, "JB", 2);
	for (int i = 0; i < 10; i++) out[2 + i] = abc[r[i] & 31];
	out[12] = 0;
}

static double dist_m(double lon1, double lat1, double lon2, double lat2)
{
	const double rad = M_PI / 180, R = 6371008.8;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
	return 2 * R * asin(sqrt(a));
}

/* The group of an earlier report of the same kind within radius and window
 * (not rejected), into group; "" when none. */
static int find_group(tb_db *db, const tb_report_config *c, const char *kind, double lon, double lat,
		      int64_t seen_ms, char group[32], tb_err *e)
{
	group[0] = 0;
	char lo[32], hi[32];
	int64_t w = (int64_t)(c->dup_window_h * 3600000.0);
	tb_time_format_iso(seen_ms - w, lo);
	tb_time_format_iso(seen_ms + w, hi);
	tb_stmt *st;
	int rc = tb_db_prepare(db,
			       "SELECT coalesce(group_code, code), lon, lat FROM reports WHERE kind=? AND lon IS NOT NULL"
			       " AND seen_at>=? AND seen_at<=? AND status<>'rejected' ORDER BY fid",
			       &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, kind);
	tb_bind_text(st, 2, lo);
	tb_bind_text(st, 3, hi);
	int s;
	while ((s = tb_stmt_step(st)) == TB_ROW)
		if (dist_m(lon, lat, tb_col_double(st, 1), tb_col_double(st, 2)) <= c->dup_radius_m) {
			snprintf(group, 32, "%s", tb_col_text(st, 0));
			break;
		}
	if (s != TB_ROW && s != TB_DONE) rc = tb_db_error(db, e, "reports");
	tb_stmt_finalize(st);
	return rc;
}

/* Public reports from this address hash since the hour before now. */
static int count_recent(tb_db *db, const char *ip_hash, int64_t *n, tb_err *e)
{
	char since[32];
	tb_time_format_iso(tb_time_now_ms() - 3600000, since);
	tb_stmt *st;
	int rc = tb_db_prepare(db, "SELECT count(*) FROM reports WHERE ip_hash=? AND received_at>=?", &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, ip_hash);
	tb_bind_text(st, 2, since);
	*n = tb_stmt_step(st) == TB_ROW ? tb_col_int64(st, 0) : 0;
	tb_stmt_finalize(st);
	return 0;
}

static bool spent(tb_db *db, const char *pow_hash)
{
	int64_t n = 0;
	tb_stmt *st;
	if (tb_db_prepare(db, "SELECT count(*) FROM reports WHERE pow_hash=?", &st, NULL)) return false;
	tb_bind_text(st, 1, pow_hash);
	if (tb_stmt_step(st) == TB_ROW) n = tb_col_int64(st, 0);
	tb_stmt_finalize(st);
	return n > 0;
}

/* ---- submission ---------------------------------------------------------------------- */

/* What the input must satisfy before anything is written. */
static int check_input(tb_db *db, const tb_report_config *c, const tb_report_in *in, int64_t *seen_ms,
		       tb_err *e)
{
	if (!code_ok(db, "report_channel", in->channel))
		return tb_err_set(e, TB_EINPUT, "report", "channel", "unknown channel '%s' (online, phone, letter, visit)",
				  in->channel ? in->channel : "");
	if (!code_ok(db, "report_kind", in->kind))
		return tb_err_set(e, TB_EINPUT, "report", "kind", "unknown kind of report '%s'", in->kind ? in->kind : "");
	const char *d = in->description;
	if (!d || !*d) return tb_err_set(e, TB_EINPUT, "report", "description", "say what was seen");
	if (!tb_utf8_valid(d, strlen(d), NULL)) return tb_err_set(e, TB_EINPUT, "report", "description", "not valid UTF-8");
	if ((int)tb_utf8_len(d) > c->description_max)
		return tb_err_set(e, TB_ETOOBIG, "report", "description", "at most %d characters", c->description_max);
	if (!in->has_point && (!in->place || !*in->place))
		return tb_err_set(e, TB_EINPUT, "report", "place", "give the place: a point on the map, GPS or a place name");
	if (in->has_point && (!isfinite(in->lon) || !isfinite(in->lat) || fabs(in->lon) > 180 || fabs(in->lat) > 90))
		return tb_err_set(e, TB_EINPUT, "report", "lon", "longitude/latitude out of range");
	const char *s[3] = {in->place, in->name, in->phone};
	static const char *sf[3] = {"place", "name", "phone"};
	static const size_t smax[3] = {200, 100, 40};
	for (int i = 0; i < 3; i++)
		if (s[i] && (!tb_utf8_valid(s[i], strlen(s[i]), NULL) || tb_utf8_len(s[i]) > smax[i]))
			return tb_err_set(e, TB_EINPUT, "report", sf[i], "at most %zu characters of UTF-8", smax[i]);
	int64_t now = tb_time_now_ms();
	*seen_ms = now;
	if (in->seen_at && *in->seen_at && !tb_time_parse_iso(in->seen_at, seen_ms))
		return tb_err_set(e, TB_EINPUT, "report", "seen_at", "not an ISO 8601 time: '%s'", in->seen_at);
	if (*seen_ms > now + (int64_t)(c->future_tol_min * 60000))
		return tb_err_set(e, TB_EINPUT, "report", "seen_at", "lies in the future");
	if (in->nphotos > c->photo_max_count)
		return tb_err_set(e, TB_ETOOBIG, "report", "photos", "at most %d photos", c->photo_max_count);
	for (int i = 0; i < in->nphotos; i++) {
		const char *mime = tb_attach_sniff(in->photos[i].data, in->photos[i].n);
		if (in->photos[i].n > c->photo_max_bytes)
			return tb_err_set(e, TB_ETOOBIG, "report", "photos", "photo %d is larger than %.1f MiB", i + 1,
					  (double)c->photo_max_bytes / (1 << 20));
		if (!mime || !strncmp(mime, "application/", 12))
			return tb_err_set(e, TB_EINPUT, "report", "photos", "photo %d is not a JPEG, PNG or WebP image", i + 1);
	}
	return 0;
}

/* The abuse controls of the public form: the challenge, the hourly limit. */
static int check_public(tb_db *db, const tb_report_config *c, const tb_report_in *in, char pow[65],
			char iph[65], tb_err *e)
{
	int rc = tb_pow_verify(in->challenge, in->nonce, c->pow_bits, pow, e);
	if (rc) return rc;
	if (spent(db, pow)) return tb_err_set(e, TB_EDENIED, "report", "challenge", "this challenge was used already: fetch a new one");
	char buf[128];
	snprintf(buf, sizeof buf, "tianbao-report-ip:%s", in->ip ? in->ip : "");
	tb_sha256_hex(buf, strlen(buf), iph);
	int64_t n = 0;
	if ((rc = count_recent(db, iph, &n, e))) return rc;
	if (n >= c->per_ip_per_hour)
		return tb_err_set(e, TB_ETOOBIG, "report", "rate",
				  "too many reports from this address (%d an hour); please call the bureau", c->per_ip_per_hour);
	return 0;
}

static json_t *receipt(tb_db *db, const json_t *row, tb_err *e)
{
	const char *g = tb_json_str(row, "group_code");
	int64_t n = 0;
	tb_stmt *st;
	if (!tb_db_prepare(db, "SELECT count(*) FROM reports WHERE group_code=?", &st, e)) {
		tb_bind_text(st, 1, g);
		if (tb_stmt_step(st) == TB_ROW) n = tb_col_int64(st, 0);
		tb_stmt_finalize(st);
	}
	return json_pack("{s:s?,s:s?,s:s?,s:I,s:s?}", "code", tb_json_str(row, "code"), "status",
			 tb_json_str(row, "status"), "group_code", g, "duplicates", (json_int_t)(n > 0 ? n - 1 : 0),
			 "received_at", tb_json_str(row, "received_at"));
}

static json_t *input_props(const tb_report_in *in, int64_t seen_ms)
{
	char seen[32];
	tb_time_format_iso(seen_ms, seen);
	json_t *p = json_pack("{s:s,s:s,s:s,s:s}", "channel", in->channel, "kind", in->kind, "description",
			      in->description, "seen_at", seen);
	if (in->place && *in->place) json_object_set_new(p, "place_name", json_string(in->place));
	if (in->name && *in->name) json_object_set_new(p, "reporter_name", json_string(in->name));
	if (in->phone && *in->phone) json_object_set_new(p, "reporter_phone", json_string(in->phone));
	return p;
}

int tb_report_submit(tb_db *db, const tb_actor *who, const tb_report_in *in, json_t **out, tb_err *e)
{
	tb_report_config c;
	tb_report_config_load(db, &c);
	int64_t seen_ms;
	char pow[65] = "", iph[65] = "", town[32] = "", group[32] = "", code[16], now[32];
	bool online = in->channel && !strcmp(in->channel, "online");
	int rc = check_input(db, &c, in, &seen_ms, e);
	if (rc) return rc;
	json_t *props = input_props(in, seen_ms), *set = json_object(), *photos = json_array(), *payload = NULL;
	tb_write_ctx cx = {.actor = who};
	tb_writer *w = NULL;
	tb_record rec = {.props = props, .name = "report"};
	if ((rc = tb_db_begin(db, e))) goto out;
	if (online && (rc = check_public(db, &c, in, pow, iph, e))) goto out;
	if (in->has_point) {
		if ((rc = cases__town_at(db, in->lon, in->lat, town, sizeof town, e))) goto out;
		if (!town[0]) {
			rc = tb_err_set(e, TB_EINPUT, "report", "lon", "the point %.5f, %.5f lies outside the district",
					in->lon, in->lat);
			goto out;
		}
		if ((rc = find_group(db, &c, in->kind, in->lon, in->lat, seen_ms, group, e))) goto out;
		rec.geom = GEOSGeom_createPointFromXY_r(tb_geos(), in->lon, in->lat);
		json_object_set_new(set, "lon", json_real(in->lon));
		json_object_set_new(set, "lat", json_real(in->lat));
		json_object_set_new(set, "town_code", json_string(town));
	}
	for (int i = 0; i < in->nphotos && !rc; i++) {
		char sha[65], field[16];
		rc = tb_attach_store(db, who, in->photos[i].name ? in->photos[i].name : "report photo", in->photos[i].data,
				     in->photos[i].n, sha, NULL, e);
		snprintf(field, sizeof field, "photo%d", i + 1);
		if (!rc) json_object_set_new(set, field, json_string(sha));
		if (!rc) json_array_append_new(photos, json_string(sha));
	}
	if (rc) goto out;
	receipt_code(code);
	tb_time_now_iso(now);
	json_object_set_new(set, "code", json_string(code));
	json_object_set_new(set, "status", json_string("received"));
	json_object_set_new(set, "group_code", json_string(group[0] ? group : code));
	json_object_set_new(set, "has_contact", json_boolean((in->name && *in->name) || (in->phone && *in->phone)));
	json_object_set_new(set, "received_at", json_string(now));
	json_object_set_new(set, "received_by", json_string(online ? "public" : who->login));
	if (online) {
		json_object_set_new(props, "ip_hash", json_string(iph));
		json_object_set_new(props, "pow_hash", json_string(pow));
	}
	cx.user = set;
	if ((rc = tb_event_next_seq(db, &cx.seq, e))) goto out;
	if (!(w = tb_writer_new(db, &tb_reports, &cx, e))) {
		rc = e->code ? e->code : TB_EDB;
		goto out;
	}
	if ((rc = tb_writer_insert(w, &rec, NULL, e))) goto out;
	json_t *row = NULL;
	if ((rc = tb_record_get(db, &tb_reports, rec.fid, &row, NULL, e))) goto out;
	payload = json_pack("{s:o,s:O}", "after", row, "photos", photos); /* row has no private field */
	rc = cases__event(db, who, "reports.create", "reports", code, town, NULL, payload, e);
	if (!rc) rc = tb_db_commit(db, e);
	if (!rc && out) *out = receipt(db, row, e);
out:
	if (rc) tb_db_rollback(db);
	if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
	tb_writer_free(w);
	json_decref(payload);
	json_decref(photos);
	json_decref(set);
	json_decref(props);
	return rc;
}

/* ---- reading ----------------------------------------------------------------------------- */

int tb_report_find(tb_db *db, const char *code_or_id, int64_t *fid, tb_err *e)
{
	json_t *r = NULL;
	char *end = NULL;
	long long id = code_or_id ? strtoll(code_or_id, &end, 10) : 0;
	int rc = code_or_id && *code_or_id && end && !*end ? tb_record_get(db, &tb_reports, id, &r, NULL, e)
							   : tb_record_get_by_key(db, &tb_reports, code_or_id ? code_or_id : "", &r, NULL, e);
	if (!rc) *fid = json_integer_value(json_object_get(r, "fid"));
	else if (rc == TB_ENOTFOUND)
		rc = tb_err_set(e, TB_ENOTFOUND, code_or_id, NULL, "no report with the receipt code %s", code_or_id ? code_or_id : "");
	json_decref(r);
	return rc;
}

int tb_report_status(tb_db *db, const char *code, json_t **out, tb_err *e)
{
	json_t *r = NULL;
	/* receipt codes only (not fids): a code is the reporter's secret */
	int rc = code && !strncmp(code, "JB", 2) ? tb_record_get_by_key(db, &tb_reports, code, &r, NULL, e) : TB_ENOTFOUND;
	if (rc == TB_ENOTFOUND)
		return tb_err_set(e, TB_ENOTFOUND, code, NULL, "no report with this receipt code");
	if (rc) return rc;
	const char *st = tb_json_str(r, "status");
	*out = json_pack("{s:s?,s:s?,s:s?,s:s,s:s,s:s?,s:s?,s:s?}", "code", tb_json_str(r, "code"), "kind",
			 tb_json_str(r, "kind"), "status", st, "status_zh", tb_codes_label(db, "report_status", st, "zh"),
			 "status_en", tb_codes_label(db, "report_status", st, "en"), "public_reply",
			 tb_json_str(r, "public_reply"), "received_at", tb_json_str(r, "received_at"), "updated_at",
			 tb_json_str(r, "updated_at"));
	json_decref(r);
	return 0;
}

int tb_report_contact(tb_db *db, int64_t fid, json_t **out, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db, "SELECT reporter_name, reporter_phone FROM reports WHERE fid=?", &st, e);
	if (rc) return rc;
	tb_bind_int64(st, 1, fid);
	if (tb_stmt_step(st) == TB_ROW)
		*out = json_pack("{s:s?,s:s?}", "name", tb_col_text(st, 0), "phone", tb_col_text(st, 1));
	else
		rc = tb_err_set(e, TB_ENOTFOUND, NULL, NULL, "no such report");
	tb_stmt_finalize(st);
	return rc;
}

/* ---- review ---------------------------------------------------------------------------- */

static const tb_fsm_move report_moves[] = {
	{"received", "verify", "verifying", TB_R_ADMIN | TB_R_BUREAU | TB_R_TOWN, NULL},
	{"received", "reject", "rejected", TB_R_ADMIN | TB_R_BUREAU, NULL},
	{"verifying", "reject", "rejected", TB_R_ADMIN | TB_R_BUREAU, NULL},
	{"received", "accept", "accepted", TB_R_ADMIN | TB_R_BUREAU, NULL},
	{"verifying", "accept", "accepted", TB_R_ADMIN | TB_R_BUREAU, NULL},
	{"accepted", "close", "closed", TB_R_ADMIN | TB_R_BUREAU, NULL},
};
const tb_fsm cases__report_fsm = {"report", report_moves, N(report_moves)};

int tb_report_transition(tb_db *db, const tb_actor *who, int64_t fid, const char *action, const char *reply,
			 json_t **out, tb_err *e)
{
	if (action && !strcmp(action, "accept"))
		return tb_err_set(e, TB_EINPUT, "report", "action", "a report is accepted by opening a case from it");
	if (!strcmp(action ? action : "", "reject") && (!reply || !*reply))
		return tb_err_set(e, TB_EINPUT, "report", "reply", "a rejection needs a reply the reporter will read");
	if (reply && (!tb_utf8_valid(reply, strlen(reply), NULL) || tb_utf8_len(reply) > 2000))
		return tb_err_set(e, TB_EINPUT, "report", "reply", "at most 2000 characters of UTF-8");
	json_t *r = NULL, *set = NULL, *row = NULL, *payload = NULL;
	tb_write_ctx cx = {.actor = who};
	const tb_fsm_move *m = NULL;
	int rc = tb_db_begin(db, e);
	if (!rc) rc = tb_record_get(db, &tb_reports, fid, &r, NULL, e);
	if (!rc) rc = tb_fsm_find(&cases__report_fsm, tb_json_str(r, "code"), tb_json_str(r, "status"), action, NULL,
				  who->role, NULL, &m, e);
	if (!rc) {
		set = json_pack("{s:s}", "status", m->to);
		if (reply && *reply) json_object_set_new(set, "public_reply", json_string(reply));
		rc = tb_event_next_seq(db, &cx.seq, e);
	}
	if (!rc) rc = cases__update(db, &tb_reports, fid, set, &cx, &row, e);
	if (!rc) {
		char act[32];
		snprintf(act, sizeof act, "reports.%s", m->action);
		payload = json_pack("{s:s,s:s,s:s?}", "from", m->from, "to", m->to, "reply", reply);
		rc = cases__event(db, who, act, "reports", tb_json_str(r, "code"), tb_json_str(r, "town_code"), NULL,
				  payload, e);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
	if (!rc && out) *out = json_incref(row);
	json_decref(row);
	json_decref(payload);
	json_decref(set);
	json_decref(r);
	return rc;
}
