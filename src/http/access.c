/* access.c — jurisdiction in one place (see access.h): the reach of a
 * request on a resource, built from the principal (auth/roles.c: the roles
 * that see the district, the scope codes of the others) and the resource's
 * description (its scope and owner fields, the fields that hold
 * attachments).  Handlers ask here; they never compare codes themselves. */
#include "http/access.h"

#include "app/app.h"
#include "cases/cases.h"
#include "duty/duty.h"
#include "monitor/alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_ranger(const tb_principal *p)
{
	return !strcmp(p->role, "ranger");
}

bool tb_access_ranger(const tb_req *req, char code[64])
{
	return tb_duty_ranger_of_login(req->db, req->who.login, code);
}

void tb_access_of(const tb_req *req, const tb_resource *r, tb_access *a)
{
	memset(a, 0, sizeof *a);
	a->who = &req->who;
	a->r = r;
	if (!r) return;
	a->scope = tb_jurisdiction(&req->who, r);
	a->by_owner = r->owner && is_ranger(&req->who);
	if (a->by_owner) tb_access_ranger(req, a->owner);
}

void tb_access_free(tb_access *a)
{
	free(a->scope);
	a->scope = NULL;
}

int tb_access_query(tb_access *a, tb_query *q, tb_err *e)
{
	q->scope_in = a->scope;
	if (!a->by_owner) return 0;
	int cap = (int)(sizeof a->filters / sizeof a->filters[0]);
	if (q->nfilters + 1 > cap)
		return tb_err_set(e, TB_ETOOBIG, a->r->name, NULL, "too many filters");
	if (q->nfilters) memcpy(a->filters, q->filters, (size_t)q->nfilters * sizeof *q->filters);
	a->filters[q->nfilters] = (tb_filter){a->r->owner, "eq", a->owner};
	q->filters = a->filters;
	q->nfilters++;
	return 0;
}

bool tb_access_allows(const tb_access *a, const json_t *props)
{
	if (!a->r) return true;
	if (a->scope) {
		const char *v =
		    a->r->scope ? json_string_value(json_object_get(props, a->r->scope)) : NULL;
		if (!v || !*a->scope || !tb_jurisdiction_allows(a->who, v)) return false;
	}
	if (a->by_owner) {
		const char *v = json_string_value(json_object_get(props, a->r->owner));
		if (!*a->owner || !v || strcmp(v, a->owner)) return false;
	}
	return true;
}

void tb_access_key(const tb_access *a, char *buf, size_t size)
{
	if (!a->scope && !a->by_owner)
		snprintf(buf, size, "*");
	else
		snprintf(buf, size, "%s|%s%s", a->scope ? a->scope : "*",
		         a->by_owner ? "ranger=" : "", a->owner);
}

/* ---- for handlers ------------------------------------------------------------------ */

json_t *tb_access_get(tb_req *req, const tb_resource *r, int param, GEOSGeometry **geom,
                      tb_resp *resp)
{
	int64_t id;
	if (!tb_req_id(req, param, &id, resp)) return NULL;
	json_t *p = NULL;
	tb_err e = {0};
	if (tb_record_get(req->db, r, id, &p, geom, &e)) {
		tb_resp_err(resp, &e);
		return NULL;
	}
	tb_access a;
	tb_access_of(req, r, &a);
	bool ok = tb_access_allows(&a, p);
	tb_access_free(&a);
	if (ok) return p;
	json_decref(p);
	if (geom && *geom) {
		GEOSGeom_destroy_r(tb_geos(), *geom);
		*geom = NULL;
	}
	tb_resp_error(resp, 404, "not_found", NULL, "%s %lld: no such record", r->name,
	              (long long)id);
	return NULL;
}

bool tb_access_may_write(tb_req *req, const tb_resource *r, const json_t *props, tb_resp *resp)
{
	if (!r->scope) return true;
	tb_access a;
	tb_access_of(req, r, &a);
	a.by_owner = false; /* who may act on an assigned record is its workflow's decision */
	bool ok = tb_access_allows(&a, props);
	tb_access_free(&a);
	if (!ok) {
		const char *v = json_string_value(json_object_get(props, r->scope));
		tb_resp_error(resp, 403, "forbidden", r->scope,
		              "%s '%s' is outside your jurisdiction", r->scope, v ? v : "");
	}
	return ok;
}

char *tb_access_towns(const tb_req *req, const tb_resource *r)
{
	static const tb_resource any_town = {.name = "towns", .scope = "town_code"};
	return tb_jurisdiction(&req->who, r ? r : &any_town);
}

bool tb_access_act_as_ranger(tb_req *req, const char *ranger, tb_resp *resp)
{
	json_t *p = NULL;
	tb_err e = {0};
	if (!ranger || tb_record_get_by_key(req->db, &tb_rangers, ranger, &p, NULL, &e)) {
		tb_resp_error(resp, 422, "invalid", "ranger", "no ranger with code '%s'",
		              ranger ? ranger : "");
		return false;
	}
	bool ok;
	if (is_ranger(&req->who)) {
		const char *login = json_string_value(json_object_get(p, "login"));
		ok = login && !strcmp(login, req->who.login);
	} else {
		tb_access a;
		tb_access_of(req, &tb_rangers, &a);
		ok = tb_access_allows(&a, p);
		tb_access_free(&a);
	}
	json_decref(p);
	if (!ok)
		tb_resp_error(resp, 403, "forbidden", "ranger", "you may not submit patrols for %s",
		              ranger);
	return ok;
}

/* Whether a record of r that the caller reaches holds sha in field f. */
static bool referenced(const tb_req *req, const tb_resource *r, const tb_field *f, const char *sha)
{
	tb_access a;
	tb_access_of(req, r, &a);
	tb_filter by = {f->name, "eq", sha};
	tb_query q = {.filters = &by, .nfilters = 1, .limit = 1};
	tb_rows rows = {0};
	tb_err e = {0};
	bool found = !tb_access_query(&a, &q, &e) && !tb_record_list(req->db, r, &q, &rows, &e) &&
	             rows.total > 0;
	if (rows.items) tb_rows_free(&rows);
	tb_access_free(&a);
	return found;
}

bool tb_access_attachment(const tb_req *req, const char *sha)
{
	if (tb_principal_sees_all(&req->who)) return true;
	for (int i = 0; tb_app_resources[i]; i++) {
		const tb_resource *r = tb_app_resources[i];
		for (int k = 0; k < r->nfields; k++)
			if (r->fields[k].flags & TB_ATTACHMENT &&
			    referenced(req, r, &r->fields[k], sha))
				return true;
	}
	return false;
}

/* ---- duties of member departments (§4.2) ------------------------------------------- */

const char *tb_access_duty(const tb_req *req)
{
	return strcmp(req->who.role, "department") ? NULL : tb_cases_duty_of_unit(req->who.unit);
}

bool tb_access_contact(const tb_req *req)
{
	return tb_cases_may_see_contact(req->who.role, tb_access_duty(req));
}
