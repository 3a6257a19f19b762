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
