/* http.c — request and response helpers shared by every handler: headers,
 * query arguments, JSON bodies with the parser's limits, and error bodies
 * in the one shape of DESIGN.md §7. */
#include "http/http.h"

#include "base/json.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *tb_req_header(const tb_req *r, const char *name)
{
	return r->conn ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name) : NULL;
}

const char *tb_req_query(const tb_req *r, const char *name)
{
	return r->conn ? MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name) : NULL;
}

json_t *tb_req_json(tb_req *r, tb_resp *resp)
{
	if (!r->body || !r->body_len) {
		tb_resp_error(resp, 400, "bad_request", NULL, "a JSON body is required");
		return NULL;
	}
	tb_err e = {0};
	json_t *v = tb_json_parse(r->body, r->body_len, &e);
	if (!v) {
		tb_resp_error(resp, 400, "bad_request", NULL, "%s", e.message);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		tb_resp_error(resp, 400, "bad_request", NULL, "the body must be a JSON object");
		return NULL;
	}
	return v;
}

bool tb_req_id(tb_req *r, int i, int64_t *id, tb_resp *resp)
{
	const char *s = i < r->nparams ? r->params[i] : NULL;
	char *end;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || *end || v <= 0) {
		tb_resp_error(resp, 404, "not_found", NULL, "no such record '%s'", s ? s : "");
		return false;
	}
	*id = v;
	return true;
}

void tb_resp_init(tb_resp *r)
{
	memset(r, 0, sizeof *r);
	r->status = 200;
	tb_buf_init(&r->body, (size_t)256 << 20);
}

void tb_resp_free(tb_resp *r)
{
	tb_buf_free(&r->body);
	if (r->static_data && r->free_static) r->free_static((void *)r->static_data);
	r->static_data = NULL;
}

void tb_resp_header(tb_resp *r, const char *name, const char *value)
{
	if (r->nheaders >= 8) return;
	snprintf(r->headers[r->nheaders][0], sizeof r->headers[0][0], "%s", name);
	snprintf(r->headers[r->nheaders][1], sizeof r->headers[0][1], "%s", value);
	r->nheaders++;
}

int tb_resp_json(tb_resp *r, int status, json_t *v)
{
	char *t = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(v);
	r->status = status;
	tb_buf_reset(&r->body);
	if (!t || tb_buf_adds(&r->body, t)) {
		free(t);
		r->status = 500;
		tb_buf_reset(&r->body);
		tb_buf_adds(&r->body, "{\"error\":{\"code\":\"internal\",\"message\":\"response too large\"}}");
		return 500;
	}
	free(t);
	return status;
}

int tb_resp_error(tb_resp *r, int status, const char *code, const char *field, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_t *err = json_pack("{s:s,s:s}", "code", code, "message", msg);
	if (field && *field) json_object_set_new(err, "field", json_string(field));
	return tb_resp_json(r, status, json_pack("{s:o}", "error", err));
}

int tb_resp_err(tb_resp *r, const tb_err *e)
{
	int status;
	switch (e->code) {
	case TB_EINPUT: status = e->field[0] ? 422 : 400; break;
	case TB_EUSAGE: status = 400; break;
	case TB_ENOTFOUND: status = 404; break;
	case TB_ECONFLICT: status = 409; break;
	case TB_EDENIED: status = 403; break;
	case TB_ETOOBIG: status = 413; break;
	case TB_EBUSY: status = 503; break;
	default: status = 500;
	}
	if (e->code == TB_EBUSY) tb_resp_header(r, "Retry-After", "1");
	const char *code = e->code == TB_EINPUT && e->field[0] ? "invalid" : tb_code_name(e->code);
	char msg[760];
	if (e->record[0]) snprintf(msg, sizeof msg, "%s: %s", e->record, e->message);
	else snprintf(msg, sizeof msg, "%s", e->message);
	return tb_resp_error(r, status, code, e->field, "%s", msg);
}
