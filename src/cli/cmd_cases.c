/* cmd_cases.c — `tianbao report-line list|show|enter` (the public reporting
 * line from the bureau's desk) and `tianbao case list|open|act|timeline|
 * overdue` (cases, §3.5).  Parsing only; the work is in src/cases.  The
 * command line acts as admin; reporters' contacts are never printed. */
#include "cli/cli.h"

#include "app/app.h"
#include "base/json.h"
#include "base/tbtime.h"
#include "cases/cases.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 2; i + 1 < argc; i++)
		if (!strcmp(argv[i], name)) return argv[i + 1];
	return NULL;
}

/* Every argument from first on is --json, a known option with its value,
 * or (up to npos) a positional one. */
static int check(const tb_command *cmd, int argc, char **argv, const char *const *opts, int npos)
{
	int pos = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		if (opts[0] && !strcmp(opts[0], "--today") && !strcmp(argv[i], "--notify")) continue; /* overdue's flag */
		bool known = false;
		for (int k = 0; opts[k]; k++) known |= !strcmp(argv[i], opts[k]);
		if (known && i + 1 < argc) i++;
		else if (argv[i][0] != '-' && pos < npos) pos++;
		else return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
	}
	return 0;
}

static const char *first_pos(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		if (argv[i][0] == '-') {
			if (strcmp(argv[i], "--json")) i++;
			continue;
		}
		return argv[i];
	}
	return NULL;
}

static const char *S(const json_t *o, const char *k)
{
	const char *v = tb_json_str(o, k);
	return v ? v : "-";
}

static int list(tb_cli *cli, tb_db *db, const tb_resource *r, int argc, char **argv, const char *const *opts,
		const char *const *fields, int nf)
{
	tb_filter f[4];
	int n = 0;
	for (int i = 0; i < nf; i++)
		if (opt(argc, argv, opts[i])) f[n++] = (tb_filter){fields[i], "eq", opt(argc, argv, opts[i])};
	tb_query q = {.filters = f, .nfilters = n, .sort = "-fid", .limit = 10000};
	tb_rows rows;
	tb_err e = {0};
	if (tb_record_list(db, r, &q, &rows, &e)) return cli_fail(cli, &e);
	if (cli->json) cli_print_json(json_incref(rows.items));
	else {
		for (size_t i = 0; i < rows.n; i++) {
			json_t *x = json_array_get(rows.items, i);
			if (r == &tb_reports)
				printf("%-13s %-9s %-16s %-7s %-10s %-13s %s\n", S(x, "code"), S(x, "status"), S(x, "kind"),
				       S(x, "channel"), S(x, "town_code"), S(x, "group_code"), S(x, "seen_at"));
			else
				printf("%-13s %-15s %-14s %-10s %-10s %s\n", S(x, "code"), S(x, "status"), S(x, "type"),
				       S(x, "town_code"), S(x, "deadline"), S(x, "title"));
		}
		printf("%lld %s\n", (long long)rows.total, r->name);
	}
	tb_rows_free(&rows);
	return EXIT_OK;
}

static int print_or_fail(tb_cli *cli, int rc, json_t *out, const tb_err *e, const char *what)
{
	if (rc) return cli_fail(cli, e);
	if (cli->json) cli_print_json(out);
	else {
		printf("%s %s: %s\n", what, S(out, "code"), S(out, "status"));
		json_decref(out);
	}
	return EXIT_OK;
}

/* ---- report-line ------------------------------------------------------------------------------ */

static int report_enter(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	tb_report_in in = {.channel = opt(argc, argv, "--channel"), .kind = opt(argc, argv, "--kind"),
			   .description = opt(argc, argv, "--description"), .place = opt(argc, argv, "--place"),
			   .seen_at = opt(argc, argv, "--seen")};
	const char *pt = opt(argc, argv, "--point");
	char tail;
	if (pt && sscanf(pt, "%lf,%lf%c", &in.lon, &in.lat, &tail) != 2)
		return cli_usage(cli_command("report-line"), "--point wants LON,LAT");
	in.has_point = pt != NULL;
	if (in.channel && !strcmp(in.channel, "online"))
		return cli_usage(cli_command("report-line"), "online reports come through the public page");
	json_t *out = NULL;
	tb_err e = {0};
	int rc = tb_report_submit(db, &cli->actor, &in, &out, &e);
	return print_or_fail(cli, rc, out, &e, "report");
}

