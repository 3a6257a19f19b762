/* monitor.h — monitoring and early warning (plan §3.1.3, §3.3.3): the
 * monitoring station and points with their sample plots (sites.c), weather,
 * fire danger (FWI) and pest warnings (fire.c, fwi.c, pest.c), satellite
 * change detection (change.c), external alerts and the alert lifecycle with
 * notifications (alert.c).  Each part describes its own resources; the
 * module's migration steps create them in order. */
#ifndef TB_MONITOR_MONITOR_H
#define TB_MONITOR_MONITOR_H

#include "db/resource.h"
#include "db/schema.h"
#include "db/write.h"

/* NULL-terminated resource lists, one per part (app.c concatenates them). */
extern const tb_resource *const tb_site_resources[];  /* sites.c: station, points, plots, surveys */
extern const tb_resource *const tb_fire_resources[];  /* fire.c, pest.c: weather, danger, pests    */
extern const tb_resource *const tb_alert_resources[]; /* alert.c: alerts, notifications           */

/* Migration steps, one per part (module.c orders them). */
int tb_monitor_sites_v1(tb_db *db, tb_err *e);
int tb_monitor_fire_v1(tb_db *db, tb_err *e);
int tb_monitor_alerts_v1(tb_db *db, tb_err *e);

extern const tb_module tb_monitor_module;

#endif
