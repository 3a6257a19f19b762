/* control.h — use control (用途管制, plan §3.1.1, §3.2): the rules of the
 * plan as data, activity checks against them with a map overlay of the
 * parcels and key zones, applications with their review workflow, operation
 * designs (作业设计) for tending, and the area-ledger entries of approved
 * losses.
 *
 * Rules are rows of the `use_rules` table (loaded from the district's
 * use_rules.csv at migration, editable by the bureau).  A check splits the
 * geometry by parcel (natural or not) and by key zone; each part is decided
 * by the most specific matching rule (ties: the stricter one), and the whole
 * by the strictest part. */
#ifndef TB_CONTROL_CONTROL_H
#define TB_CONTROL_CONTROL_H

#include "db/resource.h"
#include "db/schema.h"
#include "db/write.h"

extern const tb_resource tb_use_rules;    /* 用途管制规则 (§3.1.1, §3.2)       */
extern const tb_resource tb_applications; /* 林地使用/作业申请 with decision  */
extern const tb_resource tb_designs;      /* 作业设计 for tending (§3.2.1)    */
extern const tb_resource *const tb_control_resources[]; /* NULL-terminated */
extern const tb_module tb_control_module;

/* ---- verdicts and rules (rules.c) -------------------------------------- */
typedef enum tb_verdict {
	TB_V_NONE = 0,
	TB_V_ALLOWED = 1,
	TB_V_CONDITIONAL = 2,
	TB_V_NEEDS_APPROVAL = 3,
	TB_V_PROHIBITED = 4 /* strictest */
} tb_verdict;

const char *tb_verdict_name(tb_verdict v); /* "prohibited" …; "" for NONE */
tb_verdict tb_verdict_parse(const char *s); /* TB_V_NONE when unknown      */

/* The situation of one part of an area. */
typedef struct tb_use_situation {
	const char *activity;   /* use_activity code                         */
	const char *purpose;    /* use_purpose code or NULL                  */
	bool forest_land;       /* inside a parcel (林地)                     */
	bool natural;           /* inside a natural-forest parcel            */
	bool in_key_zone;       /* inside a key protection zone (§3.1.1)     */
	const char *gyl_grade;  /* gjgyl_bhdj code of the parcel or NULL     */
	const char *bh_dj;      /* bh_dj code of the parcel or NULL          */
	bool design_approved;   /* an approved operation design exists       */
} tb_use_situation;

/* Where a rule row comes from (column basis): the plan's own words, the law
 * and national rules it refers to, or a setting of the district. */
typedef enum tb_use_basis { TB_B_PLAN = 0, TB_B_LAW = 1, TB_B_DISTRICT = 2 } tb_use_basis;
#define TB_B_COUNT 3

typedef struct tb_use_rule {
	int64_t fid;
	char *code, *activity, *purpose, *forest_land, *in_key_zone, *natural, *gyl_grade, *bh_dj,
		*design_approved, *authority, *conditions_zh, *conditions_en, *clause, *message_zh,
		*message_en, *district_conditions_zh, *district_conditions_en;
	tb_verdict verdict;
	tb_use_basis basis;
	int specificity; /* number of situation columns that are not "any" */
} tb_use_rule;

typedef struct tb_use_rules_set {
	tb_use_rule *rows;
	int n;
} tb_use_rules_set;

/* Load the active rules of the use_rules table (fid order).  Free with
 * tb_use_rules_free. */
int tb_use_rules_load(tb_db *db, tb_use_rules_set *out, tb_err *e);
void tb_use_rules_free(tb_use_rules_set *s);
/* The deciding rule for a situation: the matching row with the most
 * non-"any" columns; ties go to the stricter verdict, then the earlier
 * row.  NULL when no row matches.  Borrowed from s. */
const tb_use_rule *tb_use_rules_match(const tb_use_rules_set *s, const tb_use_situation *sit);

/* A decision with its citations.  The verdict is the deciding row's
 * (tb_use_rules_match).  When it prohibits, every basis decides on its own
 * (the same matching among its rows only) and each one that prohibits too is
 * cited: the plan's own row first, then the law's, then the district's; so
 * an activity a key zone bans (§3.2.1, §3.1.1) cites the plan's clause even
 * where a more specific public-welfare-forest or protection-grade row
 * decides.  Otherwise the deciding row alone is cited.  cite[0] is the row
 * to report as the reason; rows are borrowed from the set. */
