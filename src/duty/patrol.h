/* patrol.h — patrols as records: import of a track for a ranger (analysed
 * against the grid assigned that day and the ranger's earlier patrols) and
 * the monthly summary against the required patrol days. */
#ifndef TB_DUTY_PATROL_H
#define TB_DUTY_PATROL_H

#include "duty/duty.h"
#include "duty/track.h"

/* Thresholds from the district settings patrol_* (defaults of track.h). */
void tb_patrol_rules_from_db(tb_db *db, tb_patrol_rules *r);
/* Analyse and store a patrol; *out gets the stored record.  One
 * transaction, one event ("patrols.create").  The same track sent again
 * (this ranger, the same start and end times) stores nothing: *out is the
 * patrol stored the first time, with "resubmitted": true. */
int tb_patrol_import(tb_db *db, const tb_actor *who, const char *ranger, const tb_track *t,
		     const char *source, json_t **out, tb_err *e);
int tb_patrol_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e);
/* Per active ranger for a month (YYYY-MM): patrol days, km, hours, best
 * coverage, suspect count, against the required days (patrol_days_fire_season
 * 20 in fire_season_months, patrol_days_other 10).  scope: towns or NULL. */
json_t *tb_patrol_summary(tb_db *db, const char *month, const char *scope, tb_err *e);

#endif
