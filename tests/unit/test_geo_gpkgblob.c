/* test_geo_gpkgblob.c — GeoPackage binary geometry (src/geo/gpkgblob.c):
 * what we write, byte for byte; every header variant the standard allows,
 * built by hand; and malformed blobs (truncated at every length, mutated at
 * every byte), which must give TB_EINPUT and never read out of bounds (the
 * tests run under ASan). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "geo/geo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>



/* ---- a small byte writer for hand-built blobs ---------------------------- */

struct bytes {
	unsigned char b[512];
	size_t n;
	int big; /* write numbers big-endian */
};

static void put_byte(struct bytes *w, unsigned v)
{
	assert_true(w->n < sizeof w->b);
	w->b[w->n++] = (unsigned char)v;
}

static void put_u32(struct bytes *w, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		put_byte(w, (v >> (8 * (w->big ? 3 - i : i))) & 0xff);
}

static void put_f64(struct bytes *w, double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	for (int i = 0; i < 8; i++)
		put_byte(w, (unsigned)(u >> (8 * (w->big ? 7 - i : i))) & 0xff);
}

static double get_f64le(const unsigned char *p)
{
	uint64_t u = 0;
	for (int i = 7; i >= 0; i--)
		u = (u << 8) | p[i];
	double d;
	memcpy(&d, &u, sizeof d);
	return d;
}

/* Header: byte order (big = 0 flag), envelope kind, srs_id, envelope. */
static void put_header(struct bytes *w, int big, int env_kind, int32_t srs, const double *env)
{
	static const int nd[] = {0, 4, 6, 6, 8};
	w->big = big;
	put_byte(w, 'G');
	put_byte(w, 'P');
	put_byte(w, 0);
	put_byte(w, (unsigned)((big ? 0 : 1) | env_kind << 1));
	put_u32(w, (uint32_t)srs);
	for (int i = 0; i < nd[env_kind]; i++)
		put_f64(w, env[i]);
}

/* WKB of POLYGON((117.40 40.10, 117.41 40.10, 117.41 40.11, 117.40 40.11,
 * 117.40 40.10)) in the given byte order. */
static const double SQ[5][2] = {
    {117.40, 40.10}, {117.41, 40.10}, {117.41, 40.11}, {117.40, 40.11}, {117.40, 40.10}};
#define SQ_WKT "POLYGON((117.40 40.10, 117.41 40.10, 117.41 40.11, 117.40 40.11, 117.40 40.10))"

static void put_square_wkb(struct bytes *w, int big)
{
	w->big = big;
	put_byte(w, big ? 0 : 1);
	put_u32(w, 3); /* Polygon */
	put_u32(w, 1); /* rings */
	put_u32(w, 5); /* points */
	for (int i = 0; i < 5; i++) {
		put_f64(w, SQ[i][0]);
		put_f64(w, SQ[i][1]);
	}
}

static void assert_is_square(GEOSGeometry *g)
{
	assert_non_null(g);
	GEOSGeometry *want = wkt(SQ_WKT);
	assert_int_equal(GEOSEqualsExact_r(tb_geos(), g, want, 0), 1);
	drop(want);
}

/* ---- encoding ------------------------------------------------------------ */

static void polygon_blob_byte_for_byte(void **state)
{
	(void)state;
	GEOSGeometry *g = wkt(SQ_WKT);
	size_t n = 0;
	unsigned char *b = tb_gpkg_encode(g, 4490, &n);
	assert_non_null(b);
	/* 8 header + 32 envelope + WKB (1 + 4 + 4 + 4 + 5 × 16) */
	assert_int_equal(n, 8 + 32 + 93);
	assert_memory_equal(b, "GP\x00\x03", 4);           /* version 0, LE, XY envelope */
	assert_memory_equal(b + 4, "\x8a\x11\x00\x00", 4); /* 4490 = 0x118a, little-endian */
	assert_true(get_f64le(b + 8) == 117.40);           /* minx */
	assert_true(get_f64le(b + 16) == 117.41);          /* maxx */
	assert_true(get_f64le(b + 24) == 40.10);           /* miny */
	assert_true(get_f64le(b + 32) == 40.11);           /* maxy */
	struct bytes w = {0};
	put_square_wkb(&w, 0);
	assert_memory_equal(b + 40, w.b, w.n); /* ISO WKB, little-endian */

	tb_err e = {0};
	GEOSGeometry *back = tb_gpkg_decode(b, n, &e);
	assert_is_square(back);
	assert_int_equal(GEOSGetSRID_r(tb_geos(), back), 4490);
	double minx, maxx, miny, maxy;
	assert_int_equal(tb_gpkg_envelope(b, n, &minx, &maxx, &miny, &maxy), 0);
	assert_true(minx == 117.40 && maxx == 117.41 && miny == 40.10 && maxy == 40.11);
	drop(back);
	drop(g);
	free(b);
}

