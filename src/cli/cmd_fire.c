/* cmd_fire.c — `tianbao fire FILE.csv` (FWI indices for a weather table,
 * no database), `tianbao weather import FILE --station CODE` (stored,
 * danger recomputed, warnings sent) and `tianbao pest status` (degree
 * days, stages, grades, warnings).  Parsing and printing only: the work is
 * in monitor/fire.c and monitor/pest.c. */
#include "cli/cli.h"

#include "app/app.h"
#include "base/file.h"
#include "monitor/fire.h"
#include "monitor/pest.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_lat(const char *s, double *lat)
{
	char *end;
	*lat = strtod(s, &end);
	return *end == '\0' && end != s && *lat >= -90 && *lat <= 90;
}

static void print_table(const json_t *rows)
{
	bool minmax = false;
	size_t i;
	json_t *o;
	json_array_foreach(rows, i, o) if (json_object_get(o, "tmax") || json_object_get(o, "tmin"))
	    minmax = true;
	printf("date,temp,rh,wind,rain%s,ffmc,dmc,dc,isi,bui,fwi,dsr,level\n",
	       minmax ? ",tmax,tmin" : "");
	json_array_foreach(rows, i, o)
	{
		printf("%s,%g,%g,%g,%g", json_string_value(json_object_get(o, "date")),
		       json_number_value(json_object_get(o, "temp")),
		       json_number_value(json_object_get(o, "rh")),
		       json_number_value(json_object_get(o, "wind")),
		       json_number_value(json_object_get(o, "rain")));
		if (minmax) {
			json_t *hi = json_object_get(o, "tmax"), *lo = json_object_get(o, "tmin");
			hi ? printf(",%g", json_number_value(hi)) : printf(",");
			lo ? printf(",%g", json_number_value(lo)) : printf(",");
		}
		printf(",%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%lld\n",
		       json_number_value(json_object_get(o, "ffmc")),
		       json_number_value(json_object_get(o, "dmc")),
		       json_number_value(json_object_get(o, "dc")),
		       json_number_value(json_object_get(o, "isi")),
		       json_number_value(json_object_get(o, "bui")),
		       json_number_value(json_object_get(o, "fwi")),
		       json_number_value(json_object_get(o, "dsr")),
		       (long long)json_integer_value(json_object_get(o, "level")));
	}
}

int cmd_fire(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("fire");
	const char *file = NULL;
	double lat = NAN;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		if (!strcmp(argv[i], "--lat") && i + 1 < argc) {
			if (!parse_lat(argv[++i], &lat))
				return cli_usage(cmd, "--lat: '%s' is not a latitude in [-90, 90]",
				                 argv[i]);
		} else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else
			return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
	}
	if (!file) return cli_usage(cmd, "name the weather CSV file");
	tb_err e = {0};
	tb_fire_config c;
	if (tb_fire_config_load(NULL, &c, &e)) return cli_fail(cli, &e);
	if (isnan(lat)) lat = c.default_lat;
	size_t len = 0;
	char *text = tb_file_read(file, CLI_MAX_FILE, &len, &e);
	if (!text) return cli_fail(cli, &e);
	json_t *rows = NULL;
	int rc = tb_fire_table(&c, text, len, file, lat, &rows, &e);
	free(text);
	if (rc) return cli_fail(cli, &e);
	if (cli->json)
		cli_print_json(rows);
	else {
		print_table(rows);
		json_decref(rows);
	}
	return EXIT_OK;
}

static void print_import(const json_t *r)
{
	const json_t *w = json_object_get(r, "warnings");
	printf("weather %s %s: %lld days stored, %lld replaced (%s … %s)\n",
	       json_string_value(json_object_get(r, "station")),
	       json_string_value(json_object_get(r, "name")),
	       (long long)json_integer_value(json_object_get(r, "stored")),
	       (long long)json_integer_value(json_object_get(r, "replaced")),
	       json_string_value(json_object_get(r, "from")),
	       json_string_value(json_object_get(r, "to")));
	printf("%-10s %6s %6s %6s %6s %6s %6s %6s %s\n", "date", "FFMC", "DMC", "DC", "ISI", "BUI",
	       "FWI", "DSR", "level 等级");
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(r, "danger"), i, d)
	    printf("%-10s %6.1f %6.1f %6.1f %6.1f %6.1f %6.1f %6.1f %lld\n",
	           json_string_value(json_object_get(d, "date")),
	           json_number_value(json_object_get(d, "ffmc")),
	           json_number_value(json_object_get(d, "dmc")),
	           json_number_value(json_object_get(d, "dc")),
	           json_number_value(json_object_get(d, "isi")),
	           json_number_value(json_object_get(d, "bui")),
	           json_number_value(json_object_get(d, "fwi")),
	           json_number_value(json_object_get(d, "dsr")),
	           (long long)json_integer_value(json_object_get(d, "level")));
	const char *why = json_string_value(json_object_get(w, "error"));
	printf("warnings 预警: %lld due, %lld sent, %lld suppressed, %lld could not be sent%s%s\n",
	       (long long)json_integer_value(json_object_get(w, "due")),
	       (long long)json_integer_value(json_object_get(w, "sent")),
	       (long long)json_integer_value(json_object_get(w, "suppressed")),
	       (long long)json_integer_value(json_object_get(w, "failed")), why ? ": " : "",
	       why ? why : "");
}

