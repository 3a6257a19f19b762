/* audit.c — the departure audit (离任审计, §3.5 and duty (8) of §4.2): for
 * a person leaving a post, the natural-forest balance of the tenure within
 * the post's jurisdiction (a town, or the district), with every cause from
 * the registry's area ledger, and the cases of the tenure.  What the system
 * does not record yet (inspections, quality scores, tasks and assessment,
 * funds) is named as such in the answer, never shown as zero. */
#include "cases/internal.h"

#include "base/json.h"
#include "base/tbtime.h"
#include "db/event.h"
#include "registry/registry.h"

#include <stdio.h>
#include <string.h>

/* The day after YYYY-MM-DD, as YYYY-MM-DDT00:00:00Z. */
static void day_after(const char *day, char out[32])
{
	int y;
	unsigned m, d;
	if (sscanf(day, "%d-%u-%u", &y, &m, &d) != 3) {
		snprintf(out, 32, "%.10sT23:59:59Z", day);
		return;
	}
	tb_time_format_iso((tb_days_from_civil(y, m, d) + 1) * 86400000, out);
}

/* The cases of the towns (NULL = all) over [from, to): opened, closed,
 * still open at the end, overdue at the end, hectares damaged. */
static json_t *tenure_cases(tb_db *db, const char *towns, const char *from, const char *to, const char *end_day,
			    tb_err *e)
{
	tb_stmt *st;
	if (tb_db_prepare(db,
			  "SELECT code, type, title, status, coalesce(damaged_ha,0), opened_at, closed_at, deadline FROM cases"
			  " WHERE (?1 IS NULL OR instr(','||?1||',', ','||coalesce(town_code,'')||',')>0)"
			  " AND opened_at<?3 AND (closed_at IS NULL OR closed_at>=?2) ORDER BY opened_at",
			  &st, e))
		return NULL;
	tb_bind_text(st, 1, towns);
	tb_bind_text(st, 2, from);
	tb_bind_text(st, 3, to);
	json_t *items = json_array();
	json_int_t opened = 0, closed = 0, open_end = 0, overdue = 0;
	double dmg = 0;
	while (tb_stmt_step(st) == TB_ROW) {
		const char *oa = tb_col_text(st, 5), *ca = tb_col_text(st, 6), *dl = tb_col_text(st, 7);
		bool in_opened = oa && strcmp(oa, from) >= 0;
		bool in_closed = ca && strcmp(ca, to) < 0;
		bool still_open = !in_closed;
		bool late = still_open && dl && strcmp(dl, end_day) < 0;
		opened += in_opened, closed += in_closed, open_end += still_open, overdue += late;
		if (in_opened) dmg += tb_col_double(st, 4);
		json_t *x = json_pack("{s:s,s:s,s:s,s:s,s:f,s:b,s:b,s:b}", "code", tb_col_text(st, 0), "type",
				      tb_col_text(st, 1), "title", tb_col_text(st, 2), "status", tb_col_text(st, 3),
				      "damaged_ha", tb_col_double(st, 4), "opened_in_tenure", in_opened, "closed_in_tenure",
				      in_closed, "overdue_at_end", late);
		json_array_append_new(items, x);
	}
	tb_stmt_finalize(st);
	return json_pack("{s:I,s:I,s:I,s:I,s:f,s:o}", "opened", opened, "closed", closed, "open_at_end", open_end,
			 "overdue_at_end", overdue, "damaged_ha_opened", dmg, "items", items);
}

int tb_departure_audit(tb_db *db, const char *position, const char *person, const char *today, json_t **out,
		       tb_err *e)
{
	*out = NULL;
	if (!position || !*position) return tb_err_set(e, TB_EINPUT, "departure audit", "position", "which position?");
	if (!person || !*person) return tb_err_set(e, TB_EINPUT, "departure audit", "person", "which person?");
	/* the person's latest tenure of the post */
	json_t *ts = tb_official_tenures(db, position, person, NULL, e);
	if (!ts) return e->code ? e->code : TB_EINTERNAL;
	size_t n = json_array_size(ts);
	if (!n) {
		json_decref(ts);
		return tb_err_set(e, TB_ENOTFOUND, position, "person", "%s never held the position %s", person, position);
	}
	json_t *t = json_incref(json_array_get(ts, n - 1));
	json_decref(ts);
	const char *start = tb_json_str(t, "start_date"), *end_date = tb_json_str(t, "end_date");
	char end[11];
	snprintf(end, sizeof end, "%s", end_date ? end_date : today);
	if (strcmp(end, start) < 0) snprintf(end, sizeof end, "%s", start);
	const char *towns = tb_json_str(t, "town_code");
	char from[32], to[32];
	snprintf(from, sizeof from, "%sT00:00:00Z", start);
	day_after(end, to);
	int64_t seq_a = 0, seq_b = 0;
	int rc = tb_event_seq_before(db, from, &seq_a, e);
	if (!rc) rc = tb_event_seq_before(db, to, &seq_b, e);
	json_t *ledger = rc ? NULL : tb_registry_ledger_span(db, towns, seq_a, seq_b, e);
	json_t *cases = ledger ? tenure_cases(db, towns, from, to, end, e) : NULL;
	if (!cases) {
		json_decref(ledger);
		json_decref(t);
		return e->code ? e->code : TB_EINTERNAL;
	}
	int64_t base = json_integer_value(json_object_get(ledger, "baseline_seq"));
	int64_t first = json_integer_value(json_object_get(ledger, "first_seq"));
	json_t *forest = json_pack(
		"{s:f,s:f,s:f,s:O,s:O,s:f,s:b,s:b}", "start_ha", json_real_value(json_object_get(ledger, "balance_before_ha")),
		"end_ha", json_real_value(json_object_get(ledger, "balance_after_ha")), "change_ha",
		json_real_value(json_object_get(ledger, "change_ha")), "by_kind", json_object_get(ledger, "by_kind"),
		"causes", json_object_get(ledger, "entries"), "now_ha", tb_registry_natural_ha(db, towns),
		"baseline_recorded_after_start", base > seq_a, "records_begin_after_start", first > seq_a);
	json_decref(ledger);
	*out = json_pack("{s:s,s:{s:s,s:s,s:s,s:O,s:O},s:{s:s,s:s},s:{s:s,s:s,s:b},s:s,s:o,s:o,s:[ssss]}", "clause",
			 "3.5", "position", "code", position, "title_zh", tb_json_str(t, "title_zh"), "kind",
			 tb_json_str(t, "kind"), "town_code", json_object_get(t, "town_code"), "unit_code",
			 json_object_get(t, "unit_code"), "person", "code", person, "name", tb_json_str(t, "person_name"),
			 "tenure", "start_date", start, "end_date", end, "in_post", !end_date, "jurisdiction",
			 towns ? towns : "district", "natural_forest", forest, "cases", cases, "not_recorded",
			 "inspections (督查)", "forest quality scores", "tasks and assessment", "funds received and spent");
	json_decref(t);
	return *out ? 0 : tb_err_set(e, TB_ENOMEM, "departure audit", NULL, "out of memory");
}
