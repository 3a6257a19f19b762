/* monitor.h — monitoring and early warning (plan §3.1.3, §3.3.3): the
 * monitoring station and points with their sample plots, fire danger (FWI),
 * pest warnings, satellite change detection, external alerts and the alert
 * lifecycle (field verification by the grid's ranger). */
#ifndef TB_MONITOR_MONITOR_H
#define TB_MONITOR_MONITOR_H

#include "db/resource.h"
#include "db/schema.h"
#include "db/write.h"

extern const tb_resource *const tb_monitor_resources[]; /* NULL-terminated */
extern const tb_module tb_monitor_module;

#endif
