/* registry.h — the district natural-forest database (§3.3.3 建立全区天然林数据库):
 * divisions (区/乡镇/村), units (林业局, member departments, 有林单位, village
 * collectives), parcels (小班), key protection zones (重点区域, §3.1.1) and the
 * area ledger that keeps the 5565.1 ha target of §2 honest.
 *
 * Everyone needs parcels, so other feature folders may use this header
 * (DESIGN.md §3); they do not reach into these tables directly. */
#ifndef TB_REGISTRY_REGISTRY_H
#define TB_REGISTRY_REGISTRY_H

#include "db/resource.h"
#include "db/schema.h"
#include "db/write.h"

extern const tb_resource tb_divisions;
extern const tb_resource tb_units;
extern const tb_resource tb_parcels;
extern const tb_resource tb_zones;
extern const tb_resource tb_area_ledger;
/* All registry resources, NULL-terminated (for routes, OGC, schema). */
extern const tb_resource *const tb_registry_resources[];
/* Look a registry resource up by name ("parcels"); NULL if none. */
const tb_resource *tb_registry_resource(const char *name);

/* The registry's schema module (tables + GeoPackage registration). */
extern const tb_module tb_registry_module;

/* Create a new database with the core and registry schemas and load the
 * district configuration from data/ (district.json: name, code, target,
 * outline, divisions, units).  One event per step. */
int tb_registry_init(const char *path, const char *actor, tb_db **out, tb_err *e);
/* Open an existing database and bring its schema up to date. */
int tb_registry_open(const char *path, bool readonly, tb_db **out, tb_err *e);

/* ---- checks used by the hooks and by imports ------------------------------ */
/* Geometry context of a write session: the district outline and the key
 * zones, loaded once.  Free with tb_registry_ctx_free. */
typedef struct tb_registry_ctx tb_registry_ctx;
tb_registry_ctx *tb_registry_ctx_new(tb_db *db, tb_err *e);
void tb_registry_ctx_free(tb_registry_ctx *cx);

/* ---- statistics (§2 targets) --------------------------------------------- */
/* Natural-forest area against the target, total and by town, unit,
 * restoration class, age group, origin, inside/outside key zones, plus the
 * ledger balance.  New reference. */
json_t *tb_registry_stats(tb_db *db, tb_err *e);

/* Recompute key_zone_ha of every parcel from the current zones, inside the
 * caller's transaction.  *changed (may be NULL) gets the number of parcels
 * whose value changed. */
int tb_registry_recompute_zones(tb_db *db, int64_t *changed, tb_err *e);

/* ---- import (registry/import.c) ------------------------------------------ */
/* Import a GIS file into r as one operation: the registry's checks (o->user
 * is set to a registry context), the records, and for key zones the
 * parcels' key-zone areas recomputed — all in the import's transaction and
 * its one event ("key_zone_parcels": how many parcels changed).  r is any
 * importable resource (tb_app_import_resource); o is borrowed, rep and
 * errs as tb_import. */
struct tb_import_opts;
struct tb_import_report;
int tb_registry_import(tb_db *db, const tb_resource *r, struct tb_import_opts *o,
		       struct tb_import_report *rep, tb_errlist *errs, tb_err *e);

/* Call fn for every active parcel (natural ones only when natural_only),
 * in fid order, with its code, town, area and geometry (borrowed for the
 * call).  fn returns nonzero to stop; that value is returned. */
typedef int (*tb_parcel_fn)(void *ctx, const char *code, const char *town, double area_ha,
			    const GEOSGeometry *g);
int tb_registry_each_parcel(tb_db *db, bool natural_only, tb_parcel_fn fn, void *ctx, tb_err *e);

/* ---- queries for other modules (docs/internals/layers.md) ------------------ */
/* The registry's tables are private to it: other folders read parcels,
 * divisions and zones through these functions. */

/* One parcel by its code (any status); TB_ENOTFOUND (e not set) when none. */
typedef struct tb_parcel_info {
	char town[32];  /* 乡镇 xiang; "" when unset                       */
	bool natural;   /* origin in the 10-series                         */
	bool active;    /* status active (or unset), not lost or retired   */
	double area_ha;
} tb_parcel_info;
int tb_registry_parcel(tb_db *db, const char *code, tb_parcel_info *out, tb_err *e);

/* A parcel row of the iterators below.  The texts live for the call; geom
 * (decoded, EPSG:4490) is the iterator's, unless fn keeps it by setting
 * p->geom to NULL (then fn frees it).  Rows without a geometry are skipped. */
typedef struct tb_parcel_row {
	int64_t fid;
	const char *code, *town, *village; /* 小班编号, xiang, cun             */
	bool natural;
	double area_ha;
	const char *gjgyl_bhdj, *bh_dj;    /* protection grades, may be NULL */
	GEOSGeometry *geom;
} tb_parcel_row;
/* fn returns nonzero to stop; that value is returned. */
typedef int (*tb_parcel_row_fn)(void *ctx, tb_parcel_row *p);
/* The parcels whose R-tree box meets box (minx, miny, maxx, maxy), by
 * code; only active ones when active_only.  A cached statement: fn must not
 * call this function again. */
