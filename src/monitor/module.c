/* module.c — the monitoring module's schema: one step per part, in order
 * (see monitor.h), and the one record hook the parts share.  A later change
 * to a part appends a step here. */
#include "monitor/monitor.h"

static const tb_migration monitor_steps[] = {
	{1, "monitor: station, points, sample plots and plot surveys (§3.3.3)", tb_monitor_sites_v1},
	{2, "monitor: weather, fire danger, pest observations and warnings (§3.1.3)", tb_monitor_fire_v1},
	{3, "monitor: alerts, field verification and notifications (§3.1.3)", tb_monitor_alerts_v1},
};

const tb_module tb_monitor_module = {"monitor", monitor_steps, 3};

/* Computed fields come from the operation (the write context's user data: an
 * object of values) and, on update, from the stored row.  Alerts and
 * notifications have no generic write path: they are raised and moved by
 * their own functions (alert.c, notify.c). */
int tb_monitor_keep_computed(const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	tb_write_ctx *w = ctx;
	json_t *set = w ? w->user : NULL;
	if (!json_is_object(set))
		return tb_err_set(e, TB_EINPUT, rec->name, NULL,
				  "%s are written by their own operations, not edited directly", r->name);
	for (int i = 0; rec->old && i < r->nfields; i++) {
		if (!(r->fields[i].flags & TB_COMPUTED)) continue;
		json_t *v = json_object_get(rec->old, r->fields[i].name);
		if (v && !json_is_null(v)) json_object_set(rec->props, r->fields[i].name, v);
	}
	json_object_update(rec->props, set);
	return 0;
}