int cmd_report_line(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("report-line");
	const char *sub = argc > 1 ? argv[1] : "";
	static const char *const lopts[] = {"--status", "--kind", NULL}, *const lf[] = {"status", "kind"};
	static const char *const eopts[] = {"--channel", "--kind", "--description", "--place", "--point", "--seen", NULL};
	static const char *const none[] = {NULL};
	int rc = !strcmp(sub, "list")    ? check(cmd, argc, argv, lopts, 0)
		 : !strcmp(sub, "show")  ? check(cmd, argc, argv, none, 1)
		 : !strcmp(sub, "enter") ? check(cmd, argc, argv, eopts, 0)
					 : cli_usage(cmd, "list, show or enter?");
	if (rc) return rc;
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	if (!strcmp(sub, "list")) rc = list(cli, db, &tb_reports, argc, argv, lopts, lf, 2);
	else if (!strcmp(sub, "enter")) rc = report_enter(cli, db, argc, argv);
	else {
		json_t *out = NULL;
		const char *code = first_pos(argc, argv);
		if (!code) rc = cli_usage(cmd, "show which receipt code?");
		else {
			rc = tb_report_status(db, code, &out, &e);
			rc = print_or_fail(cli, rc, out, &e, "report");
		}
	}
	tb_db_close(db);
	return rc;
}

/* ---- case ---------------------------------------------------------------------------------------- */

static int case_open(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	const char *d = opt(argc, argv, "--damaged-ha");
	char *end = NULL;
	double ha = d ? strtod(d, &end) : NAN;
	if (d && (end == d || *end || ha < 0)) return cli_usage(cli_command("case"), "--damaged-ha wants hectares ≥ 0");
	tb_case_in in = {opt(argc, argv, "--type"), opt(argc, argv, "--title"), opt(argc, argv, "--source"),
			 opt(argc, argv, "--ref"), opt(argc, argv, "--town"), opt(argc, argv, "--unit"), NULL, ha, NULL};
	json_t *out = NULL;
	tb_err e = {0};
	int rc = tb_case_open(db, &cli->actor, &in, &out, &e);
	return print_or_fail(cli, rc, out, &e, "case");
}

static int case_act(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	const char *code = first_pos(argc, argv), *pen = opt(argc, argv, "--penalty");
	if (!code) return cli_usage(cli_command("case"), "act on which case?");
	char *end = NULL;
	double p = pen ? strtod(pen, &end) : NAN;
	if (pen && (end == pen || *end)) return cli_usage(cli_command("case"), "--penalty wants a number of yuan");
	tb_case_action a = {opt(argc, argv, "--action"), opt(argc, argv, "--note"), NULL, opt(argc, argv, "--outcome"),
			    opt(argc, argv, "--decision"), p, NULL, opt(argc, argv, "--deadline"), opt(argc, argv, "--unit"),
			    NULL};
	int64_t fid;
	json_t *out = NULL;
	tb_err e = {0};
	int rc = tb_case_find(db, code, &fid, &e);
	if (!rc) rc = tb_case_act(db, &cli->actor, fid, &a, &out, &e);
	return print_or_fail(cli, rc, out, &e, "case");
}

static int case_timeline(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	const char *code = first_pos(argc, argv);
	if (!code) return cli_usage(cli_command("case"), "the timeline of which case?");
	int64_t fid;
	tb_err e = {0};
	json_t *c = NULL, *t = NULL;
	if (tb_case_find(db, code, &fid, &e) || tb_record_get(db, &tb_cases, fid, &c, NULL, &e) ||
	    !(t = tb_case_timeline(db, tb_json_str(c, "code"), &e))) {
		json_decref(c);
		return cli_fail(cli, &e);
	}
	json_decref(c);
	if (cli->json) cli_print_json(t);
	else {
		size_t i;
		json_t *x;
		json_array_foreach(t, i, x) printf("%s  %-16s %-18s %-10s %s\n", S(x, "time"), S(x, "status"), S(x, "action"),
						   S(x, "actor"), tb_json_str(x, "note") ? tb_json_str(x, "note") : "");
		json_decref(t);
	}
	return EXIT_OK;
}

static bool has_flag(int argc, char **argv, const char *flag)
{
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], flag)) return true;
	return false;
}

static int case_overdue(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	const char *today = opt(argc, argv, "--today");
	char day[16];
	if (!today) {
		char now[32];
		tb_time_now_iso(now);
		snprintf(day, sizeof day, "%.10s", now);
		today = day;
	} else if (strlen(today) != 10)
		return cli_usage(cli_command("case"), "--today wants YYYY-MM-DD");
	tb_err e = {0};
	if (has_flag(argc, argv, "--notify")) { /* remind the towns and the bureau (cron, daily) */
		tb_case_reminders n;
		if (tb_case_notify_overdue(db, &cli->actor, today, &n, &e)) return cli_fail(cli, &e);
		if (cli->json)
			cli_print_json(json_pack("{s:s,s:i,s:i,s:i}", "today", today, "overdue", n.overdue, "sent", n.sent,
						 "skipped", n.skipped));
		else
			printf("%d overdue on %s: %d reminders sent, %d skipped (reminded within the period or suppressed)\n",
			       n.overdue, today, n.sent, n.skipped);
		return EXIT_OK;
	}
	json_t *o = tb_case_overdue(db, today, NULL, &e);
	if (!o) return cli_fail(cli, &e);
	if (cli->json) cli_print_json(o);
	else {
		size_t i;
		json_t *x;
		json_array_foreach(o, i, x) printf("%-13s %-15s %-10s %s  %lld days overdue\n", S(x, "code"), S(x, "status"),
						   S(x, "town_code"), S(x, "deadline"),
						   (long long)json_integer_value(json_object_get(x, "days_overdue")));
		printf("%zu overdue on %s\n", json_array_size(o), today);
		json_decref(o);
	}
	return EXIT_OK;
}

