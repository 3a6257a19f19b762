/* resources.c — the descriptions of the registry's records.  Field names
 * follow the forest-resource "一张图" standard (std_name) so a bureau's own
 * shapefile loads without mapping; labels are what foresters call them. */
#include "registry/registry.h"

#include "registry/hooks.h"

#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const tb_field division_fields[] = {
	{"code", TB_F_TEXT, TB_REQUIRED | TB_UNIQUE, "区划代码", "Division code", .std_name = "XZQDM", .aliases = "代码|CODE"},
	{"name", TB_F_TEXT, TB_REQUIRED, "名称", "Name", .std_name = "XZQMC", .aliases = "NAME"},
	{"level", TB_F_CODE, TB_REQUIRED, "级别", "Level", .codes = "division_level"},
	{"parent_code", TB_F_TEXT, TB_INDEXED, "上级代码", "Parent code", .aliases = "parent_cod|PARENT"},
	{"town_code", TB_F_TEXT, TB_COMPUTED, "所属乡镇", "Town"},
	{"schematic", TB_F_BOOL, 0, "示意边界", "Schematic outline"},
};

const tb_resource tb_divisions = {
	.name = "divisions", .label_zh = "行政区划", .label_en = "Administrative divisions",
	.clause = "3.3.3", .fields = division_fields, .nfields = N(division_fields),
	.geom = TB_GEOM_MULTIPOLYGON, .key = "code", .scope = "town_code",
	.before_write = tb_division_before_write,
};

static const tb_field unit_fields[] = {
	{"code", TB_F_TEXT, TB_REQUIRED | TB_UNIQUE, "单位代码", "Unit code"},
	{"name", TB_F_TEXT, TB_REQUIRED, "单位名称", "Name"},
	{"kind", TB_F_CODE, TB_REQUIRED, "单位类型", "Kind", .codes = "unit_kind"},
	{"town_code", TB_F_TEXT, TB_INDEXED, "所属乡镇", "Town"},
	{"parent_code", TB_F_TEXT, 0, "上级单位", "Parent unit"},
	{"duty_no", TB_F_INT, TB_RANGE, "职责条款", "Duty (§4.2 item)", .min = 1, .max = 99},
};

const tb_resource tb_units = {
	.name = "units", .label_zh = "单位", .label_en = "Units", .clause = "4.1",
	.fields = unit_fields, .nfields = N(unit_fields), .key = "code", .scope = "town_code",
};

/* 小班 — the national inventory attribute set (DESIGN.md §4). */
static const tb_field parcel_fields[] = {
	{"code", TB_F_TEXT, TB_UNIQUE, "小班编号", "Parcel code", .std_name = "XBBH", .aliases = "小班代码|BH|CODE", .max_len = 40},
	{"xian", TB_F_TEXT, 0, "县", "County", .std_name = "XIAN", .aliases = "县代码|县（市、区）"},
	{"xiang", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "乡镇", "Town", .std_name = "XIANG", .aliases = "乡|乡镇代码|乡（镇）"},
	{"cun", TB_F_TEXT, TB_INDEXED, "村", "Village", .std_name = "CUN", .aliases = "村代码|行政村"},
	{"lin_ban", TB_F_TEXT, TB_REQUIRED, "林班", "Compartment", .std_name = "LIN_BAN", .aliases = "林班号|LB", .max_len = 10, .digits_max = 4, .digits_pad = 3},
	{"xiao_ban", TB_F_TEXT, TB_REQUIRED, "小班", "Sub-compartment", .std_name = "XIAO_BAN", .aliases = "小班号|XB", .max_len = 10, .digits_max = 5, .digits_pad = 3},
	{"di_lei", TB_F_CODE, TB_REQUIRED | TB_INDEXED, "地类", "Land class", .codes = "di_lei", .std_name = "DI_LEI"},
	{"qi_yuan", TB_F_CODE, TB_REQUIRED, "起源", "Origin", .codes = "qi_yuan", .std_name = "QI_YUAN"},
	{"you_shi_sz", TB_F_CODE, 0, "优势树种", "Dominant species", .codes = "you_shi_sz", .std_name = "YOU_SHI_SZ", .aliases = "优势树种（组）|SZ"},
	{"ling_zu", TB_F_CODE, 0, "龄组", "Age group", .codes = "ling_zu", .std_name = "LING_ZU"},
	{"yu_bi_du", TB_F_REAL, TB_RANGE, "郁闭度", "Canopy closure", .std_name = "YU_BI_DU", .aliases = "郁闭度/覆盖度|覆盖度", .min = 0, .max = 1},
	{"mei_gq_zs", TB_F_INT, TB_RANGE, "每公顷株数", "Stems per ha", .std_name = "MEI_GQ_ZS", .min = 0, .max = 100000, .unit = "株/ha"},
	{"huo_lmgqxj", TB_F_REAL, TB_RANGE, "活立木公顷蓄积", "Standing volume per ha", .std_name = "HUO_LMGQXJ", .aliases = "公顷蓄积", .min = 0, .max = 2000, .unit = "m³/ha"},
	{"sen_lin_lb", TB_F_CODE, 0, "森林类别", "Forest category", .codes = "sen_lin_lb", .std_name = "SEN_LIN_LB"},
	{"lin_zhong", TB_F_CODE, 0, "林种", "Forest type", .codes = "lin_zhong", .std_name = "LIN_ZHONG"},
	{"bh_dj", TB_F_CODE, 0, "林地保护等级", "Protection level", .codes = "bh_dj", .std_name = "BH_DJ"},
	{"ld_qs", TB_F_CODE, 0, "林地权属", "Land tenure", .codes = "ld_qs", .std_name = "LD_QS", .aliases = "权属|土地权属"},
	{"gjgyl_bhdj", TB_F_CODE, 0, "国家级公益林保护等级", "National public-welfare forest grade", .codes = "gjgyl_bhdj", .std_name = "GJGYL_BHDJ"},
	{"unit_code", TB_F_TEXT, TB_INDEXED, "经营单位", "Managing unit", .std_name = "JYDW", .aliases = "经营单位代码"},
	{"status", TB_F_CODE, 0, "状态", "Status", .codes = "parcel_status"},
	{"area_ha", TB_F_REAL, TB_COMPUTED, "面积", "Area", .std_name = "MIAN_JI", .unit = "ha"},
	{"natural", TB_F_BOOL, TB_COMPUTED | TB_INDEXED, "天然林", "Natural forest"},
	{"restoration_class", TB_F_CODE, TB_COMPUTED, "修复类型", "Restoration class", .codes = "restoration_class", .std_name = "XF_LX"},
	{"key_zone_ha", TB_F_REAL, TB_COMPUTED, "重点区域内面积", "Area in key zones", .std_name = "ZDQY_MJ", .unit = "ha"},
	/* a bureau's own columns (备注 BEI_ZHU …): {original column name: value},
	 * kept by imports and exported again under their names */
	{"extra", TB_F_JSON, 0, "其他属性", "Extra attributes"},
};

