/* cmd_control.c — `tianbao check-activity` (an activity decided on an area
 * from a GIS file) and `tianbao application list|show|transition` (the
 * review workflow from the command line).  The logic is in src/control. */
#include "cli/cli.h"

#include "app/app.h"
#include "control/control.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *zh_verdict(const char *v)
{
	static const char *const map[][2] = {{"prohibited", "禁止"},
					     {"needs_approval", "须审批"},
					     {"conditional", "有条件允许"},
					     {"allowed", "允许"}};
	for (size_t i = 0; v && i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i][0], v)) return map[i][1];
	return v ? v : "";
}

static const char *s(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static double num(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void print_decision(const json_t *d)
{
	printf("结论 verdict: %s %s", zh_verdict(s(d, "verdict")), s(d, "verdict"));
	json_t *c = json_object_get(d, "clauses");
	size_t i;
	json_t *x;
	printf("   依据 clauses:");
	json_array_foreach(c, i, x) printf(" §%s", json_string_value(x));
	printf("\n面积 area: 总 total %.4f ha, 天然林 natural forest %.4f ha (重点区域内 in key zones %.4f, 区域外 outside %.4f),"
	       " 非林地 non-forest %.4f ha\n",
	       num(d, "total_ha"), num(d, "natural_forest_ha"), num(d, "key_zone_ha"), num(d, "outside_key_zone_ha"),
	       num(d, "non_forest_ha"));
	printf("\n%-22s %10s %-6s %-8s %10s %-16s %-8s %s\n", "小班 parcel", "面积 ha", "天然林", "重点区域", "区域内 ha",
	       "结论 verdict", "条款", "规则");
	json_array_foreach(json_object_get(d, "parcels"), i, x)
	printf("%-22s %10.4f %-6s %-8s %10.4f %-16s %-8s %s\n", s(x, "id"), num(x, "area_ha"),
	       json_is_true(json_object_get(x, "natural")) ? "是" : "否",
	       json_is_true(json_object_get(x, "in_key_zone")) ? "是" : "否", num(x, "key_zone_ha"), s(x, "verdict"),
	       s(x, "clause"), s(x, "rule"));
	printf("\n理由 reasons:\n");
	json_array_foreach(json_object_get(d, "reasons"), i, x)
	{
		printf("  [%s] §%s %s (%.4f ha)\n      %s\n      %s\n", zh_verdict(s(x, "verdict")), s(x, "clause"),
		       s(x, "rule"), num(x, "area_ha"), s(x, "message_zh"), s(x, "message_en"));
		if (*s(x, "authority")) printf("      审批机关 authority: %s\n", s(x, "authority"));
		if (*s(x, "conditions_zh")) printf("      条件 conditions: %s / %s\n", s(x, "conditions_zh"), s(x, "conditions_en"));
		if (*s(x, "district_conditions_zh"))
			printf("      区级设定 district setting (not a plan clause): %s / %s\n", s(x, "district_conditions_zh"),
			       s(x, "district_conditions_en"));
		size_t k;
		json_t *a;
		json_array_foreach(json_object_get(x, "also"), k, a)
		printf("      同时禁止 also prohibited: §%s %s %s\n", s(a, "clause"), s(a, "rule"), s(a, "message_zh"));
	}
}

int cmd_check_activity(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("check-activity");
	tb_use_query q = {0};
	const char *file = NULL, *srs = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		if (!strcmp(argv[i], "--activity") && i + 1 < argc) q.activity = argv[++i];
		else if (!strcmp(argv[i], "--purpose") && i + 1 < argc) q.purpose = argv[++i];
		else if (!strcmp(argv[i], "--design-approved")) q.design_approved = true;
		else if (!strcmp(argv[i], "--geometry") && i + 1 < argc) file = argv[++i];
		else if (!strcmp(argv[i], "--srs") && i + 1 < argc) srs = argv[++i];
		else return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
	}
	if (!q.activity || !file) return cli_usage(cmd, "check-activity needs --activity KEY and --geometry FILE");
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	GEOSGeometry *raw = NULL, *g = NULL;
	json_t *d = NULL;
	if (!tb_control_read_file(file, srs, &raw, &e) && !tb_control_check_geometry(db, raw, &g, &e))
		d = tb_control_check(db, &q, g, &e);
	if (raw) GEOSGeom_destroy_r(tb_geos(), raw);
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
	tb_db_close(db);
	if (!d) {
		if (!e.record[0]) snprintf(e.record, sizeof e.record, "%s", file);
		return cli_fail(cli, &e);
	}
	if (cli->json) cli_print_json(d);
	else {
		print_decision(d);
		json_decref(d);
	}
	return EXIT_OK;
}

static int app_list(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	tb_filter f[1];
	tb_query q = {.filters = f, .sort = "fid", .limit = 10000};
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		if (!strcmp(argv[i], "--status") && i + 1 < argc) {
			f[0] = (tb_filter){"status", "eq", argv[++i]};
			q.nfilters = 1;
		} else
			return cli_usage(cli_command("application"), "unexpected argument '%s'", argv[i]);
	}
	tb_rows rows;
	tb_err e = {0};
	if (tb_record_list(db, &tb_applications, &q, &rows, &e)) return cli_fail(cli, &e);
	if (cli->json) cli_print_json(json_incref(rows.items));
	else {
		printf("%-14s %-10s %-22s %-14s %-10s %-16s %10s\n", "申请编号", "乡镇", "活动 activity", "申请人", "状态",
		       "结论 verdict", "天然林 ha");
		size_t i;
		json_t *x;
		json_array_foreach(rows.items, i, x)
		printf("%-14s %-10s %-22s %-14s %-10s %-16s %10.4f\n", s(x, "code"), s(x, "town_code"), s(x, "activity"),
		       s(x, "applicant"), s(x, "status"), s(x, "verdict"), num(x, "natural_forest_ha"));
	}
	tb_rows_free(&rows);
	return EXIT_OK;
}