int cmd_weather(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("weather");
	if (argc < 2 || strcmp(argv[1], "import"))
		return cli_usage(cmd, "weather import FILE --station CODE");
	const char *file = NULL, *station = NULL;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		if (!strcmp(argv[i], "--station") && i + 1 < argc)
			station = argv[++i];
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else
			return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
	}
	if (!file || !station)
		return cli_usage(cmd, "weather import needs FILE and --station CODE");
	tb_err e = {0};
	size_t len = 0;
	char *text = tb_file_read(file, CLI_MAX_FILE, &len, &e);
	json_t *records = NULL, *res = NULL;
	if (!text || tb_weather_csv_parse(text, len, file, &records, &e)) {
		free(text);
		return cli_fail(cli, &e);
	}
	free(text);
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) {
		json_decref(records);
		return cli_fail(cli, &e);
	}
	tb_errlist errs;
	tb_errlist_init(&errs, 100);
	int rc = tb_weather_import(db, &cli->actor, station, records, "csv", file, &res, &errs, &e);
	json_decref(records);
	tb_db_close(db);
	if (rc) {
		rc = cli_fail_list(cli, &errs, &e);
		tb_errlist_free(&errs);
		return rc;
	}
	tb_errlist_free(&errs);
	if (cli->json)
		cli_print_json(res);
	else {
		print_import(res);
		json_decref(res);
	}
	return EXIT_OK;
}

static void print_status(const json_t *s)
{
	size_t i, k;
	json_t *st, *sp;
	printf("pest status 虫情 %s\n", json_string_value(json_object_get(s, "date")));
	json_array_foreach(json_object_get(s, "stations"), i, st)
	{
		json_array_foreach(json_object_get(st, "species"), k, sp)
		{
			const json_t *stage = json_object_get(sp, "stage"),
			             *next = json_object_get(sp, "next");
			printf("  %s %s: %s %.1f degree days (base %.1f °C, from %s, %lld days, "
			       "%lld missing); stage: %s",
			       json_string_value(json_object_get(st, "station")),
			       json_string_value(json_object_get(st, "name")),
			       json_string_value(json_object_get(sp, "name_zh")),
			       json_number_value(json_object_get(sp, "degree_days")),
			       json_number_value(json_object_get(sp, "base_temp")),
			       json_string_value(json_object_get(sp, "biofix")),
			       (long long)json_integer_value(json_object_get(sp, "days")),
			       (long long)json_integer_value(json_object_get(sp, "missing_days")),
			       json_is_object(stage)
			           ? json_string_value(json_object_get(stage, "name_zh"))
			           : "—");
			if (json_is_object(next))
				printf("; next %s in %.1f",
				       json_string_value(json_object_get(next, "name_zh")),
				       json_number_value(json_object_get(next, "remaining_dd")));
			printf("\n");
		}
	}
	json_array_foreach(json_object_get(s, "surveys"), i, sp)
	    printf("  survey %s %s: infested %.2f %%, leaf loss %.0f %%, grade %s%s\n",
	           json_string_value(json_object_get(sp, "parcel_code")),
	           json_string_value(json_object_get(sp, "date")),
	           json_number_value(json_object_get(sp, "infested_rate_pct")),
	           json_number_value(json_object_get(sp, "leaf_loss_pct")),
	           json_string_value(json_object_get(sp, "grade_zh")) ?: "-",
	           json_is_true(json_object_get(sp, "disaster")) ? " 成灾" : "");
	json_array_foreach(json_object_get(s, "warnings"), i, sp) printf(
	    "  warning %lld: %s\n", (long long)json_integer_value(json_object_get(sp, "level")),
	    json_string_value(json_object_get(sp, "text_zh")));
}

int cmd_pest(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("pest");
	if (argc < 2 || strcmp(argv[1], "status")) return cli_usage(cmd, "pest status?");
	const char *station = NULL, *date = NULL;
	bool notify = false;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		if (!strcmp(argv[i], "--station") && i + 1 < argc)
			station = argv[++i];
		else if (!strcmp(argv[i], "--date") && i + 1 < argc)
			date = argv[++i];
		else if (!strcmp(argv[i], "--notify"))
			notify = true;
		else
			return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
	}
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	json_t *s = tb_pest_status(db, station, date, NULL, &e);
	if (s && notify) json_object_set_new(s, "notified", tb_pest_notify(db, &cli->actor, s));
	tb_db_close(db);
	if (!s) return cli_fail(cli, &e);
	if (cli->json)
		cli_print_json(s);
	else {
		print_status(s);
		json_decref(s);
	}
	return EXIT_OK;
}
