/* fire.c — fire-danger and pest endpoints: POST /api/weather (the weather
 * bureau's daily push with an API token: JSON {station, records:[…]} or a
 * text/csv body with ?station=), GET /api/fire/danger?date= (the latest
 * danger of every station on or before the date) and GET
 * /api/pests/status?date=&station=, both within the caller's towns; POST
 * /api/pest_traps and /api/pest_surveys are the generic create followed by
 * the record's warning; POST /api/pests/notify sends a day's pest warnings.
 * Parse, call monitor/, serialise. */
#include "http/fire.h"

#include "http/access.h"
#include "http/api.h"
#include "monitor/fire.h"
#include "monitor/pest.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static json_t *errors_json(const tb_errlist *l, const tb_err *first)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < l->len; i++) {
		const tb_err *e = &l->items[i];
		json_array_append_new(arr, json_pack("{s:s,s:s?,s:s?}", "message", e->message,
		                                     "record", e->record[0] ? e->record : NULL,
		                                     "field", e->field[0] ? e->field : NULL));
	}
	if (!l->len)
		json_array_append_new(arr,
		                      json_pack("{s:s,s:s?,s:s?}", "message", first->message,
		                                "record", first->record[0] ? first->record : NULL,
		                                "field", first->field[0] ? first->field : NULL));
	return arr;
}

/* All-or-nothing failures of bad records: 422 with every problem listed. */
static int import_failed(tb_resp *resp, const tb_errlist *errs, const tb_err *e)
{
	if (e->code != TB_EINPUT) return tb_resp_err(resp, e);
	json_t *err = json_pack("{s:s,s:s,s:s?,s:I,s:o}", "code", "invalid", "message",
	                        "nothing was changed", "field", e->field[0] ? e->field : NULL,
	                        "count", (json_int_t)(errs->len ? tb_errlist_count(errs) : 1),
	                        "errors", errors_json(errs, e));
	return tb_resp_json(resp, 422, json_pack("{s:o}", "error", err));
}

int tb_api_weather_push(tb_req *req, tb_resp *resp)
{
	const char *ctype = tb_req_header(req, "Content-Type");
	const char *station = tb_req_query(req, "station");
	json_t *body = NULL, *records = NULL;
	tb_err e = {0};
	if (ctype && !strncasecmp(ctype, "text/csv", 8)) {
		if (tb_weather_csv_parse(req->body ? req->body : "", req->body_len, "body",
		                         &records, &e))
			return import_failed(resp, &(tb_errlist){0}, &e);
	} else {
		if (!(body = tb_req_json(req, resp))) return 0;
		if (!station) station = json_string_value(json_object_get(body, "station"));
		records = json_incref(json_object_get(body, "records"));
		if (!json_is_array(records)) {
			json_decref(records);
			json_decref(body);
			return tb_resp_error(resp, 422, "invalid", "records",
			                     "records must be an array of days");
		}
	}
	tb_actor who = tb_req_actor(req);
	tb_errlist errs;
	tb_errlist_init(&errs, 200);
	json_t *res = NULL;
	if (tb_weather_import(req->db, &who, station, records, "api", "weather push", &res, &errs,
	                      &e))
		import_failed(resp, &errs, &e);
	else
		tb_resp_json(resp, 201, res);
	tb_errlist_free(&errs);
	json_decref(records);
	json_decref(body);
	return 0;
}

int tb_api_fire_danger(tb_req *req, tb_resp *resp)
{
	tb_err e = {0};
	char *towns = tb_access_towns(req, NULL);
	json_t *d = tb_fire_danger_on(req->db, tb_req_query(req, "date"), towns, &e);
	free(towns);
	return d ? tb_resp_json(resp, 200, d) : tb_resp_err(resp, &e);
}

int tb_api_pest_status(tb_req *req, tb_resp *resp)
{
	tb_err e = {0};
	char *towns = tb_access_towns(req, &tb_pest_traps);
	json_t *s = tb_pest_status(req->db, tb_req_query(req, "station"), tb_req_query(req, "date"),
	                           towns, &e);
	free(towns);
	return s ? tb_resp_json(resp, 200, s) : tb_resp_err(resp, &e);
}

int tb_api_pest_record_create(tb_req *req, tb_resp *resp)
{
	tb_api_create(req, resp);
	if (resp->status != 201) return 0;
	json_t *row = json_loadb(resp->body.data, resp->body.len, 0, NULL);
	if (!json_is_object(row)) {
		json_decref(row);
		return 0;
	}
	tb_actor who = tb_req_actor(req);
	json_t *t = tb_pest_record_warn(req->db, &who, req->route->resource,
	                                json_integer_value(json_object_get(row, "fid")),
	                                json_string_value(json_object_get(row, "date")));
	if (!t) {
		json_decref(row);
		return 0;
	}
	json_object_set_new(row, "warnings", t);
	return tb_resp_json(resp, 201, row);
}

int tb_api_pest_notify(tb_req *req, tb_resp *resp)
{
	tb_err e = {0};
	char *towns = tb_access_towns(req, &tb_pest_traps);
	json_t *s = tb_pest_status(req->db, tb_req_query(req, "station"), tb_req_query(req, "date"),
	                           towns, &e);
	free(towns);
	if (!s) return tb_resp_err(resp, &e);
	tb_actor who = tb_req_actor(req);
	json_object_set_new(s, "notified", tb_pest_notify(req->db, &who, s));
	return tb_resp_json(resp, 200, s);
}
