/* cmd_change.c — `tianbao detect-change BEFORE AFTER`: argument parsing, the
 * progress bar and printing; detection and recording live in
 * monitor/change.c (§3.1.3). */
#include "cli/cli.h"

#include "app/app.h"
#include "geo/geo.h"
#include "monitor/change.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void bar(void *ctx, int64_t done, int64_t total)
{
	(void)ctx;
	int pct = total > 0 ? (int)(done * 100 / total) : 100, bars = pct / 4;
	fprintf(stderr, "\r变化检测 detecting %7lld/%lld rows [", (long long)done, (long long)total);
	for (int k = 0; k < 25; k++) fputc(k < bars ? '=' : k == bars ? '>' : ' ', stderr);
	fprintf(stderr, "] %3d%%%s", pct, done >= total ? "\n" : "");
}

static bool num(const char *s, double *v)
{
	char *end;
	*v = strtod(s, &end);
	return *s && !*end && isfinite(*v);
}

static bool band(const char *s, int *v)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (!*s || *end || n < 0 || n > 1000) return false;
	*v = (int)n;
	return true;
}

/* --date YYYY-MM-DD[THH:MM:SSZ] → ISO 8601 UTC */
static bool iso_date(const char *s, char *out, size_t n)
{
	int Y, M, D, h = 0, m = 0, sec = 0;
	size_t len = strlen(s);
	if (len == 10 && sscanf(s, "%4d-%2d-%2d", &Y, &M, &D) == 3) {
	} else if (len >= 19 && sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &Y, &M, &D, &h, &m, &sec) == 6) {
	} else return false;
	if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return false;
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", Y, M, D, h, m, sec);
	return true;
}

/* The acquisition time of the AFTER image (ISO 8601, or a date first) as
 * the observation time; out stays "" when there is none. */
static void after_date(const char *acquired, char *out, size_t n)
{
	if (!acquired[0] || iso_date(acquired, out, n)) return;
	char d10[11];
	snprintf(d10, sizeof d10, "%.10s", acquired);
	if (!iso_date(d10, out, n)) out[0] = 0;
}

/* Refuse a recording run whose AFTER image has no date, before analysing:
 * nothing analysed, nothing recorded (the JSON says recorded 0). */
static int no_date(const tb_cli *cli, const char *after)
{
	tb_err e = {0};
	tb_err_set(&e, TB_EINPUT, after, "date",
		   "the AFTER image has no acquisition date (TIFFTAG_DATETIME): give --date (nothing was analysed)");
	char msg[1024];
	tb_err_format(&e, msg, sizeof msg);
	if (cli->json) {
		json_t *j = json_pack("{s:n,s:b,s:i,s:s}", "observed_at", "dry_run", 0, "recorded", 0, "record_error", msg);
		cli_print_json(j);
	}
	fprintf(stderr, "tianbao: detect-change: %s\n", msg);
	return EXIT_USAGE;
}

static const char *scene_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static void print_text(const tb_change_result *r, const tb_change_opts *o)
{
	printf("分析网格 grid %d × %d, %s%s, pixel %.4f ha; 天然林 forest pixels %lld, masked %lld, loss pixels %lld\n",
	       r->width, r->height, r->crs, r->warped ? " (BEFORE warped)" : "", r->pixel_ha, (long long)r->forest_px,
	       (long long)r->masked_px, (long long)r->loss_px);
	printf("变化图斑 patches: %zu (≥ %.4f ha); dropped below the MMU: %lld (%lld pixels)\n", r->n, o->mmu_ha,
	       (long long)r->dropped_mmu, (long long)r->dropped_px);
	if (!r->n) return;
	printf("%4s %10s %8s %10s %10s %12s %11s  %s\n", "#", "area_ha", "pixels", "mean_dNDVI", "confidence",
	       "lon", "lat", "parcels 小班");
	for (size_t i = 0; i < r->n; i++) {
		const tb_change_patch *p = &r->patches[i];
		printf("%4zu %10.4f %8lld %10.3f %10.3f %12.6f %11.6f  ", i + 1, p->area_ha, (long long)p->pixels,
		       p->mean_dndvi, p->confidence, p->lon, p->lat);
		for (size_t k = 0; k < p->nparcels; k++) printf("%s%s", k ? "," : "", p->parcels[k]);
		if (p->alert_id) printf("  → alert #%lld%s", (long long)p->alert_id, p->merged ? " (merged)" : "");
		printf("\n");
	}
}

