/* data.h — the configuration files of data/ (the Jizhou defaults), built
 * into the binary by cmake/embed.cmake.  If TIANBAO_DATA names a folder, a
 * file there with the same relative path wins, so a county can adopt tianbao
 * by changing data, not code. */
#ifndef TB_BASE_DATA_H
#define TB_BASE_DATA_H

#include <stddef.h>

/* Returns the file's bytes (NUL-terminated) and length, or NULL if there is
 * no such file.  The result is owned by the caller: free() it. */
char *tb_data_read(const char *relpath, size_t *len);

#endif
