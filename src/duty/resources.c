/* resources.c — descriptions of the duty module's records (see duty.h).
 * Behaviour (area of grids, town of a patrol) is in hooks below; the rest
 * — tables, validation, API, import/export — comes from the descriptions. */
#include "duty/duty.h"
#include "duty/patrol.h"
#include "db/attach.h"

#include <stdio.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int grid_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)db, (void)r, (void)ctx;
	if (!rec->geom || tb_geom_check_polygonal(rec->geom, rec->name, e)) {
		if (!rec->geom) tb_err_set(e, TB_EINPUT, rec->name, "geometry", "geometry is missing");
		snprintf(e->field, sizeof e->field, "geometry");
		return TB_EINPUT;
	}
	if (GEOSGeomTypeId_r(tb_geos(), rec->geom) == GEOS_POLYGON) {
		GEOSGeometry *m = tb_geom_to_multi(rec->geom);
		GEOSGeom_destroy_r(tb_geos(), rec->geom);
		rec->geom = m;
	}
	json_object_set_new(rec->props, "area_ha", json_real(tb_round4(tb_area_ha(rec->geom))));
	return 0;
}

/* A field holding an attachment's SHA-256 must name a stored attachment. */
static int attachment_ok(tb_db *db, tb_record *rec, const char *field, tb_err *e)
{
	const char *sha = json_string_value(json_object_get(rec->props, field));
	if (!sha || tb_attach_exists(db, sha)) return 0;
	return tb_err_set(e, TB_EINPUT, rec->name, field,
			  "no attachment %.16s…; upload the file to /api/attachments first", sha);
}

static int agreement_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r, (void)ctx;
	const char *from = json_string_value(json_object_get(rec->props, "start_date"));
	const char *to = json_string_value(json_object_get(rec->props, "end_date"));
	if (from && to && strcmp(from, to) > 0)
		return tb_err_set(e, TB_EINPUT, rec->name, "end_date", "ends (%s) before it starts (%s)", to, from);
	return attachment_ok(db, rec, "document_sha256", e);
}

/* The incident's ranger must exist; a ranger user reports only as himself. */
static int incident_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r;
	const tb_write_ctx *w = ctx;
	const char *ranger = json_string_value(json_object_get(rec->props, "ranger_code"));
	tb_stmt *st;
	int rc = tb_db_prepare(db, "SELECT login FROM rangers WHERE code=?", &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, ranger ? ranger : "");
	if (tb_stmt_step(st) != TB_ROW)
		rc = tb_err_set(e, TB_EINPUT, rec->name, "ranger_code", "no ranger with code '%s'", ranger ? ranger : "");
	else if (w && w->actor && w->actor->role && !strcmp(w->actor->role, "ranger")) {
		const char *login = tb_col_text(st, 0);
		if (!login || strcmp(login, w->actor->login))
			rc = tb_err_set(e, TB_EDENIED, rec->name, "ranger_code", "a ranger reports incidents as himself only");
	}
	tb_stmt_finalize(st);
	return rc ? rc : attachment_ok(db, rec, "photo_sha256", e);
}

static const tb_field org_fields[] = {
	{"position", TB_F_CODE, TB_REQUIRED, "职务", "Position", .codes = "org_position"},
	{"unit_code", TB_F_TEXT, TB_INDEXED, "单位", "Unit"},
	{"note", TB_F_TEXT, 0, "说明", "Note"},
};
const tb_resource tb_org_members = {
	.name = "org_members", .label_zh = "领导小组", .label_en = "Leading group", .clause = "4.1",
	.fields = org_fields, .nfields = N(org_fields),
};

