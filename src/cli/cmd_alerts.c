/* cmd_alerts.c — `tianbao monitor sites|indicators|import-tally` (the
 * monitoring station and points, plot indicators, a tally CSV into a
 * survey) and `tianbao alert list|raise|assign|verify|close` (the alert
 * loop from the command line).  Parsing only; the work is in src/monitor. */
#include "cli/cli.h"

#include "app/app.h"
#include "base/file.h"
#include "base/json.h"
#include "db/attach.h"
#include "monitor/alert.h"
#include "monitor/sites.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *arg_after(int argc, char **argv, const char *name)
{
	for (int i = 2; i + 1 < argc; i++)
		if (!strcmp(argv[i], name)) return argv[i + 1];
	return NULL;
}

/* Options with a value that a command knows; anything else is refused. */
static int check_args(const tb_command *cmd, int argc, char **argv, int first, const char *const *opts, int npos)
{
	int pos = 0;
	for (int i = first; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		bool known = false;
		for (int k = 0; opts[k]; k++)
			if (!strcmp(argv[i], opts[k])) known = true;
		if (known && i + 1 < argc) i++;
		else if (argv[i][0] != '-' && pos < npos) pos++;
		else return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
	}
	return 0;
}

static const char *pos_arg(int argc, char **argv, int first, const char *const *opts)
{
	for (int i = first; i < argc; i++) {
		bool known = false;
		for (int k = 0; opts[k]; k++)
			if (!strcmp(argv[i], opts[k])) known = true;
		if (known) i++;
		else if (argv[i][0] != '-') return argv[i];
	}
	return NULL;
}

/* ---- monitor ------------------------------------------------------------------------------------ */

static int monitor_sites(tb_cli *cli, tb_db *db)
{
	tb_err e = {0};
	json_t *s = tb_monitor_site_list(db, &e);
	if (!s) return cli_fail(cli, &e);
	if (cli->json) {
		cli_print_json(s);
		return EXIT_OK;
	}
	printf("%-8s %-22s %-8s %-10s %6s %4s %5s %7s  %s\n", "code", "name 名称", "kind", "town", "m²", "staff", "plots",
	       "surveys", "lon,lat");
	size_t i;
	json_t *x;
	json_array_foreach(s, i, x)
	printf("%-8s %-22s %-8s %-10s %6.0f %4lld %5lld %7lld  %.4f,%.4f\n", tb_json_str(x, "code"), tb_json_str(x, "name"),
	       tb_json_str(x, "kind"), tb_json_str(x, "town_code"), tb_json_num(x, "housing_m2", 0),
	       (long long)json_integer_value(json_object_get(x, "staff_count")),
	       (long long)json_integer_value(json_object_get(x, "plots")),
	       (long long)json_integer_value(json_object_get(x, "surveys")), tb_json_num(x, "lon", 0), tb_json_num(x, "lat", 0));
	printf("(locations are schematic 位置为示意)\n");
	json_decref(s);
	return EXIT_OK;
}

