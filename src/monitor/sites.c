/* sites.c — the monitoring station and five monitoring points of §3.3.3
 * (location, housing, equipment, staff), loaded from the district's
 * monitor_sites.csv at migration; their fixed sample plots (固定样地), plot
 * surveys (regeneration, shrub and herb cover) and the tree tally; and the
 * stand indicators of a survey.  Records are described here; the
 * behaviour is in the hooks (points from lon/lat, the town of a plot from
 * its site) and in the indicator computation. */
#include "monitor/sites.h"
#include "monitor/monitor.h"

#include "base/csv.h"
#include "base/list.h"
#include "base/data.h"
#include "base/json.h"
#include "db/event.h"
#include "db/gpkg.h"
#include "registry/registry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- hooks --------------------------------------------------------------------------- */

/* A point record: the geometry from lon/lat, or lon/lat from a point. */
static int point_lonlat(tb_record *rec, tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	if (rec->geom) {
		double x, y;
		if (GEOSGeomTypeId_r(h, rec->geom) != GEOS_POINT || !GEOSGeomGetX_r(h, rec->geom, &x) ||
		    !GEOSGeomGetY_r(h, rec->geom, &y))
			return tb_err_set(e, TB_EINPUT, rec->name, "geometry", "must be a point");
		json_object_set_new(rec->props, "lon", json_real(x));
		json_object_set_new(rec->props, "lat", json_real(y));
		return 0;
	}
	json_t *x = json_object_get(rec->props, "lon"), *y = json_object_get(rec->props, "lat");
	if (!json_is_number(x) || !json_is_number(y))
		return tb_err_set(e, TB_EINPUT, rec->name, json_is_number(x) ? "lat" : "lon",
				  "the location is missing: give lon and lat (EPSG:4490) or a point geometry");
	GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, 1, 2);
	GEOSCoordSeq_setXY_r(h, cs, 0, json_number_value(x), json_number_value(y));
	rec->geom = GEOSGeom_createPoint_r(h, cs);
	return 0;
}

/* The town_code of the parent record `code` in `table`; sets it on the
 * record (a different one given is refused). */
static int town_of_parent(tb_db *db, tb_record *rec, const char *table, const char *field, tb_err *e)
{
	const char *code = json_string_value(json_object_get(rec->props, field));
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT town_code FROM \"%s\" WHERE code=?", table);
	tb_stmt *st;
	int rc = tb_db_prepare(db, sql, &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, code ? code : "");
	if (tb_stmt_step(st) != TB_ROW) rc = tb_err_set(e, TB_EINPUT, rec->name, field, "no %s with code '%s'", table, code ? code : "");
	else {
		const char *town = tb_col_text(st, 0), *given = tb_json_str(rec->props, "town_code");
		if (given && town && strcmp(given, town))
			rc = tb_err_set(e, TB_EINPUT, rec->name, "town_code", "%s %s lies in town %s, not %s", table, code, town, given);
		else if (town) json_object_set_new(rec->props, "town_code", json_string(town));
	}
	tb_stmt_finalize(st);
	return rc;
}

static int site_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)db, (void)r, (void)ctx;
	return point_lonlat(rec, e);
}

static int holds_plot(void *ctx, tb_parcel_row *p)
{
	tb_record *rec = ctx;
	if (GEOSIntersects_r(tb_geos(), p->geom, rec->geom) != 1) return 0;
	json_object_set_new(rec->props, "parcel_code", json_string(p->code));
	return 1;
}

/* The parcel (小班) holding a plot's centre, when none is named. */
static void parcel_of_point(tb_db *db, tb_record *rec)
{
	if (json_object_get(rec->props, "parcel_code") || !rec->geom) return;
	double b[4];
	GEOSGeomGetX_r(tb_geos(), rec->geom, &b[0]);
	GEOSGeomGetY_r(tb_geos(), rec->geom, &b[1]);
	b[2] = b[0], b[3] = b[1];
	tb_registry_parcels_in_box(db, b, false, holds_plot, rec, NULL);
}

