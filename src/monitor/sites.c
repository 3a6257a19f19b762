/* sites.c — placeholder, replaced by the part's implementation. */
#include "monitor/monitor.h"

const tb_resource *const tb_site_resources[] = {NULL};

int tb_monitor_sites_v1(tb_db *db, tb_err *e)
{
	(void)db;
	(void)e;
	return 0;
}