int tb_registry_parcels_in_box(tb_db *db, const double box[4], bool active_only, tb_parcel_row_fn fn, void *ctx,
			       tb_err *e);
/* The parcels of a town and/or a village (NULL: any), in fid order, or
 * largest first (then by code) with TB_PARCELS_LARGEST; limit 0 = all. */
enum { TB_PARCELS_ACTIVE = 1, TB_PARCELS_NATURAL = 2, TB_PARCELS_LARGEST = 4 };
int tb_registry_parcels_of(tb_db *db, const char *town, const char *village, int flags, int limit,
			   tb_parcel_row_fn fn, void *ctx, tb_err *e);

/* A polygon record of a layer (a division, a key zone; duty's grids too):
 * code, name, the town it belongs to (a town division: itself; NULL when
 * the layer has none), and geom as in tb_parcel_row. */
typedef struct tb_area_row {
	const char *code, *name, *town;
	GEOSGeometry *geom;
} tb_area_row;
typedef int (*tb_area_fn)(void *ctx, tb_area_row *a);
/* A division by its code; TB_ENOTFOUND (e not set) when none.  Texts are
 * "" when unset. */
typedef struct tb_division_info {
	char name[128], level[16], parent[32];
} tb_division_info;
int tb_registry_division(tb_db *db, const char *code, tb_division_info *out, tb_err *e);
/* The divisions of a level ("town", "village") by code: all of them (geom
 * NULL for a division without outline), or (box not NULL) those whose
 * R-tree box meets box. */
int tb_registry_divisions(tb_db *db, const char *level, const double box[4], tb_area_fn fn, void *ctx,
			  tb_err *e);
/* The key zones whose R-tree box meets box, in R-tree order.  A cached
 * statement: fn must not call this function again. */
int tb_registry_zones_in_box(tb_db *db, const double box[4], tb_area_fn fn, void *ctx, tb_err *e);

/* The district outline (level 'district'): *out a new geometry, NULL when
 * the database has none. */
int tb_registry_district_outline(tb_db *db, GEOSGeometry **out, tb_err *e);
/* Hectares of active natural forest, of the towns (comma-separated codes)
 * or of the district (towns NULL); 0 when it cannot be read. */
double tb_registry_natural_ha(tb_db *db, const char *towns);
/* The box (minx, miny, maxx, maxy) of the towns' parcels, or (towns NULL)
 * of the divisions layer; false when there is none. */
bool tb_registry_extent(tb_db *db, const char *towns, double b[4]);

/* The newest events a jurisdiction may see: those that concern its towns
 * (comma-separated codes) alone — every parcel they touch lies in one of
 * them, and so does their record's town (tb_event_town); an event of no
 * parcel and no town (users, tokens, attachments, configuration) is the
 * district's.  towns NULL = every event. */
json_t *tb_registry_events(tb_db *db, const char *towns, int limit, tb_err *e);

/* ---- area ledger ----------------------------------------------------------- */
/* The ledger of towns (comma-separated; NULL = the district) over the
 * events after_seq < seq <= upto_seq: {balance_before_ha (every row up to
 * after_seq, and every baseline row: the district's starting stock however
 * late it was recorded), baseline_seq (the first baseline row's event, 0
 * when none), first_seq (the first row's event, 0 when none), entries [{event_seq, kind, parcel_code, delta_ha, cause,
 * town_code}] (baselines excluded), by_kind {kind: ha}, change_ha,
 * balance_after_ha}.  New reference, NULL on error. */
json_t *tb_registry_ledger_span(tb_db *db, const char *towns, int64_t after_seq, int64_t upto_seq, tb_err *e);
/* Record a change of natural-forest area caused by event `seq`. */
int tb_ledger_add(tb_db *db, int64_t seq, const char *kind, const char *parcel_code,
		  double delta_ha, const char *cause, tb_err *e);

/* ---- loss of natural forest (§2) ------------------------------------------- */
/* Cut `area` (a Polygon or MultiPolygon, EPSG:4490) out of every active
 * natural parcel it overlaps by more than a sliver (1 m²), inside the
 * caller's transaction and as part of the caller's event (cx->seq); a
 * parcel covered entirely gets status "lost".  The parcel codes are added
 * to cx->parcels; the parcel hook writes one ledger row per parcel (kind
 * "change" or "loss", the event cx->seq, `cause`).  ledger_out (optional)
 * gets {parcel, delta_ha} per parcel (delta < 0); *total_ha the hectares
 * removed (0 when the area touches no natural parcel).  Not a polygon:
 * TB_EINPUT on "geometry". */
int tb_registry_remove_natural(tb_db *db, tb_write_ctx *cx, const GEOSGeometry *area, const char *cause,
			       json_t *ledger_out, double *total_ha, tb_err *e);

#endif