static int app_fid(tb_cli *cli, tb_db *db, const char *code, int64_t *fid, json_t **props)
{
	tb_err e = {0};
	json_t *p = NULL;
	if (tb_record_get_by_key(db, &tb_applications, code, &p, NULL, &e)) return cli_fail(cli, &e);
	*fid = json_integer_value(json_object_get(p, "fid"));
	if (props) *props = p;
	else json_decref(p);
	return 0;
}

static int app_show(tb_cli *cli, tb_db *db, const char *code)
{
	int64_t fid;
	json_t *p = NULL;
	int rc = app_fid(cli, db, code, &fid, &p);
	if (rc) return rc;
	if (cli->json) {
		cli_print_json(p);
		return EXIT_OK;
	}
	printf("%s  %s  %s (%s)  %s → %s\n申请人 applicant: %s %s\n状态 status: %s\n", s(p, "code"), s(p, "activity"),
	       s(p, "town_code"), s(p, "purpose"), s(p, "start_date"), s(p, "end_date"), s(p, "applicant"),
	       s(p, "applicant_unit"), s(p, "status"));
	print_decision(json_object_get(p, "decision"));
	json_decref(p);
	return EXIT_OK;
}

static int app_transition(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	const tb_command *cmd = cli_command("application");
	const char *code = NULL, *to = NULL, *note = NULL, *doc = NULL;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		if (!strcmp(argv[i], "--to") && i + 1 < argc) to = argv[++i];
		else if (!strcmp(argv[i], "--note") && i + 1 < argc) note = argv[++i];
		else if (!strcmp(argv[i], "--approval-doc") && i + 1 < argc) doc = argv[++i];
		else if (argv[i][0] != '-' && !code) code = argv[i];
		else return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
	}
	if (!code || !to) return cli_usage(cmd, "transition needs CODE and --to STATUS");
	int64_t fid;
	int rc = app_fid(cli, db, code, &fid, NULL);
	if (rc) return rc;
	tb_err e = {0};
	if (tb_application_transition(db, &cli->actor, fid, to, note, doc, &e)) return cli_fail(cli, &e);
	return app_show(cli, db, code);
}

int cmd_application(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("application");
	if (argc < 2) return cli_usage(cmd, "list, show or transition?");
	bool list = !strcmp(argv[1], "list"), show = !strcmp(argv[1], "show"), move = !strcmp(argv[1], "transition");
	if (!list && !show && !move) return cli_usage(cmd, "list, show or transition?");
	if (show && (argc < 3 || argv[2][0] == '-')) return cli_usage(cmd, "show needs CODE");
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	int rc = list ? app_list(cli, db, argc, argv) : show ? app_show(cli, db, argv[2]) : app_transition(cli, db, argc, argv);
	tb_db_close(db);
	return rc;
}
