/* workflow.c — applications and operation designs as state machines
 * (DESIGN.md §9, base/fsm.h): the moves are a table (from, action, to, the
 * TB_R_* roles that may act, a guard for the approval's preconditions); a
 * move not in the table, or one whose preconditions fail, is refused with
 * TB_ECONFLICT, a role that may not make it with TB_EDENIED, by tb_fsm_find.  Every move is one transaction and one
 * event.  Approving an activity that removes natural forest (occupation,
 * mining) shrinks the natural parcels it covers; the registry's parcel hook
 * records each loss in the area ledger with the approval's event (§2). */
#include "control/control.h"
#include "control/internal.h"

#include "base/fsm.h"
#include "base/list.h"
#include "db/attach.h"
#include "db/event.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int approvable_guard(const tb_fsm_move *m, const char *role, void *ctx, tb_err *e);

#define REVIEWERS (TB_R_ADMIN | TB_R_BUREAU | TB_R_TOWN | TB_R_UNIT)
#define DECIDERS (TB_R_ADMIN | TB_R_BUREAU)

/* 申请审查 submitted → checked (初审) → approved / rejected (区林业局). */
static const tb_fsm_move app_moves[] = {
	{"submitted", "check", "checked", REVIEWERS, NULL},
	{"checked", "approve", "approved", DECIDERS, approvable_guard},
	{"checked", "reject", "rejected", DECIDERS, NULL},
	{"submitted", "reject", "rejected", DECIDERS, NULL},
};
static const tb_fsm app_fsm = {"application", app_moves, sizeof app_moves / sizeof app_moves[0]};

/* 作业设计 draft → submitted (报审) → approved / rejected (林业主管部门, §3.2.1). */
static const tb_fsm_move design_moves[] = {
	{"draft", "submit", "submitted", REVIEWERS, NULL},
	{"submitted", "approve", "approved", DECIDERS, NULL},
	{"submitted", "reject", "rejected", DECIDERS, NULL},
};
static const tb_fsm design_fsm = {"design", design_moves, sizeof design_moves / sizeof design_moves[0]};

/* Activities whose approval removes natural forest from the registry. */
static const char *const removes_forest[] = {"occupation", "mining", NULL};
/* Activities that need an approved operation design before approval. */
static const char *const needs_design[] = {"tending", "sanitation_felling", NULL};

