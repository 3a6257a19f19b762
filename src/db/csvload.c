/* csvload.c — loading configuration tables (data/<district>/<table>.csv) into described
 * records: the units of a district, its divisions, the duties of §4.2.
 * Every row goes through the resource's validation and hooks. */
#include "db/resource.h"

#include "base/csv.h"
#include "base/data.h"

#include <stdio.h>
#include <stdlib.h>

int tb_load_csv(tb_db *db, void *ctx, const tb_resource *r, const char *rel, int64_t *count,
		tb_err *e)
{
	size_t n;
	char *text = rel ? tb_data_read(rel, &n) : NULL;
	if (!text) return tb_err_set(e, TB_EINPUT, rel ? rel : "(none)", NULL, "data file is missing");
	tb_writer *w = tb_writer_new(db, r, ctx, e);
	tb_csv c;
	tb_csv_init(&c, text, n);
	int rc = w ? tb_csv_read_header(&c) : TB_EDB;
	rc = rc == 1 ? 0 : rc ? rc : TB_EINPUT;
	while (!rc && (rc = tb_csv_next(&c)) == 1) {
		json_t *props = json_object();
		for (size_t i = 0; i < c.nheader && i < c.nfields; i++)
			if (tb_resource_field(r, c.header[i]) && c.fields[i][0])
				json_object_set_new(props, c.header[i], json_string(c.fields[i]));
		char name[160];
		snprintf(name, sizeof name, "%s line %d", rel, c.line);
		tb_record rec = {.props = props, .name = name};
		rc = tb_writer_insert(w, &rec, NULL, e);
		if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
		json_decref(props);
		if (!rc) (*count)++;
	}
	if (rc < 0 && !e->code) tb_err_set(e, rc, rel, NULL, "malformed CSV near line %d", c.line);
	tb_csv_free(&c);
	tb_writer_free(w);
	free(text);
	return rc < 0 ? rc : 0;
}
