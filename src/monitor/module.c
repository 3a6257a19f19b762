/* module.c — the monitoring module's schema (see monitor.h). */
#include "monitor/monitor.h"

const tb_resource *const tb_monitor_resources[] = {NULL};
const tb_module tb_monitor_module = {"monitor", NULL, 0};
