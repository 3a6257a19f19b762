/* demo.c — the duty side of the Jizhou demo: one grid (网格) per village
 * that has forest (the village's schematic outline, minus other villages'
 * parcels, plus its own, so every parcel lies in exactly one grid), one or
 * two rangers per grid with their assignment and a training record, and the
 * cascade of management responsibility agreements district → town →
 * village → ranger listing the parcels.  Names are synthetic. */
#include "duty/duty.h"

#include "base/num.h"
#include "db/event.h"
#include "db/gpkg.h"
#include "registry/registry.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct village {
	char code[16], town[16], name[128];
	GEOSGeometry *outline, *parcels;
	json_t *codes;
	double ha;
} village;

static GEOSGeometry *union_of(GEOSGeometry **parts, size_t n)
{
	GEOSGeometry *coll = GEOSGeom_createCollection_r(tb_geos(), GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
	GEOSGeometry *u = GEOSUnaryUnion_r(tb_geos(), coll);
	GEOSGeom_destroy_r(tb_geos(), coll);
	return u;
}

typedef struct villages {
	tb_db *db;
	village *v;
	int n;
	GEOSGeometry **every, **mine; /* parcels of all villages, of the current one */
	size_t nevery, nmine;
	const tb_area_row *d;         /* the village being read                     */
	tb_err *e;
} villages;

/* One active parcel of the current village (the village starts with its
 * first parcel). */
static int village_parcel(void *ctx, tb_parcel_row *p)
{
	villages *vs = ctx;
	village *v = vs->n ? &vs->v[vs->n - 1] : NULL;
	if (!v || strcmp(v->code, vs->d->code)) {
		village *grown = realloc(vs->v, (size_t)(vs->n + 1) * sizeof *vs->v);
		if (!grown) return tb_err_set(vs->e, TB_ENOMEM, "villages", NULL, "out of memory");
		vs->v = grown;
		v = &vs->v[vs->n++];
		memset(v, 0, sizeof *v);
		snprintf(v->code, sizeof v->code, "%s", vs->d->code);
		snprintf(v->town, sizeof v->town, "%s", p->town);
		snprintf(v->name, sizeof v->name, "%s", vs->d->name);
		v->outline = vs->d->geom ? GEOSGeom_clone_r(tb_geos(), vs->d->geom) : NULL;
		v->codes = json_array();
	}
	GEOSGeometry **every = realloc(vs->every, (vs->nevery + 1) * sizeof *vs->every);
	if (every) vs->every = every;
	GEOSGeometry **mine = every ? realloc(vs->mine, (vs->nmine + 1) * sizeof *vs->mine) : NULL;
	if (!mine) return tb_err_set(vs->e, TB_ENOMEM, "villages", NULL, "out of memory");
	vs->mine = mine;
	vs->every[vs->nevery++] = GEOSGeom_clone_r(tb_geos(), p->geom);
	vs->mine[vs->nmine++] = p->geom;
	p->geom = NULL;
	if (p->natural) {
		json_array_append_new(v->codes, json_string(p->code));
		v->ha += p->area_ha;
	}
	return 0;
}

static int village_of(void *ctx, tb_area_row *d)
{
	villages *vs = ctx;
	vs->d = d;
	vs->nmine = 0;
	int rc = tb_registry_parcels_of(vs->db, NULL, d->code, TB_PARCELS_ACTIVE, 0, village_parcel, vs, vs->e);
	if (vs->nmine) vs->v[vs->n - 1].parcels = union_of(vs->mine, vs->nmine);
	return rc;
}

/* Villages with natural parcels, their outline, parcels and codes. */
static int load_villages(tb_db *db, village **out, int *n, GEOSGeometry **all, tb_err *e)
{
	villages vs = {.db = db, .e = e};
	int rc = tb_registry_divisions(db, "village", NULL, village_of, &vs, e);
	*out = vs.v;
	*n = vs.n;
	*all = vs.nevery ? union_of(vs.every, vs.nevery) : NULL;
	free(vs.every);
	free(vs.mine);
	return rc;
}

static int insert(tb_writer *w, json_t *props, GEOSGeometry *g, const char *name, tb_err *e)
{
	tb_record rec = {.props = props, .geom = g, .name = name};
	int rc = tb_writer_insert(w, &rec, NULL, e);
	if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
	json_decref(props);
	return rc;
}

typedef struct writers {
	tb_writer *grid, *ranger, *assign, *train, *agree;
} writers;

static int village_rows(writers *w, village *v, const GEOSGeometry *all, json_t *towns, tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	GEOSGeometry *rest = v->outline && all ? GEOSDifference_r(h, v->outline, all) : NULL;
	GEOSGeometry *grid = rest ? GEOSUnion_r(h, rest, v->parcels) : GEOSGeom_clone_r(h, v->parcels);
	if (rest) GEOSGeom_destroy_r(h, rest);
	char code[64], name[192], ranger[64], agree[64], parent[64];
	snprintf(code, sizeof code, "G-%s", v->code);
	char zone[192];
	snprintf(name, sizeof name, "%s网格", v->name);
	snprintf(zone, sizeof zone, "%s管护责任区", v->name);
	int rc = insert(w->grid, json_pack("{s:s,s:s,s:s,s:s}", "code", code, "name", name, "town_code", v->town,
					   "zone", zone), grid, code, e);
	int nr = v->ha > 80 ? 2 : 1;
	for (int k = 1; !rc && k <= nr; k++) {
		snprintf(ranger, sizeof ranger, "R-%s-%d", v->code + 6, k);
		char rname[96];
		snprintf(rname, sizeof rname, "护林员%s-%d", v->code + 6, k);
		rc = insert(w->ranger, json_pack("{s:s,s:s,s:s,s:s}", "code", ranger, "name", rname, "town_code", v->town,
						 "status", "active"), NULL, ranger, e);
		if (!rc) rc = insert(w->assign, json_pack("{s:s,s:s,s:s,s:s}", "grid_code", code, "ranger_code", ranger,
							  "town_code", v->town, "start_date", "2021-01-01"), NULL, ranger, e);
		if (!rc) rc = insert(w->train, json_pack("{s:s,s:s,s:s,s:s,s:f,s:s}", "ranger_code", ranger, "town_code",
							 v->town, "date", "2025-03-15", "topic", "天然林管护与森林防火技能培训",
							 "hours", 16.0, "certificate", "JZ-2025-PX"), NULL, ranger, e);
	}
	snprintf(parent, sizeof parent, "A-T-%s", v->code);
	snprintf(agree, sizeof agree, "A-D-%s", v->town);
	if (!rc && !json_object_get(towns, v->town)) {
		char party[32];
		snprintf(party, sizeof party, "T-%s", v->town);
		rc = insert(w->agree, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "code", agree, "level", "district_town",
						"party_a", "D-LYJ", "party_b", party, "town_code", v->town, "start_date",
						"2021-01-01", "end_date", "2030-12-31", "status", "signed"), NULL, agree, e);
		json_object_set_new(towns, v->town, json_true());
	}
	if (!rc) {
		char a[32], b[32];
		snprintf(a, sizeof a, "T-%s", v->town);
		snprintf(b, sizeof b, "V-%s", v->code);
		rc = insert(w->agree, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "code", parent, "level",
						"town_village", "parent_code", agree, "party_a", a, "party_b", b,
						"town_code", v->town, "start_date", "2021-01-01", "end_date", "2028-12-31",
						"status", "signed"), NULL, parent, e);
	}
	if (!rc) {
		char b[32], end[16]; /* terms end in 2026…2029, so some are expiring */
		long k = 0;
		if (strlen(v->code) > 9 && !tb_num_long(v->code + 9, 0, LONG_MAX, &k)) k = 0;
		snprintf(end, sizeof end, "%d-12-31", 2026 + (int)(k % 4));
		snprintf(agree, sizeof agree, "A-V-%s", v->code);
		snprintf(b, sizeof b, "V-%s", v->code);
		snprintf(ranger, sizeof ranger, "R-%s-1", v->code + 6);
		rc = insert(w->agree, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "code", agree, "level",
						"village_ranger", "parent_code", parent, "party_a", b, "party_b", ranger,
						"town_code", v->town, "start_date", "2024-01-01", "end_date", end,
						"status", "signed", "parcels", v->codes), NULL, agree, e);
	}
	return rc;
}

