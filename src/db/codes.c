/* codes.c — code lists: CSV loading and a per-connection cache, sorted by
 * (list, code) for binary search, with a linear label fallback (lists are
 * short). */
#include "db/codes.h"
#include "db/conn_int.h"

#include "base/csv.h"

#include <stdlib.h>
#include <string.h>

typedef struct tb_codes {
	tb_code_entry *items;
	size_t n;
} tb_codes;

void tb_codes_free(tb_codes *c)
{
	if (!c) return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].list);
		free(c->items[i].code);
		free(c->items[i].label_zh);
		free(c->items[i].label_en);
		free(c->items[i].parent);
	}
	free(c->items);
	free(c);
}

void tb_codes_invalidate(tb_db *db)
{
	struct tb_codes **slot = tb_db_codes_slot(db);
	tb_codes_free(*slot);
	*slot = NULL;
}

static char *dup_col(tb_stmt *st, int i)
{
	const char *s = tb_col_text(st, i);
	return s && *s ? strdup(s) : NULL;
}

static tb_codes *load(tb_db *db)
{
	tb_stmt *st;
	if (tb_db_prepare(db, "SELECT list,code,label_zh,label_en,parent FROM tb_code ORDER BY list,code", &st, NULL) != 0)
		return NULL;
	tb_codes *c = calloc(1, sizeof *c);
	size_t cap = 0;
	while (c && tb_stmt_step(st) == TB_ROW) {
		if (c->n == cap) {
			cap = cap ? cap * 2 : 128;
			tb_code_entry *n = realloc(c->items, cap * sizeof *n);
			if (!n) break;
			c->items = n;
		}
		tb_code_entry *it = &c->items[c->n++];
		it->list = dup_col(st, 0);
		it->code = dup_col(st, 1);
		it->label_zh = dup_col(st, 2);
		it->label_en = dup_col(st, 3);
		it->parent = dup_col(st, 4);
	}
	tb_stmt_finalize(st);
	return c;
}

static tb_codes *cache(tb_db *db)
{
	struct tb_codes **slot = tb_db_codes_slot(db);
	if (!*slot) *slot = load(db);
	return *slot;
}

static int cmp(const char *l1, const char *c1, const tb_code_entry *b)
{
	int r = strcmp(l1, b->list ? b->list : "");
	return r ? r : strcmp(c1, b->code ? b->code : "");
}

const tb_code_entry *tb_codes_find(tb_db *db, const char *list, const char *value)
{
	tb_codes *c = cache(db);
	if (!c || !value) return NULL;
	size_t lo = 0, hi = c->n, first = c->n;
	while (lo < hi) { /* binary search on (list, code) */
		size_t mid = (lo + hi) / 2;
		int r = cmp(list, value, &c->items[mid]);
		if (!r) return &c->items[mid];
		if (r < 0) hi = mid;
		else lo = mid + 1;
	}
	for (size_t i = 0; i < c->n; i++) { /* labels */
		const tb_code_entry *it = &c->items[i];
		if (strcmp(it->list, list)) {
			if (first < c->n) break;
			continue;
		}
		if (first == c->n) first = i;
		if ((it->label_zh && !strcmp(it->label_zh, value)) ||
		    (it->label_en && !strcasecmp(it->label_en, value)))
			return it;
	}
	return NULL;
}

int tb_codes_has_list(tb_db *db, const char *list)
{
	tb_codes *c = cache(db);
	for (size_t i = 0; c && i < c->n; i++)
		if (!strcmp(c->items[i].list, list)) return 1;
	return 0;
}

const char *tb_codes_label(tb_db *db, const char *list, const char *code, const char *lang)
{
	const tb_code_entry *it = tb_codes_find(db, list, code);
	if (!it) return code;
	if (lang && !strcmp(lang, "en") && it->label_en) return it->label_en;
	return it->label_zh;
}

json_t *tb_codes_json(tb_db *db)
{
	tb_codes *c = cache(db);
	json_t *o = json_object();
	for (size_t i = 0; c && i < c->n; i++) {
		tb_code_entry *it = &c->items[i];
		json_t *arr = json_object_get(o, it->list);
		if (!arr) {
			arr = json_array();
			json_object_set_new(o, it->list, arr);
		}
		json_array_append_new(arr, json_pack("{s:s,s:s?,s:s?,s:s?}", "code", it->code,
						     "label_zh", it->label_zh, "label_en",
						     it->label_en, "parent", it->parent));
	}
	return o;
}

int tb_codes_load_csv(tb_db *db, const char *text, size_t len, tb_err *e)
{
	tb_csv csv;
	tb_csv_init(&csv, text, len);
	int rc = tb_csv_read_header(&csv);
	if (rc <= 0) {
		tb_csv_free(&csv);
		return tb_err_set(e, TB_EINPUT, "codes.csv", NULL, "empty or malformed header");
	}
	tb_stmt *st;
	rc = tb_db_prepare(db, "INSERT OR REPLACE INTO tb_code(list, code, label_zh, label_en, parent, sort) VALUES(?,?,?,?,?,?)", &st, e);
	int sort = 0, next = 0; /* next < 0: the CSV itself is malformed; *e not set yet */
	while (!rc && (rc = next = tb_csv_next(&csv)) == 1) {
		const char *list = tb_csv_get(&csv, "list"), *code = tb_csv_get(&csv, "code"),
			   *zh = tb_csv_get(&csv, "label_zh");
		if (!list || !*list || !code || !*code || !zh || !*zh) {
			char rec[64];
			snprintf(rec, sizeof rec, "codes.csv line %d", csv.line);
			rc = tb_err_set(e, TB_EINPUT, rec, !list || !*list ? "list" : !code || !*code ? "code" : "label_zh",
					"required value is empty");
			break;
		}
		const char *en = tb_csv_get(&csv, "label_en"), *parent = tb_csv_get(&csv, "parent");
		tb_bind_text_copy(st, 1, list);
		tb_bind_text_copy(st, 2, code);
		tb_bind_text_copy(st, 3, zh);
		tb_bind_text_copy(st, 4, en && *en ? en : NULL);
		tb_bind_text_copy(st, 5, parent && *parent ? parent : NULL);
		tb_bind_int(st, 6, ++sort);
		rc = tb_stmt_step(st) == TB_DONE ? 0 : tb_db_error(db, e, "tb_code");
		tb_stmt_reset(st);
	}
	if (next < 0) tb_err_set(e, next, "codes.csv", NULL, "malformed CSV near line %d", csv.line);
	tb_stmt_finalize(st);
	tb_csv_free(&csv);
	tb_codes_invalidate(db);
	return rc < 0 ? rc : 0;
}
