/* test_base_fsm.c — the one state-machine mechanism (base/fsm.h) behind
 * applications, designs and alerts: moves found by action or by target
 * state, a move the table does not have is TB_ECONFLICT (409) naming the
 * possible moves, a role outside the move's TB_R_* bits is TB_EDENIED (403)
 * naming the roles, the guard runs last with the caller's context and its
 * error is the answer; and role names and bits (base/role.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/fsm.h"

#include <string.h>

typedef struct case_ctx {
	int calls;
	const char *owner, *me;
} case_ctx;

/* Only the owner may close (a guard with the caller's data). */
static int owner_only(const tb_fsm_move *m, const char *role, void *ctx, tb_err *e)
{
	case_ctx *c = ctx;
	c->calls++;
	if (!strcmp(role, "ranger") && strcmp(c->owner, c->me))
		return tb_err_set(e, TB_EDENIED, "C-1", "owner", "only the owner may %s", m->action);
	return 0;
}

static const tb_fsm_move moves[] = {
	{"open", "assign", "assigned", TB_R_ADMIN | TB_R_BUREAU, NULL},
	{"assigned", "close", "closed", TB_R_BUREAU | TB_R_RANGER, owner_only},
	{"open", "close", "closed", TB_R_ADMIN, NULL},
};
static const tb_fsm fsm = {"case", moves, sizeof moves / sizeof moves[0]};

static void by_action_and_by_state(void **state)
{
	(void)state;
	tb_err e = {0};
	const tb_fsm_move *m = NULL;
	case_ctx c = {0, "r1", "r1"};
	assert_int_equal(tb_fsm_find(&fsm, "C-1", "open", "assign", NULL, "bureau", &c, &m, &e), 0);
	assert_ptr_equal(m, &moves[0]);
	assert_int_equal(tb_fsm_find(&fsm, "C-1", "open", NULL, "closed", "admin", &c, &m, &e), 0);
	assert_ptr_equal(m, &moves[2]); /* the move out of "open", not "assigned" */
	assert_int_equal(tb_fsm_find(&fsm, "C-1", "assigned", "close", NULL, "ranger", &c, &m, &e), 0);
	assert_ptr_equal(m, &moves[1]);
	assert_int_equal(c.calls, 1);
}

static void conflict_is_409(void **state)
{
	(void)state;
	tb_err e = {0};
	const tb_fsm_move *m = &moves[0];
	assert_int_equal(tb_fsm_find(&fsm, "C-1", "assigned", "assign", NULL, "admin", NULL, &m, &e), TB_ECONFLICT);
	assert_null(m);
	assert_string_equal(e.record, "C-1");
	assert_string_equal(e.field, "status");
	assert_string_equal(e.message, "case C-1 is assigned: cannot assign it (possible: close)");
	assert_int_equal(tb_fsm_find(&fsm, "C-1", "open", NULL, "archived", "admin", NULL, &m, &e), TB_ECONFLICT);
	assert_string_equal(e.message, "case C-1 is open: it cannot become archived (possible: assigned, closed)");
	assert_int_equal(tb_fsm_find(&fsm, "C-1", "closed", "close", NULL, "admin", NULL, &m, &e), TB_ECONFLICT);
	assert_string_equal(e.message, "case C-1 is closed: cannot close it (possible: none, the case is closed)");
	assert_int_equal(tb_fsm_find(&fsm, "C-1", NULL, "close", NULL, "admin", NULL, &m, &e), TB_ECONFLICT);
}

static void wrong_role_is_403(void **state)
{
	(void)state;
	tb_err e = {0};
	const tb_fsm_move *m = NULL;
	case_ctx c = {0, "r1", "r2"};
	assert_int_equal(tb_fsm_find(&fsm, "C-1", "open", "assign", NULL, "town", &c, &m, &e), TB_EDENIED);
	assert_string_equal(e.message, "the role town may not assign case C-1 (roles: admin,bureau)");
	assert_int_equal(tb_fsm_find(&fsm, "C-1", "open", "close", NULL, "bureau", &c, &m, &e), TB_EDENIED);
	assert_string_equal(e.message, "the role bureau may not close case C-1 (roles: admin)");
	assert_int_equal(tb_fsm_find(&fsm, "C-1", "open", "assign", NULL, NULL, &c, &m, &e), TB_EDENIED);
	assert_string_equal(e.message, "the role (none) may not assign case C-1 (roles: admin,bureau)");
	assert_int_equal(tb_fsm_find(&fsm, "C-1", "open", "assign", NULL, "nobody", &c, &m, &e), TB_EDENIED);
	assert_int_equal(c.calls, 0); /* the guard runs only for a role that may */
	/* the guard refuses the ranger who is not the owner, with its own error */
	assert_int_equal(tb_fsm_find(&fsm, "C-1", "assigned", "close", NULL, "ranger", &c, &m, &e), TB_EDENIED);
	assert_string_equal(e.field, "owner");
	assert_string_equal(e.message, "only the owner may close");
	assert_null(m);
	assert_int_equal(tb_fsm_find(&fsm, "C-1", "assigned", "close", NULL, "bureau", &c, &m, &e), 0);
	assert_int_equal(c.calls, 2);
}

static void actions_and_roles(void **state)
{
	(void)state;
	char buf[64];
	tb_fsm_actions(&fsm, "open", buf, sizeof buf);
	assert_string_equal(buf, "assign, close");
	tb_fsm_actions(&fsm, "closed", buf, sizeof buf);
	assert_string_equal(buf, "");
	assert_int_equal(tb_role_bit("admin"), TB_R_ADMIN);
	assert_int_equal(tb_role_bit("ranger"), TB_R_RANGER);
	assert_int_equal(tb_role_bit("public"), TB_R_PUBLIC);
	assert_int_equal(tb_role_bit("Admin"), 0);
	assert_int_equal(tb_role_bit(NULL), 0);
	tb_role_names(TB_R_ADMIN | TB_R_TOWN | TB_R_DEPARTMENT, buf, sizeof buf);
	assert_string_equal(buf, "admin,town,department");
	tb_role_names(TB_R_ANY, buf, 12);
	assert_string_equal(buf, "admin,burea"); /* truncated */
	tb_role_names(0, buf, sizeof buf);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(by_action_and_by_state),
		cmocka_unit_test(conflict_is_409),
		cmocka_unit_test(wrong_role_is_403),
		cmocka_unit_test(actions_and_roles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
