/* pest.h — pest monitoring, forecasting and warning (林业有害生物监测预报,
 * plan §3.1.3; §4.2 (14) pest-weather forecasts): trap counts and
 * infestation surveys per site and parcel, degree days (有效积温) from the
 * stations' weather with each species' base temperature and stage sums,
 * occurrence grades and the disaster threshold (成灾标准) — all
 * configuration in data/jizhou/pests.json (fall webworm 美国白蛾 first) —
 * and the warnings they give to towns and rangers. */
#ifndef TB_MONITOR_PEST_H
#define TB_MONITOR_PEST_H

#include "db/write.h"

#include <jansson.h>
#include <stdbool.h>

#define TB_PEST_MAX_SPECIES 8
#define TB_PEST_MAX_STAGES 12
#define TB_PEST_MAX_GRADES 8

typedef struct tb_pest_stage {
	char code[32];
	char name_zh[64];
	char name_en[96];
	double dd; /* reached when the sum of degree days is at least this */
	bool warn; /* reaching it is a warning                              */
} tb_pest_stage;

typedef struct tb_pest_grade {
	char code[24];
	char name_zh[32];
	char name_en[48];
	double min_infested_pct; /* infested-tree rate from which it holds */
	int level;               /* warning level 1–5                      */
} tb_pest_grade;

typedef struct tb_pest_species {
	char code[32];
	char name_zh[64];
	char name_en[64];
	char latin[64];
	double base_temp;                         /* lower developmental threshold, °C        */
	int biofix_month, biofix_day;             /* accumulation starts on this day     */
	tb_pest_stage stages[TB_PEST_MAX_STAGES]; /* ascending dd               */
	int nstages;
	tb_pest_grade grades[TB_PEST_MAX_GRADES]; /* ascending min_infested_pct */
	int ngrades;
	double disaster_leaf_loss_pct, disaster_infested_pct; /* both met: 成灾 */
	int disaster_level;
	int warn_level;         /* survey warnings at this level and above  */
	double trap_warn_count; /* a trap catch this high is a warning (0 = none) */
} tb_pest_species;

typedef struct tb_pest_config {
	tb_pest_species species[TB_PEST_MAX_SPECIES];
	int nspecies;
} tb_pest_config;

int tb_pest_config_load(tb_pest_config *c, tb_err *e);
const tb_pest_species *tb_pest_species_find(const tb_pest_config *c, const char *code);

/* One day's degree days: the daily mean (tmax+tmin)/2 when both are given
 * (not NAN), else temp, minus base, floored at 0. */
double tb_pest_dd_day(double base, double temp, double tmax, double tmin);
/* Index of the last stage reached by a degree-day sum, -1 for none. */
int tb_pest_stage_of(const tb_pest_species *s, double dd);

/* A survey's grading: infested-tree rate (%), the occurrence grade, the
 * disaster flag (leaf loss and infested rate both at their thresholds) and
 * the warning level. */
typedef struct tb_pest_grading {
	double infested_pct;
	const tb_pest_grade *grade;
	bool disaster;
	int level;
} tb_pest_grading;
void tb_pest_grade_survey(const tb_pest_species *s, double trees_surveyed, double trees_infested,
                          double leaf_loss_pct, tb_pest_grading *out);

/* Degree days and stage per station and species on `date` (NULL = today),
 * station NULL = every station; survey grades and trap catches of the year
 * up to the date; and the warnings they give:
 * {date, stations:[{station, name, species:[{species, name_zh, base_temp,
 *  biofix, degree_days, days, missing_days, stage, next}]}], surveys:[…],
 *  traps:[…], warnings:[{kind, level, ref, towns, text_zh, text_en}]}.
 * scope: a jurisdiction (comma-separated town codes, NULL = the district):
 * only its towns' surveys and traps, the stations covering one of its
 * towns, and of their towns only its own. */
json_t *tb_pest_status(tb_db *db, const char *station, const char *date, const char *scope,
                       tb_err *e);
/* Send the status's warnings (tb_notify; deduplicated by their ref).
 * Returns {due, sent, suppressed, failed, error}. */
json_t *tb_pest_notify(tb_db *db, const tb_actor *who, const json_t *status);
/* After a weather import: the pest warnings of one station on a date
 * (stages reached), sent; the tally or NULL when nothing was due. */
json_t *tb_pest_warn_station(tb_db *db, const tb_actor *who, const char *station, const char *date);

/* After a trap or survey record (resource "pest_traps" / "pest_surveys",
 * its fid and date) is stored: its warning, if it gives one, sent; the
 * tally or NULL when nothing was due. */
json_t *tb_pest_record_warn(tb_db *db, const tb_actor *who, const char *resource, int64_t fid,
                            const char *date);

extern const tb_resource tb_pest_traps;   /* 诱捕监测 */
extern const tb_resource tb_pest_surveys; /* 虫情调查 */

#endif