static int monitor_indicators(tb_cli *cli, tb_db *db, const char *survey)
{
	int64_t fid;
	tb_err e = {0};
	json_t *o = NULL;
	if (tb_survey_find(db, survey, &fid, &e) || !(o = tb_survey_indicators(db, fid, NULL, &e))) return cli_fail(cli, &e);
	if (cli->json) {
		cli_print_json(o);
		return EXIT_OK;
	}
	printf("survey %s of plot %s (%s), %.0f m², %lld trees tallied\n", tb_json_str(o, "survey"), tb_json_str(o, "plot"),
	       tb_json_str(o, "date"), tb_json_num(o, "area_m2", 0), (long long)json_integer_value(json_object_get(o, "trees_tallied")));
	printf("  stems 株数/ha          %10.1f  (live, DBH ≥ 5 cm)\n", tb_json_num(o, "stems_ha", 0));
	printf("  basal area 断面积      %10.3f  m²/ha\n", tb_json_num(o, "basal_area_m2_ha", 0));
	printf("  mean DBH 平均胸径      %10.2f  cm (quadratic mean %.2f cm)\n", tb_json_num(o, "mean_dbh_cm", 0),
	       tb_json_num(o, "qmd_cm", 0));
	printf("  Shannon H'             %10.3f\n", tb_json_num(o, "shannon", 0));
	printf("  volume 蓄积            %10.2f  m³/ha (%lld heights estimated)\n", tb_json_num(o, "volume_m3_ha", 0),
	       (long long)json_integer_value(json_object_get(o, "heights_estimated")));
	printf("  regeneration 更新      %10.1f  seedlings/ha, %.1f saplings/ha\n", tb_json_num(o, "seedlings_ha", 0),
	       tb_json_num(o, "saplings_ha", 0));
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(o, "species"), i, x)
	printf("    %-5s %4lld stems %8.1f /ha %7.3f m²/ha %8.2f m³/ha\n", tb_json_str(x, "species"),
	       (long long)json_integer_value(json_object_get(x, "stems")), tb_json_num(x, "stems_ha", 0),
	       tb_json_num(x, "basal_area_m2_ha", 0), tb_json_num(x, "volume_m3_ha", 0));
	json_decref(o);
	return EXIT_OK;
}

static int monitor_import_tally(tb_cli *cli, tb_db *db, const char *file, const char *survey)
{
	size_t n;
	tb_err e = {0};
	char *text = tb_file_read(file, CLI_MAX_FILE, &n, &e);
	if (!text) return cli_fail(cli, &e);
	tb_errlist errs;
	tb_errlist_init(&errs, 50);
	int64_t count = 0;
	int rc = tb_tally_import(db, &cli->actor, survey, text, n, &count, &errs, &e);
	free(text);
	if (rc) {
		rc = errs.len ? cli_fail_list(cli, &errs, &e) : cli_fail(cli, &e);
		tb_errlist_free(&errs);
		return rc;
	}
	tb_errlist_free(&errs);
	if (cli->json) cli_print_json(json_pack("{s:s,s:I}", "survey", survey, "trees", (json_int_t)count));
	else printf("%lld trees added to survey %s\n", (long long)count, survey);
	return EXIT_OK;
}

int cmd_monitor(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("monitor");
	static const char *const opts[] = {"--survey", NULL};
	const char *sub = argc > 1 ? argv[1] : "";
	int npos = !strcmp(sub, "sites") ? 0 : 1;
	if (strcmp(sub, "sites") && strcmp(sub, "indicators") && strcmp(sub, "import-tally"))
		return cli_usage(cmd, "sites, indicators or import-tally?");
	int rc = check_args(cmd, argc, argv, 2, opts, npos);
	if (rc) return rc;
	const char *what = pos_arg(argc, argv, 2, opts), *survey = arg_after(argc, argv, "--survey");
	if (npos && !what) return cli_usage(cmd, "%s needs %s", sub, !strcmp(sub, "indicators") ? "SURVEY" : "FILE");
	if (!strcmp(sub, "import-tally") && !survey) return cli_usage(cmd, "import-tally needs --survey CODE");
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	rc = !strcmp(sub, "sites") ? monitor_sites(cli, db)
	     : !strcmp(sub, "indicators") ? monitor_indicators(cli, db, what)
					  : monitor_import_tally(cli, db, what, survey);
	tb_db_close(db);
	return rc;
}

/* ---- alert ------------------------------------------------------------------------------------------ */

static void print_alert(const json_t *a)
{
	printf("%-18s %-9s %-11s %-9s %-10s %-16s %-12s %s\n", tb_json_str(a, "code"), tb_json_str(a, "status"),
	       tb_json_str(a, "type"), tb_json_str(a, "source"), tb_json_str(a, "town_code") ?: "-",
	       tb_json_str(a, "grid_code") ?: "-", tb_json_str(a, "ranger_code") ?: "-", tb_json_str(a, "observed_at"));
}

