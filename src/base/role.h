/* role.h — the roles of tianbao as bits (TB_R_*), one type for everything
 * that says who may act: the HTTP route table (http/routes.c) and the state
 * machines of applications, designs and alerts (base/fsm.h).  Names are the
 * codes of the `role` code list. */
#ifndef TB_BASE_ROLE_H
#define TB_BASE_ROLE_H

#include <stddef.h>

enum {
	TB_R_ADMIN = 1 << 0,
	TB_R_BUREAU = 1 << 1,
	TB_R_LEADER = 1 << 2,
	TB_R_TOWN = 1 << 3,
	TB_R_UNIT = 1 << 4,
	TB_R_RANGER = 1 << 5,
	TB_R_DEPARTMENT = 1 << 6,
	TB_R_PUBLIC = 1 << 7, /* anyone, logged in or not */
	TB_R_STAFF = TB_R_ADMIN | TB_R_BUREAU | TB_R_LEADER | TB_R_TOWN | TB_R_UNIT | TB_R_RANGER |
		     TB_R_DEPARTMENT,
	TB_R_ANY = TB_R_STAFF | TB_R_PUBLIC
};

/* The bit of a role name ("bureau" → TB_R_BUREAU), 0 when unknown or NULL. */
unsigned tb_role_bit(const char *role);
/* The names of the bits of roles, comma-separated in bit order
 * ("admin,bureau"), into buf (truncated to size). */
void tb_role_names(unsigned roles, char *buf, size_t size);

#endif
