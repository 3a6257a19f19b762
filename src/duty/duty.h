/* duty.h — responsibility and ranger grid management (plan §3.1.2, §3.1.3,
 * §4): the leading group and the fifteen duties of §4.2, cascaded
 * management responsibility agreements (管护责任协议书), grids (网格),
 * rangers (护林员) with their grid history and training, patrols and the
 * incidents recorded on them; and the full-coverage check (全覆盖). */
#ifndef TB_DUTY_DUTY_H
#define TB_DUTY_DUTY_H

#include "db/resource.h"
#include "db/schema.h"
#include "db/write.h"
#include "registry/registry.h"

extern const tb_resource tb_org_members;   /* 领导小组 positions and member units (§4.1) */
extern const tb_resource tb_duties;        /* §4.2 duties, one row per unit and item     */
extern const tb_resource tb_agreements;    /* 管护责任协议书 (§3.1.2)                     */
extern const tb_resource tb_grids;         /* 网格 (§3.1.3)                              */
extern const tb_resource tb_rangers;       /* 护林员                                      */
extern const tb_resource tb_grid_rangers;  /* ranger ↔ grid assignments with history     */
extern const tb_resource tb_trainings;     /* 技能培训 records                            */
extern const tb_resource tb_patrols;       /* 巡护 records with measures and verdict      */
extern const tb_resource tb_incidents;     /* 巡护事件 recorded on patrols                */
extern const tb_resource *const tb_duty_resources[];
const tb_resource *tb_duty_resource(const char *name);

/* Tables, and the organisation of data/<district>/leading_group.csv and
 * duties.csv when the district ships them. */
extern const tb_module tb_duty_module;

/* The coverage check (tianbao duty check): every active natural parcel must
 * be covered by a valid agreement chain (signed, in force, reaching a
 * district-level agreement) and lie in exactly one grid that has at least
 * one active ranger.  Returns {ok, parcels_checked, gaps:[…], overlaps:[…],
 * no_agreement:[…], no_ranger:[…], expiring:[…], totals} with areas in ha.
 * today_iso: the date to judge validity and expiry (YYYY-MM-DD). */
json_t *tb_duty_check(tb_db *db, const char *today_iso, int expiring_days, tb_err *e);

/* ---- queries for other modules (docs/internals/layers.md) ------------------ */
/* grids, rangers and grid_rangers are private to duty/: other folders ask
 * these functions. */

/* The ranger record bound to a login (the first by fid) into code; false
 * (code "") when there is none. */
bool tb_duty_ranger_of_login(tb_db *db, const char *login, char code[64]);
/* A ranger by code; TB_ENOTFOUND (e not set) when there is none.  Texts
 * are "" when unset. */
typedef struct tb_ranger_info {
	char town[32], login[64], status[32];
} tb_ranger_info;
int tb_duty_ranger(tb_db *db, const char *code, tb_ranger_info *out, tb_err *e);
/* Called with a ranger's code; returns nonzero to stop (that value is
 * returned by the iterator). */
typedef int (*tb_ranger_fn)(void *ctx, const char *ranger);
/* The active rangers assigned to a grid on date (YYYY-MM-DD), by
 * assignment start, then code. */
int tb_duty_grid_rangers(tb_db *db, const char *grid, const char *date, tb_ranger_fn fn, void *ctx, tb_err *e);
/* The active rangers assigned to a grid of a town on date, by code, each
 * once. */
int tb_duty_town_rangers(tb_db *db, const char *town, const char *date, tb_ranger_fn fn, void *ctx, tb_err *e);
/* The grid holding a point (the first by code; R-tree prefilter): its code
 * and town, "" when no grid holds it. */
int tb_duty_grid_at(tb_db *db, const GEOSGeometry *pt, char code[64], char town[32], tb_err *e);
/* The grids of a town by code (those with a ranger assignment, past or
 * present, when assigned_only), as tb_area_row (code, name, town, geom). */
int tb_duty_grids(tb_db *db, const char *town, bool assigned_only, tb_area_fn fn, void *ctx, tb_err *e);

/* The duty records of the demo district (after tb_demo_load): a grid per
 * forest village, rangers, assignments, training, the agreement cascade. */
int tb_duty_demo(tb_db *db, const tb_actor *who, tb_err *e);

#endif
