/* internal.h — shared inside src/cases/ only (prefix cases__): the
 * configuration file, the handling paths and the write helpers of reports
 * and cases. */
#ifndef TB_CASES_INTERNAL_H
#define TB_CASES_INTERNAL_H

#include "cases/cases.h"

#include <jansson.h>

/* data/district.json (new reference; {} when unreadable). */
json_t *cases__district(void);
/* cases.json as read now (new reference; {} when the district has none). */
json_t *cases__json(void);
/* cases.json read once per process (borrowed). */
const json_t *cases__fixed(void);
/* Whether a case type's path (cases.json "case_paths") has the action. */
bool cases__path_has(const char *type, const char *action);
/* Days to the deadline an action sets (cases.json "deadline_days"), 0 = none. */
int cases__deadline_days(const char *action);

/* before_write of records written only by this module's operations: the
 * computed fields come from the write context's user data (a JSON object)
 * over those of the stored row. */
int cases__keep_computed(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e);
/* The town division holding a point, into town (size n); "" when none. */
int cases__town_at(tb_db *db, double lon, double lat, char *town, size_t n, tb_err *e);
/* Update record fid of r with the computed values in set (a JSON object,
 * borrowed) inside the caller's transaction; *out (if not NULL) the row. */
int cases__update(tb_db *db, const tb_resource *r, int64_t fid, json_t *set, tb_write_ctx *cx, json_t **out,
		  tb_err *e);
/* Append this module's one event of a write (inside the transaction). */
int cases__event(tb_db *db, const tb_actor *who, const char *action, const char *entity, const char *id,
		 const char *town, const json_t *parcels, json_t *payload, tb_err *e);

int cases__reports_v1(tb_db *db, tb_err *e);
int cases__cases_v1(tb_db *db, tb_err *e);
int cases__officials_v2(tb_db *db, tb_err *e);

#endif
