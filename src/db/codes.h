/* codes.h — code lists (代码表): 地类, 起源, 龄组 … stored in tb_code and
 * cached per connection.  Records store codes; labels are for people.  A
 * lookup accepts a code or its Chinese or English label, so a bureau file
 * that writes "乔木林地" instead of "030100" still imports. */
#ifndef TB_DB_CODES_H
#define TB_DB_CODES_H

#include "db/db.h"

#include <jansson.h>

typedef struct tb_code_entry {
	char *list, *code, *label_zh, *label_en, *parent;
} tb_code_entry;

/* Load rows list,code,label_zh,label_en[,parent] into tb_code (replacing
 * rows with the same list and code) and drop the cache. */
int tb_codes_load_csv(tb_db *db, const char *csv, size_t len, tb_err *e);
/* The entry whose code, label_zh or label_en equals value (codes first);
 * NULL when none.  Borrowed from the cache; valid until the codes change. */
const tb_code_entry *tb_codes_find(tb_db *db, const char *list, const char *value);
/* True when the list exists at all. */
int tb_codes_has_list(tb_db *db, const char *list);
/* Label of a code ("zh" or "en"); the code itself when unknown. */
const char *tb_codes_label(tb_db *db, const char *list, const char *code, const char *lang);
/* All lists as {"list":[{"code","label_zh","label_en","parent"}…]}. New ref. */
json_t *tb_codes_json(tb_db *db);
/* Forget the cache (after tb_code changed). */
void tb_codes_invalidate(tb_db *db);

#endif
