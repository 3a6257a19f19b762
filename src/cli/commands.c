/* commands.c — the command table (data): name, handler, one-line summary
 * and the full help text.  `tianbao --help` and `tianbao CMD --help` print
 * from here, and so does docs/cli.md. */
#include "cli/cli.h"

int cmd_init(tb_cli *, int, char **);
int cmd_demo(tb_cli *, int, char **);
int cmd_stats(tb_cli *, int, char **);
int cmd_parcels(tb_cli *, int, char **);
int cmd_import(tb_cli *, int, char **);
int cmd_export(tb_cli *, int, char **);
int cmd_audit(tb_cli *, int, char **);
int cmd_serve(tb_cli *, int, char **);
int cmd_user(tb_cli *, int, char **);
int cmd_duty(tb_cli *, int, char **);
int cmd_patrol(tb_cli *, int, char **);
int cmd_token(tb_cli *, int, char **);
int cmd_routes(tb_cli *, int, char **);

/* Feature modules list their commands in their own table fragment, one
 * CMD(name, handler, summary, usage) line each (cli/commands_*.inc). */
#define CMD(name, fn, summary, usage) int fn(tb_cli *, int, char **);
#include "cli/commands_control.inc"
#include "cli/commands_fire.inc"
#include "cli/commands_change.inc"
#include "cli/commands_alerts.inc"
#include "cli/commands_cases.inc"
#undef CMD
#define CMD(name, fn, summary, usage) {name, fn, summary, usage},

