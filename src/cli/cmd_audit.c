/* cmd_audit.c — `tianbao audit verify`: walk the event log's hash chain;
 * `tianbao audit departure`: the departure audit of an official (§3.5). */
#include "cli/cli.h"

#include "app/app.h"
#include "base/json.h"
#include "base/tbtime.h"
#include "cases/cases.h"

#include "db/event.h"
#include "registry/registry.h"

#include <stdio.h>
#include <string.h>

static int departure(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("audit");
	const char *pos = NULL, *person = NULL, *today = NULL;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		const char **dst = !strcmp(argv[i], "--position") ? &pos
				   : !strcmp(argv[i], "--person") ? &person
				   : !strcmp(argv[i], "--today")  ? &today
								  : NULL;
		if (!dst || i + 1 >= argc) return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
		*dst = argv[++i];
	}
	if (!pos || !person) return cli_usage(cmd, "audit departure needs --position and --person");
	char day[32];
	if (!today) {
		tb_time_now_iso(day);
		day[10] = 0;
		today = day;
	} else if (strlen(today) != 10)
		return cli_usage(cmd, "--today wants YYYY-MM-DD");
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	json_t *a = NULL;
	int rc = tb_departure_audit(db, pos, person, today, &a, &e);
	tb_db_close(db);
	if (rc) return cli_fail(cli, &e);
	if (cli->json) {
		cli_print_json(a);
		return EXIT_OK;
	}
	json_t *p = json_object_get(a, "position"), *t = json_object_get(a, "tenure"), *f = json_object_get(a, "natural_forest"),
	       *c = json_object_get(a, "cases");
	printf("离任审计 departure audit (§3.5): %s %s, %s %s – %s%s, jurisdiction %s\n", tb_json_str(p, "title_zh"),
	       tb_json_str(json_object_get(a, "person"), "name"), tb_json_str(p, "code"), tb_json_str(t, "start_date"),
	       tb_json_str(t, "end_date"), json_is_true(json_object_get(t, "in_post")) ? " (in post)" : "",
	       tb_json_str(a, "jurisdiction"));
	printf("natural forest: %.4f ha at start, %.4f ha at end, change %+.4f ha\n",
	       json_real_value(json_object_get(f, "start_ha")), json_real_value(json_object_get(f, "end_ha")),
	       json_real_value(json_object_get(f, "change_ha")));
	if (json_is_true(json_object_get(f, "records_begin_after_start")))
		printf("  note: the registry's records of this jurisdiction begin after the tenure began: parcels\n"
		       "  first recorded during it count as added, not as a change on the ground\n");
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(f, "by_kind"), k, v) printf("  %-8s %+12.4f ha\n", k, json_real_value(v));
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(f, "causes"), i, x)
		if (strcmp(tb_json_str(x, "kind"), "create")) /* parcels added are in by_kind (and --json) */
			printf("  event %-6lld %-8s %-22s %+10.4f ha  %s\n", (long long)json_integer_value(json_object_get(x, "event_seq")),
		       tb_json_str(x, "kind"), tb_json_str(x, "parcel_code") ? tb_json_str(x, "parcel_code") : "",
		       json_real_value(json_object_get(x, "delta_ha")), tb_json_str(x, "cause") ? tb_json_str(x, "cause") : "");
	printf("cases: %lld opened, %lld closed, %lld open at the end (%lld overdue), %.4f ha damaged in cases opened\n",
	       (long long)json_integer_value(json_object_get(c, "opened")), (long long)json_integer_value(json_object_get(c, "closed")),
	       (long long)json_integer_value(json_object_get(c, "open_at_end")),
	       (long long)json_integer_value(json_object_get(c, "overdue_at_end")),
	       json_real_value(json_object_get(c, "damaged_ha_opened")));
	printf("not recorded by this system yet:");
	json_array_foreach(json_object_get(a, "not_recorded"), i, x) printf("%s %s", i ? "," : "", json_string_value(x));
	printf("\n");
	json_decref(a);
	return EXIT_OK;
}

int cmd_audit(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("audit");
	if (argc >= 2 && !strcmp(argv[1], "departure")) return departure(cli, argc, argv);
	if (argc < 2 || strcmp(argv[1], "verify")) return cli_usage(cmd, "audit verify or audit departure?");
	tb_err e = {0};
	tb_db *db;
	if (tb_registry_open(cli->db_path, true, &db, &e)) return cli_fail(cli, &e);
	tb_verify_result r;
	int rc = tb_event_verify(db, &r, &e);
	tb_db_close(db);
	if (rc) return cli_fail(cli, &e);
	if (cli->json)
		cli_print_json(json_pack("{s:b,s:I,s:I,s:s,s:s}", "ok", !r.first_bad, "checked",
					 (json_int_t)r.checked, "first_bad", (json_int_t)r.first_bad,
					 "reason", r.reason, "head", r.head));
	else if (!r.first_bad)
		printf("event log intact: %lld events, head %s\n", (long long)r.checked, r.head);
	else
		printf("event log BROKEN at event %lld: %s (%lld events checked)\n", (long long)r.first_bad,
		       r.reason, (long long)r.checked);
	return r.first_bad ? EXIT_FAIL : EXIT_OK;
}
