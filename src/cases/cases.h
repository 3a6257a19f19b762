/* cases.h — supervision and accountability (plan §3.5; §4.2 duties (1)
 * organisation department, (8) audit, (12) police): the public reporting
 * line (举报) and cases (线索 → 案件).
 *
 * A report comes in from the public page (no login; a proof-of-work
 * challenge, a per-IP hourly limit, size-checked photos) or is entered by
 * bureau staff for a telephone call, a letter or a visit (channel).  The
 * reporter gets a receipt code and follows the status with it; the optional
 * name and phone are private fields: never in lists, exports, the OGC API or
 * events, readable only through tb_report_contact by the roles and duties of
 * cases.json ("contact_roles", "contact_duties").  Reports near in place
 * and time of the same kind are grouped (group_code).
 *
 * A report, a confirmed alert (monitor/alert.h), a ranger's incident or a
 * patrol (duty/duty.h) becomes a case; its type (administrative, criminal,
 * litigation, rectification) chooses the handling path (cases.json
 * "case_paths"), a state machine of base/fsm.h.  Every step is one
 * transaction with one event "cases.<action>"; the timeline is the log.
 *
 * Thresholds and code lists are data: data/<district>/cases.json and
 * case_codes.csv, named from district.json ("cases", "case_codes"); each
 * number can be overridden by a district setting report_<key>. */
#ifndef TB_CASES_CASES_H
#define TB_CASES_CASES_H

#include "db/resource.h"
#include "db/schema.h"
#include "db/write.h"

#include <stdbool.h>
#include <stddef.h>

extern const tb_resource tb_reports; /* 举报 (§3.5)                      */
extern const tb_resource tb_cases;   /* 案件 (§3.5, §4.2(12))             */
extern const tb_resource *const tb_cases_resources[];
extern const tb_resource tb_positions; /* 领导干部职位 (district data, positions.csv) */
extern const tb_resource tb_tenures;   /* 任职记录: a person in a position from … to … */

/* Tenures joined with their positions, by position then start date:
 * filtered by position code, person code and/or a date the tenure covers
 * (each NULL = any).  [{fid, position_code, title_zh, title_en, kind,
 * person_code, person_name, start_date, end_date (null while in post),
 * town_code, unit_code}]; new reference, NULL on error. */
json_t *tb_official_tenures(tb_db *db, const char *position, const char *person, const char *on, tb_err *e);

/* The departure audit (离任审计, §3.5, duty (8)) of the person's latest
 * tenure of the position (until its end date, or today while in post),
 * within the position's town (or the district): natural-forest ha at start
 * and end from the registry's ledger with every cause and the change by
 * kind; the cases open during the tenure (opened, closed, open and overdue
 * at the end, ha damaged in cases opened); what is not recorded yet is
 * listed in "not_recorded".  TB_ENOTFOUND when the person never held it. */
int tb_departure_audit(tb_db *db, const char *position, const char *person, const char *today, json_t **out,
		       tb_err *e);
extern const tb_module tb_cases_module;

/* ---- configuration (cases.json; settings report_<key> override) ---------- */
typedef struct tb_report_config {
	int pow_bits;             /* leading zero bits of SHA-256(challenge:nonce) */
	int pow_ttl_min;          /* a challenge is valid this long               */
	int per_ip_per_hour;      /* public reports from one address per hour     */
	size_t photo_max_bytes;   /* each photo                                   */
	int photo_max_count;
	int description_max;      /* characters                                   */
	double dup_radius_m;      /* same kind this near …                        */
	double dup_window_h;      /* … and this close in time: one group          */
	double future_tol_min;    /* seen_at may lie this far ahead               */
} tb_report_config;
void tb_report_config_load(tb_db *db, tb_report_config *c);

/* The §4.2 duty a member unit carries for this module ("police", "audit",
 * "organisation", per cases.json "duties"), or NULL.  Static string. */
const char *tb_cases_duty_of_unit(const char *unit);
/* Whether a caller with this role and duty (NULL) may read a reporter's
 * name and phone (cases.json "contact_roles" / "contact_duties"). */
bool tb_cases_may_see_contact(const char *role, const char *duty);

/* ---- proof of work (pow.c) ------------------------------------------------ */
/* A new challenge "v1.<expires>.<bits>.<random>.<mac>" (HMAC-SHA-256 with a
 * key of this process) into out (at least 128 bytes). */
void tb_pow_challenge(int bits, int ttl_min, char *out, size_t size);
/* 0 when SHA-256(challenge ":" nonce) starts with the challenge's number of
 * zero bits, the challenge is ours and unexpired, and its bits are at least
 * min_bits; else TB_EDENIED naming field "challenge" or "nonce".
 * hash_out (65) gets the challenge's SHA-256 hex (spent challenges are
 * remembered by it). */
int tb_pow_verify(const char *challenge, const char *nonce, int min_bits, char hash_out[65], tb_err *e);
/* Leading zero bits of 32 bytes. */
int tb_pow_zero_bits(const unsigned char h[32]);

/* ---- reports (report.c) --------------------------------------------------- */
typedef struct tb_report_photo {
	const void *data;
	size_t n;
	const char *name;
} tb_report_photo;

typedef struct tb_report_in {
	const char *channel;     /* online (public form) | phone | letter | visit */
	const char *kind;        /* report_kind code                              */
	const char *description;
	const char *place;       /* a place name; with or instead of the point    */
	bool has_point;
	double lon, lat;         /* EPSG:4490                                     */
	const char *seen_at;     /* ISO 8601 UTC; NULL = now                      */
	const char *name;        /* optional, private                             */
	const char *phone;       /* optional, private                             */
	const tb_report_photo *photos;
	int nphotos;
	/* the public form only (channel online) */
	const char *ip;          /* client address (stored hashed, private)       */
	const char *challenge, *nonce;
} tb_report_in;

