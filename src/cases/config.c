/* config.c — the district's configuration of the reporting line and of
 * case handling: data/<district>/cases.json (named from district.json
 * "cases"), each number overridable by a district setting report_<key>,
 * and the §4.2 duties of member units that this module knows (police,
 * audit, organisation department). */
#include "cases/internal.h"

#include "base/data.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

json_t *cases__district(void)
{
	size_t n;
	char *text = tb_data_read("district.json", &n);
	json_t *d = text ? json_loadb(text, n, 0, NULL) : NULL;
	free(text);
	return d ? d : json_object();
}

json_t *cases__json(void)
{
	size_t n;
	char *text = tb_data_read("district.json", &n);
	json_t *d = text ? json_loadb(text, n, 0, NULL) : NULL;
	free(text);
	const char *rel = json_string_value(json_object_get(d, "cases"));
	text = rel ? tb_data_read(rel, &n) : NULL;
	json_t *j = text ? json_loadb(text, n, 0, NULL) : NULL;
	free(text);
	json_decref(d);
	return j ? j : json_object();
}

/* cases.json is read once per process for what does not change while it
 * runs (duties, paths); numbers are read per call so settings count. */
static json_t *fixed;
static pthread_once_t fixed_once = PTHREAD_ONCE_INIT;

static void load_fixed(void)
{
	fixed = cases__json();
}

const json_t *cases__fixed(void)
{
	pthread_once(&fixed_once, load_fixed);
	return fixed;
}

void tb_report_config_load(tb_db *db, tb_report_config *c)
{
	*c = (tb_report_config){.pow_bits = 16, .pow_ttl_min = 30, .per_ip_per_hour = 6,
				.photo_max_bytes = 5u << 20, .photo_max_count = 3, .description_max = 2000,
				.dup_radius_m = 300, .dup_window_h = 72, .future_tol_min = 10};
	const json_t *j = cases__fixed();
	double v[9] = {c->pow_bits, c->pow_ttl_min, c->per_ip_per_hour, (double)c->photo_max_bytes,
		       c->photo_max_count, c->description_max, c->dup_radius_m, c->dup_window_h, c->future_tol_min};
	static const char *keys[9] = {"pow_difficulty_bits", "pow_ttl_minutes", "reports_per_ip_per_hour",
				      "photo_max_bytes", "photo_max_count", "description_max_chars",
				      "duplicate_radius_m", "duplicate_window_hours", "future_tolerance_minutes"};
	for (int i = 0; i < N(keys); i++) {
		json_t *x = json_object_get(j, keys[i]);
		if (json_is_number(x)) v[i] = json_number_value(x);
		char key[64];
		snprintf(key, sizeof key, "report_%s", keys[i]);
		if (db) v[i] = tb_setting_num(db, key, v[i]);
	}
	c->pow_bits = v[0] < 0 ? 0 : v[0] > 32 ? 32 : (int)v[0];
	c->pow_ttl_min = v[1] < 1 ? 1 : (int)v[1];
	c->per_ip_per_hour = v[2] < 1 ? 1 : (int)v[2];
	c->photo_max_bytes = v[3] < 1024 ? 1024 : (size_t)v[3];
	c->photo_max_count = v[4] < 0 ? 0 : v[4] > 10 ? 10 : (int)v[4];
	c->description_max = v[5] < 10 ? 10 : (int)v[5];
	c->dup_radius_m = v[6];
	c->dup_window_h = v[7];
	c->future_tol_min = v[8];
}

const char *tb_cases_duty_of_unit(const char *unit)
{
	static const char *const duties[] = {"police", "audit", "organisation"};
	const json_t *d = json_object_get(cases__fixed(), "duties");
	for (int i = 0; unit && *unit && i < N(duties); i++) {
		const char *u = json_string_value(json_object_get(d, duties[i]));
		if (u && !strcmp(u, unit)) return duties[i];
	}
	return NULL;
}

static bool listed(const char *list, const char *v)
{
	const json_t *a = json_object_get(cases__fixed(), list);
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x) if (v && json_is_string(x) && !strcmp(json_string_value(x), v)) return true;
	return false;
}

bool tb_cases_may_see_contact(const char *role, const char *duty)
{
	return listed("contact_roles", role) || (duty && listed("contact_duties", duty));
}

bool cases__path_has(const char *type, const char *action)
{
	const json_t *p = json_object_get(json_object_get(cases__fixed(), "case_paths"), type ? type : "");
	size_t i;
	json_t *x;
	json_array_foreach(p, i, x) if (json_is_string(x) && !strcmp(json_string_value(x), action)) return true;
	return false;
}

int cases__deadline_days(const char *action)
{
	json_t *v = json_object_get(json_object_get(cases__fixed(), "deadline_days"), action ? action : "");
	return json_is_integer(v) ? (int)json_integer_value(v) : 0;
}