static int alert_list(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	static const char *const opts[] = {"--status", "--type", "--source", "--ranger", NULL};
	int rc = check_args(cli_command("alert"), argc, argv, 2, opts, 0);
	if (rc) return rc;
	static const char *const fields[] = {"status", "type", "source", "ranger_code"};
	tb_filter f[4];
	int n = 0;
	for (int i = 0; i < 4; i++)
		if (arg_after(argc, argv, opts[i])) f[n++] = (tb_filter){fields[i], "eq", arg_after(argc, argv, opts[i])};
	tb_query q = {.filters = f, .nfilters = n, .sort = "-fid", .limit = 10000};
	tb_rows rows;
	tb_err e = {0};
	if (tb_record_list(db, &tb_alerts, &q, &rows, &e)) return cli_fail(cli, &e);
	if (cli->json) cli_print_json(json_incref(rows.items));
	else {
		printf("%-18s %-9s %-11s %-9s %-10s %-16s %-12s %s\n", "code", "status", "type", "source", "town", "grid",
		       "ranger", "observed");
		for (size_t i = 0; i < rows.n; i++) print_alert(json_array_get(rows.items, i));
		printf("%lld alerts\n", (long long)rows.total);
	}
	tb_rows_free(&rows);
	return EXIT_OK;
}

static GEOSGeometry *geometry_arg(const char *file, const char *point, tb_err *e)
{
	if (point) {
		double x, y;
		char tail;
		if (sscanf(point, "%lf,%lf%c", &x, &y, &tail) != 2) {
			tb_err_set(e, TB_EUSAGE, NULL, "point", "--point needs LON,LAT, got '%s'", point);
			return NULL;
		}
		json_t *g = json_pack("{s:s,s:[f,f]}", "type", "Point", "coordinates", x, y);
		GEOSGeometry *out = tb_alert_geom_from_json(g, e);
		json_decref(g);
		return out;
	}
	size_t n;
	char *text = tb_file_read(file, CLI_MAX_FILE, &n, e);
	if (!text) return NULL;
	json_t *j = tb_json_parse(text, n, e);
	free(text);
	if (!j) return NULL;
	json_t *g = j; /* a geometry, a Feature or the first feature of a collection */
	if (json_object_get(g, "features")) g = json_array_get(json_object_get(g, "features"), 0);
	if (json_object_get(g, "geometry")) g = json_object_get(g, "geometry");
	GEOSGeometry *out = tb_alert_geom_from_json(g, e);
	if (!out) snprintf(e->record, sizeof e->record, "%s", file);
	json_decref(j);
	return out;
}

static int alert_raise(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	const tb_command *cmd = cli_command("alert");
	static const char *const opts[] = {"--type", "--source", "--at", "--geometry", "--point", "--confidence",
					   "--note", "--media", "--external-id", NULL};
	int rc = check_args(cmd, argc, argv, 2, opts, 0);
	if (rc) return rc;
	const char *file = arg_after(argc, argv, "--geometry"), *point = arg_after(argc, argv, "--point");
	const char *conf = arg_after(argc, argv, "--confidence");
	if (!arg_after(argc, argv, "--type") || !arg_after(argc, argv, "--source") || !arg_after(argc, argv, "--at") ||
	    (!file == !point))
		return cli_usage(cmd, "alert raise needs --type, --source, --at and one of --geometry FILE or --point LON,LAT");
	char *end = NULL;
	double c = conf ? strtod(conf, &end) : 1.0;
	if (conf && (*end || end == conf)) return cli_usage(cmd, "--confidence needs a number from 0 to 1");
	tb_err e = {0};
	GEOSGeometry *g = geometry_arg(file, point, &e);
	if (!g) return cli_fail(cli, &e);
	tb_alert_in in = {arg_after(argc, argv, "--source"), arg_after(argc, argv, "--type"), arg_after(argc, argv, "--at"),
			  g, c, arg_after(argc, argv, "--media"), arg_after(argc, argv, "--note"),
			  arg_after(argc, argv, "--external-id")};
	int64_t id;
	bool merged;
	json_t *a = NULL;
	rc = tb_alert_raise(db, &cli->actor, &in, &id, &merged, &e);
	GEOSGeom_destroy_r(tb_geos(), g);
	if (rc || tb_record_get(db, &tb_alerts, id, &a, NULL, &e)) return cli_fail(cli, &e);
	json_object_set_new(a, "merged", json_boolean(merged));
	if (cli->json) cli_print_json(a);
	else {
		printf("%s %s\n", merged ? "merged into" : "raised", tb_json_str(a, "code"));
		print_alert(a);
		json_decref(a);
	}
	return EXIT_OK;
}