static void multipolygon_round_trip_is_exact(void **state)
{
	(void)state;
	const char *text = "MULTIPOLYGON(((117.4512345678901 40.0831, 117.4538 40.0829, "
	                   "117.4561 40.0840, 117.4512345678901 40.0831)),"
	                   "((0 0, 10 0, 10 10, 0 10, 0 0), (1 1, 1 2, 2 2, 2 1, 1 1)))";
	GEOSGeometry *g = wkt(text);
	size_t n = 0;
	unsigned char *b = tb_gpkg_encode(g, 4527, &n);
	assert_non_null(b);
	GEOSGeometry *back = tb_gpkg_decode(b, n, NULL);
	assert_non_null(back);
	assert_int_equal(GEOSEqualsExact_r(tb_geos(), g, back, 0), 1);
	assert_int_equal(GEOSGeomTypeId_r(tb_geos(), back), GEOS_MULTIPOLYGON);
	assert_int_equal(GEOSGetSRID_r(tb_geos(), back), 4527);
	double minx, maxx, miny, maxy;
	assert_int_equal(tb_gpkg_envelope(b, n, &minx, &maxx, &miny, &maxy), 0);
	assert_true(minx == 0 && maxx == 117.4561 && miny == 0 && maxy == 40.0840);
	drop(back);
	drop(g);
	free(b);
}

static void empty_geometry_sets_the_flag(void **state)
{
	(void)state;
	static const char *empties[] = {"POLYGON EMPTY", "MULTIPOLYGON EMPTY", "POINT EMPTY"};
	for (size_t i = 0; i < 3; i++) {
		GEOSGeometry *g = wkt(empties[i]);
		size_t n = 0;
		unsigned char *b = tb_gpkg_encode(g, 4490, &n);
		assert_non_null(b);
		assert_int_equal(b[3], 0x11); /* LE, no envelope, empty */
		double minx = 7;
		assert_int_equal(tb_gpkg_envelope(b, n, &minx, NULL, NULL, NULL), 1);
		assert_true(minx == 7); /* untouched */
		GEOSGeometry *back = tb_gpkg_decode(b, n, NULL);
		assert_non_null(back);
		assert_int_equal(GEOSisEmpty_r(tb_geos(), back), 1);
		assert_int_equal(GEOSGeomTypeId_r(tb_geos(), back), GEOSGeomTypeId_r(tb_geos(), g));
		drop(back);
		drop(g);
		free(b);
	}
	size_t n = 1;
	assert_null(tb_gpkg_encode(NULL, 4490, &n));
	assert_int_equal(n, 0);
}

/* ---- decoding what others write ------------------------------------------ */

static void big_endian_blob_decodes(void **state)
{
	(void)state;
	static const double env[] = {117.40, 117.41, 40.10, 40.11};
	for (int hdr_big = 0; hdr_big < 2; hdr_big++)
		for (int wkb_big = 0; wkb_big < 2; wkb_big++) {
			struct bytes w = {0};
			put_header(&w, hdr_big, 1, 4490, env);
			put_square_wkb(&w, wkb_big);
			tb_err e = {0};
			GEOSGeometry *g = tb_gpkg_decode(w.b, w.n, &e);
			assert_is_square(g);
			assert_int_equal(GEOSGetSRID_r(tb_geos(), g), 4490);
			drop(g);
			double minx, maxx, miny, maxy;
			assert_int_equal(tb_gpkg_envelope(w.b, w.n, &minx, &maxx, &miny, &maxy), 0);
			assert_true(minx == 117.40 && maxx == 117.41 && miny == 40.10 &&
			            maxy == 40.11);
		}
}