static const tb_field duty_fields[] = {
	{"no", TB_F_INT, TB_REQUIRED | TB_RANGE, "序号", "Item", .min = 1, .max = 99},
	{"unit_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "成员单位", "Member unit"},
	{"clause", TB_F_TEXT, TB_REQUIRED, "条款", "Clause"},
	{"text", TB_F_TEXT, TB_REQUIRED, "职责", "Duty", .max_len = 2000},
};
const tb_resource tb_duties = {
	.name = "duties", .label_zh = "成员单位职责", .label_en = "Duties of member units", .clause = "4.2",
	.fields = duty_fields, .nfields = N(duty_fields),
};

static const tb_field agreement_fields[] = {
	{"code", TB_F_TEXT, TB_REQUIRED | TB_UNIQUE, "协议编号", "Agreement no."},
	{"level", TB_F_CODE, TB_REQUIRED, "层级", "Level", .codes = "agreement_level"},
	{"parent_code", TB_F_TEXT, TB_INDEXED, "上级协议", "Parent agreement"},
	{"party_a", TB_F_TEXT, TB_REQUIRED, "甲方", "Party A"},
	{"party_b", TB_F_TEXT, TB_REQUIRED, "乙方", "Party B"},
	{"town_code", TB_F_TEXT, TB_INDEXED, "乡镇", "Town"},
	{"start_date", TB_F_DATE, TB_REQUIRED, "起始日期", "From"},
	{"end_date", TB_F_DATE, TB_REQUIRED, "终止日期", "To"},
	{"status", TB_F_CODE, TB_REQUIRED, "状态", "Status", .codes = "agreement_status"},
	{"parcels", TB_F_JSON, 0, "管护小班", "Parcels covered"},
	{"document_sha256", TB_F_TEXT, 0, "协议文本", "Signed document (SHA-256)"},
};
const tb_resource tb_agreements = {
	.name = "agreements", .label_zh = "管护责任协议书", .label_en = "Management responsibility agreements",
	.clause = "3.1.2", .fields = agreement_fields, .nfields = N(agreement_fields), .key = "code",
	.scope = "town_code", .before_write = agreement_before_write,
};

static const tb_field grid_fields[] = {
	{"code", TB_F_TEXT, TB_REQUIRED | TB_UNIQUE, "网格编号", "Grid code", .aliases = "编号|WGBH"},
	{"name", TB_F_TEXT, TB_REQUIRED, "网格名称", "Name", .aliases = "名称|WGMC"},
	{"town_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "乡镇", "Town", .aliases = "XIANG"},
	{"zone", TB_F_TEXT, 0, "管护责任区", "Responsibility zone"},
	{"area_ha", TB_F_REAL, TB_COMPUTED, "面积", "Area", .unit = "ha"},
};
const tb_resource tb_grids = {
	.name = "grids", .label_zh = "网格", .label_en = "Grids", .clause = "3.1.3",
	.fields = grid_fields, .nfields = N(grid_fields), .geom = TB_GEOM_MULTIPOLYGON,
	.geom_required = true, .key = "code", .scope = "town_code", .before_write = grid_before_write,
};

static const tb_field ranger_fields[] = {
	{"code", TB_F_TEXT, TB_REQUIRED | TB_UNIQUE, "护林员编号", "Ranger no."},
	{"name", TB_F_TEXT, TB_REQUIRED, "姓名", "Name"},
	{"phone", TB_F_TEXT, 0, "联系电话", "Phone", .max_len = 32},
	{"town_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "乡镇", "Town"},
	{"login", TB_F_TEXT, 0, "登录名", "Login"},
	{"status", TB_F_CODE, TB_REQUIRED, "状态", "Status", .codes = "ranger_status"},
};
const tb_resource tb_rangers = {
	.name = "rangers", .label_zh = "护林员", .label_en = "Rangers", .clause = "3.1.3",
	.fields = ranger_fields, .nfields = N(ranger_fields), .key = "code", .scope = "town_code",
};

static const tb_field assignment_fields[] = {
	{"grid_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "网格", "Grid"},
	{"ranger_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "护林员", "Ranger"},
	{"town_code", TB_F_TEXT, TB_REQUIRED, "乡镇", "Town"},
	{"start_date", TB_F_DATE, TB_REQUIRED, "起始日期", "From"},
	{"end_date", TB_F_DATE, 0, "终止日期", "To"},
};
const tb_resource tb_grid_rangers = {
	.name = "grid_rangers", .label_zh = "网格护林员", .label_en = "Grid assignments", .clause = "3.1.3",
	.fields = assignment_fields, .nfields = N(assignment_fields), .scope = "town_code",
};

static const tb_field training_fields[] = {
	{"ranger_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "护林员", "Ranger"},
	{"town_code", TB_F_TEXT, TB_REQUIRED, "乡镇", "Town"},
	{"date", TB_F_DATE, TB_REQUIRED, "日期", "Date"},
	{"topic", TB_F_TEXT, TB_REQUIRED, "培训内容", "Topic"},
	{"hours", TB_F_REAL, TB_REQUIRED | TB_RANGE, "学时", "Hours", .min = 0.5, .max = 200},
	{"certificate", TB_F_TEXT, 0, "证书编号", "Certificate"},
};
const tb_resource tb_trainings = {
	.name = "trainings", .label_zh = "技能培训", .label_en = "Training", .clause = "3.1.3",
	.fields = training_fields, .nfields = N(training_fields), .scope = "town_code",
};

static const tb_field patrol_fields[] = {
	{"ranger_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "护林员", "Ranger"},
	{"grid_code", TB_F_TEXT, TB_INDEXED, "网格", "Grid"},
	{"town_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "乡镇", "Town"},
	{"start_time", TB_F_TIME, TB_REQUIRED, "开始时间", "Start"},
	{"end_time", TB_F_TIME, TB_REQUIRED, "结束时间", "End"},
	{"distance_km", TB_F_REAL, TB_COMPUTED, "里程", "Distance", .unit = "km"},
	{"duration_h", TB_F_REAL, TB_COMPUTED, "时长", "Duration", .unit = "h"},
	{"moving_h", TB_F_REAL, TB_COMPUTED, "行进时长", "Moving time", .unit = "h"},
	{"max_speed_kmh", TB_F_REAL, TB_COMPUTED, "最大速度", "Max speed", .unit = "km/h"},
	{"coverage", TB_F_REAL, TB_COMPUTED, "网格覆盖率", "Grid coverage"},
	{"inside_share", TB_F_REAL, TB_COMPUTED, "网格内比例", "Share inside grid"},
	{"dropped_points", TB_F_INT, TB_COMPUTED, "剔除点数", "Points dropped"},
	{"status", TB_F_CODE, TB_COMPUTED, "判定", "Verdict", .codes = "patrol_status"},
	{"reasons", TB_F_JSON, TB_COMPUTED, "存疑原因", "Reasons"},
	{"parcels_visited", TB_F_JSON, TB_COMPUTED, "途经小班", "Parcels visited"},
	{"grids_visited", TB_F_JSON, TB_COMPUTED, "途经网格", "Grids visited"},
	{"source", TB_F_TEXT, 0, "来源", "Source"},
};
const tb_resource tb_patrols = {
	.name = "patrols", .label_zh = "巡护记录", .label_en = "Patrols", .clause = "3.1.3",
	.fields = patrol_fields, .nfields = N(patrol_fields), .geom = TB_GEOM_MULTILINESTRING,
	.scope = "town_code", .before_write = tb_patrol_before_write,
};

static const tb_field incident_fields[] = {
	{"patrol_fid", TB_F_INT, TB_INDEXED, "巡护记录", "Patrol"},
	{"ranger_code", TB_F_TEXT, TB_REQUIRED, "护林员", "Ranger"},
	{"town_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "乡镇", "Town"},
	{"type", TB_F_CODE, TB_REQUIRED, "事件类型", "Type", .codes = "incident_type"},
	{"time", TB_F_TIME, TB_REQUIRED, "时间", "Time"},
	{"photo_sha256", TB_F_TEXT, 0, "照片", "Photo (SHA-256)"},
	{"note", TB_F_TEXT, 0, "说明", "Note", .max_len = 2000},
};
const tb_resource tb_incidents = {
	.name = "incidents", .label_zh = "巡护事件", .label_en = "Patrol incidents", .clause = "3.1.3",
	.fields = incident_fields, .nfields = N(incident_fields), .geom = TB_GEOM_POINT,
	.scope = "town_code", .before_write = incident_before_write,
};

const tb_resource *const tb_duty_resources[] = {&tb_org_members, &tb_duties, &tb_agreements,
						&tb_grids, &tb_rangers, &tb_grid_rangers,
						&tb_trainings, &tb_patrols, &tb_incidents, NULL};

const tb_resource *tb_duty_resource(const char *name)
{
	for (int i = 0; tb_duty_resources[i]; i++)
		if (!strcmp(tb_duty_resources[i]->name, name)) return tb_duty_resources[i];
	return NULL;
}
