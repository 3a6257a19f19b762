/* roles.c — roles and jurisdiction (DESIGN.md §7): which part of the
 * district a principal sees and may change.  The HTTP layer's one
 * jurisdiction helper (http/access.c) builds on these; handlers never call
 * them directly. */
#include "auth/auth.h"

#include <stdlib.h>
#include <string.h>

unsigned tb_role_bit(const char *role)
{
	static const char *const roles[] = {"admin", "bureau", "leader",     "town",
	                                    "unit",  "ranger", "department", "public"};
	for (unsigned i = 0; role && i < sizeof roles / sizeof roles[0]; i++)
		if (!strcmp(role, roles[i])) return 1u << i; /* = TB_R_* of http.h */
	return 0;
}

bool tb_role_valid(const char *role)
{
	return tb_role_bit(role) != 0;
}

/* Roles that see the whole district. */
static bool sees_all(const char *role)
{
	return !strcmp(role, "admin") || !strcmp(role, "bureau") || !strcmp(role, "leader") ||
	       !strcmp(role, "department");
}

/* Roles limited to the codes in their scope (town codes for town users,
 * unit codes for units, grid codes for rangers). */
static bool scoped(const char *role)
{
	return !strcmp(role, "town") || !strcmp(role, "unit") || !strcmp(role, "ranger");
}

/* Resources without a scope field are not filtered here: whether a role may
 * read them at all is the route table's decision.  For a scoped resource:
 * admin, bureau, leader, department → NULL (all); town, unit, ranger → their
 * scope list ("" when empty: a scoped user without scope sees nothing);
 * public and unknown roles → "" (nothing; the HTTP layer serves the public
 * its own views). */
char *tb_jurisdiction(const tb_principal *p, const tb_resource *r)
{
	if (!r || !r->scope) return NULL;
	if (!p) return strdup("");
	if (sees_all(p->role)) return NULL;
	return strdup(scoped(p->role) ? p->scope : "");
}

/* Whether `value` is one of the comma-separated codes of list. */
static bool in_list(const char *list, const char *value)
{
	size_t n = strlen(value);
	if (!n) return false;
	for (const char *s = list; *s;) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		while (len && *s == ' ')
			s++, len--;
		while (len && s[len - 1] == ' ')
			len--;
		if (len == n && !strncmp(s, value, n)) return true;
		if (!c) break;
		s = c + 1;
	}
	return false;
}

bool tb_principal_sees_all(const tb_principal *p)
{
	return p && sees_all(p->role);
}

bool tb_jurisdiction_allows(const tb_principal *p, const char *scope_value)
{
	if (!p) return false;
	if (sees_all(p->role)) return true;
	return scoped(p->role) && scope_value && in_list(p->scope, scope_value);
}
