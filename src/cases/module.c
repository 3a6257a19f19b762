/* module.c — the cases module's schema (see cases.h): reports and cases
 * from their descriptions, and the district's code lists of this module
 * (report kinds, channels, statuses, case types, sources, outcomes) from
 * the file data/district.json names ("case_codes"). */
#include "cases/internal.h"

#include "base/data.h"
#include "db/codes.h"

#include <stdlib.h>

static int cases_v1(tb_db *db, tb_err *e)
{
	size_t n;
	char *text = tb_data_read("district.json", &n);
	json_t *d = text ? json_loadb(text, n, 0, NULL) : NULL;
	free(text);
	const char *rel = json_string_value(json_object_get(d, "case_codes"));
	text = rel ? tb_data_read(rel, &n) : NULL;
	int rc = text ? tb_codes_load_csv(db, text, n, e) : 0;
	free(text);
	json_decref(d);
	if (!rc) rc = cases__reports_v1(db, e);
	if (!rc) rc = cases__cases_v1(db, e);
	return rc;
}

/* Positions of officials and their tenures (§3.5); the code lists again
 * (INSERT OR REPLACE: the position kinds are new). */
static int cases_v2(tb_db *db, tb_err *e)
{
	json_t *d = cases__district();
	const char *rel = json_string_value(json_object_get(d, "case_codes"));
	size_t n;
	char *text = rel ? tb_data_read(rel, &n) : NULL;
	int rc = text ? tb_codes_load_csv(db, text, n, e) : 0;
	free(text);
	json_decref(d);
	if (!rc) rc = cases__officials_v2(db, e);
	return rc;
}

static const tb_migration cases_steps[] = {
	{1, "cases: public reports (举报) and cases (案件) with their code lists (§3.5)", cases_v1},
	{2, "cases: positions of officials (领导干部) and tenures (任职) (§3.5)", cases_v2},
};

const tb_module tb_cases_module = {"cases", cases_steps, 2};
