/* module.c — the use-control module's schema (see control.h): its tables
 * from the descriptions, and the district's rules loaded from the file
 * data/district.json names ("use_rules"), so another county ships its own. */
#include "control/control.h"

#include "base/data.h"

#include <stdlib.h>

static int control_v1(tb_db *db, tb_err *e)
{
	for (int i = 0; tb_control_resources[i]; i++) {
		int rc = tb_resource_create(db, tb_control_resources[i], e);
		if (rc) return rc;
	}
	size_t len;
	char *text = tb_data_read("district.json", &len);
	json_t *cfg = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	const char *rel = json_string_value(json_object_get(cfg, "use_rules"));
	int rc = 0;
	if (rel) {
		int64_t n = 0;
		tb_write_ctx cx = {0};
		rc = tb_load_csv(db, &cx, &tb_use_rules, rel, &n, e);
	}
	json_decref(cfg);
	return rc;
}

static const tb_migration control_steps[] = {
	{1, "use control: rules (§3.1.1, §3.2), applications, operation designs", control_v1},
};

const tb_module tb_control_module = {"control", control_steps, 1};
