/* fsm.h — one state-machine mechanism for the records that move through a
 * review or a closed loop: applications and operation designs (control/),
 * alerts (monitor/), and the projects, cases and tasks to come.
 *
 * A machine is a table of moves {from, action, to, roles, guard}: roles are
 * the TB_R_* bits of the route table (base/role.h); the guard, when there
 * is one, checks what the table cannot (a precondition, "only the assigned
 * ranger").  tb_fsm_find is the one lookup: a move that does not leave the
 * record's state is TB_ECONFLICT (HTTP 409), a role that may not make it
 * TB_EDENIED (403), and the guard's own error otherwise.  Tables are static
 * data; the machine does not write: the caller makes the move in its
 * transaction with its event. */
#ifndef TB_BASE_FSM_H
#define TB_BASE_FSM_H

#include "base/err.h"
#include "base/role.h"

#include <stddef.h>

typedef struct tb_fsm_move tb_fsm_move;

/* May the caller (role) make move m?  ctx is the caller's (the record, the
 * database…).  0, or an error code with e set (TB_ECONFLICT for an unmet
 * precondition, TB_EDENIED for a person who may not). */
typedef int (*tb_fsm_guard)(const tb_fsm_move *m, const char *role, void *ctx, tb_err *e);

struct tb_fsm_move {
	const char *from;   /* state before                                    */
	const char *action; /* verb, also the event's action ("approve")       */
	const char *to;     /* state after                                     */
	unsigned roles;     /* TB_R_* bits that may make it                    */
	tb_fsm_guard guard; /* NULL: the roles say it all                      */
};

typedef struct tb_fsm {
	const char *what;          /* the record kind in messages: "application" */
	const tb_fsm_move *moves;
	size_t nmoves;
} tb_fsm;

/* The move out of state `from` named by action, or (action NULL) by the
 * state to reach.  Checks in order: the move exists (else TB_ECONFLICT,
 * field "status", naming the moves there are), the role may make it (else
 * TB_EDENIED naming the roles that may), the guard.  code names the record
 * in messages.  *out is the move (borrowed from the table) on success. */
int tb_fsm_find(const tb_fsm *m, const char *code, const char *from, const char *action, const char *to,
		const char *role, void *ctx, const tb_fsm_move **out, tb_err *e);

/* The moves the table has out of state from (for a UI's buttons): their
 * actions, comma-separated, into buf. */
void tb_fsm_actions(const tb_fsm *m, const char *from, char *buf, size_t size);

#endif
