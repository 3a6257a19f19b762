/* cmd_io.c — import and export: argument parsing and the report printed
 * around io/gis.h. */
#include "cli/cli.h"

#include "app/app.h"
#include "io/gis.h"
#include "registry/registry.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "parcels, zones, … or trainings" */
static void layer_list(char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; tb_app_import_layers[i] && used < size; i++) {
		const char *sep = !i ? "" : tb_app_import_layers[i + 1] ? ", " : " or ";
		int k = snprintf(buf + used, size - used, "%s%s", sep, tb_app_import_layers[i]);
		used += k > 0 ? (size_t)k : 0;
	}
}

static void print_report(const tb_import_report *rep, const tb_import_opts *o, const char *layer)
{
	printf("%s %s: %lld of %lld features%s\n", o->dry_run ? "dry run, nothing written —" : "imported",
	       layer, (long long)rep->imported, (long long)rep->features,
	       o->dry_run ? " would be imported" : "");
	printf("  coordinate system: %s\n  text encoding: %s\n", rep->srs[0] ? rep->srs : "-", rep->encoding);
	const char *k;
	json_t *v;
	json_object_foreach(rep->columns, k, v)
	{
		if (json_is_null(v)) printf("  column %s: ignored\n", k);
		else if (!strcmp(json_string_value(v), "extra")) printf("  column %s: kept as an extra attribute\n", k);
		else if (strstr(json_string_value(v), "recomputed")) printf("  column %s: %s\n", k, json_string_value(v));
	}
	size_t i;
	json_array_foreach(rep->notes, i, v)
	printf("  %s: %s (feature %lld%s)\n", json_string_value(json_object_get(v, "field")),
	       json_string_value(json_object_get(v, "note")), (long long)json_integer_value(json_object_get(v, "feature")),
	       json_integer_value(json_object_get(v, "count")) > 1 ? " and others like it" : "");
	json_t *kz = json_object_get(rep->derived, "key_zone_parcels");
	if (kz) printf("  key-zone area recomputed: %lld parcels changed\n", (long long)json_integer_value(kz));
	json_array_foreach(rep->repairs, i, v)
	printf("  repaired feature %lld: %s\n", (long long)json_integer_value(json_object_get(v, "feature")),
	       json_string_value(json_object_get(v, "what")));
	if (rep->event_seq) printf("  event #%lld\n", (long long)rep->event_seq);
}

int cmd_import(tb_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"layer", required_argument, 0, 'l'}, {"source-layer", required_argument, 0, 'L'},
		{"encoding", required_argument, 0, 'e'}, {"srs", required_argument, 0, 's'},
		{"repair", no_argument, 0, 'r'}, {"dry-run", no_argument, 0, 'n'},
		{"json", no_argument, 0, 'j'}, {0}};
	const tb_command *cmd = cli_command("import");
	tb_import_opts o = {.actor = &cli->actor, .progress = !cli->json && !cli->quiet};
	const char *layer = "parcels";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': layer = optarg; break;
		case 'L': o.src_layer = optarg; break;
		case 'e': o.encoding = optarg; break;
		case 's': o.srs = optarg; break;
		case 'r': o.repair = true; break;
		case 'n': o.dry_run = true; break;
		case 'j': break;
		default: return cli_usage(cmd, "unknown option");
		}
	}
	if (optind != argc - 1) return cli_usage(cmd, optind >= argc ? "which file?" : "one file at a time");
	const tb_resource *r = tb_app_import_resource(layer);
	if (!r) {
		char layers[256];
		layer_list(layers, sizeof layers);
		return cli_usage(cmd, "--layer must be %s, not '%s'", layers, layer);
	}
	o.path = argv[optind];
	tb_err e = {0};
	tb_db *db;
	if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
	tb_import_report rep;
	tb_errlist errs;
	tb_errlist_init(&errs, 1000);
	int rc = tb_registry_import(db, r, &o, &rep, &errs, &e);
	int exit;
	if (rc) exit = cli_fail_list(cli, &errs, &e);
	else if (cli->json) {
		json_t *out = json_pack("{s:s,s:I,s:I,s:I,s:s,s:s,s:O,s:O,s:O,s:b,s:I}", "layer", layer, "features",
					(json_int_t)rep.features, "imported", (json_int_t)rep.imported,
					"repaired", (json_int_t)rep.repaired, "srs", rep.srs, "encoding",
					rep.encoding, "columns", rep.columns, "repairs", rep.repairs, "notes",
					rep.notes, "dry_run", o.dry_run, "event", (json_int_t)rep.event_seq);
		json_object_update(out, rep.derived);
		cli_print_json(out);
		exit = EXIT_OK;
	} else {
		if (!cli->quiet) print_report(&rep, &o, layer);
		exit = EXIT_OK;
	}
	tb_import_report_free(&rep);
	tb_errlist_free(&errs);
	tb_db_close(db);
	return exit;
}

int cmd_export(tb_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"layer", required_argument, 0, 'l'},
					     {"format", required_argument, 0, 'f'},
					     {"json", no_argument, 0, 'j'}, {0}};
	const tb_command *cmd = cli_command("export");
	tb_export_opts o = {0};
	const char *layer = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l') layer = optarg;
		else if (c == 'f') o.format = optarg;
		else if (c != 'j') return cli_usage(cmd, "unknown option");
	}
	if (optind != argc - 1) return cli_usage(cmd, "which file?");
	if (!layer) return cli_usage(cmd, "--layer is required");
	const tb_resource *r = tb_app_resource(layer);
	if (!r) return cli_usage(cmd, "unknown layer '%s'", layer);
	o.path = argv[optind];
	if (!tb_export_driver(o.format, o.path))
		return cli_usage(cmd, "cannot tell the format of '%s'; give --format", o.path);
	tb_err e = {0};
	tb_db *db;
	if (tb_registry_open(cli->db_path, true, &db, &e)) return cli_fail(cli, &e);
	int64_t n = 0;
	int rc = tb_export(db, r, &o, &n, &e);
	tb_db_close(db);
	if (rc) return cli_fail(cli, &e);
	if (cli->json)
		cli_print_json(json_pack("{s:s,s:s,s:I}", "file", o.path, "layer", layer, "features", (json_int_t)n));
	else if (!cli->quiet)
		printf("exported %lld %s to %s\n", (long long)n, layer, o.path);
	return EXIT_OK;
}
