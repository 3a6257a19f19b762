/* sites.h — the monitoring station and points (监测站、监测点, §3.3.3) with
 * their fixed sample plots (固定样地), plot surveys and the tree tally
 * (每木检尺), and the stand indicators computed from a survey: stems/ha,
 * basal area/ha, mean and quadratic mean DBH, Shannon diversity and volume
 * from a binary volume equation per species (data/jizhou/volume.csv). */
#ifndef TB_MONITOR_SITES_H
#define TB_MONITOR_SITES_H

#include "db/write.h"

#include <jansson.h>
#include <stdbool.h>

extern const tb_resource tb_monitor_sites; /* station and points, from monitor_sites.csv */
extern const tb_resource tb_plots;         /* 固定样地                                  */
extern const tb_resource tb_plot_surveys;  /* 样地调查                                  */
extern const tb_resource tb_plot_trees;    /* 每木检尺 rows of a survey                  */

/* One tallied tree. */
typedef struct tb_tally_tree {
	const char *species; /* you_shi_sz code                 */
	double dbh_cm;       /* breast height (1.3 m)           */
	double height_m;     /* ≤ 0: not measured               */
	bool live;
} tb_tally_tree;

/* A binary volume equation V = a·D^b·H^c (m³ per tree; D cm, H m) for a
 * species code, or for every other species when species is "*". */
typedef struct tb_volume_eq {
	char species[16];
	char group[64];
	double a, b, c;
} tb_volume_eq;

/* The equations of data/<district>/volume.csv; *n gets the count; caller
 * frees.  NULL and *e when the file is missing or malformed. */
tb_volume_eq *tb_volume_eqs_load(size_t *n, tb_err *e);

/* Indicators of a tally on a plot of area_m2: trees counted are live with
 * DBH ≥ min_dbh_cm.  Heights not measured take the mean measured height of
 * the species in the plot (else of the plot).  Returns {stems_ha,
 * basal_area_m2_ha, mean_dbh_cm, qmd_cm, shannon, volume_m3_ha,
 * dead_stems_ha, heights_estimated, species:[{species, stems, stems_ha,
 * basal_area_m2_ha, volume_m3_ha, share}]}; new reference. */
json_t *tb_tally_indicators(const tb_tally_tree *t, size_t n, double area_m2, double min_dbh_cm,
			    const tb_volume_eq *eqs, size_t neq);

/* The indicators of a stored survey (by fid), with the plot's regeneration
 * per ha and cover; towns (NULL = all) limits what the caller may see
 * (TB_ENOTFOUND outside). */
json_t *tb_survey_indicators(tb_db *db, int64_t survey_fid, const char *towns, tb_err *e);
/* The fid of a survey named by code or fid. */
int tb_survey_find(tb_db *db, const char *code_or_id, int64_t *fid, tb_err *e);

/* Load a tally CSV (tree_no, species, dbh_cm, height_m, status) into a
 * survey: every row checked, all or nothing, one transaction, one event
 * ("plot_trees.import").  *count gets the rows. */
int tb_tally_import(tb_db *db, const tb_actor *who, const char *survey_code, const char *csv, size_t len,
		    int64_t *count, tb_errlist *errs, tb_err *e);

/* The sites with their plot counts (for `tianbao monitor sites`). */
json_t *tb_monitor_site_list(tb_db *db, tb_err *e);

/* Counts for the dashboard: {"sites", "plots", "surveys"}. */
json_t *tb_monitor_site_counts(tb_db *db, tb_err *e);

/* Demo plots, surveys and tallies at every site (demo.c). */
int tb_sites_demo(tb_db *db, const tb_actor *who, tb_err *e);
/* The monitoring demo (after tb_duty_demo): the plots above and alerts in
 * every state of the lifecycle, assigned to the demo rangers. */
int tb_monitor_demo(tb_db *db, const tb_actor *who, tb_err *e);

#endif
