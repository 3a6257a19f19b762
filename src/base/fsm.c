/* fsm.c — the state-machine lookup (see fsm.h): one place where a move is
 * found, refused as a conflict (409) or refused to a role (403). */
#include "base/fsm.h"

#include <stdio.h>
#include <string.h>

static void append(char *buf, size_t size, const char *item)
{
	size_t k = strlen(buf);
	if (k < size) snprintf(buf + k, size - k, "%s%s", k ? ", " : "", item);
}

void tb_fsm_actions(const tb_fsm *m, const char *from, char *buf, size_t size)
{
	if (size) buf[0] = 0;
	for (size_t i = 0; i < m->nmoves; i++)
		if (from && !strcmp(m->moves[i].from, from)) append(buf, size, m->moves[i].action);
}

int tb_fsm_find(const tb_fsm *m, const char *code, const char *from, const char *action, const char *to,
		const char *role, void *ctx, const tb_fsm_move **out, tb_err *e)
{
	const tb_fsm_move *mv = NULL;
	char possible[256] = "";
	*out = NULL;
	for (size_t i = 0; i < m->nmoves; i++) {
		const tb_fsm_move *x = &m->moves[i];
		if (!from || strcmp(x->from, from)) continue;
		if (action ? !strcmp(x->action, action) : to && !strcmp(x->to, to)) mv = x;
		append(possible, sizeof possible, action ? x->action : x->to);
	}
	const char *none = possible[0] ? possible : "none, the case is closed";
	if (!mv && action)
		return tb_err_set(e, TB_ECONFLICT, code, "status", "%s %s is %s: cannot %s it (possible: %s)", m->what,
				  code, from ? from : "(no state)", action, none);
	if (!mv)
		return tb_err_set(e, TB_ECONFLICT, code, "status", "%s %s is %s: it cannot become %s (possible: %s)",
				  m->what, code, from ? from : "(no state)", to ? to : "(nothing)", none);
	if (!(mv->roles & tb_role_bit(role))) {
		char who[128];
		tb_role_names(mv->roles, who, sizeof who);
		return tb_err_set(e, TB_EDENIED, code, "status", "the role %s may not %s %s %s (roles: %s)",
				  role && *role ? role : "(none)", mv->action, m->what, code, who);
	}
	if (mv->guard) {
		int rc = mv->guard(mv, role, ctx, e);
		if (rc) return rc;
	}
	*out = mv;
	return 0;
}
