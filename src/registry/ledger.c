/* ledger.c — the natural-forest area ledger (天然林面积台账, §2): one row
 * per change of natural-forest area, with its cause and the event that
 * caused it.  Its balance must equal the area of the active natural parcels;
 * tb_registry_stats reports both so a difference is visible. */
#include "registry/registry.h"

#include <stdio.h>

int tb_ledger_add(tb_db *db, int64_t seq, const char *kind, const char *parcel_code,
		  double delta_ha, const char *cause, tb_err *e)
{
	static const char *sql = "INSERT INTO area_ledger(event_seq,kind,parcel_code,delta_ha,cause,town_code,"
		"created_at,updated_at) VALUES(?,?,?,?,?,(SELECT xiang FROM parcels WHERE code=?),"
		"strftime('%Y-%m-%dT%H:%M:%fZ','now'),strftime('%Y-%m-%dT%H:%M:%fZ','now'))";
	tb_stmt *st = tb_db_stmt(db, sql, e);
	if (!st) return TB_EDB;
	tb_bind_int64(st, 1, seq);
	tb_bind_text(st, 2, kind);
	tb_bind_text(st, 3, parcel_code);
	tb_bind_double(st, 4, delta_ha);
	tb_bind_text(st, 5, cause);
	tb_bind_text(st, 6, parcel_code);
	int rc = tb_stmt_step(st) == TB_DONE ? 0 : tb_db_error(db, e, "area ledger");
	tb_stmt_reset(st);
	return rc;
}

#define IN_TOWNS "(?1 IS NULL OR instr(',' || ?1 || ',', ',' || coalesce(town_code,'') || ',') > 0)"

json_t *tb_registry_ledger_span(tb_db *db, const char *towns, int64_t after_seq, int64_t upto_seq, tb_err *e)
{
	tb_stmt *st;
	double before = 0;
	int64_t base = 0, first = 0;
	if (tb_db_prepare(db,
			  "SELECT coalesce(sum(CASE WHEN event_seq<=?2 OR kind='baseline' THEN delta_ha END),0),"
			  " coalesce(min(CASE WHEN kind='baseline' THEN event_seq END),0), coalesce(min(event_seq),0)"
			  " FROM area_ledger WHERE " IN_TOWNS,
			  &st, e))
		return NULL;
	tb_bind_text(st, 1, towns);
	tb_bind_int64(st, 2, after_seq);
	if (tb_stmt_step(st) == TB_ROW) before = tb_col_double(st, 0), base = tb_col_int64(st, 1), first = tb_col_int64(st, 2);
	tb_stmt_finalize(st);
	if (tb_db_prepare(db,
			  "SELECT event_seq, kind, parcel_code, delta_ha, cause, town_code FROM area_ledger WHERE " IN_TOWNS
			  " AND event_seq>?2 AND event_seq<=?3 AND kind<>'baseline' ORDER BY event_seq, fid",
			  &st, e))
		return NULL;
	tb_bind_text(st, 1, towns);
	tb_bind_int64(st, 2, after_seq);
	tb_bind_int64(st, 3, upto_seq);
	json_t *entries = json_array(), *by_kind = json_object();
	double change = 0;
	while (tb_stmt_step(st) == TB_ROW) {
		const char *kind = tb_col_text(st, 1) ? tb_col_text(st, 1) : "";
		double d = tb_col_double(st, 3);
		json_t *x = json_pack("{s:I,s:s,s:f}", "event_seq", (json_int_t)tb_col_int64(st, 0), "kind", kind, "delta_ha", d);
		static const char *const k[] = {"parcel_code", "cause", "town_code"};
		static const int col[] = {2, 4, 5};
		for (int i = 0; i < 3; i++) {
			const char *v = tb_col_text(st, col[i]);
			json_object_set_new(x, k[i], v ? json_string(v) : json_null());
		}
		json_array_append_new(entries, x);
		json_object_set_new(by_kind, kind, json_real(json_real_value(json_object_get(by_kind, kind)) + d));
		change += d;
	}
	tb_stmt_finalize(st);
	return json_pack("{s:f,s:I,s:I,s:o,s:o,s:f,s:f}", "balance_before_ha", before, "baseline_seq", (json_int_t)base,
			 "first_seq", (json_int_t)first,
			 "entries", entries, "by_kind", by_kind, "change_ha", change, "balance_after_ha", before + change);
}
