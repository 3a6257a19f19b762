/* change_out.c — the change-detection result as JSON and its recording as
 * alerts (§3.1.3: each loss patch goes into the alert loop for field
 * verification by the grid's ranger). */
#include "monitor/alert.h"
#include "monitor/change.h"

#include "geo/geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double r4(double v)
{
	return round(v * 1e4) / 1e4;
}

json_t *tb_change_result_json(const tb_change_result *r, const tb_change_opts *o, bool geometry)
{
	json_t *ps = json_array();
	double total = 0;
	for (size_t i = 0; i < r->n; i++) {
		const tb_change_patch *p = &r->patches[i];
		total += p->area_ha;
		json_t *codes = json_array();
		for (size_t k = 0; k < p->nparcels; k++) json_array_append_new(codes, json_string(p->parcels[k]));
		json_t *j = json_pack("{s:I, s:f, s:o, s:f, s:I, s:f, s:f, s:[f,f], s:{s:i,s:i,s:i,s:i}}", "id",
				      (json_int_t)(i + 1), "area_ha", r4(p->area_ha), "parcels", codes, "confidence",
				      round(p->confidence * 1000) / 1000, "pixels", (json_int_t)p->pixels, "mean_dndvi",
				      r4(p->mean_dndvi), "min_dndvi", r4(p->min_dndvi), "point", round(p->lon * 1e7) / 1e7,
				      round(p->lat * 1e7) / 1e7, "pixel_bbox", "col0", p->col0, "row0", p->row0, "col1",
				      p->col1, "row1", p->row1);
		if (!isnan(p->mean_dnbr)) json_object_set_new(j, "mean_dnbr", json_real(r4(p->mean_dnbr)));
		if (p->alert_id) {
			json_object_set_new(j, "alert_id", json_integer(p->alert_id));
			json_object_set_new(j, "merged", json_boolean(p->merged));
		}
		if (geometry && p->geom) {
			json_t *g = tb_geojson_from_geom(p->geom);
			if (json_is_null(g)) json_decref(g);
			else json_object_set_new(j, "geometry", g);
		}
		json_array_append_new(ps, j);
	}
	json_t *s = json_pack("{s:i, s:i, s:s, s:b, s:f, s:I, s:I, s:I, s:I, s:I, s:f}", "width", r->width,
			      "height", r->height, "crs", r->crs, "warped", r->warped, "pixel_ha",
			      round(r->pixel_ha * 1e6) / 1e6, "forest_pixels", (json_int_t)r->forest_px,
			      "masked_pixels", (json_int_t)r->masked_px, "loss_pixels", (json_int_t)r->loss_px,
			      "dropped_below_mmu", (json_int_t)r->dropped_mmu, "dropped_pixels",
			      (json_int_t)r->dropped_px, "loss_ha", r4(total));
	json_object_set_new(s, "acquired", r->acquired[0] ? json_string(r->acquired) : json_null());
	json_t *opts = json_pack("{s:i, s:i, s:i, s:f, s:s, s:f, s:i, s:b}", "red", o->red, "nir", o->nir, "swir",
				 o->swir, "ndvi_threshold", o->ndvi_threshold, "combine", o->combine_or ? "or" : "and",
				 "mmu_ha", o->mmu_ha, "connectivity", 8, "forest_mask", !o->no_forest_mask);
	if (o->swir) json_object_set_new(opts, "nbr_threshold", json_real(o->nbr_threshold));
	return json_pack("{s:o, s:o, s:o}", "patches", ps, "summary", s, "options", opts);
}

int tb_change_record(tb_db *db, const tb_actor *who, tb_change_result *r, const char *scene,
		     const char *observed_at, size_t *done, tb_err *e)
{
	*done = 0;
	for (size_t i = 0; i < r->n; i++) {
		tb_change_patch *p = &r->patches[i];
		char note[512];
		int n = snprintf(note, sizeof note, "卫星遥感变化图斑 satellite change patch: %.4f ha, mean ΔNDVI %.3f",
				 p->area_ha, p->mean_dndvi);
		for (size_t k = 0; k < p->nparcels && n > 0 && (size_t)n < sizeof note - 40; k++)
			n += snprintf(note + n, sizeof note - (size_t)n, "%s%s", k ? ", " : "; 小班 parcels ", p->parcels[k]);
		char xid[200];
		snprintf(xid, sizeof xid, "%.100s@%.32s#r%dc%d", scene ? scene : "scene", observed_at, p->row0, p->col0);
		tb_alert_in in = {.external_id = xid,
				  .source = "satellite",
				  .type = "forest_loss",
				  .observed_at = observed_at,
				  .geom = p->geom,
				  .confidence = p->confidence,
				  .note = note};
		int rc = tb_alert_raise(db, who, &in, &p->alert_id, &p->merged, e);
		if (rc) {
			char rec[128];
			snprintf(rec, sizeof rec, "patch %zu (%.4f ha)", i + 1, p->area_ha);
			if (!e->record[0]) snprintf(e->record, sizeof e->record, "%s", rec);
			return rc;
		}
		(*done)++;
	}
	return 0;
}
