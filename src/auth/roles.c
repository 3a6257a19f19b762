/* roles.c — roles and jurisdiction (DESIGN.md §7): which part of the
 * district a principal sees and may change.  The HTTP layer's one
 * jurisdiction helper (http/access.c) builds on these; handlers never call
 * them directly. */
#include "auth/auth.h"

#include "base/list.h"

#include <stdlib.h>
#include <string.h>

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

bool tb_principal_sees_all(const tb_principal *p)
{
	return p && sees_all(p->role);
}

bool tb_jurisdiction_allows(const tb_principal *p, const char *scope_value)
{
	if (!p) return false;
	if (sees_all(p->role)) return true;
	return scoped(p->role) && scope_value && tb_list_has(p->scope, scope_value);
}