int cmd_case(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("case");
	const char *sub = argc > 1 ? argv[1] : "";
	static const char *const lopts[] = {"--status", "--type", NULL}, *const lf[] = {"status", "type"};
	static const char *const oopts[] = {"--type", "--title", "--source", "--ref", "--town", "--unit", "--damaged-ha", NULL};
	static const char *const aopts[] = {"--action", "--note", "--outcome", "--decision", "--penalty", "--deadline", "--unit", NULL};
	static const char *const topts[] = {"--today", NULL}, *const none[] = {NULL};
	int rc = !strcmp(sub, "list")       ? check(cmd, argc, argv, lopts, 0)
		 : !strcmp(sub, "open")     ? check(cmd, argc, argv, oopts, 0)
		 : !strcmp(sub, "act")      ? check(cmd, argc, argv, aopts, 1)
		 : !strcmp(sub, "timeline") ? check(cmd, argc, argv, none, 1)
		 : !strcmp(sub, "overdue")  ? check(cmd, argc, argv, topts, 0)
					    : cli_usage(cmd, "list, open, act, timeline or overdue?");
	if (rc) return rc;
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	rc = !strcmp(sub, "list")	? list(cli, db, &tb_cases, argc, argv, lopts, lf, 2)
	     : !strcmp(sub, "open")	? case_open(cli, db, argc, argv)
	     : !strcmp(sub, "act")	? case_act(cli, db, argc, argv)
	     : !strcmp(sub, "timeline") ? case_timeline(cli, db, argc, argv)
					: case_overdue(cli, db, argc, argv);
	tb_db_close(db);
	return rc;
}

/* ---- officials (领导干部) and tenures ------------------------------------------------------------- */

static int official_list(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	const char *on = opt(argc, argv, "--on");
	if (on && strlen(on) != 10) return cli_usage(cli_command("official"), "--on wants YYYY-MM-DD");
	tb_err e = {0};
	json_t *t = tb_official_tenures(db, opt(argc, argv, "--position"), opt(argc, argv, "--person"), on, &e);
	if (!t) return cli_fail(cli, &e);
	if (cli->json) cli_print_json(t);
	else {
		size_t i;
		json_t *x;
		json_array_foreach(t, i, x) printf("%-15s %-22s %-10s %-10s %s – %s\n", S(x, "position_code"), S(x, "title_zh"),
						   S(x, "person_code"), S(x, "person_name"), S(x, "start_date"),
						   tb_json_str(x, "end_date") ? tb_json_str(x, "end_date") : "在任");
		printf("%zu tenures\n", json_array_size(t));
		json_decref(t);
	}
	return EXIT_OK;
}

static int official_add(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	json_t *p = json_object();
	static const char *const o[][2] = {{"--position", "position_code"}, {"--person", "person_code"},
					   {"--name", "person_name"},        {"--from", "start_date"},
					   {"--until", "end_date"},          {"--note", "note"}};
	for (size_t i = 0; i < sizeof o / sizeof o[0]; i++)
		if (opt(argc, argv, o[i][0])) json_object_set_new(p, o[i][1], json_string(opt(argc, argv, o[i][0])));
	tb_record rec = {.props = p, .name = "tenure"};
	tb_err e = {0};
	int rc = tb_write_create(db, &cli->actor, &tb_tenures, &rec, NULL, NULL, &e);
	if (!rc && cli->json) cli_print_json(json_pack("{s:I,s:O}", "fid", (json_int_t)rec.fid, "tenure", p));
	else if (!rc)
		printf("tenure %lld: %s %s in %s from %s\n", (long long)rec.fid, S(p, "person_code"), S(p, "person_name"),
		       S(p, "position_code"), S(p, "start_date"));
	json_decref(p);
	return rc ? cli_fail(cli, &e) : EXIT_OK;
}

int cmd_official(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("official");
	const char *sub = argc > 1 ? argv[1] : "";
	static const char *const lopts[] = {"--position", "--person", "--on", NULL};
	static const char *const aopts[] = {"--position", "--person", "--name", "--from", "--until", "--note", NULL};
	int rc = !strcmp(sub, "list")  ? check(cmd, argc, argv, lopts, 0)
		 : !strcmp(sub, "add") ? check(cmd, argc, argv, aopts, 0)
				       : cli_usage(cmd, "list or add?");
	if (rc) return rc;
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	rc = !strcmp(sub, "list") ? official_list(cli, db, argc, argv) : official_add(cli, db, argc, argv);
	tb_db_close(db);
	return rc;
}