typedef int (*alert_op)(tb_db *, const tb_actor *, int64_t, const tb_alert_action *, json_t **, tb_err *);

static int alert_act(tb_cli *cli, tb_db *db, int argc, char **argv, alert_op op)
{
	const tb_command *cmd = cli_command("alert");
	static const char *const opts[] = {"--ranger", "--result", "--note", "--photo",
					   "--photo-file", "--loss-ha", "--loss-geometry", NULL};
	int rc = check_args(cmd, argc, argv, 2, opts, 1);
	if (rc) return rc;
	const char *code = pos_arg(argc, argv, 2, opts), *loss = arg_after(argc, argv, "--loss-ha");
	if (!code) return cli_usage(cmd, "%s needs the alert CODE", argv[1]);
	char *end = NULL;
	double l = loss ? strtod(loss, &end) : NAN;
	if (loss && (*end || end == loss)) return cli_usage(cmd, "--loss-ha needs a number of hectares");
	tb_err e = {0};
	char sha[65] = "";
	const char *photo = arg_after(argc, argv, "--photo"), *pfile = arg_after(argc, argv, "--photo-file");
	if (pfile) { /* store the photo first, then refer to it */
		size_t n;
		char *data = tb_file_read(pfile, CLI_MAX_FILE, &n, &e);
		const char *mime;
		rc = data ? tb_attach_put(db, &cli->actor, pfile, data, n, sha, &mime, &e) : TB_EIO;
		free(data);
		if (rc) return cli_fail(cli, &e);
		photo = sha;
	}
	/* the lost area: a GeoJSON file (a geometry or a Feature) in lon/lat */
	const char *gfile = arg_after(argc, argv, "--loss-geometry");
	json_t *lg = NULL;
	if (gfile) {
		json_error_t je;
		lg = json_load_file(gfile, 0, &je);
		if (!lg) {
			tb_err_set(&e, TB_EINPUT, gfile, "loss_geometry", "not GeoJSON: %s (line %d)", je.text, je.line);
			return cli_fail(cli, &e);
		}
		const char *t = json_string_value(json_object_get(lg, "type"));
		if (t && !strcmp(t, "Feature")) {
			json_t *g = json_incref(json_object_get(lg, "geometry"));
			json_decref(lg);
			lg = g;
		}
	}
	tb_alert_action a = {arg_after(argc, argv, "--ranger"), arg_after(argc, argv, "--result"),
			     arg_after(argc, argv, "--note"), photo, l, NULL, lg};
	int64_t id;
	json_t *out = NULL;
	rc = tb_alert_find(db, code, &id, &e) || op(db, &cli->actor, id, &a, &out, &e);
	json_decref(lg);
	if (rc) return cli_fail(cli, &e);
	if (cli->json) cli_print_json(out);
	else {
		print_alert(out);
		json_decref(out);
	}
	return EXIT_OK;
}

int cmd_alert(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("alert");
	static const char *const subs[] = {"list", "raise", "assign", "verify", "close", NULL};
	int k = -1;
	for (int i = 0; argc > 1 && subs[i]; i++)
		if (!strcmp(argv[1], subs[i])) k = i;
	if (k < 0) return cli_usage(cmd, "list, raise, assign, verify or close?");
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	static const alert_op ops[] = {NULL, NULL, tb_alert_assign, tb_alert_verify, tb_alert_close};
	int rc = k == 0 ? alert_list(cli, db, argc, argv)
		 : k == 1 ? alert_raise(cli, db, argc, argv)
			  : alert_act(cli, db, argc, argv, ops[k]);
	tb_db_close(db);
	return rc;
}
