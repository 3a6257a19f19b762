/* gis.h — import and export of described records through GDAL/OGR:
 * Shapefile (also zipped, GBK/GB18030 or UTF-8), GeoPackage, GeoJSON, KML and
 * CSV with WKT.  Generic over tb_resource: the description says which file
 * columns map to which fields (standard 一张图 names, Chinese labels,
 * aliases), and the resource's hooks do the checking.
 *
 * An import is one transaction and one event: if any record is bad nothing
 * is imported, and every bad record is listed (feature number, code, field,
 * reason). */
#ifndef TB_IO_GIS_H
#define TB_IO_GIS_H

#include "db/write.h"

typedef struct tb_import_opts {
	const char *path;      /* .shp, .zip, .gpkg, .geojson/.json, .kml, .csv */
	const char *src_layer; /* layer inside the file; default: the first     */
	const char *encoding;  /* e.g. "GBK"; default: .cpg, DBF LDID, or sniffed */
	const char *srs;       /* override the declared CRS ("EPSG:4527")       */
	bool repair;           /* repair invalid geometry and report it          */
	bool dry_run;          /* check everything, then roll back               */
	bool progress;         /* progress bar on stderr (when a terminal)       */
	const tb_actor *actor;
	void *user;            /* passed to the resource's hooks (tb_write_ctx.user) */
	/* Called inside the import's transaction after every record is written
	 * and before the event is logged (also on a dry run): derived data such
	 * as the key-zone areas of parcels.  It may add to `derived`, which the
	 * event's payload carries.  NULL: nothing. */
	int (*before_commit)(tb_db *db, void *user, json_t *derived, tb_err *e);
} tb_import_opts;

typedef struct tb_import_report {
	int64_t features;      /* features read                                  */
	int64_t imported;      /* records written (0 on failure or dry run)      */
	int64_t repaired;
	int64_t event_seq;     /* the import's event                             */
	char srs[128];         /* CRS the coordinates were read in               */
	char encoding[32];     /* text encoding used                             */
	json_t *repairs;       /* [{feature, code, what}]                         */
	json_t *columns;       /* {file column: field, "extra" (kept as an extra
				  attribute) or null (ignored)}                    */
	json_t *codes;         /* keys of the imported records                    */
	json_t *notes;         /* [{field, note, count, feature}]: values read in
				  another form (12 → "012"), by field and kind    */
	json_t *derived;       /* what before_commit reported                     */
} tb_import_report;

void tb_import_report_free(tb_import_report *rep);
/* Import into resource r.  Returns 0, or TB_EINPUT with every problem in
 * errs (and the first in *e), or another error in *e.  A file the driver
 * cannot read to the end (a truncated .dbf, a CSV row short of fields)
 * is refused whole.  Columns naming no field go into the resource's
 * "extra" field (a JSON object) when it has one, else are ignored. */
int tb_import(tb_db *db, const tb_resource *r, const tb_import_opts *o, tb_import_report *rep,
	      tb_errlist *errs, tb_err *e);

typedef struct tb_export_opts {
	const char *path;
	const char *format; /* GPKG, Shapefile, GeoJSON, KML, CSV; NULL: from the extension */
	const char *where_scope; /* jurisdiction filter (comma-separated scope values) or NULL */
} tb_export_opts;

/* Export every record of r (ordered by fid).  *count receives the number. */
int tb_export(tb_db *db, const tb_resource *r, const tb_export_opts *o, int64_t *count, tb_err *e);
/* The OGR driver name for a format word or file name; NULL if unknown. */
const char *tb_export_driver(const char *format, const char *path);

#endif
