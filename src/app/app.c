/* app.c — the list of schema modules and the open-and-migrate entry point
 * (see app.h). */
#include "app/app.h"

#include "auth/auth.h"
#include "duty/duty.h"
#include "registry/registry.h"

#include <string.h>

const tb_module *const tb_app_modules[] = {&tb_core_module, &tb_registry_module, &tb_auth_module,
					   &tb_duty_module, NULL};

const tb_resource *const tb_app_resources[] = {
	&tb_divisions, &tb_units, &tb_parcels, &tb_zones, &tb_area_ledger,           /* registry */
	&tb_org_members, &tb_duties, &tb_agreements, &tb_grids, &tb_rangers,         /* duty     */
	&tb_grid_rangers, &tb_trainings, &tb_patrols, &tb_incidents, NULL,
};

const tb_resource *tb_app_resource(const char *name)
{
	for (int i = 0; tb_app_resources[i]; i++)
		if (!strcmp(tb_app_resources[i]->name, name)) return tb_app_resources[i];
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
