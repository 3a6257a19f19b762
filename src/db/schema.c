/* schema.c — module migrations recorded in tb_meta, and the core module's
 * steps.  Feature modules declare their own tb_module next to their code. */
#include "db/schema.h"

#include "base/data.h"
#include "db/attach.h"
#include "db/codes.h"
#include "db/event.h"
#include "db/gpkg.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tb_schema_version(tb_db *db, const char *module)
{
	tb_stmt *st;
	int v = 0;
	if (tb_db_prepare(db, "SELECT value FROM tb_meta WHERE key=?", &st, NULL) !=
	    0)
		return 0; /* no tb_meta yet */
	char key[96];
	snprintf(key, sizeof key, "schema.%s", module);
	tb_bind_text(st, 1, key);
	if (tb_stmt_step(st) == TB_ROW) v = tb_col_int(st, 0);
	tb_stmt_finalize(st);
	return v;
}

static int set_version(tb_db *db, const char *module, int v, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db, "INSERT OR REPLACE INTO tb_meta(key,value) VALUES(?,?)", &st, e);
	if (rc) return rc;
	char key[96];
	snprintf(key, sizeof key, "schema.%s", module);
	tb_bind_text(st, 1, key);
	tb_bind_int(st, 2, v);
	rc = tb_stmt_step(st) == TB_DONE ? 0 : tb_db_error(db, e, "tb_meta");
	tb_stmt_finalize(st);
	return rc;
}

int tb_schema_migrate(tb_db *db, const tb_module *m, const char *actor, tb_err *e)
{
	int have = tb_schema_version(db, m->name);
	for (int i = 0; i < m->nsteps; i++) {
		const tb_migration *s = &m->steps[i];
		if (s->version <= have) continue;
		int rc = tb_db_begin(db, e);
		if (rc) return rc;
		rc = s->apply(db, e);
		if (!rc) rc = set_version(db, m->name, s->version, e);
		if (!rc) {
			json_t *p = json_pack("{s:s,s:i,s:s}", "module", m->name, "version",
					      s->version, "what", s->what);
			tb_event_in ev = {.actor = actor, .role = "admin", .action = "schema.migrate",
					  .entity = "schema", .entity_id = m->name, .payload = p};
			rc = tb_event_append(db, &ev, NULL, e);
			json_decref(p);
		}
		if (!rc) rc = tb_db_commit(db, e);
		if (rc) {
			tb_db_rollback(db);
			return rc;
		}
	}
	return 0;
}

/* ---- core steps ----------------------------------------------------------- */

static int core_v1(tb_db *db, tb_err *e)
{
	int rc = tb_gpkg_init(db, e);
	if (!rc) rc = tb_event_init(db, e);
	if (!rc)
		rc = tb_db_exec(db,
				"CREATE TABLE IF NOT EXISTS tb_setting (key TEXT PRIMARY KEY, value TEXT);"
				"CREATE TABLE IF NOT EXISTS tb_code (list TEXT NOT NULL, code TEXT NOT NULL,"
				" label_zh TEXT NOT NULL, label_en TEXT, parent TEXT, sort INTEGER,"
				" PRIMARY KEY (list, code));",
				e);
	if (!rc) rc = tb_gpkg_add_attributes(db, "tb_event", "事件日志 event log",
					     "append-only, hash-chained event log (DESIGN.md §5)", e);
	if (!rc) rc = tb_gpkg_add_attributes(db, "tb_setting", "设置 settings", "district settings", e);
	if (!rc) rc = tb_gpkg_add_attributes(db, "tb_code", "代码表 code lists", "code lists", e);
	if (!rc) {
		size_t n;
		char *csv = tb_data_read("codes/codes.csv", &n);
		if (!csv) return tb_err_set(e, TB_EINTERNAL, "codes/codes.csv", NULL, "missing data file");
		rc = tb_codes_load_csv(db, csv, n, e);
		free(csv);
	}
	return rc;
}

/* tb_meta must exist before the first step records its version. */
static int core_meta(tb_db *db, tb_err *e)
{
	return tb_db_exec(db, "CREATE TABLE IF NOT EXISTS tb_meta (key TEXT PRIMARY KEY, value);", e);
}

static int core_step1(tb_db *db, tb_err *e)
{
	int rc = core_meta(db, e);
	if (!rc) rc = core_v1(db, e);
	return rc ? rc : tb_attach_init(db, e);
}

/* Nothing has shipped yet, so step 1 still grows; after the first release
 * every change is a new step. */
static const tb_migration core_steps[] = {
	{1, "GeoPackage metadata, event log, settings, code lists, attachments", core_step1},
};

const tb_module tb_core_module = {"core", core_steps, 1};
