/* module.c — the monitoring module's schema: one step per part, in order
 * (see monitor.h).  A later change to a part appends a step here. */
#include "monitor/monitor.h"

static const tb_migration monitor_steps[] = {
	{1, "monitor: station, points, sample plots and plot surveys (§3.3.3)", tb_monitor_sites_v1},
	{2, "monitor: weather, fire danger, pest observations and warnings (§3.1.3)", tb_monitor_fire_v1},
	{3, "monitor: alerts, field verification and notifications (§3.1.3)", tb_monitor_alerts_v1},
};

const tb_module tb_monitor_module = {"monitor", monitor_steps, 3};
