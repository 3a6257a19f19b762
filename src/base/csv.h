/* csv.h — a small RFC 4180 reader for the configuration tables in data/
 * (quoted fields, doubled quotes, CRLF or LF).  Import of user CSV files goes
 * through GDAL instead (io/). */
#ifndef TB_BASE_CSV_H
#define TB_BASE_CSV_H

#include <stddef.h>

typedef struct tb_csv {
	const char *p, *end;
	char **fields;  /* current row, owned by the reader */
	size_t nfields, cap;
	char *scratch;
	size_t scap;
	int line;       /* 1-based line number of the current row */
	char **header;  /* first row, after tb_csv_read_header */
	size_t nheader;
} tb_csv;

/* text must stay alive while the reader is used. */
void tb_csv_init(tb_csv *c, const char *text, size_t len);
void tb_csv_free(tb_csv *c);
/* Next row: 1 when read, 0 at end, negative on a malformed row. */
int tb_csv_next(tb_csv *c);
/* Read the first row as the header. */
int tb_csv_read_header(tb_csv *c);
/* The value of a named column in the current row, or NULL. */
const char *tb_csv_get(const tb_csv *c, const char *column);

#endif
