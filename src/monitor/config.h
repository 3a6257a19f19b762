/* config.h — what every part of monitor/ shares, at the bottom of the
 * folder: the district's configuration files (district.json names them:
 * "fire", "pests", "alerts", "change"), dates YYYY-MM-DD as day numbers,
 * and town lists.  Includes nothing of monitor/. */
#ifndef TB_MONITOR_CONFIG_H
#define TB_MONITOR_CONFIG_H

#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The relative data path district.json names under key (key "fire" →
 * "jizhou/fire.json") into path (size n); false (path "") when it names
 * none. */
bool tb_monitor_config_path(const char *key, char *path, size_t n);
/* The JSON object of that file: a new reference, or NULL and *e
 * (TB_EINPUT: district.json names no such file; or the file is missing or
 * not a JSON object, naming the file). */
json_t *tb_monitor_config_doc(const char *key, tb_err *e);
/* The same without an error: the parsed file (new reference), or NULL when
 * it is not named, missing or malformed (the caller keeps its defaults). */
json_t *tb_monitor_config_opt(const char *key);

/* YYYY-MM-DD → days since 1970-01-01 and the month (either may be NULL);
 * false if s is not a real date. */
bool tb_monitor_date(const char *s, int64_t *days, int *month);
/* The day a reading asks for: `date` when it is a valid YYYY-MM-DD, today
 * (TIANBAO_NOW-aware, written into `today`) when it is NULL or empty; NULL
 * and *e (TB_EINPUT, field "date", "'x' is not a date YYYY-MM-DD") else. */
const char *tb_monitor_date_or_today(const char *date, char today[32], tb_err *e);
/* Days since 1970-01-01 → YYYY-MM-DD. */
void tb_monitor_date_format(int64_t days, char out[11]);
/* The codes of `list` (comma-separated) that are in `towns` (NULL = all)
 * into out; returns how many. */
int tb_monitor_towns_within(const char *list, const char *towns, char *out, size_t size);

#endif