const tb_resource tb_parcels = {
	.name = "parcels", .label_zh = "小班", .label_en = "Parcels", .clause = "3.3.3",
	.fields = parcel_fields, .nfields = N(parcel_fields), .geom = TB_GEOM_MULTIPOLYGON,
	.geom_required = true, .key = "code", .scope = "xiang", .parcel_key = "code",
	.before_write = tb_parcel_before_write, .after_write = tb_parcel_after_write,
};

static const tb_field zone_fields[] = {
	{"code", TB_F_TEXT, TB_REQUIRED | TB_UNIQUE, "区域编号", "Zone code", .aliases = "CODE|编号"},
	{"name", TB_F_TEXT, TB_REQUIRED, "区域名称", "Name", .aliases = "NAME|名称"},
	{"level", TB_F_CODE, 0, "级别", "Level", .codes = "zone_level"},
	{"clause", TB_F_TEXT, 0, "依据条款", "Plan clause"},
	{"note", TB_F_TEXT, 0, "备注", "Note"},
	{"area_ha", TB_F_REAL, TB_COMPUTED, "面积", "Area", .unit = "ha"},
};

const tb_resource tb_zones = {
	.name = "zones", .label_zh = "天然林保护重点区域", .label_en = "Key protection zones",
	.clause = "3.1.1", .fields = zone_fields, .nfields = N(zone_fields),
	.geom = TB_GEOM_MULTIPOLYGON, .geom_required = true, .key = "code",
	.before_write = tb_zone_before_write, .after_write = tb_zone_after_write,
};

static const tb_field ledger_fields[] = {
	{"event_seq", TB_F_INT, TB_REQUIRED | TB_INDEXED, "事件号", "Event"},
	{"kind", TB_F_CODE, TB_REQUIRED, "变化类型", "Kind", .codes = "ledger_kind"},
	{"parcel_code", TB_F_TEXT, TB_INDEXED, "小班编号", "Parcel", .std_name = "XBBH"},
	{"delta_ha", TB_F_REAL, TB_REQUIRED, "面积变化", "Change", .unit = "ha"},
	{"cause", TB_F_TEXT, 0, "原因", "Cause", .max_len = 500},
	{"town_code", TB_F_TEXT, TB_INDEXED, "乡镇", "Town"},
};

const tb_resource tb_area_ledger = {
	.name = "area_ledger", .label_zh = "天然林面积台账", .label_en = "Natural-forest area ledger",
	.clause = "2", .fields = ledger_fields, .nfields = N(ledger_fields),
	.scope = "town_code", .parcel_key = "parcel_code",
};

const tb_resource *const tb_registry_resources[] = {&tb_divisions, &tb_units, &tb_parcels,
						    &tb_zones, &tb_area_ledger, NULL};

const tb_resource *tb_registry_resource(const char *name)
{
	for (int i = 0; tb_registry_resources[i]; i++)
		if (!strcmp(tb_registry_resources[i]->name, name)) return tb_registry_resources[i];
	return NULL;
}