int tb_duty_demo(tb_db *db, const tb_actor *who, tb_err *e)
{
	village *vs = NULL;
	int n = 0;
	GEOSGeometry *all = NULL;
	tb_write_ctx cx = {.actor = who, .cause = "Jizhou demo: grids, rangers and agreements (synthetic)"};
	writers w = {0};
	json_t *towns = json_object();
	int rc = tb_db_begin(db, e);
	if (!rc) rc = tb_event_next_seq(db, &cx.seq, e);
	if (!rc) rc = load_villages(db, &vs, &n, &all, e);
	if (!rc) {
		w.grid = tb_writer_new(db, &tb_grids, &cx, e);
		w.ranger = tb_writer_new(db, &tb_rangers, &cx, e);
		w.assign = tb_writer_new(db, &tb_grid_rangers, &cx, e);
		w.train = tb_writer_new(db, &tb_trainings, &cx, e);
		w.agree = tb_writer_new(db, &tb_agreements, &cx, e);
		if (!w.grid || !w.ranger || !w.assign || !w.train || !w.agree) rc = TB_EDB;
	}
	for (int i = 0; !rc && i < n; i++) rc = village_rows(&w, &vs[i], all, towns, e);
	if (!rc) rc = tb_gpkg_touch(db, "grids", "geom", e);
	if (!rc) {
		json_t *p = json_pack("{s:i,s:s}", "grids", n, "cause", cx.cause);
		tb_event_in ev = {.actor = who->login, .role = who->role, .action = "duty.demo", .entity = "grids",
				  .payload = p};
		rc = tb_event_append(db, &ev, NULL, e);
		json_decref(p);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
	tb_writer_free(w.grid), tb_writer_free(w.ranger), tb_writer_free(w.assign);
	tb_writer_free(w.train), tb_writer_free(w.agree);
	for (int i = 0; i < n; i++) {
		if (vs[i].outline) GEOSGeom_destroy_r(tb_geos(), vs[i].outline);
		if (vs[i].parcels) GEOSGeom_destroy_r(tb_geos(), vs[i].parcels);
		json_decref(vs[i].codes);
	}
	free(vs);
	if (all) GEOSGeom_destroy_r(tb_geos(), all);
	json_decref(towns);
	return rc;
}