static bool in_list(const char *const *list, const char *v)
{
	for (int i = 0; v && list[i]; i++)
		if (!strcmp(list[i], v)) return true;
	return false;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---- create ------------------------------------------------------------------- */

int tb_application_create(tb_db *db, const tb_actor *who, const char *scope, json_t *props,
			  const GEOSGeometry *geom, int64_t *fid, tb_err *e)
{
	GEOSGeometry *g = NULL;
	int rc = tb_control_check_geometry(db, geom, &g, e);
	if (rc) return rc;
	tb_use_query q = {.activity = str(props, "activity"), .purpose = str(props, "purpose"),
			  .design_approved = tb__design_approved(db, str(props, "design_code"), NULL)};
	json_t *d = tb_control_check(db, &q, g, e);
	if (!d) rc = e->code ? e->code : TB_EINTERNAL;
	const char *town = d ? str(d, "town_code") : NULL;
	if (!rc && scope && !tb_list_has(scope, town))
		rc = tb_err_set(e, TB_EDENIED, "new application", "town_code",
				"the area lies in town %s, outside your jurisdiction", town ? town : "(none)");
	if (!rc) {
		tb__app_move mv = {.decision = d};
		tb_record rec = {.props = props, .geom = g, .name = "new application"};
		rc = tb_write_create(db, who, &tb_applications, &rec, NULL, &mv, e);
		g = rec.geom;
		if (!rc) *fid = rec.fid;
	}
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
	json_decref(d);
	return rc;
}

/* Every named parcel that exists must lie in the caller's towns. */
static int design_in_scope(tb_db *db, const char *scope, const char *parcels, tb_err *e)
{
	if (!scope) return 0;
	char *buf = tb__commas(parcels), t[128];
	int rc = 0;
	for (const char *cur = buf; !rc && tb_list_next_copy(&cur, t, sizeof t);) {
		tb_parcel_info p;
		int lookup = tb_registry_parcel(db, t, &p, e);
		if (lookup && lookup != TB_ENOTFOUND) rc = lookup;
		else if (!lookup && !tb_list_has(scope, p.town[0] ? p.town : NULL))
			rc = tb_err_set(e, TB_EDENIED, "new design", "parcels", "parcel %s is outside your jurisdiction", t);
	}
	free(buf);
	return rc;
}

int tb_design_create(tb_db *db, const tb_actor *who, const char *scope, json_t *props, int64_t *fid, tb_err *e)
{
	int rc = design_in_scope(db, scope, str(props, "parcels"), e);
	tb_record rec = {.props = props, .name = "new design"};
	if (!rc) rc = tb_write_create(db, who, &tb_designs, &rec, NULL, NULL, e);
	if (!rc) *fid = rec.fid;
	return rc;
}

/* ---- approval of a loss ---------------------------------------------------------- */

/* Cut the approved area out of the natural parcels (the registry's parcel
 * hook writes the ledger rows with this event), *total the hectares. */
static int record_loss(tb_db *db, tb_write_ctx *cx, const char *code, const GEOSGeometry *area, double *total,
		       json_t *ledger, tb_err *e)
{
	char cause[160];
	snprintf(cause, sizeof cause, "批准占用 approved application %s", code);
	return tb_registry_remove_natural(db, cx, area, cause, ledger, total, e);
}

/* ---- transitions ---------------------------------------------------------------- */

/* What the approval's guard needs: the application (with today's decision)
 * and the approval document given. */
typedef struct approval {
	tb_db *db;
	const json_t *app;
	const char *doc;
} approval;

/* Why an application may not be approved (TB_ECONFLICT), or 0. */
static int approvable(tb_db *db, const json_t *app, const char *doc, tb_err *e)
{
	const char *code = str(app, "code"), *verdict = str(app, "verdict"), *act = str(app, "activity");
	if (verdict && !strcmp(verdict, "prohibited")) {
		json_t *r0 = json_array_get(json_object_get(json_object_get(app, "decision"), "reasons"), 0);
		return tb_err_set(e, TB_ECONFLICT, code, "verdict",
				  "prohibited by §%s: %s A prohibited activity cannot be approved.",
				  str(r0, "clause") ? str(r0, "clause") : "3.2", str(r0, "message_en") ? str(r0, "message_en") : "");
	}
	if (act && !strcmp(act, "occupation") && !doc)
		return tb_err_set(e, TB_ECONFLICT, code, "approval_doc",
				  "an occupation of forest land needs the higher authority's approval document "
				  "(§3.2.2): upload it to /api/attachments and give its approval_doc");
	if (in_list(needs_design, act) && !tb__design_approved(db, str(app, "design_code"), code))
		return tb_err_set(e, TB_ECONFLICT, code, "design_code",
				  "tending needs an operation design (作业设计) approved by the forestry authority "
				  "before it starts (§3.2.1); design %s is not approved",
				  str(app, "design_code") ? str(app, "design_code") : "(none)");
	return 0;
}

static int approvable_guard(const tb_fsm_move *m, const char *role, void *ctx, tb_err *e)
{
	(void)m, (void)role;
	const approval *a = ctx;
	return approvable(a->db, a->app, a->doc, e);
}

int tb_application_transition(tb_db *db, const tb_actor *who, int64_t fid, const char *to, const char *note,
			      const char *doc, tb_err *e)
{
	json_t *app = NULL, *ledger = json_array(), *payload = NULL;
	GEOSGeometry *g = NULL;
	tb__app_move mv = {.to = to, .actor = who->login, .note = note, .approval_doc = doc};
	tb_write_ctx cx = {.actor = who, .parcels = json_array(), .user = &mv};
	int rc = tb_db_begin(db, e);
	if (!rc) rc = tb_record_get(db, &tb_applications, fid, &app, &g, e);
	const char *code = app ? str(app, "code") : "";
	const tb_fsm_move *m = NULL;
	if (!rc && doc && !tb_attach_exists(db, doc))
		rc = tb_err_set(e, TB_EINPUT, code, "approval_doc",
				"no attachment %.16s…; upload the approval document to /api/attachments first", doc);
	json_t *fresh = NULL;
	bool approving = to && !strcmp(to, "approved") && !strcmp(str(app, "status") ? str(app, "status") : "", "checked");
	if (!rc && approving) { /* decide again with today's rules, parcels and design (the guard reads it) */
		tb_use_query q = {.activity = str(app, "activity"), .purpose = str(app, "purpose"),
				  .design_approved = tb__design_approved(db, str(app, "design_code"), code)};
		fresh = tb_control_check(db, &q, g, e);
		if (!fresh) rc = e->code ? e->code : TB_EINTERNAL;
		else {
			json_object_set(app, "verdict", json_object_get(fresh, "verdict"));
			json_object_set(app, "decision", fresh);
			mv.decision = fresh;
		}
	}
	approval ap = {.db = db, .app = app, .doc = doc};
	if (!rc) rc = tb_fsm_find(&app_fsm, code, str(app, "status"), NULL, to, who->role, &ap, &m, e);
	if (!rc) rc = tb_event_next_seq(db, &cx.seq, e);
	if (!rc && !strcmp(m->to, "approved") && in_list(removes_forest, str(app, "activity")))
		rc = record_loss(db, &cx, code, g, &mv.loss_ha, ledger, e);
	if (!rc) {
		json_t *patch = json_object();
		tb_record rec = {.props = patch, .fid = fid, .name = code};
		rc = tb_record_update(db, &tb_applications, &rec, 0, &cx, e);
		if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
		json_decref(patch);
	}
	if (!rc) {
		size_t i;
		json_t *p;
		json_array_foreach(json_object_get(json_object_get(app, "decision"), "parcels"), i, p)
		tb__add_unique(cx.parcels, str(p, "id"));
		char action[64];
		snprintf(action, sizeof action, "applications.%s", m->action);
		payload = json_pack("{s:s,s:s,s:s?,s:s?,s:f,s:O}", "from", str(app, "status"), "to", to, "note", note,
				    "approval_doc", doc, "loss_ha", mv.loss_ha, "ledger", ledger);
		tb_event_in ev = {.actor = who->login, .role = who->role, .action = action, .entity = "applications",
				  .entity_id = code, .parcels = cx.parcels, .town = str(app, "town_code"), .payload = payload};
		int64_t seq = 0;
		rc = tb_event_append(db, &ev, &seq, e);
		if (!rc && seq != cx.seq) rc = tb_err_set(e, TB_EINTERNAL, NULL, NULL, "event sequence moved during a write");
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
	json_decref(fresh);
	json_decref(app);
	json_decref(ledger);
	json_decref(payload);
	json_decref(cx.parcels);
	return rc;
}

int tb_design_transition(tb_db *db, const tb_actor *who, int64_t fid, const char *to, const char *note, tb_err *e)
{
	json_t *d = NULL, *payload = NULL;
	tb__design_move mv = {.to = to, .actor = who->login, .note = note};
	tb_write_ctx cx = {.actor = who, .parcels = json_array(), .user = &mv};
	int rc = tb_db_begin(db, e);
	if (!rc) rc = tb_record_get(db, &tb_designs, fid, &d, NULL, e);
	const char *code = d ? str(d, "code") : "";
	const tb_fsm_move *m = NULL;
	if (!rc) rc = tb_fsm_find(&design_fsm, code, str(d, "status"), NULL, to, who->role, NULL, &m, e);
	if (!rc) rc = tb_event_next_seq(db, &cx.seq, e);
	if (!rc) {
		json_t *patch = json_object();
		tb_record rec = {.props = patch, .fid = fid, .name = code};
		rc = tb_record_update(db, &tb_designs, &rec, 0, &cx, e);
		json_decref(patch);
	}
	if (!rc) {
		char action[64];
		snprintf(action, sizeof action, "designs.%s", m->action);
		char t[128];
		for (const char *cur = str(d, "parcels"); tb_list_next_copy(&cur, t, sizeof t);)
			json_array_append_new(cx.parcels, json_string(t));
		payload = json_pack("{s:s,s:s,s:s?}", "from", str(d, "status"), "to", to, "note", note);
		tb_event_in ev = {.actor = who->login, .role = who->role, .action = action, .entity = "designs",
				  .entity_id = code, .parcels = cx.parcels, .town = str(d, "town_code"), .payload = payload};
		int64_t seq = 0;
		rc = tb_event_append(db, &ev, &seq, e);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
	json_decref(d);
	json_decref(payload);
	json_decref(cx.parcels);
	return rc;
}

/* ---- summary --------------------------------------------------------------------- */

#define SCOPED(col) " AND (?1 IS NULL OR instr(',' || ?1 || ',', ',' || " col " || ',') > 0)"

static double sum_of(tb_db *db, const char *sql, const char *scope)
{
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, NULL)) return 0;
	tb_bind_text(st, 1, scope);
	double v = tb_stmt_step(st) == TB_ROW ? tb_col_double(st, 0) : 0;
	tb_stmt_finalize(st);
	return v;
}

static json_t *counts(tb_db *db, const char *sql, const char *scope)
{
	json_t *o = json_object();
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, NULL)) return o;
	tb_bind_text(st, 1, scope);
	while (tb_stmt_step(st) == TB_ROW)
		if (tb_col_text(st, 0))
			json_object_set_new(o, tb_col_text(st, 0), json_integer(tb_col_int64(st, 1)));
	tb_stmt_finalize(st);
	return o;
}

