/* official.c — positions of leading officials (领导干部) and the tenures of
 * the people who held them (§3.5: 终身追究 and 离任审计 rest on who held
 * which post when).  The positions are district data (data/<district>/
 * positions.csv, named from district.json "positions"): the district head
 * as head of the leading group, the deputy in charge, the bureau director,
 * town heads and heads of forest units.  Tenures are records: a person
 * (code and name) in a position from a date to a date (open while in post);
 * a position has one holder at a time.  A person's code stays with the
 * person when they move, so their record follows them. */
#include "cases/internal.h"

#include "base/json.h"
#include "db/resource.h"

#include <stdio.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const tb_field position_fields[] = {
	{"code", TB_F_TEXT, TB_REQUIRED | TB_UNIQUE, "职位编号", "Position code", .max_len = 32},
	{"title_zh", TB_F_TEXT, TB_REQUIRED, "职位", "Title (Chinese)", .max_len = 100},
	{"title_en", TB_F_TEXT, 0, "职位（英文）", "Title (English)", .max_len = 200},
	{"kind", TB_F_CODE, TB_REQUIRED | TB_INDEXED, "职位类别", "Kind", .codes = "position_kind"},
	{"unit_code", TB_F_TEXT, TB_INDEXED, "所在单位", "Unit", .max_len = 32},
	{"town_code", TB_F_TEXT, TB_INDEXED, "辖区乡镇", "Town (jurisdiction)", .max_len = 12},
	{"note", TB_F_TEXT, 0, "说明", "Note", .max_len = 500},
};

static int tenure_check(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e);

const tb_resource tb_positions = {
	.name = "positions", .label_zh = "领导干部职位", .label_en = "Positions of officials", .clause = "3.5",
	.fields = position_fields, .nfields = N(position_fields), .key = "code", .scope = "town_code",
};

static const tb_field tenure_fields[] = {
	{"position_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "职位", "Position", .max_len = 32},
	{"person_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "人员编号", "Person code", .max_len = 32},
	{"person_name", TB_F_TEXT, TB_REQUIRED, "姓名", "Name", .max_len = 50},
	{"start_date", TB_F_DATE, TB_REQUIRED | TB_INDEXED, "任职日期", "In post from"},
	{"end_date", TB_F_DATE, TB_INDEXED, "离任日期", "In post until"},
	{"appointment_doc", TB_F_TEXT, TB_ATTACHMENT, "任免文件", "Appointment document (SHA-256)"},
	{"town_code", TB_F_TEXT, TB_COMPUTED | TB_INDEXED, "辖区乡镇", "Town (jurisdiction)"},
	{"note", TB_F_TEXT, 0, "说明", "Note", .max_len = 500},
};

const tb_resource tb_tenures = {
	.name = "tenures", .label_zh = "任职记录", .label_en = "Tenures", .clause = "3.5",
	.fields = tenure_fields, .nfields = N(tenure_fields), .scope = "town_code", .before_write = tenure_check,
};

/* The field's value in the new props, else in the stored row. */
static const char *val(const tb_record *rec, const char *k)
{
	json_t *v = json_object_get(rec->props, k);
	if (!v && rec->old) v = json_object_get(rec->old, k);
	return json_string_value(v);
}

/* The position exists (its town becomes the tenure's), the dates are in
 * order, and no other tenure of the position overlaps. */
static int tenure_check(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r, (void)ctx;
	const char *pos = val(rec, "position_code"), *from = val(rec, "start_date"), *to = val(rec, "end_date");
	if (!pos || !from) return 0; /* required: validation names them */
	tb_stmt *st;
	int rc = tb_db_prepare(db, "SELECT town_code FROM positions WHERE code=?1", &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, pos);
	bool found = tb_stmt_step(st) == TB_ROW;
	const char *town = found ? tb_col_text(st, 0) : NULL;
	if (found) json_object_set_new(rec->props, "town_code", town && *town ? json_string(town) : json_null());
	tb_stmt_finalize(st);
	if (!found) return tb_err_set(e, TB_EINPUT, rec->name, "position_code", "no position %s", pos);
	if (to && strcmp(to, from) < 0)
		return tb_err_set(e, TB_EINPUT, rec->name, "end_date", "the tenure ends (%s) before it starts (%s)", to,
				  from);
	if ((rc = tb_db_prepare(db,
				"SELECT person_name, start_date, coalesce(end_date,'') FROM tenures WHERE position_code=?1"
				" AND fid<>?2 AND start_date<=coalesce(?4,'9999-12-31')"
				" AND coalesce(end_date,'9999-12-31')>=?3 ORDER BY start_date LIMIT 1",
				&st, e)))
		return rc;
	tb_bind_text(st, 1, pos);
	tb_bind_int64(st, 2, rec->fid);
	tb_bind_text(st, 3, from);
	if (to) tb_bind_text(st, 4, to);
	if (tb_stmt_step(st) == TB_ROW) {
		rc = tb_err_set(e, TB_ECONFLICT, rec->name, "start_date",
				"the position %s was held by %s from %s%s%s: one holder at a time", pos, tb_col_text(st, 0),
				tb_col_text(st, 1), *tb_col_text(st, 2) ? " to " : " (still in post)", tb_col_text(st, 2));
	}
	tb_stmt_finalize(st);
	return rc;
}

json_t *tb_official_tenures(tb_db *db, const char *position, const char *person, const char *on, tb_err *e)
{
	tb_stmt *st;
	if (tb_db_prepare(db,
			  "SELECT t.fid, t.position_code, p.title_zh, p.title_en, p.kind, t.person_code, t.person_name,"
			  " t.start_date, t.end_date, p.town_code, p.unit_code FROM tenures t JOIN positions p"
			  " ON p.code=t.position_code WHERE (?1 IS NULL OR t.position_code=?1)"
			  " AND (?2 IS NULL OR t.person_code=?2) AND (?3 IS NULL OR (t.start_date<=?3"
			  " AND coalesce(t.end_date,'9999-12-31')>=?3)) ORDER BY t.position_code, t.start_date",
			  &st, e))
		return NULL;
	if (position) tb_bind_text(st, 1, position);
	if (person) tb_bind_text(st, 2, person);
	if (on) tb_bind_text(st, 3, on);
	json_t *out = json_array();
	static const char *const keys[] = {"fid", "position_code", "title_zh", "title_en", "kind", "person_code",
					   "person_name", "start_date", "end_date", "town_code", "unit_code"};
	while (tb_stmt_step(st) == TB_ROW) {
		json_t *o = json_object();
		json_object_set_new(o, "fid", json_integer(tb_col_int64(st, 0)));
		for (int i = 1; i < N(keys); i++) {
			const char *v = tb_col_text(st, i);
			json_object_set_new(o, keys[i], v && *v ? json_string(v) : json_null());
		}
		json_array_append_new(out, o);
	}
	tb_stmt_finalize(st);
	return out;
}

int cases__officials_v2(tb_db *db, tb_err *e)
{
	int rc = tb_resource_create(db, &tb_positions, e);
	if (!rc) rc = tb_resource_create(db, &tb_tenures, e);
	json_t *d = rc ? NULL : cases__district();
	const char *rel = json_string_value(json_object_get(d, "positions"));
	int64_t n = 0;
	tb_write_ctx cx = {0};
	if (!rc && rel) rc = tb_load_csv(db, &cx, &tb_positions, rel, &n, e);
	json_decref(d);
	return rc;
}
