/* cmd_registry.c — init, demo, stats and parcels: argument parsing and
 * printing around the registry module. */
#include "cli/cli.h"

#include "app/app.h"
#include "cases/cases.h"
#include "duty/duty.h"
#include "db/codes.h"
#include "db/event.h"
#include "registry/demo.h"
#include "monitor/fire.h"
#include "monitor/sites.h"
#include "registry/registry.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_group(tb_db *db, const char *title, const json_t *arr)
{
	(void)db;
	printf("\n%s\n", title);
	size_t i;
	json_t *g;
	json_array_foreach(arr, i, g)
	{
		const char *code = json_string_value(json_object_get(g, "code"));
		const char *name = json_string_value(json_object_get(g, "name"));
		printf("  %-14s %-22s %12.4f ha %6lld\n", code ? code : "-", name ? name : "",
		       json_number_value(json_object_get(g, "ha")),
		       (long long)json_integer_value(json_object_get(g, "parcels")));
	}
}

static void print_stats(tb_db *db, json_t *s)
{
	json_t *d = json_object_get(s, "district");
	double ha = json_number_value(json_object_get(s, "natural_forest_ha"));
	double target = json_number_value(json_object_get(s, "target_ha"));
	printf("%s (%s)\n", json_string_value(json_object_get(d, "name")),
	       json_string_value(json_object_get(d, "code")));
	printf("天然林面积 natural forest: %.4f ha (target %.1f ha, difference %+.4f ha, %.2f %%)\n", ha,
	       target, json_number_value(json_object_get(s, "difference_ha")),
	       json_number_value(json_object_get(s, "percent_of_target")));
	printf("天然林小班 natural parcels: %lld of %lld parcels\n",
	       (long long)json_integer_value(json_object_get(s, "natural_parcels")),
	       (long long)json_integer_value(json_object_get(s, "all_parcels")));
	json_t *kz = json_object_get(s, "key_zone");
	printf("重点区域 key zones: inside %.4f ha, outside %.4f ha\n",
	       json_number_value(json_object_get(kz, "inside_ha")),
	       json_number_value(json_object_get(kz, "outside_ha")));
	printf("面积台账 ledger balance: %.4f ha (%s)\n", json_number_value(json_object_get(s, "ledger_ha")),
	       json_is_true(json_object_get(s, "ledger_consistent")) ? "consistent" : "INCONSISTENT");
	print_group(db, "按乡镇 by town:", json_object_get(s, "by_town"));
	print_group(db, "按单位 by unit:", json_object_get(s, "by_unit"));
	print_group(db, "按修复类型 by restoration class:", json_object_get(s, "by_class"));
	print_group(db, "按龄组 by age group:", json_object_get(s, "by_age_group"));
	print_group(db, "按起源 by origin:", json_object_get(s, "by_origin"));
}

static int show_stats(tb_cli *cli, tb_db *db)
{
	tb_err e = {0};
	json_t *s = tb_registry_stats(db, &e);
	if (!s) return cli_fail(cli, &e);
	if (cli->json) cli_print_json(s);
	else {
		print_stats(db, s);
		json_decref(s);
	}
	return EXIT_OK;
}

int cmd_init(tb_cli *cli, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--json")) return cli_usage(cli_command("init"), "unexpected argument '%s'", argv[1]);
	tb_err e = {0};
	tb_db *db;
	if (tb_registry_init(cli->db_path, cli->actor.login, &db, &e) ||
	    tb_app_migrate(db, cli->actor.login, &e)) {
		tb_db_close(db);
		return cli_fail(cli, &e);
	}
	if (!cli->quiet && !cli->json) printf("created %s\n", cli->db_path);
	int rc = cli->json ? show_stats(cli, db) : EXIT_OK;
	tb_db_close(db);
	return rc;
}

int cmd_demo(tb_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"seed", required_argument, 0, 's'},
					     {"json", no_argument, 0, 'j'}, {0}};
	unsigned long long seed = 2020102901ULL; /* the plan's date */
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's') {
			char *end;
			seed = strtoull(optarg, &end, 10);
			if (*end || !*optarg) return cli_usage(cli_command("demo"), "--seed needs a number, got '%s'", optarg);
		} else if (c != 'j')
			return cli_usage(cli_command("demo"), "unknown option");
	}
	if (optind < argc) return cli_usage(cli_command("demo"), "unexpected argument '%s'", argv[optind]);
	tb_err e = {0};
	tb_db *db;
	if (tb_registry_init(cli->db_path, cli->actor.login, &db, &e)) return cli_fail(cli, &e);
	if (tb_app_migrate(db, cli->actor.login, &e) || tb_demo_load(db, &cli->actor, seed, &e) ||
	    tb_duty_demo(db, &cli->actor, &e) || tb_monitor_demo(db, &cli->actor, &e) ||
	    tb_fire_demo(db, &cli->actor, &e) || tb_cases_demo(db, &cli->actor, &e)) {
		tb_db_close(db);
		remove(cli->db_path);
		return cli_fail(cli, &e);
	}
	if (!cli->json && !cli->quiet) printf("created the Jizhou demo database %s\n\n", cli->db_path);
	int rc = show_stats(cli, db);
	tb_db_close(db);
	return rc;
}

int cmd_stats(tb_cli *cli, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json")) return cli_usage(cli_command("stats"), "unexpected argument '%s'", argv[i]);
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	int rc = show_stats(cli, db);
	tb_db_close(db);
	return rc;
}

/* ---- parcels list|show ------------------------------------------------------- */

#define MAX_FILTERS 64

static int parse_where(char *arg, tb_filter *f)
{
	char *a = strchr(arg, ':');
	char *b = a ? strchr(a + 1, ':') : NULL;
	if (!a || !b) return -1;
	*a = *b = 0;
	f->field = arg;
	f->op = a + 1;
	f->value = b + 1;
	return 0;
}

