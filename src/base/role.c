/* role.c — role names and bits (see role.h). */
#include "base/role.h"

#include <stdio.h>
#include <string.h>

static const char *const names[] = {"admin", "bureau", "leader", "town", "unit", "ranger", "department", "public"};
#define NROLES (sizeof names / sizeof names[0])

unsigned tb_role_bit(const char *role)
{
	for (unsigned i = 0; role && i < NROLES; i++)
		if (!strcmp(role, names[i])) return 1u << i;
	return 0;
}

void tb_role_names(unsigned roles, char *buf, size_t size)
{
	size_t k = 0;
	if (size) buf[0] = 0;
	for (unsigned i = 0; i < NROLES; i++)
		if (roles & (1u << i)) {
			int n = snprintf(buf + k, k < size ? size - k : 0, "%s%s", k ? "," : "", names[i]);
			if (n > 0) k += (size_t)n;
		}
}