typedef struct tb_use_decision {
	const tb_use_rule *rule;              /* deciding row, NULL when none   */
	const tb_use_rule *cite[TB_B_COUNT];  /* cited rows, plan's first        */
	int ncite;
} tb_use_decision;

void tb_use_rules_decide(const tb_use_rules_set *s, const tb_use_situation *sit, tb_use_decision *out);
/* "plan", "law", "district". */
const char *tb_use_basis_name(tb_use_basis b);

/* ---- geometry input (geomin.c) ----------------------------------------- */
/* Read the polygons of a GIS file (GeoJSON, KML, GPX, Shapefile or zipped
 * Shapefile, GeoPackage) in any CRS (declared, else guessed; srs overrides)
 * as one MultiPolygon in EPSG:4490.  GPX tracks and routes are closed into
 * polygons.  Errors (TB_EINPUT, field "geometry"): unreadable, empty, not
 * polygonal, unknown CRS.  *out is new (caller destroys). */
int tb_control_read_file(const char *path, const char *srs, GEOSGeometry **out, tb_err *e);
/* A GeoJSON geometry, Feature or FeatureCollection (lon/lat EPSG:4490 unless
 * a "crs" member names another CRS) as a MultiPolygon in EPSG:4490. */
int tb_control_read_geojson(const json_t *gj, GEOSGeometry **out, tb_err *e);
/* Check an input geometry: not empty, polygonal, valid (GEOS's reason and
 * location otherwise), inside the district (tolerance district_tolerance_m).
 * Returns a new MultiPolygon in *out. */
int tb_control_check_geometry(tb_db *db, const GEOSGeometry *g, GEOSGeometry **out, tb_err *e);

/* ---- the activity check (check.c) --------------------------------------- */
typedef struct tb_use_query {
	const char *activity;  /* required: a use_activity code or label       */
	const char *purpose;   /* optional: a use_purpose code or label         */
	bool design_approved;  /* an approved operation design exists           */
} tb_use_query;

/* Decide an activity on an area g (a valid polygonal geometry in EPSG:4490,
 * already checked).  Returns the decision (new reference):
 *   {activity, purpose, design_approved, verdict, clauses:[…], reasons:[…],
 *    natural_forest_ha, key_zone_ha, outside_key_zone_ha, forest_ha,
 *    non_forest_ha, total_ha, town_code, parcels:[{id, area_ha, natural,
 *    in_key_zone, key_zone_ha, verdict, clause, rule, town_code, parts}]}
 * Areas are ellipsoidal (CGCS2000), rounded to 4 decimals. */
json_t *tb_control_check(tb_db *db, const tb_use_query *q, const GEOSGeometry *g, tb_err *e);

/* ---- applications, designs and their workflow (workflow.c) -------------- */
/* Create an application: props {applicant, applicant_unit, activity,
 * purpose, start_date, end_date, description, design_code, note} and its
 * geometry (EPSG:4490; borrowed).  The decision is computed; scope (the
 * caller's towns, comma-separated, or NULL for all) must contain the
 * application's town (TB_EDENIED otherwise).  One transaction, one event.
 * *fid gets the new record. */
int tb_application_create(tb_db *db, const tb_actor *who, const char *scope, json_t *props,
			  const GEOSGeometry *geom, int64_t *fid, tb_err *e);
/* Move an application: to "checked", "approved" or "rejected".  Refused
 * with TB_ECONFLICT for a transition the state machine does not have or an
 * unmet precondition (prohibited verdict; occupation without the higher
 * authority's approval document; tending without an approved design), with
 * TB_EDENIED for a role that may not make it.  Approving an activity that
 * removes natural forest shrinks the affected natural parcels and records
 * the loss in the area ledger, linked to the approval's event. */
int tb_application_transition(tb_db *db, const tb_actor *who, int64_t fid, const char *to,
			      const char *note, const char *approval_doc, tb_err *e);
int tb_design_create(tb_db *db, const tb_actor *who, const char *scope, json_t *props, int64_t *fid,
		     tb_err *e);
/* to: "submitted", "approved", "rejected". */
int tb_design_transition(tb_db *db, const tb_actor *who, int64_t fid, const char *to, const char *note,
			 tb_err *e);

/* The dashboard summary: {target_ha, natural_forest_ha, approved_loss_ha,
 * pending:{count, natural_forest_ha}, by_status, by_verdict, …}; scope as
 * above.  New reference. */
json_t *tb_control_summary(tb_db *db, const char *scope, tb_err *e);

#endif
