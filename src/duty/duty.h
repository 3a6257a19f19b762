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

/* The duty records of the demo district (after tb_demo_load): a grid per
 * forest village, rangers, assignments, training, the agreement cascade. */
int tb_duty_demo(tb_db *db, const tb_actor *who, tb_err *e);

#endif