const tb_command tb_commands[] = {
	{"init", cmd_init, "create an empty district database (configuration from data/)",
	 "usage: tianbao [--db PATH] init\n\n"
	 "Creates a new GeoPackage database with the district's configuration: name, code, the\n"
	 "natural-forest target (§2), outline, towns and villages, units. Refuses an existing file.\n"},
	{"demo", cmd_demo, "create the Jizhou demo database and print its summary",
	 "usage: tianbao [--db PATH] demo [--seed N] [--json]\n\n"
	 "Creates a database like `init`, then adds a deterministic synthetic set of natural-forest\n"
	 "parcels (小班), plantations and key protection zones (重点区域) whose natural-forest area is\n"
	 "exactly the target of the plan (5565.1 ha), and prints the summary. Refuses an existing file.\n"},
	{"stats", cmd_stats, "natural-forest area against the target, with breakdowns",
	 "usage: tianbao [--db PATH] stats [--json]\n\n"
	 "Natural-forest area (ellipsoidal, CGCS2000) against the §2 target, by town, unit,\n"
	 "restoration class (修复类型), age group (龄组), origin (起源), inside/outside key zones,\n"
	 "and the area-ledger balance. JSON keys: natural_forest_ha, target_ha, difference_ha,\n"
	 "by_town, by_unit, by_class, by_age_group, by_origin, key_zone, ledger_ha.\n"},
	{"parcels", cmd_parcels, "list or show parcels (小班)",
	 "usage: tianbao [--db PATH] parcels list [--FIELD VALUE]… [--where FIELD:OP:VALUE]…\n"
	 "                                  [--sort [-]FIELD] [--limit N] [--offset N] [--json]\n"
	 "       tianbao [--db PATH] parcels show CODE [--json]\n\n"
	 "Filters: any parcel field, e.g. --xiang 120119104 --di_lei 乔木林地 --natural true;\n"
	 "--where yu_bi_du:ge:0.6 with OP one of eq ne lt le gt ge like in.\n"
	 "`show` prints the attributes with their labels and the parcel's archive (档案) from the event log.\n"},
	{"import", cmd_import, "import parcels, zones or divisions from a GIS file",
	 "usage: tianbao [--db PATH] import FILE [--layer parcels|zones|divisions|units|grids|rangers|\n"
	 "                               grid_rangers|agreements|trainings] [--source-layer NAME]\n"
	 "                               [--encoding E] [--srs CRS] [--repair] [--dry-run] [--json]\n\n"
	 "FILE: Shapefile (.shp, or zipped .zip), GeoPackage, GeoJSON, KML, or CSV with a WKT column.\n"
	 "Columns are matched by the standard 一张图 names (XIAN … GJGYL_BHDJ), field names or Chinese\n"
	 "labels; codes may be given as labels; a number for 林班/小班 is zero-padded (12 → 012), short\n"
	 "division codes (XIANG=104, CUN=201) are completed from the parent code, six-digit national\n"
	 "species codes (410000) map to the list; the report notes each. Other columns (备注 BEI_ZHU …)\n"
	 "are kept as extra attributes and exported again under their names. A file that cannot be read\n"
	 "to the end (truncated or missing .dbf, a CSV row short of fields) is refused whole.\n"
	 "Text encoding: --encoding, else the .cpg, else detected\n"
	 "(UTF-8 or GB18030/GBK). CRS: --srs, else the file's, else guessed (EPSG:4490/4527/4548).\n"
	 "Areas are computed, never read. One transaction: if any record is bad nothing is imported\n"
	 "and every bad record is listed. --repair fixes invalid geometry and reports what changed;\n"
	 "--dry-run checks everything and changes nothing.\n"},
	{"export", cmd_export, "export a layer to GeoPackage, Shapefile, GeoJSON, KML or CSV",
	 "usage: tianbao [--db PATH] export FILE --layer parcels|zones|divisions|units|area_ledger\n"
	 "                               [--format gpkg|shapefile|geojson|kml|csv]\n\n"
	 "The format follows the extension unless given (.shp.zip or .zip: zipped shapefile).\n"
	 "Shapefiles use the standard 一张图 column names and UTF-8 text (.cpg); coordinates are\n"
	 "CGCS2000 (EPSG:4490). Existing files are not overwritten.\n"},
	{"audit", cmd_audit, "verify the event log's hash chain; the departure audit of an official (离任审计)",
	 "usage: tianbao [--db PATH] audit verify [--json]\n"
	 "       tianbao [--db PATH] audit departure --position P --person X [--today YYYY-MM-DD] [--json]\n\n"
	 "verify re-walks the hash chain of the event log and names the first broken event\n"
	 "(exit code 3 when the chain is broken).\n"
	 "departure (§3.5, duty (8)): the person's latest tenure of the position (official list), within\n"
	 "the position's town or the district: natural-forest ha at start and end from the area ledger with\n"
	 "every cause, and the cases of the tenure; what the system does not record yet is named.\n"},
	{"duty", cmd_duty, "full-coverage check of agreements, grids and rangers (全覆盖)",
	 "usage: tianbao [--db PATH] duty check [--today YYYY-MM-DD] [--expiring-days N] [--json]\n\n"
	 "Every active natural parcel must be covered by a valid chain of management responsibility\n"
	 "agreements (signed, in force, up to a district-level agreement, §3.1.2) and lie in exactly one\n"
	 "grid with at least one active ranger (§3.1.3). Lists parcels outside every grid, grid\n"
	 "overlaps and parcels in several grids with their areas in ha, grids without an active ranger,\n"
	 "parcels without a valid agreement chain, and agreements expiring within N days (60).\n"
	 "JSON keys: ok, date, parcels_checked, grids, totals, gaps, overlaps, split, no_ranger,\n"
	 "no_agreement, expiring.\n"},
	{"patrol", cmd_patrol, "import a ranger's patrol track; monthly patrol summary",
	 "usage: tianbao [--db PATH] patrol import FILE --ranger CODE [--json]\n"
	 "       tianbao [--db PATH] patrol summary --month YYYY-MM [--json]\n\n"
	 "FILE: GPX 1.0/1.1 (several segments, vendor extensions) or GeoJSON with point times. The track\n"
	 "is checked against the grid assigned to the ranger that day and the ranger's earlier patrols:\n"
	 "geodesic distance, duration, moving time, maximum speed, grid coverage, and the verdict valid or\n"
	 "suspect with reasons outside_grid, too_short, too_brief, speed_outlier, teleport, duplicate,\n"
	 "time_order, future_time (thresholds: district settings patrol_*). A track without timestamps is\n"
	 "refused. summary: patrol days, km, hours, coverage and suspect patrols per ranger against the\n"
	 "required days (20 a month in the fire season, 10 otherwise; settings fire_season_months,\n"
	 "patrol_days_fire_season, patrol_days_other).\n"},
	{"serve", cmd_serve, "run the web server (API, OGC API – Features, tiles, web UI)",
	 "usage: tianbao [--db PATH] serve [--listen HOST:PORT] [--config FILE] [--set KEY=VALUE]…\n\n"
	 "Configuration: ./tianbao.conf (or --config FILE), then TIANBAO_* environment variables, then\n"
	 "flags. Keys: listen, db, static_dir, access_log, threads, body_max, upload_max, conn_timeout,\n"
	 "per_ip_connections, max_connections, conn_memory, rate_read, rate_write, rate_login,\n"
	 "rate_public, session_idle, session_absolute, login_max_fail_account, login_max_fail_ip,\n"
	 "login_window (see docs/server.md). Stops gracefully on SIGTERM or SIGINT.\n"},
	{"user", cmd_user, "add, change, disable and list users (roles and jurisdiction)",
	 "usage: tianbao [--db PATH] user add LOGIN --role ROLE [--name N] [--scope CODES] [--unit CODE]\n"
	 "                                    [--password-file F]\n"
	 "       tianbao [--db PATH] user passwd LOGIN [--password-file F]\n"
	 "       tianbao [--db PATH] user disable LOGIN\n"
	 "       tianbao [--db PATH] user list [--json]\n\n"
	 "Roles: admin, bureau, leader, town, unit, ranger, department, public. --scope: the towns\n"
	 "(comma-separated 9-digit codes) a town, unit or ranger user may see and change.\n"
	 "Passwords (at least 10 characters) are never taken from the command line: from --password-file\n"
	 "(first line), else typed twice at a terminal prompt, else one line on standard input.\n"
	 "passwd and disable revoke the user's sessions (disable also its API tokens).\n"},
	{"token", cmd_token, "API tokens for machine clients (weather bureau, cameras, GIS)",
	 "usage: tianbao [--db PATH] token add LOGIN --label LABEL [--json]\n"
	 "       tianbao [--db PATH] token revoke LABEL\n"
	 "       tianbao [--db PATH] token list [--json]\n\n"
	 "A token acts as its user (role and jurisdiction). It is printed once and stored only as a hash;\n"
	 "send it as `Authorization: Bearer TOKEN`.\n"},
	{"routes", cmd_routes, "print the HTTP route table",
	 "usage: tianbao routes [--json]\n\nMethod, path, rate class, the roles allowed, and what each route does.\n"},
#include "cli/commands_control.inc"
#include "cli/commands_fire.inc"
#include "cli/commands_change.inc"
#include "cli/commands_alerts.inc"
#include "cli/commands_cases.inc"
	{0},
};
