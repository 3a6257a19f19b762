/* list.h — comma-separated lists of codes ("120119102,120119103"), the form
 * jurisdictions (scope), role lists, parcel lists and settings take.  One
 * matcher and one iterator for all of them, instead of strtok or strstr
 * loops in each module: items are compared whole, blanks around an item are
 * ignored, empty items are skipped. */
#ifndef TB_BASE_LIST_H
#define TB_BASE_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* Whether item is one of the items of list.  False for a NULL or empty
 * item and for a NULL list (callers for whom NULL means "everything" say
 * so themselves). */
bool tb_list_has(const char *list, const char *item);

/* Iterate: *cur starts at the list (NULL = empty); each call sets *item and
 * *len to the next non-empty item (not NUL-terminated, blanks trimmed) and
 * returns true, or returns false at the end.  Borrowed from the list. */
bool tb_list_next(const char **cur, const char **item, size_t *len);

/* The next item copied into buf (truncated to size-1 bytes); false at the
 * end. */
bool tb_list_next_copy(const char **cur, char *buf, size_t size);

#endif
