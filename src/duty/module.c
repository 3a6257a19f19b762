/* module.c — the duty module's schema: its tables from the descriptions,
 * and the organisation of plan §4 (leading group, duties) loaded from the
 * files data/district.json names, so another county ships its own. */
#include "duty/duty.h"

#include "base/data.h"
#include "db/event.h"

#include <stdlib.h>

/* Load one organisation table named in district.json (absent = none). */
static int load_named(tb_db *db, const json_t *cfg, const char *key, const tb_resource *r,
		      int64_t *n, tb_err *e)
{
	const char *rel = json_string_value(json_object_get(cfg, key));
	if (!rel) return 0;
	tb_write_ctx cx = {0};
	return tb_load_csv(db, &cx, r, rel, n, e);
}

static int duty_v1(tb_db *db, tb_err *e)
{
	for (int i = 0; tb_duty_resources[i]; i++) {
		int rc = tb_resource_create(db, tb_duty_resources[i], e);
		if (rc) return rc;
	}
	size_t len;
	char *text = tb_data_read("district.json", &len);
	json_t *cfg = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	int64_t n = 0;
	int rc = load_named(db, cfg, "leading_group", &tb_org_members, &n, e);
	if (!rc) rc = load_named(db, cfg, "duties", &tb_duties, &n, e);
	json_decref(cfg);
	return rc;
}

static const tb_migration duty_steps[] = {
	{1, "duty: leading group, duties, agreements, grids, rangers, training, patrols, incidents", duty_v1},
};

const tb_module tb_duty_module = {"duty", duty_steps, 1};
