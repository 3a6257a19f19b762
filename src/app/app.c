/* app.c — the list of schema modules and the open-and-migrate entry point
 * (see app.h). */
#include "app/app.h"

#include "auth/auth.h"
#include "base/log.h"
#include "cases/cases.h"
#include "control/control.h"
#include "duty/duty.h"
#include "monitor/monitor.h"
#include "registry/registry.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

const tb_module *const tb_app_modules[] = {&tb_core_module,    &tb_registry_module, &tb_auth_module,
					   &tb_duty_module,    &tb_control_module,  &tb_monitor_module,
					   &tb_cases_module,   NULL};

/* Each feature module describes its resources in a NULL-terminated list;
 * the application's list is their concatenation, in module order. */
static const tb_resource *const *const resource_groups[] = {
	tb_registry_resources, tb_duty_resources, tb_control_resources,
	tb_site_resources,     tb_fire_resources, tb_alert_resources, tb_cases_resources, NULL,
};
/* As long as the groups are (allocated once, kept for the process; a fixed
 * array of 128 used to drop the resources past it without a word). */
static const tb_resource **all_resources;
static const tb_resource *no_resources[1];
static pthread_once_t all_once = PTHREAD_ONCE_INIT;

static void collect(void)
{
	size_t n = 0;
	for (int g = 0; resource_groups[g]; g++)
		for (int i = 0; resource_groups[g][i]; i++) n++;
	all_resources = calloc(n + 1, sizeof *all_resources);
	if (!all_resources) {
		tb_error("out of memory listing %zu resources", n);
		all_resources = no_resources;
		return;
	}
	n = 0;
	for (int g = 0; resource_groups[g]; g++)
		for (int i = 0; resource_groups[g][i]; i++) all_resources[n++] = resource_groups[g][i];
}

const tb_resource *const *tb_app_resource_list(void)
{
	pthread_once(&all_once, collect);
	return (const tb_resource *const *)all_resources;
}

const tb_resource *tb_app_resource(const char *name)
{
	for (int i = 0; tb_app_resources[i]; i++)
		if (!strcmp(tb_app_resources[i]->name, name)) return tb_app_resources[i];
	return NULL;
}

const char *const tb_app_import_layers[] = {"parcels", "zones",   "divisions",    "units",      "grids",
					   "rangers", "grid_rangers", "agreements", "trainings", NULL};

const tb_resource *tb_app_import_resource(const char *layer)
{
	for (int i = 0; layer && tb_app_import_layers[i]; i++)
		if (!strcmp(tb_app_import_layers[i], layer)) return tb_app_resource(layer);
	return NULL;
}

int tb_app_migrate(tb_db *db, const char *actor, tb_err *e)
{
	for (int i = 0; tb_app_modules[i]; i++) {
		int rc = tb_schema_migrate(db, tb_app_modules[i], actor, e);
		if (rc) return rc;
	}
	return 0;
}

int tb_app_open(const char *path, tb_db **out, tb_err *e)
{
	int rc = tb_db_open(path, 0, out, e);
	if (!rc) rc = tb_app_migrate(*out, "system", e);
	if (rc && *out) {
		tb_db_close(*out);
		*out = NULL;
	}
	return rc;
}
