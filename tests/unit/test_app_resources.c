/* test_app_resources.c — the application's resource list (app.c): every
 * feature's resources, each once, in module order, with unique names and
 * tables (the list was a fixed array of 128 that dropped what lay past it). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "app/app.h"
#include "cases/cases.h"
#include "control/control.h"
#include "duty/duty.h"
#include "monitor/monitor.h"
#include "registry/registry.h"

#include <string.h>

static int index_of(const tb_resource *const *all, const tb_resource *r)
{
	for (int i = 0; all[i]; i++)
		if (all[i] == r) return i;
	return -1;
}

static void every_group_once_in_order(void **state)
{
	(void)state;
	const tb_resource *const *all = tb_app_resource_list();
	const tb_resource *const *const groups[] = {tb_registry_resources, tb_duty_resources, tb_control_resources,
						    tb_site_resources, tb_fire_resources, tb_alert_resources,
						    tb_cases_resources};
	int n = 0, last = -1;
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
		for (int i = 0; groups[g][i]; i++, n++) {
			int at = index_of(all, groups[g][i]);
			assert_true(at > last); /* present, after the one before */
			last = at;
		}
	int total = 0;
	while (all[total]) total++;
	assert_true(total >= n);
	for (int i = 0; all[i]; i++)
		for (int j = i + 1; all[j]; j++) assert_string_not_equal(all[i]->name, all[j]->name);
	assert_ptr_equal(tb_app_resource("parcels"), all[index_of(all, tb_app_resource("parcels"))]);
	assert_null(tb_app_resource("no_such_table"));
	assert_ptr_equal(tb_app_resource_list(), all); /* collected once */
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(every_group_once_in_order)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
