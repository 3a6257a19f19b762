/* geojson.c — GEOS geometry ↔ GeoJSON geometry JSON, written once for every
 * layer (HTTP API and OGC items, control areas, monitor alerts and change
 * patches, the district outline).  Coordinates are lon/lat (EPSG:4490). */
#include "geo/geo.h"

#include <stdlib.h>
#include <string.h>

char *tb_geojson_text(const GEOSGeometry *g)
{
	if (!g) return NULL;
	GEOSContextHandle_t h = tb_geos();
	GEOSGeoJSONWriter *w = GEOSGeoJSONWriter_create_r(h);
	char *t = w ? GEOSGeoJSONWriter_writeGeometry_r(h, w, g, -1) : NULL;
	if (w) GEOSGeoJSONWriter_destroy_r(h, w);
	char *out = t ? strdup(t) : NULL;
	if (t) GEOSFree_r(h, t);
	return out;
}

json_t *tb_geojson_from_geom(const GEOSGeometry *g)
{
	char *t = tb_geojson_text(g);
	json_t *v = t ? json_loads(t, 0, NULL) : NULL;
	free(t);
	return v ? v : json_null();
}

GEOSGeometry *tb_geom_from_geojson(const json_t *v, const char *record, tb_err *e)
{
	char *t = v ? json_dumps(v, JSON_COMPACT) : NULL;
	GEOSGeometry *g = NULL;
	if (t) {
		GEOSContextHandle_t h = tb_geos();
		GEOSGeoJSONReader *rd = GEOSGeoJSONReader_create_r(h);
		g = rd ? GEOSGeoJSONReader_readGeometry_r(h, rd, t) : NULL;
		if (rd) GEOSGeoJSONReader_destroy_r(h, rd);
		free(t);
	}
	if (!g && e)
		tb_err_set(e, TB_EINPUT, record, "geometry", "not a GeoJSON geometry: %s",
			   tb_geos_last_error() ? tb_geos_last_error() : "unreadable");
	return g;
}