static void every_envelope_kind_decodes(void **state)
{
	(void)state;
	/* xy, xyz (z range), xym (m range), xyzm; the header envelope is what
	 * tb_gpkg_envelope reports, so give it distinct numbers. */
	static const double env[] = {117.40, 117.41, 40.10, 40.11, -5, 5, 100, 200};
	for (int kind = 0; kind <= 4; kind++)
		for (int big = 0; big < 2; big++) {
			struct bytes w = {0};
			put_header(&w, big, kind, 4490, env);
			put_square_wkb(&w, big);
			GEOSGeometry *g = tb_gpkg_decode(w.b, w.n, NULL);
			assert_is_square(g);
			drop(g);
			double minx = 0, maxx = 0, miny = 0, maxy = 0;
			assert_int_equal(tb_gpkg_envelope(w.b, w.n, &minx, &maxx, &miny, &maxy), 0);
			assert_true(minx == 117.40 && maxx == 117.41 && miny == 40.10 &&
			            maxy == 40.11);
		}
}

static void envelope_from_wkb_when_header_has_none_or_nan(void **state)
{
	(void)state;
	struct bytes w = {0};
	put_header(&w, 0, 0, 4490, NULL);
	put_byte(&w, 1);
	put_u32(&w, 1); /* Point */
	put_f64(&w, 117.4);
	put_f64(&w, 40.1);
	double minx, maxx, miny, maxy;
	assert_int_equal(tb_gpkg_envelope(w.b, w.n, &minx, &maxx, &miny, &maxy), 0);
	assert_true(minx == 117.4 && maxx == 117.4 && miny == 40.1 && maxy == 40.1);

	static const double nan_env[] = {NAN, NAN, NAN, NAN};
	struct bytes v = {0};
	put_header(&v, 0, 1, 4490, nan_env);
	put_square_wkb(&v, 0);
	assert_int_equal(tb_gpkg_envelope(v.b, v.n, &minx, &maxx, &miny, &maxy), 0);
	assert_true(minx == 117.40 && maxx == 117.41 && miny == 40.10 && maxy == 40.11);

	/* Empty geometry without the empty flag: the WKB says so. */
	struct bytes u = {0};
	put_header(&u, 0, 0, 4490, NULL);
	put_byte(&u, 1);
	put_u32(&u, 3);
	put_u32(&u, 0); /* POLYGON EMPTY */
	assert_int_equal(tb_gpkg_envelope(u.b, u.n, &minx, &maxx, &miny, &maxy), 1);
}

/* ---- malformed blobs ----------------------------------------------------- */

