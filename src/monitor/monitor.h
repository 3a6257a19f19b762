/* monitor.h — monitoring and early warning (plan §3.1.3, §3.3.3): the
 * monitoring station and points with their sample plots (sites.c), weather,
 * fire danger (FWI) and pest warnings (fire.c, fwi.c, pest.c), satellite
 * change detection (change.c), external alerts and the alert lifecycle with
 * notifications (alert.c, notify.c).  Each part describes its own resources; the
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

/* Internal to monitor/: the before_write of records written only by their
 * operations (alerts, notifications) — computed fields from the write
 * context's user data (a JSON object) over those of the stored row; a
 * direct edit (no such object) is TB_EINPUT naming the record. */
int tb_monitor_keep_computed(const tb_resource *r, tb_record *rec, void *ctx, tb_err *e);

#endif
