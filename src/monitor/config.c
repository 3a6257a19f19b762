/* config.c — the district's monitoring configuration files, dates and town
 * lists shared by the parts of monitor/ (see config.h).  Every part reads
 * its file through the name district.json gives it, so another county ships
 * its own files without a code change. */
#include "monitor/config.h"

#include "base/data.h"
#include "base/tbtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool tb_monitor_config_path(const char *key, char *path, size_t n)
{
	size_t len;
	char *text = tb_data_read("district.json", &len);
	json_t *district = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	const char *rel = json_string_value(json_object_get(district, key));
	snprintf(path, n, "%s", rel ? rel : "");
	json_decref(district);
	return *path != '\0';
}

json_t *tb_monitor_config_doc(const char *key, tb_err *e)
{
	char path[256];
	if (!tb_monitor_config_path(key, path, sizeof path)) {
		tb_err_set(e, TB_EINPUT, "district.json", key, "names no %s configuration file",
		           key);
		return NULL;
	}
	size_t len;
	char *text = tb_data_read(path, &len);
	json_error_t je;
	json_t *doc = text ? json_loadb(text, len, 0, &je) : NULL;
	free(text);
	if (!json_is_object(doc)) {
		json_decref(doc);
		tb_err_set(e, TB_EINPUT, path, NULL, "missing or malformed JSON");
		return NULL;
	}
	return doc;
}

json_t *tb_monitor_config_opt(const char *key)
{
	char path[256];
	if (!tb_monitor_config_path(key, path, sizeof path)) return NULL;
	size_t len;
	char *text = tb_data_read(path, &len);
	json_t *doc = text ? json_loadb(text, len, 0, NULL) : NULL;
	free(text);
	return doc;
}

bool tb_monitor_date(const char *s, int64_t *days, int *month)
{
	int y, m, d;
	char tail;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 ||
	    m > 12 || d < 1)
		return false;
	int64_t z = tb_days_from_civil(y, (unsigned)m, (unsigned)d);
	int y2;
	unsigned m2, d2;
	tb_civil_from_days(z, &y2, &m2, &d2);
	if (y2 != y || (int)m2 != m || (int)d2 != d) return false;
	if (days) *days = z;
	if (month) *month = m;
	return true;
}

const char *tb_monitor_date_or_today(const char *date, char today[32], tb_err *e)
{
	if (!date || !*date) {
		tb_time_now_iso(today);
		today[10] = '\0';
		return today;
	}
	if (!tb_monitor_date(date, NULL, NULL)) {
		tb_err_set(e, TB_EINPUT, NULL, "date", "'%s' is not a date YYYY-MM-DD", date);
		return NULL;
	}
	return date;
}

void tb_monitor_date_format(int64_t days, char out[11])
{
	int y;
	unsigned m, d;
	tb_civil_from_days(days, &y, &m, &d);
	char buf[32];
	snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
	memcpy(out, buf, 10);
	out[10] = '\0';
}

int tb_monitor_towns_within(const char *list, const char *towns, char *out, size_t size)
{
	int n = 0;
	size_t k = 0;
	out[0] = '\0';
	for (const char *s = list ? list : ""; *s;) {
		size_t len = strcspn(s, ",");
		bool in = !towns;
		for (const char *t = towns ? towns : ""; !in && *t;) {
			size_t m = strcspn(t, ",");
			in = m == len && !strncmp(s, t, len);
			t += m + (t[m] == ',');
		}
		if (in && len && k + len + 2 <= size) {
			k += (size_t)snprintf(out + k, size - k, "%s%.*s", k ? "," : "", (int)len, s);
			n++;
		}
		s += len + (s[len] == ',');
	}
	return n;
}