int cmd_detect_change(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("detect-change");
	tb_err e = {0};
	tb_change_opts o;
	if (tb_change_defaults(&o, &e)) return cli_fail(cli, &e);
	const char *files[2] = {0}, *date = NULL;
	int nfiles = 0, nmask = 0;
	bool dry = false, progress = isatty(2), geometry = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		double x;
		if (!strcmp(a, "--json")) continue;
		if (!strcmp(a, "--dry-run")) dry = true;
		else if (!strcmp(a, "--progress")) progress = true;
		else if (!strcmp(a, "--no-progress")) progress = false;
		else if (!strcmp(a, "--geometry")) geometry = true;
		else if (!strcmp(a, "--no-forest-mask")) o.no_forest_mask = true;
		else if (!v && a[0] == '-' && a[1] == '-') return cli_usage(cmd, "%s needs a value", a);
		else if (!strcmp(a, "--red") || !strcmp(a, "--nir") || !strcmp(a, "--swir") || !strcmp(a, "--cloud-band") ||
			 !strcmp(a, "--before-cloud-band")) {
			int *dst = !strcmp(a, "--red") ? &o.red : !strcmp(a, "--nir") ? &o.nir : !strcmp(a, "--swir") ? &o.swir
				 : !strcmp(a, "--cloud-band") ? &o.cloud_band : &o.before_cloud_band;
			if (!band(v, dst) || (*dst == 0 && (dst == &o.red || dst == &o.nir)))
				return cli_usage(cmd, "%s: '%s' is not a band number", a, v);
			i++;
		} else if (!strcmp(a, "--cloud-mask")) {
			if (nmask == TB_CHANGE_MAX_MASKS) return cli_usage(cmd, "at most %d --cloud-mask files", TB_CHANGE_MAX_MASKS);
			o.cloud_masks[nmask++] = v, i++;
		} else if (!strcmp(a, "--ndvi-threshold") || !strcmp(a, "--nbr-threshold")) {
			if (!num(v, &x) || x > 0 || x < -2) return cli_usage(cmd, "%s: '%s' must be a number in [-2, 0]", a, v);
			*(!strcmp(a, "--ndvi-threshold") ? &o.ndvi_threshold : &o.nbr_threshold) = x, i++;
		} else if (!strcmp(a, "--mmu-ha")) {
			if (!num(v, &x) || x < 0) return cli_usage(cmd, "--mmu-ha: '%s' must be a number ≥ 0", v);
			o.mmu_ha = x, i++;
		} else if (!strcmp(a, "--combine")) {
			if (strcmp(v, "and") && strcmp(v, "or")) return cli_usage(cmd, "--combine: 'and' or 'or', not '%s'", v);
			o.combine_or = !strcmp(v, "or"), i++;
		} else if (!strcmp(a, "--date")) date = v, i++;
		else if (a[0] != '-' && nfiles < 2) files[nfiles++] = a;
		else return cli_usage(cmd, "unexpected argument '%s'", a);
	}
	if (nfiles < 2) return cli_usage(cmd, "detect-change needs BEFORE and AFTER images");
	char when[80] = "";
	if (date && !iso_date(date, when, sizeof when))
		return cli_usage(cmd, "--date: '%s' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", date);
	if (o.no_forest_mask && !dry)
		return cli_usage(cmd, "--no-forest-mask analyses every pixel, not only natural forest: use it with --dry-run");
	/* recording needs the date the AFTER image was taken: ask before the
	 * analysis, not after it (a file that does not open is the analysis's
	 * error) */
	if (!dry && !when[0]) {
		char acq[32] = "";
		if (!tb_change_acquired(files[1], acq, sizeof acq, &e)) after_date(acq, when, sizeof when);
		else if (e.code == TB_EIO) tb_err_clear(&e);
		if (!when[0] && !e.code) return no_date(cli, files[1]);
	}
	tb_db *db = NULL;
	tb_change_forest forest = {0};
	if (!o.no_forest_mask || !dry) {
		if (access(cli->db_path, F_OK))
			return cli_usage(cmd,
					 "the natural-forest mask comes from the district database, and '%s' does not exist:"
					 " give --db PATH (or --no-forest-mask --dry-run for raw use)",
					 cli->db_path);
		if (tb_app_open(cli->db_path, &db, &e)) return cli_fail(cli, &e);
		if (!o.no_forest_mask && tb_change_forest_load(db, &forest, &e)) {
			tb_db_close(db);
			return cli_fail(cli, &e);
		}
		if (!o.no_forest_mask && !forest.n) {
			tb_db_close(db);
			tb_err_set(&e, TB_EINPUT, cli->db_path, "parcels", "has no natural-forest parcels (natural = 1)");
			return cli_fail(cli, &e);
		}
	}
	if (progress) o.progress = bar;
	tb_change_result r;
	int rc = tb_change_detect(files[0], files[1], &o, o.no_forest_mask ? NULL : &forest, &r, &e);
	tb_change_forest_free(&forest);
	if (rc) {
		if (db) tb_db_close(db);
		return cli_fail(cli, &e);
	}
	if (!when[0]) after_date(r.acquired, when, sizeof when); /* a dry run shows it */
	int exit = EXIT_OK;
	size_t recorded = 0;
	tb_err re = {0};
	if (!dry && r.n && tb_change_record(db, &cli->actor, &r, scene_name(files[1]), when, &recorded, &re))
		exit = EXIT_FAIL;
	if (cli->json) {
		json_t *j = tb_change_result_json(&r, &o, geometry);
		json_object_set_new(j, "observed_at", when[0] ? json_string(when) : json_null());
		json_object_set_new(j, "dry_run", json_boolean(dry));
		json_object_set_new(j, "recorded", json_integer((json_int_t)recorded));
		if (exit) {
			char msg[1024];
			tb_err_format(&re, msg, sizeof msg);
			json_object_set_new(j, "record_error", json_string(msg));
		}
		cli_print_json(j);
	} else {
		print_text(&r, &o);
		if (!dry && !exit) {
			size_t merged = 0;
			for (size_t i = 0; i < r.n; i++) merged += r.patches[i].merged;
			printf("已登记预警 recorded %zu patches as alerts, %zu new, %zu merged into open alerts (observed %s)\n",
			       recorded, recorded - merged, merged, when);
		}
	}
	if (exit) {
		char msg[1024];
		tb_err_format(&re, msg, sizeof msg);
		fprintf(stderr, "tianbao: detect-change: could not record the patches as alerts (%zu of %zu recorded): %s\n",
			recorded, r.n, msg);
	}
	tb_change_result_free(&r);
	if (db) tb_db_close(db);
	return exit;
}