static int plot_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r, (void)ctx;
	int rc = town_of_parent(db, rec, "monitor_sites", "site_code", e);
	if (!rc) rc = point_lonlat(rec, e);
	if (!rc) parcel_of_point(db, rec);
	return rc;
}

static int survey_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r, (void)ctx;
	return town_of_parent(db, rec, "plots", "plot_code", e);
}

static int tree_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r, (void)ctx;
	if (!json_object_get(rec->props, "status")) json_object_set_new(rec->props, "status", json_string("live"));
	return town_of_parent(db, rec, "plot_surveys", "survey_code", e);
}

/* ---- descriptions ---------------------------------------------------------------------- */

static const tb_field site_fields[] = {
	{"code", TB_F_TEXT, TB_REQUIRED | TB_UNIQUE, "编号", "Code"},
	{"name", TB_F_TEXT, TB_REQUIRED, "名称", "Name"},
	{"kind", TB_F_CODE, TB_REQUIRED, "类别", "Kind", .codes = "site_kind"},
	{"town_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "乡镇", "Town"},
	{"address", TB_F_TEXT, 0, "位置", "Location"},
	{"housing_m2", TB_F_REAL, TB_RANGE, "用房面积", "Housing", .min = 0, .max = 100000, .unit = "m²"},
	{"housing", TB_F_TEXT, 0, "用房", "Housing (description)"},
	{"equipment", TB_F_TEXT, 0, "设备", "Equipment", .max_len = 2000},
	{"staff_count", TB_F_INT, TB_RANGE, "人员数", "Staff", .min = 0, .max = 1000},
	{"staff", TB_F_TEXT, 0, "人员", "Staff names"},
	{"established", TB_F_DATE, 0, "建成日期", "Established"},
	{"lon", TB_F_REAL, TB_RANGE, "经度", "Longitude", .min = -180, .max = 180},
	{"lat", TB_F_REAL, TB_RANGE, "纬度", "Latitude", .min = -90, .max = 90},
	{"note", TB_F_TEXT, 0, "备注", "Note"},
};
const tb_resource tb_monitor_sites = {
	.name = "monitor_sites", .label_zh = "监测站点", .label_en = "Monitoring station and points",
	.clause = "3.3.3", .fields = site_fields, .nfields = N(site_fields), .geom = TB_GEOM_POINT,
	.key = "code", .scope = "town_code", .before_write = site_before_write,
};

static const tb_field plot_fields[] = {
	{"code", TB_F_TEXT, TB_REQUIRED | TB_UNIQUE, "样地号", "Plot no."},
	{"site_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "监测站点", "Site"},
	{"parcel_code", TB_F_TEXT, TB_INDEXED, "小班", "Parcel"},
	{"town_code", TB_F_TEXT, TB_INDEXED, "乡镇", "Town"},
	{"shape", TB_F_CODE, 0, "形状", "Shape", .codes = "plot_shape"},
	{"size", TB_F_TEXT, 0, "规格", "Size", .max_len = 32},
	{"area_m2", TB_F_REAL, TB_REQUIRED | TB_RANGE, "面积", "Area", .min = 1, .max = 10000, .unit = "m²"},
	{"established", TB_F_DATE, 0, "设立日期", "Established"},
	{"lon", TB_F_REAL, TB_RANGE, "经度", "Longitude", .min = -180, .max = 180},
	{"lat", TB_F_REAL, TB_RANGE, "纬度", "Latitude", .min = -90, .max = 90},
	{"note", TB_F_TEXT, 0, "备注", "Note"},
};
const tb_resource tb_plots = {
	.name = "plots", .label_zh = "固定样地", .label_en = "Fixed sample plots", .clause = "3.3.3",
	.fields = plot_fields, .nfields = N(plot_fields), .geom = TB_GEOM_POINT, .key = "code",
	.scope = "town_code", .parcel_key = "parcel_code", .before_write = plot_before_write,
};

static const tb_field survey_fields[] = {
	{"code", TB_F_TEXT, TB_REQUIRED | TB_UNIQUE, "调查编号", "Survey no."},
	{"plot_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "样地号", "Plot"},
	{"town_code", TB_F_TEXT, TB_INDEXED, "乡镇", "Town"},
	{"date", TB_F_DATE, TB_REQUIRED, "调查日期", "Date"},
	{"surveyor", TB_F_TEXT, TB_REQUIRED, "调查人", "Surveyor"},
	{"canopy", TB_F_REAL, TB_RANGE, "郁闭度", "Canopy closure", .min = 0, .max = 1},
	{"shrub_cover_pct", TB_F_REAL, TB_RANGE, "灌木盖度", "Shrub cover", .min = 0, .max = 100, .unit = "%"},
	{"herb_cover_pct", TB_F_REAL, TB_RANGE, "草本盖度", "Herb cover", .min = 0, .max = 100, .unit = "%"},
	{"seedlings", TB_F_INT, TB_RANGE, "幼苗株数", "Seedlings (H < 30 cm)", .min = 0, .max = 1000000},
	{"saplings", TB_F_INT, TB_RANGE, "幼树株数", "Saplings (DBH < 5 cm)", .min = 0, .max = 1000000},
	{"note", TB_F_TEXT, 0, "备注", "Note", .max_len = 2000},
};
const tb_resource tb_plot_surveys = {
	.name = "plot_surveys", .label_zh = "样地调查", .label_en = "Plot surveys", .clause = "3.3.3",
	.fields = survey_fields, .nfields = N(survey_fields), .key = "code", .scope = "town_code",
	.before_write = survey_before_write,
};

static const tb_field tree_fields[] = {
	{"survey_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "调查编号", "Survey"},
	{"tree_no", TB_F_INT, TB_REQUIRED | TB_RANGE, "树号", "Tree no.", .min = 1, .max = 100000},
	{"species", TB_F_CODE, TB_REQUIRED, "树种", "Species", .codes = "you_shi_sz"},
	{"dbh_cm", TB_F_REAL, TB_REQUIRED | TB_RANGE, "胸径", "DBH", .min = 0.1, .max = 300, .unit = "cm"},
	{"height_m", TB_F_REAL, TB_RANGE, "树高", "Height", .min = 0.1, .max = 60, .unit = "m"},
	{"status", TB_F_CODE, 0, "状态", "Status", .codes = "tree_status"},
	{"town_code", TB_F_TEXT, TB_INDEXED, "乡镇", "Town"},
};
const tb_resource tb_plot_trees = {
	.name = "plot_trees", .label_zh = "每木检尺", .label_en = "Tree tally", .clause = "3.3.3",
	.fields = tree_fields, .nfields = N(tree_fields), .scope = "town_code", .before_write = tree_before_write,
};

const tb_resource *const tb_site_resources[] = {&tb_monitor_sites, &tb_plots, &tb_plot_surveys, &tb_plot_trees, NULL};

/* The path of a district file next to monitor_sites (district.json names
 * that one), e.g. "jizhou/volume.csv". */
static void district_file(const char *name, char *out, size_t n)
{
	size_t len;
	char *text = tb_data_read("district.json", &len);
	json_t *d = text ? json_loadb(text, len, 0, NULL) : NULL;
	free(text);
	const char *sites = json_string_value(json_object_get(d, "monitor_sites"));
	const char *slash = sites ? strrchr(sites, '/') : NULL;
	if (slash) snprintf(out, n, "%.*s/%s", (int)(slash - sites), sites, name);
	else snprintf(out, n, "%s", name);
	json_decref(d);
}

int tb_monitor_sites_v1(tb_db *db, tb_err *e)
{
	int rc = 0;
	for (int i = 0; !rc && tb_site_resources[i]; i++) rc = tb_resource_create(db, tb_site_resources[i], e);
	if (rc) return rc;
	size_t len;
	char *text = tb_data_read("district.json", &len);
	json_t *d = text ? json_loadb(text, len, 0, NULL) : NULL;
	free(text);
	const char *rel = json_string_value(json_object_get(d, "monitor_sites"));
	int64_t n = 0;
	tb_write_ctx cx = {0};
	if (rel) rc = tb_load_csv(db, &cx, &tb_monitor_sites, rel, &n, e);
	if (!rc && n) rc = tb_gpkg_touch(db, "monitor_sites", "geom", e);
	json_decref(d);
	return rc;
}

/* ---- indicators --------------------------------------------------------------------------- */

tb_volume_eq *tb_volume_eqs_load(size_t *n, tb_err *e)
{
	char rel[128];
	district_file("volume.csv", rel, sizeof rel);
	size_t len;
	char *text = tb_data_read(rel, &len);
	*n = 0;
	if (!text) {
		tb_err_set(e, TB_EINPUT, rel, NULL, "data file is missing");
		return NULL;
	}
	tb_csv c;
	tb_csv_init(&c, text, len);
	tb_volume_eq *eqs = NULL;
	int rc = tb_csv_read_header(&c);
	while (rc >= 0 && (rc = tb_csv_next(&c)) == 1) {
		const char *sp = tb_csv_get(&c, "species"), *a = tb_csv_get(&c, "a"), *b = tb_csv_get(&c, "b"),
			   *cc = tb_csv_get(&c, "c"), *g = tb_csv_get(&c, "group");
		char *end1, *end2, *end3;
		double va = a ? strtod(a, &end1) : NAN, vb = b ? strtod(b, &end2) : NAN, vc = cc ? strtod(cc, &end3) : NAN;
		if (!sp || !*sp || isnan(va) || isnan(vb) || isnan(vc) || *end1 || *end2 || *end3 || va <= 0) {
			tb_err_set(e, TB_EINPUT, rel, !sp || !*sp ? "species" : "a", "line %d: species, a, b and c are needed", c.line);
			rc = TB_EINPUT;
			break;
		}
		tb_volume_eq *grown = realloc(eqs, (*n + 1) * sizeof *eqs);
		if (!grown) {
			rc = tb_err_set(e, TB_ENOMEM, rel, NULL, "out of memory");
			break;
		}
		eqs = grown;
		tb_volume_eq *q = &eqs[(*n)++];
		snprintf(q->species, sizeof q->species, "%s", sp);
		snprintf(q->group, sizeof q->group, "%s", g ? g : "");
		q->a = va, q->b = vb, q->c = vc;
	}
	tb_csv_free(&c);
	free(text);
	if (rc < 0) {
		if (!e->code) tb_err_set(e, TB_EINPUT, rel, NULL, "malformed CSV near line %d", c.line);
		free(eqs);
		*n = 0;
		return NULL;
	}
	return eqs;
}

static const tb_volume_eq *equation(const tb_volume_eq *eqs, size_t n, const char *species)
{
	const tb_volume_eq *any = NULL;
	for (size_t i = 0; i < n; i++) {
		if (species && !strcmp(eqs[i].species, species)) return &eqs[i];
		if (!strcmp(eqs[i].species, "*")) any = &eqs[i];
	}
	return any;
}

typedef struct sp_sum {
	const char *species;
	int stems;
	double ba, vol, hsum;
	int hn;
} sp_sum;

static sp_sum *sp_find(sp_sum *s, int *n, const char *species)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(s[i].species, species)) return &s[i];
	s[*n] = (sp_sum){.species = species};
	return &s[(*n)++];
}

static double r3(double v)
{
	return round(v * 1000) / 1000;
}

json_t *tb_tally_indicators(const tb_tally_tree *t, size_t n, double area_m2, double min_dbh_cm,
			    const tb_volume_eq *eqs, size_t neq)
{
	double per_ha = area_m2 > 0 ? 10000.0 / area_m2 : 0;
	sp_sum *s = calloc(n ? n : 1, sizeof *s);
	int ns = 0, stems = 0, dead = 0, estimated = 0, hn = 0;
	double dsum = 0, d2sum = 0, hsum = 0;
	for (size_t i = 0; i < n; i++) { /* first pass: counts, basal area, measured heights */
		if (!t[i].live) {
			dead += t[i].dbh_cm >= min_dbh_cm;
			continue;
		}
		if (t[i].dbh_cm < min_dbh_cm) continue;
		sp_sum *x = sp_find(s, &ns, t[i].species ? t[i].species : "");
		double g = M_PI * pow(t[i].dbh_cm / 200.0, 2);
		x->stems++, x->ba += g;
		stems++, dsum += t[i].dbh_cm, d2sum += t[i].dbh_cm * t[i].dbh_cm;
		if (t[i].height_m > 0) x->hsum += t[i].height_m, x->hn++, hsum += t[i].height_m, hn++;
	}
	double vol = 0;
	for (size_t i = 0; i < n; i++) { /* second pass: volume, heights filled in */
		if (!t[i].live || t[i].dbh_cm < min_dbh_cm) continue;
		sp_sum *x = sp_find(s, &ns, t[i].species ? t[i].species : "");
		double h = t[i].height_m;
		if (h <= 0) {
			h = x->hn ? x->hsum / x->hn : hn ? hsum / hn : 0;
			estimated++;
		}
		const tb_volume_eq *q = equation(eqs, neq, t[i].species);
		double v = q && h > 0 ? q->a * pow(t[i].dbh_cm, q->b) * pow(h, q->c) : 0;
		x->vol += v, vol += v;
	}
	double shannon = 0, ba = 0;
	json_t *species = json_array();
	for (int i = 0; i < ns; i++) {
		double p = (double)s[i].stems / stems;
		shannon -= p * log(p);
		ba += s[i].ba;
		json_array_append_new(species, json_pack("{s:s,s:i,s:f,s:f,s:f,s:f}", "species", s[i].species, "stems",
							 s[i].stems, "stems_ha", r3(s[i].stems * per_ha), "basal_area_m2_ha",
							 r3(s[i].ba * per_ha), "volume_m3_ha", r3(s[i].vol * per_ha),
							 "share", r3(p)));
	}
	free(s);
	return json_pack("{s:f,s:i,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:i,s:f,s:o}", "area_m2", area_m2, "stems", stems,
			 "stems_ha", r3(stems * per_ha), "basal_area_m2_ha", r3(ba * per_ha), "mean_dbh_cm",
			 stems ? r3(dsum / stems) : 0.0, "qmd_cm", stems ? r3(sqrt(d2sum / stems)) : 0.0, "shannon",
			 r3(shannon), "volume_m3_ha", r3(vol * per_ha), "dead_stems_ha", r3(dead * per_ha),
			 "heights_estimated", estimated, "min_dbh_cm", min_dbh_cm, "species", species);
}

int tb_survey_find(tb_db *db, const char *code_or_id, int64_t *fid, tb_err *e)
{
	char *end;
	long long n = code_or_id ? strtoll(code_or_id, &end, 10) : 0;
	if (code_or_id && *code_or_id && !*end && n > 0) {
		*fid = n;
		return 0;
	}
	json_t *s = NULL;
	int rc = tb_record_get_by_key(db, &tb_plot_surveys, code_or_id ? code_or_id : "", &s, NULL, e);
	if (!rc) *fid = json_integer_value(json_object_get(s, "fid"));
	json_decref(s);
	return rc;
}

json_t *tb_survey_indicators(tb_db *db, int64_t survey_fid, const char *towns, tb_err *e)
{
	json_t *sv = NULL, *plot = NULL, *out = NULL;
	if (tb_record_get(db, &tb_plot_surveys, survey_fid, &sv, NULL, e)) return NULL;
	if (towns && !tb_list_has(towns, tb_json_str(sv, "town_code"))) {
		tb_err_set(e, TB_ENOTFOUND, NULL, NULL, "plot_surveys %lld: no such record", (long long)survey_fid);
		goto out;
	}
	if (tb_record_get_by_key(db, &tb_plots, tb_json_str(sv, "plot_code"), &plot, NULL, e)) goto out;
	size_t neq = 0;
	tb_volume_eq *eqs = tb_volume_eqs_load(&neq, e);
	if (!eqs) goto out;
	tb_stmt *st;
	if (tb_db_prepare(db, "SELECT species, dbh_cm, coalesce(height_m,0), coalesce(status,'live') FROM plot_trees"
			      " WHERE survey_code=? ORDER BY tree_no", &st, e)) {
		free(eqs);
		goto out;
	}
	tb_bind_text(st, 1, tb_json_str(sv, "code"));
	tb_tally_tree *t = NULL;
	char **names = NULL;
	size_t n = 0;
	while (tb_stmt_step(st) == TB_ROW) {
		tb_tally_tree *t2 = realloc(t, (n + 1) * sizeof *t);
		if (t2) t = t2;
		char **n2 = t2 ? realloc(names, (n + 1) * sizeof *names) : NULL;
		if (!n2) break; /* out of memory: the trees so far */
		names = n2;
		names[n] = strdup(tb_col_text(st, 0));
		t[n] = (tb_tally_tree){names[n], tb_col_double(st, 1), tb_col_double(st, 2),
				       !strcmp(tb_col_text(st, 3), "live")};
		n++;
	}
	tb_stmt_finalize(st);
	double area = tb_json_num(plot, "area_m2", 0), per_ha = area > 0 ? 10000 / area : 0;
	out = tb_tally_indicators(t, n, area, 5.0, eqs, neq);
	json_object_set(out, "survey", json_object_get(sv, "code"));
	json_object_set(out, "plot", json_object_get(plot, "code"));
	json_object_set(out, "site", json_object_get(plot, "site_code"));
	json_object_set(out, "date", json_object_get(sv, "date"));
	json_object_set_new(out, "trees_tallied", json_integer((json_int_t)n));
	json_object_set_new(out, "seedlings_ha", json_real(r3(tb_json_num(sv, "seedlings", 0) * per_ha)));
	json_object_set_new(out, "saplings_ha", json_real(r3(tb_json_num(sv, "saplings", 0) * per_ha)));
	json_object_set(out, "shrub_cover_pct", json_object_get(sv, "shrub_cover_pct") ?: json_null());
	json_object_set(out, "herb_cover_pct", json_object_get(sv, "herb_cover_pct") ?: json_null());
	json_object_set_new(out, "volume_equations", json_string("data/jizhou/volume.csv (V = a·D^b·H^c)"));
	for (size_t i = 0; i < n; i++) free(names[i]);
	free(names);
	free(t);
	free(eqs);
out:
	json_decref(sv);
	json_decref(plot);
	return out;
}

/* ---- tally import ---------------------------------------------------------------------------- */

int tb_tally_import(tb_db *db, const tb_actor *who, const char *survey_code, const char *csv, size_t len,
		    int64_t *count, tb_errlist *errs, tb_err *e)
{
	*count = 0;
	json_t *sv = NULL;
	int rc = tb_record_get_by_key(db, &tb_plot_surveys, survey_code ? survey_code : "", &sv, NULL, e);
	if (rc) return rc;
	tb_write_ctx cx = {.actor = who, .cause = "tally import"};
	rc = tb_db_begin(db, e);
	if (!rc) rc = tb_event_next_seq(db, &cx.seq, e);
	tb_writer *w = rc ? NULL : tb_writer_new(db, &tb_plot_trees, &cx, e);
	if (!rc && !w) rc = TB_EDB;
	tb_csv c;
	tb_csv_init(&c, csv, len);
	int r = rc ? -1 : tb_csv_read_header(&c), bad = 0;
	if (!rc && r != 1) rc = tb_err_set(e, TB_EINPUT, "tally", NULL, "empty or malformed header");
	while (!rc && (r = tb_csv_next(&c)) == 1) {
		json_t *p = json_pack("{s:s}", "survey_code", survey_code);
		for (size_t i = 0; i < c.nheader && i < c.nfields; i++)
			if (strcmp(c.header[i], "survey_code") && c.fields[i][0])
				json_object_set_new(p, c.header[i], json_string(c.fields[i]));
		char name[64];
		snprintf(name, sizeof name, "tally line %d", c.line);
		tb_record rec = {.props = p, .name = name};
		tb_err one = {0};
		if (tb_writer_insert(w, &rec, NULL, &one)) {
			bad++;
			if (errs) tb_errlist_add(errs, &one);
			if (bad == 1) *e = one;
		} else
			(*count)++;
		json_decref(p);
	}
	if (!rc && r < 0) rc = tb_err_set(e, TB_EINPUT, "tally", NULL, "malformed CSV near line %d", c.line);
	if (!rc && bad) rc = e->code ? e->code : TB_EINPUT;
	if (!rc) {
		json_t *pl = json_pack("{s:s,s:I}", "survey", survey_code, "trees", (json_int_t)*count);
		tb_event_in ev = {.actor = who->login, .role = who->role, .action = "plot_trees.import",
				  .entity = "plot_trees", .entity_id = survey_code, .payload = pl};
		rc = tb_event_append(db, &ev, NULL, e);
		json_decref(pl);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) {
		tb_db_rollback(db);
		*count = 0;
	}
	tb_csv_free(&c);
	tb_writer_free(w);
	json_decref(sv);
	return rc;
}

/* ---- lists ------------------------------------------------------------------------------------- */

json_t *tb_monitor_site_list(tb_db *db, tb_err *e)
{
	tb_query q = {.sort = "code", .limit = 1000};
	tb_rows rows;
	if (tb_record_list(db, &tb_monitor_sites, &q, &rows, e)) return NULL;
	json_t *out = json_deep_copy(rows.items);
	tb_rows_free(&rows);
	size_t i;
	json_t *s;
	json_array_foreach(out, i, s)
	{
		tb_stmt *st;
		if (tb_db_prepare(db, "SELECT count(*), (SELECT count(*) FROM plot_surveys v JOIN plots p ON p.code=v.plot_code"
				      " WHERE p.site_code=?1) FROM plots WHERE site_code=?1", &st, e)) {
			json_decref(out);
			return NULL;
		}
		tb_bind_text(st, 1, tb_json_str(s, "code"));
		if (tb_stmt_step(st) == TB_ROW) {
			json_object_set_new(s, "plots", json_integer(tb_col_int64(st, 0)));
			json_object_set_new(s, "surveys", json_integer(tb_col_int64(st, 1)));
		}
		tb_stmt_finalize(st);
	}
	return out;
}

json_t *tb_monitor_site_counts(tb_db *db, tb_err *e)
{
	int64_t a = 0, b = 0, c = 0;
	if (tb_db_int64(db, "SELECT count(*) FROM monitor_sites", &a, e) || tb_db_int64(db, "SELECT count(*) FROM plots", &b, e) ||
	    tb_db_int64(db, "SELECT count(*) FROM plot_surveys", &c, e))
		return NULL;
	return json_pack("{s:I,s:I,s:I}", "sites", (json_int_t)a, "plots", (json_int_t)b, "surveys", (json_int_t)c);
}