json_t *tb_control_summary(tb_db *db, const char *scope, tb_err *e)
{
	(void)e;
	double target = tb_setting_num(db, "target_ha", 0);
	double natural = tb_registry_natural_ha(db, scope);
	double lost = sum_of(db, "SELECT coalesce(sum(loss_ha),0) FROM applications WHERE status='approved'" SCOPED("town_code"), scope);
	double pcount = sum_of(db, "SELECT count(*) FROM applications WHERE status IN ('submitted','checked')" SCOPED("town_code"), scope);
	double pha = sum_of(db, "SELECT coalesce(sum(natural_forest_ha),0) FROM applications"
				" WHERE status IN ('submitted','checked')" SCOPED("town_code"), scope);
	double ploss = sum_of(db, "SELECT coalesce(sum(natural_forest_ha),0) FROM applications WHERE status IN"
				  " ('submitted','checked') AND activity IN ('occupation','mining') AND verdict<>'prohibited'"
				  SCOPED("town_code"), scope);
	json_t *o = json_pack("{s:f,s:f,s:f,s:f,s:{s:I,s:f,s:f},s:f}", "target_ha", target, "natural_forest_ha",
			      tb_round4(natural), "difference_ha", tb_round4(natural - target), "approved_loss_ha",
			      tb_round4(lost), "pending", "count", (json_int_t)pcount, "natural_forest_ha", tb_round4(pha),
			      "possible_loss_ha", tb_round4(ploss), "after_pending_ha", tb_round4(natural - ploss));
	json_object_set_new(o, "percent_of_target", json_real(target > 0 ? tb_round4(natural / target * 100) : 0));
	json_object_set_new(o, "by_status", counts(db, "SELECT status, count(*) FROM applications WHERE 1" SCOPED("town_code")
						      " GROUP BY status", scope));
	json_object_set_new(o, "by_verdict", counts(db, "SELECT verdict, count(*) FROM applications WHERE 1" SCOPED("town_code")
						       " GROUP BY verdict", scope));
	json_object_set_new(o, "scoped", json_boolean(scope != NULL));
	return o;
}
