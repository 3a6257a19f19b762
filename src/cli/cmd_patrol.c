/* cmd_patrol.c — `tianbao patrol import FILE --ranger CODE` (a GPX or
 * GeoJSON track analysed and stored) and `tianbao patrol summary --month
 * YYYY-MM` (patrol days per ranger against the required days). */
#include "cli/cli.h"

#include "app/app.h"
#include "duty/patrol.h"

#include <stdio.h>
#include <string.h>

static void print_patrol(const json_t *p)
{
	printf("patrol #%lld of %s in grid %s: %s\n", (long long)json_integer_value(json_object_get(p, "fid")),
	       json_string_value(json_object_get(p, "ranger_code")),
	       json_string_value(json_object_get(p, "grid_code")) ?: "-",
	       json_string_value(json_object_get(p, "status")));
	if (json_is_true(json_object_get(p, "resubmitted")))
		printf("  (the same track was imported before: nothing stored again)\n");
	printf("  %s → %s\n", json_string_value(json_object_get(p, "start_time")),
	       json_string_value(json_object_get(p, "end_time")));
	printf("  %.2f km, %.2f h (moving %.2f h), max %.1f km/h, grid coverage %.1f %%, inside grid %.1f %%\n",
	       json_number_value(json_object_get(p, "distance_km")), json_number_value(json_object_get(p, "duration_h")),
	       json_number_value(json_object_get(p, "moving_h")), json_number_value(json_object_get(p, "max_speed_kmh")),
	       100 * json_number_value(json_object_get(p, "coverage")),
	       100 * json_number_value(json_object_get(p, "inside_share")));
	json_t *r = json_object_get(p, "reasons");
	if (json_array_size(r)) {
		printf("  reasons:");
		size_t i;
		json_t *x;
		json_array_foreach(r, i, x) printf(" %s", json_string_value(x));
		printf("\n");
	}
}

static int patrol_import(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	const tb_command *cmd = cli_command("patrol");
	const char *file = NULL, *ranger = NULL;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		if (!strcmp(argv[i], "--ranger") && i + 1 < argc) ranger = argv[++i];
		else if (argv[i][0] != '-' && !file) file = argv[i];
		else return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
	}
	if (!file || !ranger) return cli_usage(cmd, "patrol import needs FILE and --ranger CODE");
	tb_track t = {0};
	tb_err e = {0};
	json_t *p = NULL;
	int rc = tb_track_read_file(file, &t, &e);
	if (!rc) rc = tb_patrol_import(db, &cli->actor, ranger, &t, file, &p, &e);
	tb_track_free(&t);
	if (rc) return cli_fail(cli, &e);
	if (cli->json) cli_print_json(p);
	else {
		print_patrol(p);
		json_decref(p);
	}
	return EXIT_OK;
}

static int patrol_summary(tb_cli *cli, tb_db *db, int argc, char **argv)
{
	const char *month = NULL;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		if (!strcmp(argv[i], "--month") && i + 1 < argc) month = argv[++i];
		else return cli_usage(cli_command("patrol"), "unexpected argument '%s'", argv[i]);
	}
	tb_err e = {0};
	json_t *s = tb_patrol_summary(db, month, NULL, &e);
	if (!s) return cli_fail(cli, &e);
	if (cli->json) {
		cli_print_json(s);
		return EXIT_OK;
	}
	printf("%s: %s, %lld patrol days required\n", month,
	       json_is_true(json_object_get(s, "fire_season")) ? "fire season 防火期" : "outside the fire season",
	       (long long)json_integer_value(json_object_get(s, "required_days")));
	printf("%-16s %-10s %-18s %5s %8s %7s %6s %s\n", "ranger", "town", "grid", "days", "km", "hours", "suspect", "met");
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(s, "rangers"), i, r)
	printf("%-16s %-10s %-18s %5lld %8.2f %7.2f %6lld %s\n", json_string_value(json_object_get(r, "ranger")),
	       json_string_value(json_object_get(r, "town")) ?: "", json_string_value(json_object_get(r, "grid")) ?: "-",
	       (long long)json_integer_value(json_object_get(r, "patrol_days")), json_number_value(json_object_get(r, "km")),
	       json_number_value(json_object_get(r, "hours")), (long long)json_integer_value(json_object_get(r, "suspect")),
	       json_is_true(json_object_get(r, "met")) ? "是" : "否");
	json_decref(s);
	return EXIT_OK;
}

int cmd_patrol(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("patrol");
	if (argc < 2 || (strcmp(argv[1], "import") && strcmp(argv[1], "summary")))
		return cli_usage(cmd, "import or summary?");
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	int rc = !strcmp(argv[1], "import") ? patrol_import(cli, db, argc, argv) : patrol_summary(cli, db, argc, argv);
	tb_db_close(db);
	return rc;
}