static void bad_headers_are_refused(void **state)
{
	(void)state;
	struct bytes w = {0};
	static const double env[] = {117.40, 117.41, 40.10, 40.11};
	put_header(&w, 0, 1, 4490, env);
	put_square_wkb(&w, 0);
	unsigned char b[512];
	tb_err e = {0};
	struct {
		size_t at;
		unsigned char value;
		const char *says;
	} cases[] = {
	    {0, 'X', "magic"},
	    {1, 'p', "magic"},
	    {2, 1, "version 1"},
	    {3, 0x01 | 0x20, "extended"},
	    {3, 0x01 | 5 << 1, "envelope contents indicator 5"},
	    {3, 0x01 | 7 << 1, "envelope contents indicator 7"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(b, w.b, w.n);
		b[cases[i].at] = cases[i].value;
		tb_err_clear(&e);
		assert_null(tb_gpkg_decode(b, w.n, &e));
		assert_int_equal(e.code, TB_EINPUT);
		assert_non_null(strstr(e.message, cases[i].says));
		assert_int_equal(tb_gpkg_envelope(b, w.n, NULL, NULL, NULL, NULL), TB_EINPUT);
	}
	assert_null(tb_gpkg_decode(NULL, 0, &e));
	assert_int_equal(e.code, TB_EINPUT);
	assert_int_equal(tb_gpkg_envelope(NULL, 40, NULL, NULL, NULL, NULL), TB_EINPUT);

	/* A header and nothing after it. */
	tb_err_clear(&e);
	assert_null(tb_gpkg_decode(w.b, 40, &e));
	assert_non_null(strstr(e.message, "no WKB"));

	/* A WKB with an absurd ring count must not make GEOS allocate for it. */
	memcpy(b, w.b, w.n);
	memcpy(b + 40 + 5, "\xff\xff\xff\x7f", 4);
	tb_err_clear(&e);
	assert_null(tb_gpkg_decode(b, w.n, &e));
	assert_int_equal(e.code, TB_EINPUT);
	assert_non_null(strstr(e.message, "bad WKB"));
}

/* Every prefix of a valid blob is refused; the envelope can be read from
 * the header alone once the header is complete (hdr_len), not before. */
static void assert_truncations_fail(const unsigned char *blob, size_t n, size_t hdr_len)
{
	for (size_t len = 0; len < n; len++) {
		/* A fresh heap copy of exactly len bytes, so ASan sees any overread. */
		unsigned char *p = malloc(len ? len : 1);
		memcpy(p, blob, len);
		tb_err e = {0};
		GEOSGeometry *g = tb_gpkg_decode(p, len, &e);
		if (g) fail_msg("a blob truncated to %zu of %zu bytes decoded", len, n);
		assert_int_equal(e.code, TB_EINPUT);
		int rc = tb_gpkg_envelope(p, len, NULL, NULL, NULL, NULL);
		if (len < hdr_len || hdr_len == 8)
			assert_int_equal(rc, TB_EINPUT);
		else
			assert_int_equal(rc, 0);
		free(p);
	}
}

static void truncated_blobs_fail_at_every_length(void **state)
{
	(void)state;
	GEOSGeometry *g =
	    wkt("MULTIPOLYGON(((0 0, 10 0, 10 10, 0 10, 0 0), (1 1, 1 2, 2 2, 2 1, 1 1)),"
	        "((20 20, 21 20, 21 21, 20 20)))");
	size_t n = 0;
	unsigned char *b = tb_gpkg_encode(g, 4490, &n);
	assert_non_null(b);
	assert_truncations_fail(b, n, 40);
	free(b);
	drop(g);

	static const double env[] = {117.40, 117.41, 40.10, 40.11, 0, 0, 0, 0};
	struct bytes w = {0};
	put_header(&w, 1, 4, 4490, env); /* big-endian, XYZM envelope */
	put_square_wkb(&w, 1);
	assert_truncations_fail(w.b, w.n, 8 + 64);

	struct bytes v = {0};
	put_header(&v, 0, 0, 4490, NULL); /* no envelope: the WKB must be read */
	put_square_wkb(&v, 0);
	assert_truncations_fail(v.b, v.n, 8);
}

/* Each byte set to a few telling values: decoding may succeed or fail, but
 * must neither crash nor leak (ASan/LSan watch). */
static void mutated_blobs_never_crash(void **state)
{
	(void)state;
	GEOSGeometry *g =
	    wkt("MULTIPOLYGON(((0 0, 10 0, 10 10, 0 10, 0 0), (1 1, 1 2, 2 2, 2 1, 1 1)))");
	size_t n = 0;
	unsigned char *b = tb_gpkg_encode(g, 4490, &n);
	static const unsigned char values[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
	size_t decoded = 0, refused = 0;
	for (size_t at = 0; at < n; at++)
		for (size_t v = 0; v < sizeof values; v++) {
			unsigned char *p = malloc(n);
			memcpy(p, b, n);
			p[at] = values[v];
			tb_err e = {0};
			GEOSGeometry *d = tb_gpkg_decode(p, n, &e);
			if (d) {
				decoded++;
				drop(d);
			} else {
				refused++;
				assert_int_equal(e.code, TB_EINPUT);
			}
			double x;
			(void)tb_gpkg_envelope(p, n, &x, &x, &x, &x);
			free(p);
		}
	assert_true(decoded > 0 && refused > 0);
	free(b);
	drop(g);
}

static int teardown(void **state)
{
	(void)state;
	tb_geos_finish();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(polygon_blob_byte_for_byte),
	    cmocka_unit_test(multipolygon_round_trip_is_exact),
	    cmocka_unit_test(empty_geometry_sets_the_flag),
	    cmocka_unit_test(big_endian_blob_decodes),
	    cmocka_unit_test(every_envelope_kind_decodes),
	    cmocka_unit_test(envelope_from_wkb_when_header_has_none_or_nan),
	    cmocka_unit_test(bad_headers_are_refused),
	    cmocka_unit_test(truncated_blobs_fail_at_every_length),
	    cmocka_unit_test(mutated_blobs_never_crash),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
