/* file.h — reading a whole file, with a size limit and an error that names
 * the file and the reason. */
#ifndef TB_BASE_FILE_H
#define TB_BASE_FILE_H

#include "base/err.h"

#include <stddef.h>

/* The file's bytes, NUL-terminated (caller frees), and *len; NULL with *e
 * (TB_EIO "cannot read the file: <reason>", TB_ETOOBIG past max bytes).
 * e may be NULL. */
char *tb_file_read(const char *path, size_t max, size_t *len, tb_err *e);

#endif
