/* err.h — the one error convention of tianbao (STYLE.md habit 2).
 *
 * Functions return 0 on success or a negative tb_code, and fill a tb_err that
 * says what went wrong, for which record and which field.  The CLI prints it,
 * the HTTP layer turns it into {"error":{"code","message","field"}}.  Where a
 * whole batch is checked (an import), every problem goes into a tb_errlist. */
#ifndef TB_BASE_ERR_H
#define TB_BASE_ERR_H

#include <stddef.h>

typedef enum tb_code {
	TB_OK = 0,
	TB_EUSAGE = -1,    /* wrong command-line or API use             */
	TB_EINPUT = -2,    /* bad input data: record/field named        */
	TB_ENOTFOUND = -3, /* no such record                            */
	TB_ECONFLICT = -4, /* version conflict, invalid state change    */
	TB_EDENIED = -5,   /* role or jurisdiction forbids it           */
	TB_ETOOBIG = -6,   /* a size limit was hit                      */
	TB_EIO = -7,       /* file or network I/O                       */
	TB_EDB = -8,       /* SQLite error                              */
	TB_ENOMEM = -9,    /* out of memory                             */
	TB_EINTERNAL = -10, /* a bug or a broken invariant              */
	TB_EBUSY = -11     /* too many writers waiting: try again later */
} tb_code;

typedef struct tb_err {
	int code;          /* a tb_code, 0 when nothing went wrong  */
	char message[512]; /* human-readable reason (UTF-8)          */
	char record[128];  /* which record: "feature 12 (小班 001-003)" */
	char field[64];    /* which field, "" when not field-specific */
} tb_err;

/* Set *e (if not NULL) and return code.  record/field may be NULL. */
int tb_err_set(tb_err *e, int code, const char *record, const char *field,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void tb_err_clear(tb_err *e);
/* Short stable name of a code: "bad_input", "not_found", … */
const char *tb_code_name(int code);
/* The CLI's exit code for an error code: 0 ok, 1 usage, 2 bad input, 3 other. */
int tb_exit_code(int code);
/* Format "record: field: message" into buf (always NUL-terminated). */
void tb_err_format(const tb_err *e, char *buf, size_t size);

/* A capped list of errors, for batch validation (imports). */
typedef struct tb_errlist {
	tb_err *items;
	size_t len, cap;
	size_t max;     /* keep at most this many; count the rest */
	size_t dropped; /* errors beyond max                      */
} tb_errlist;

void tb_errlist_init(tb_errlist *l, size_t max);
void tb_errlist_free(tb_errlist *l);
/* Append a copy of e; returns e->code. */
int tb_errlist_add(tb_errlist *l, const tb_err *e);
int tb_errlist_addf(tb_errlist *l, int code, const char *record, const char *field,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
size_t tb_errlist_count(const tb_errlist *l); /* len + dropped */

#endif
