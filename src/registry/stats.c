/* stats.c — natural-forest area against the §2 target: total, by town,
 * unit, restoration class, age group and origin, inside and outside the key
 * zones (§3.1.1), and the ledger balance.  Areas are sums of the stored
 * ellipsoidal areas (4 decimals), so the numbers add up exactly. */
#include "registry/registry.h"
#include "db/gpkg.h"

#include "db/codes.h"
#include "db/event.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define NATURAL " FROM parcels WHERE natural=1 AND coalesce(status,'active')='active'"

static double r4(double v)
{
	double r = round(v * 10000) / 10000;
	return r == 0 ? 0 : r; /* no "-0.0000" */
}

/* Rows of (key, label, ha, count) for one grouping. */
static json_t *group(tb_db *db, const char *sql, const char *list, tb_err *e)
{
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, e)) return NULL;
	json_t *arr = json_array();
	while (tb_stmt_step(st) == TB_ROW) {
		const char *key = tb_col_text(st, 0);
		const char *label = tb_col_text(st, 1);
		if (list && key) label = tb_codes_label(db, list, key, "zh");
		json_array_append_new(arr, json_pack("{s:s?,s:s?,s:f,s:I}", "code", key, "name", label,
						     "ha", r4(tb_col_double(st, 2)), "parcels",
						     (json_int_t)tb_col_int64(st, 3)));
	}
	tb_stmt_finalize(st);
	return arr;
}

json_t *tb_registry_stats(tb_db *db, tb_err *e)
{
	double total = 0, key = 0, ledger = 0, all = 0;
	int64_t n = 0, nall = 0;
	int rc = tb_db_double(db, "SELECT coalesce(sum(area_ha),0)" NATURAL, &total, e);
	if (!rc) rc = tb_db_int64(db, "SELECT count(*)" NATURAL, &n, e);
	if (!rc) rc = tb_db_double(db, "SELECT coalesce(sum(key_zone_ha),0)" NATURAL, &key, e);
	if (!rc) rc = tb_db_double(db, "SELECT coalesce(sum(delta_ha),0) FROM area_ledger", &ledger, e);
	if (!rc) rc = tb_db_double(db, "SELECT coalesce(sum(area_ha),0) FROM parcels WHERE coalesce(status,'active')='active'", &all, e);
	if (!rc) rc = tb_db_int64(db, "SELECT count(*) FROM parcels WHERE coalesce(status,'active')='active'", &nall, e);
	if (rc) return NULL;
	double target = tb_setting_num(db, "target_ha", 0);
	json_t *o = json_object();
	json_object_set_new(o, "natural_forest_ha", json_real(r4(total)));
	json_object_set_new(o, "target_ha", json_real(target));
	json_object_set_new(o, "difference_ha", json_real(r4(total - target)));
	json_object_set_new(o, "percent_of_target", json_real(target > 0 ? round(total / target * 10000) / 100 : 0));
	json_object_set_new(o, "natural_parcels", json_integer(n));
	json_object_set_new(o, "all_parcels", json_integer(nall));
	json_object_set_new(o, "all_forest_ha", json_real(r4(all)));
	json_object_set_new(o, "ledger_ha", json_real(r4(ledger)));
	json_object_set_new(o, "ledger_consistent", json_boolean(fabs(ledger - total) < 0.001));
	json_object_set_new(o, "key_zone", json_pack("{s:f,s:f}", "inside_ha", r4(key), "outside_ha", r4(total - key)));
	json_object_set_new(o, "by_town", group(db,
		"SELECT p.xiang, d.name, sum(p.area_ha), count(*) FROM parcels p LEFT JOIN divisions d"
		" ON d.code=p.xiang WHERE p.natural=1 AND coalesce(p.status,'active')='active'"
		" GROUP BY p.xiang ORDER BY p.xiang", NULL, e));
	json_object_set_new(o, "by_unit", group(db,
		"SELECT p.unit_code, u.name, sum(p.area_ha), count(*) FROM parcels p LEFT JOIN units u"
		" ON u.code=p.unit_code WHERE p.natural=1 AND coalesce(p.status,'active')='active'"
		" GROUP BY p.unit_code ORDER BY sum(p.area_ha) DESC", NULL, e));
	json_object_set_new(o, "by_class", group(db,
		"SELECT restoration_class, NULL, sum(area_ha), count(*)" NATURAL
		" GROUP BY restoration_class ORDER BY restoration_class", "restoration_class", e));
	json_object_set_new(o, "by_age_group", group(db,
		"SELECT ling_zu, NULL, sum(area_ha), count(*)" NATURAL " GROUP BY ling_zu ORDER BY ling_zu",
		"ling_zu", e));
	json_object_set_new(o, "by_origin", group(db,
		"SELECT qi_yuan, NULL, sum(area_ha), count(*)" NATURAL " GROUP BY qi_yuan ORDER BY qi_yuan",
		"qi_yuan", e));
	char *name = tb_setting_get(db, "district_name", ""), *code = tb_setting_get(db, "district_code", "");
	json_object_set_new(o, "district", json_pack("{s:s,s:s}", "code", code, "name", name));
	free(name);
	free(code);
	return o;
}

int tb_registry_each_parcel(tb_db *db, bool natural_only, tb_parcel_fn fn, void *ctx, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db,
			       natural_only ? "SELECT code, xiang, area_ha, geom" NATURAL " ORDER BY fid"
					    : "SELECT code, xiang, area_ha, geom FROM parcels WHERE"
					      " coalesce(status,'active')='active' ORDER BY fid",
			       &st, e);
	if (rc) return rc;
	while (!rc && tb_stmt_step(st) == TB_ROW) {
		GEOSGeometry *g = tb_col_geom(st, 3);
		if (!g) continue;
		rc = fn(ctx, tb_col_text(st, 0), tb_col_text(st, 1),
			tb_col_double(st, 2), g);
		GEOSGeom_destroy_r(tb_geos(), g);
	}
	tb_stmt_finalize(st);
	return rc;
}

json_t *tb_registry_events(tb_db *db, const char *towns, int limit, tb_err *e)
{
	if (!towns) return tb_event_recent(db, limit, e);
	return tb_event_recent_towns(db, limit, towns,
				     "EXISTS (SELECT 1 FROM parcels x WHERE x.code=p.parcel"
				     " AND instr(',' || ?1 || ',', ',' || x.xiang || ',') > 0)",
				     e);
}