static void print_rows(tb_db *db, const tb_rows *rows)
{
	printf("%-22s %-10s %-8s %-10s %-8s %10s %s\n", "小班编号 code", "乡镇", "地类", "起源", "龄组", "面积 ha", "天然林");
	size_t i;
	json_t *p;
	json_array_foreach(rows->items, i, p)
	{
		const char *dl = json_string_value(json_object_get(p, "di_lei"));
		const char *qy = json_string_value(json_object_get(p, "qi_yuan"));
		const char *lz = json_string_value(json_object_get(p, "ling_zu"));
		printf("%-22s %-10s %-8s %-10s %-8s %10.4f %s\n",
		       json_string_value(json_object_get(p, "code")),
		       json_string_value(json_object_get(p, "xiang")),
		       dl ? tb_codes_label(db, "di_lei", dl, "zh") : "-",
		       qy ? tb_codes_label(db, "qi_yuan", qy, "zh") : "-",
		       lz ? tb_codes_label(db, "ling_zu", lz, "zh") : "-",
		       json_number_value(json_object_get(p, "area_ha")),
		       json_is_true(json_object_get(p, "natural")) ? "是" : "否");
	}
	printf("(%zu shown of %lld)\n", rows->n, (long long)rows->total);
}

static int parcels_list(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	tb_filter filters[MAX_FILTERS];
	tb_query q = {.filters = filters};
	const tb_command *cmd = cli_command("parcels");
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--json")) continue;
		if (strncmp(a, "--", 2) || i + 1 >= argc) return cli_usage(cmd, "unexpected argument '%s'", a);
		const char *v = argv[++i];
		char *end;
		if (!strcmp(a, "--sort")) q.sort = v;
		else if (!strcmp(a, "--limit") || !strcmp(a, "--offset")) {
			long long n = strtoll(v, &end, 10);
			if (*end || !*v || n < 0) return cli_usage(cmd, "%s needs a whole number, got '%s'", a, v);
			if (a[2] == 'l') q.limit = n;
			else q.offset = n;
		} else if (q.nfilters >= MAX_FILTERS)
			return cli_usage(cmd, "too many filters");
		else if (!strcmp(a, "--where")) {
			if (parse_where(argv[i], &filters[q.nfilters])) return cli_usage(cmd, "--where wants FIELD:OP:VALUE, got '%s'", v);
			q.nfilters++;
		} else
			filters[q.nfilters++] = (tb_filter){.field = a + 2, .op = "eq", .value = v};
	}
	tb_rows rows;
	tb_err e = {0};
	if (tb_record_list(db, &tb_parcels, &q, &rows, &e)) return cli_fail(cli, &e);
	if (cli->json) {
		cli_print_json(json_pack("{s:I,s:I,s:O}", "total", (json_int_t)rows.total, "count",
					 (json_int_t)rows.n, "items", rows.items));
	} else
		print_rows(db, &rows);
	tb_rows_free(&rows);
	return EXIT_OK;
}

static int parcels_show(tb_cli *cli, tb_db *db, const char *code)
{
	tb_err e = {0};
	json_t *p;
	if (tb_record_get_by_key(db, &tb_parcels, code, &p, NULL, &e)) return cli_fail(cli, &e);
	json_t *archive = tb_event_archive(db, code, &e);
	if (cli->json) {
		json_object_set_new(p, "archive", archive ? archive : json_array());
		cli_print_json(p);
		return EXIT_OK;
	}
	for (int i = 0; i < tb_parcels.nfields; i++) {
		const tb_field *f = &tb_parcels.fields[i];
		json_t *v = json_object_get(p, f->name);
		const char *label = !strcmp(cli->lang, "en") ? f->label_en : f->label_zh;
		if (json_is_string(v) && f->codes)
			printf("  %-16s %s (%s)\n", label, json_string_value(v),
			       tb_codes_label(db, f->codes, json_string_value(v), cli->lang));
		else if (json_is_string(v)) printf("  %-16s %s\n", label, json_string_value(v));
		else if (json_is_real(v)) printf("  %-16s %.4f%s%s\n", label, json_real_value(v), f->unit ? " " : "", f->unit ? f->unit : "");
		else if (json_is_integer(v)) printf("  %-16s %lld\n", label, (long long)json_integer_value(v));
		else if (json_is_boolean(v)) printf("  %-16s %s\n", label, json_is_true(v) ? "是" : "否");
	}
	printf("  %-16s %.2f 亩\n", "面积（亩）", json_number_value(json_object_get(p, "area_ha")) * 15);
	printf("\n档案 archive:\n");
	size_t i;
	json_t *ev;
	json_array_foreach(archive, i, ev)
	printf("  #%-6lld %s  %-18s %s (%s)\n", (long long)json_integer_value(json_object_get(ev, "seq")),
	       json_string_value(json_object_get(ev, "time")), json_string_value(json_object_get(ev, "action")),
	       json_string_value(json_object_get(ev, "actor")), json_string_value(json_object_get(ev, "role")));
	json_decref(archive);
	json_decref(p);
	return EXIT_OK;
}

int cmd_parcels(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("parcels");
	if (argc < 2) return cli_usage(cmd, "list or show?");
	bool list = !strcmp(argv[1], "list"), show = !strcmp(argv[1], "show");
	if (!list && !show) return cli_usage(cmd, "unknown subcommand '%s'", argv[1]);
	if (show && (argc < 3 || argv[2][0] == '-')) return cli_usage(cmd, "show needs a parcel code");
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	int rc = list ? parcels_list(cli, db, argc, argv) : parcels_show(cli, db, argv[2]);
	tb_db_close(db);
	return rc;
}