/* Store a report: checked (codes, lengths, time, place inside the district,
 * photos' type by their bytes and size), placed (town from the point), its
 * photos stored and named in the one event "reports.create", grouped with
 * an open report of the same kind within dup_radius_m and dup_window_h.
 * Online reports need a solved challenge not spent before (TB_EDENIED
 * naming "challenge" or "nonce") and stay within the per-IP hourly limit
 * (TB_ETOOBIG naming "rate": the HTTP layer answers 429).
 * *out: {code, status, group_code, duplicates} — what the reporter may see.
 * Errors name the field; nothing is stored on error. */
int tb_report_submit(tb_db *db, const tb_actor *who, const tb_report_in *in, json_t **out, tb_err *e);

/* The public status of a receipt code: {code, kind, status, status_zh,
 * status_en, public_reply, received_at, updated_at}; TB_ENOTFOUND. */
int tb_report_status(tb_db *db, const char *code, json_t **out, tb_err *e);
/* The reporter's name and phone of report fid ({name, phone}, values null
 * when not given).  The caller has decided that its caller may see them. */
int tb_report_contact(tb_db *db, int64_t fid, json_t **out, tb_err *e);
/* Report review: received → verifying (verify), received/verifying →
 * rejected (reject, with a public reply), accepted → closed (close); the
 * move to accepted is tb_case_open's.  One transaction, one event
 * "reports.<action>"; reply (may be NULL) is what the reporter sees. */
int tb_report_transition(tb_db *db, const tb_actor *who, int64_t fid, const char *action, const char *reply,
			 json_t **out, tb_err *e);
/* The fid of a report by receipt code or fid. */
int tb_report_find(tb_db *db, const char *code_or_id, int64_t *fid, tb_err *e);

/* ---- cases (case.c) ------------------------------------------------------- */
typedef struct tb_case_in {
	const char *type;        /* case_type code                           */
	const char *title;
	const char *source;      /* report | alert | incident | patrol | inspection | other */
	const char *source_ref;  /* receipt code, alert code, incident/patrol fid */
	const char *town_code;   /* when the source gives none               */
	const char *responsible_unit;
	const char *description;
	double damaged_ha;       /* NAN = from the source (alert loss)        */
	const char *scope;       /* towns the actor may act in; NULL = all   */
} tb_case_in;

/* Open a case from its source (a report becomes accepted in the same
 * transaction; an alert must be verified and confirmed).  One event
 * "cases.create".  *out the case. */
int tb_case_open(tb_db *db, const tb_actor *who, const tb_case_in *in, json_t **out, tb_err *e);

typedef struct tb_case_action {
	const char *action;      /* investigate, decide, transfer, police_accept, … */
	const char *note;        /* required                                 */
	const char *duty;        /* the caller's §4.2 duty (police …) or NULL */
	const char *outcome;     /* close, police_close, recheck_pass         */
	const char *decision;    /* decide: the decision text                  */
	double penalty_yuan;     /* decide: NAN = none                         */
	const char *police_case_no; /* police_accept                          */
	const char *deadline;    /* YYYY-MM-DD; NULL = today + deadline_days  */
	const char *responsible_unit; /* order                                */
	const char *handler;     /* investigate: who handles it (login)        */
} tb_case_action;

/* Move a case along its type's path (the table in case.c, the paths in
 * cases.json): TB_ECONFLICT "status" for a move not there, TB_EDENIED for a
 * role or duty that may not make it; TB_EINPUT naming the field for a
 * missing note, outcome … .  One transaction, one event "cases.<action>". */
int tb_case_act(tb_db *db, const tb_actor *who, int64_t fid, const tb_case_action *a, json_t **out, tb_err *e);
/* A case by code ("AJ-2026-0001") or fid. */
int tb_case_find(tb_db *db, const char *code_or_id, int64_t *fid, tb_err *e);
/* The case's timeline: its events oldest first [{seq, time, actor, role,
 * action, note, status}].  New reference. */
json_t *tb_case_timeline(tb_db *db, const char *code, tb_err *e);
/* The actions the case's state and type allow now (for the UI). */
void tb_case_next(tb_db *db, const json_t *c, char *buf, size_t size);
/* Open cases whose deadline lies before today (YYYY-MM-DD), within towns
 * (NULL = all): an array of the cases with "days_overdue". */
json_t *tb_case_overdue(tb_db *db, const char *today, const char *towns, tb_err *e);
/* Reminders of overdue steps (§3.5 "overdue steps raise notifications"):
 * each open case past its deadline on `today` notifies its town and the
 * bureau (tb_notify, kind "case_overdue", ref "cases/<code>/<deadline>"),
 * and again every overdue_remind_days (cases.json, 7; setting
 * case_overdue_remind_days) while that deadline stays missed; level 3, 4
 * from overdue_escalate_days (14) days late.  A recipient already reminded
 * within the period, or whose notification tb_notify suppressed, counts as
 * skipped.  Each notification is its own transaction and event. */
typedef struct tb_case_reminders {
	int overdue, sent, skipped;
} tb_case_reminders;
int tb_case_notify_overdue(tb_db *db, const tb_actor *who, const char *today, tb_case_reminders *out, tb_err *e);
/* Counts by status and type, open, overdue (today), reports by status,
 * within towns (NULL = all). */
json_t *tb_cases_summary(tb_db *db, const char *today, const char *towns, tb_err *e);

/* The supervision part of the Jizhou demo (after the monitoring demo):
 * reports in each status, cases of each type (demo.c). */
int tb_cases_demo(tb_db *db, const tb_actor *who, tb_err *e);

#endif
