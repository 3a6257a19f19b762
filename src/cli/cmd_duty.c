/* cmd_duty.c — `tianbao duty check` (全覆盖 coverage of agreements, grids and
 * rangers) and `tianbao duty list` (the §4.2 duties of a unit). */
#include "cli/cli.h"

#include "app/app.h"
#include "duty/duty.h"

#include "base/num.h"
#include "base/tbtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_list(const char *title, const json_t *arr, const char *fmt_key)
{
	if (!json_array_size(arr)) return;
	printf("\n%s (%zu):\n", title, json_array_size(arr));
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
	{
		if (i == 20) {
			printf("  … %zu more\n", json_array_size(arr) - 20);
			break;
		}
		json_t *ha = json_object_get(x, "ha");
		printf("  %-22s %-10s", json_string_value(json_object_get(x, fmt_key)),
		       json_string_value(json_object_get(x, "town")) ?: "");
		if (ha) printf(" %10.4f ha", json_number_value(ha));
		json_t *g = json_object_get(x, "grid");
		if (g) printf(" grid %s", json_string_value(g));
		printf("\n");
	}
}

static void print_check(const json_t *r)
{
	const json_t *t = json_object_get(r, "totals");
	printf("全覆盖检查 coverage check (%s): %s\n", json_string_value(json_object_get(r, "date")),
	       json_is_true(json_object_get(r, "ok")) ? "全覆盖 complete" : "GAPS FOUND");
	printf("  natural parcels checked: %lld, grids: %lld\n",
	       (long long)json_integer_value(json_object_get(r, "parcels_checked")),
	       (long long)json_integer_value(json_object_get(r, "grids")));
	printf("  outside every grid: %.4f ha in %lld parcels; grid overlaps: %.4f ha (%lld)\n",
	       json_number_value(json_object_get(t, "gap_ha")), (long long)json_integer_value(json_object_get(t, "gaps")),
	       json_number_value(json_object_get(t, "overlap_ha")), (long long)json_integer_value(json_object_get(t, "overlaps")));
	printf("  in several grids: %lld; grid without active ranger: %lld; no valid agreement chain: %lld\n",
	       (long long)json_integer_value(json_object_get(t, "split")),
	       (long long)json_integer_value(json_object_get(t, "no_ranger")),
	       (long long)json_integer_value(json_object_get(t, "no_agreement")));
	print_list("网格外 outside every grid", json_object_get(r, "gaps"), "parcel");
	print_list("网格重叠 grid overlaps", json_object_get(r, "overlaps"), "parcel");
	print_list("跨网格 in several grids", json_object_get(r, "split"), "parcel");
	print_list("无在岗护林员 no active ranger", json_object_get(r, "no_ranger"), "parcel");
	print_list("无有效协议 no valid agreement chain", json_object_get(r, "no_agreement"), "parcel");
	const json_t *ex = json_object_get(r, "expiring");
	if (json_array_size(ex)) printf("\n即将到期协议 agreements expiring (%zu):\n", json_array_size(ex));
	size_t i;
	json_t *x;
	json_array_foreach(ex, i, x)
	{
		if (i == 20) break;
		printf("  %-24s ends %s (%lld days) %s → %s\n", json_string_value(json_object_get(x, "code")),
		       json_string_value(json_object_get(x, "end_date")),
		       (long long)json_integer_value(json_object_get(x, "days_left")),
		       json_string_value(json_object_get(x, "party_a")), json_string_value(json_object_get(x, "party_b")));
	}
}

int cmd_duty(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("duty");
	if (argc < 2 || strcmp(argv[1], "check")) return cli_usage(cmd, "only `duty check` exists so far");
	const char *today = NULL;
	long days = 60;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		if (!strcmp(argv[i], "--today") && i + 1 < argc) today = argv[++i];
		else if (!strcmp(argv[i], "--expiring-days") && i + 1 < argc) {
			if (!tb_num_long(argv[++i], 0, 36500, &days))
				return cli_usage(cmd, "--expiring-days wants a number of days (0–36500), got '%s'", argv[i]);
		} else return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
	}
	int64_t ms;
	if (today && (strlen(today) != 10 || !tb_time_parse_iso(today, &ms)))
		return cli_usage(cmd, "--today wants YYYY-MM-DD, got '%s'", today);
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	json_t *r = tb_duty_check(db, today, days, &e);
	tb_db_close(db);
	if (!r) return cli_fail(cli, &e);
	if (cli->json) cli_print_json(r);
	else {
		print_check(r);
		json_decref(r);
	}
	return EXIT_OK;
}
