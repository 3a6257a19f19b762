/* rules.c — the use-control rules as data (§3.1.1, §3.2): loading the rows
 * of the use_rules table and choosing the deciding row for a situation.
 * A row matches when each of its situation columns is "any" or equals the
 * situation; the most specific matching row decides (count of columns that
 * are not "any"), ties go to the stricter verdict, then to the earlier row. */
#include "control/control.h"

#include <stdlib.h>
#include <string.h>

static const char *const verdict_names[] = {"", "allowed", "conditional", "needs_approval", "prohibited"};

const char *tb_verdict_name(tb_verdict v)
{
	return v >= TB_V_NONE && v <= TB_V_PROHIBITED ? verdict_names[v] : "";
}

tb_verdict tb_verdict_parse(const char *s)
{
	for (int i = 1; s && i <= TB_V_PROHIBITED; i++)
		if (!strcmp(s, verdict_names[i])) return (tb_verdict)i;
	return TB_V_NONE;
}

static char *dup_col(tb_stmt *st, int i)
{
	const char *t = tb_col_text(st, i);
	return strdup(t && *t ? t : "any");
}

static char *dup_text(tb_stmt *st, int i)
{
	const char *t = tb_col_text(st, i);
	return t && *t ? strdup(t) : NULL;
}

static int count_specific(const tb_use_rule *r)
{
	const char *cols[] = {r->activity, r->purpose, r->forest_land, r->in_key_zone,
			      r->natural, r->gyl_grade, r->bh_dj, r->design_approved};
	int n = 0;
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) n += strcmp(cols[i], "any") != 0;
	return n;
}

int tb_use_rules_load(tb_db *db, tb_use_rules_set *out, tb_err *e)
{
	memset(out, 0, sizeof *out);
	tb_stmt *st;
	int rc = tb_db_prepare(db,
			       "SELECT fid, code, activity, purpose, forest_land, in_key_zone, natural, gyl_grade,"
			       " bh_dj, design_approved, verdict, authority, conditions_zh, conditions_en, clause,"
			       " message_zh, message_en FROM use_rules WHERE coalesce(active,1)=1 ORDER BY fid",
			       &st, e);
	if (rc) return rc;
	int cap = 0;
	while (tb_stmt_step(st) == TB_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			tb_use_rule *p = realloc(out->rows, (size_t)cap * sizeof *p);
			if (!p) {
				rc = tb_err_set(e, TB_ENOMEM, "use_rules", NULL, "out of memory");
				break;
			}
			out->rows = p;
		}
		tb_use_rule *r = &out->rows[out->n++];
		memset(r, 0, sizeof *r);
		r->fid = tb_col_int64(st, 0);
		r->code = dup_text(st, 1);
		r->activity = dup_col(st, 2);
		r->purpose = dup_col(st, 3);
		r->forest_land = dup_col(st, 4);
		r->in_key_zone = dup_col(st, 5);
		r->natural = dup_col(st, 6);
		r->gyl_grade = dup_col(st, 7);
		r->bh_dj = dup_col(st, 8);
		r->design_approved = dup_col(st, 9);
		r->verdict = tb_verdict_parse(tb_col_text(st, 10));
		r->authority = dup_text(st, 11);
		r->conditions_zh = dup_text(st, 12);
		r->conditions_en = dup_text(st, 13);
		r->clause = dup_text(st, 14);
		r->message_zh = dup_text(st, 15);
		r->message_en = dup_text(st, 16);
		r->specificity = count_specific(r);
	}
	tb_stmt_finalize(st);
	if (rc) tb_use_rules_free(out);
	return rc;
}

void tb_use_rules_free(tb_use_rules_set *s)
{
	for (int i = 0; i < s->n; i++) {
		tb_use_rule *r = &s->rows[i];
		char *all[] = {r->code, r->activity, r->purpose, r->forest_land, r->in_key_zone, r->natural,
			       r->gyl_grade, r->bh_dj, r->design_approved, r->authority, r->conditions_zh,
			       r->conditions_en, r->clause, r->message_zh, r->message_en};
		for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) free(all[k]);
	}
	free(s->rows);
	memset(s, 0, sizeof *s);
}

/* A text column: "any" or equal to the value (NULL matches only "any"). */
static bool text_ok(const char *col, const char *value)
{
	return !strcmp(col, "any") || (value && !strcmp(col, value));
}

static bool flag_ok(const char *col, bool value)
{
	return !strcmp(col, "any") || !strcmp(col, value ? "yes" : "no");
}

static bool matches(const tb_use_rule *r, const tb_use_situation *s)
{
	return text_ok(r->activity, s->activity) && text_ok(r->purpose, s->purpose) &&
	       flag_ok(r->forest_land, s->forest_land || s->natural) && flag_ok(r->in_key_zone, s->in_key_zone) &&
	       flag_ok(r->natural, s->natural) && text_ok(r->gyl_grade, s->gyl_grade) &&
	       text_ok(r->bh_dj, s->bh_dj) && flag_ok(r->design_approved, s->design_approved);
}

const tb_use_rule *tb_use_rules_match(const tb_use_rules_set *s, const tb_use_situation *sit)
{
	const tb_use_rule *best = NULL;
	for (int i = 0; i < s->n; i++) {
		const tb_use_rule *r = &s->rows[i];
		if (r->verdict == TB_V_NONE || !matches(r, sit)) continue;
		if (!best || r->specificity > best->specificity ||
		    (r->specificity == best->specificity && r->verdict > best->verdict))
			best = r;
	}
	return best;
}
