/* cli.h — the command-line front-end: a table of commands (data), global
 * options, and helpers that print results and errors the same way for
 * every command.  Commands parse arguments and call one operation of a
 * feature module; no business logic lives here. */
#ifndef TB_CLI_CLI_H
#define TB_CLI_CLI_H

#include "base/err.h"
#include "db/write.h"

#include <jansson.h>
#include <stdbool.h>

/* The largest file a command reads whole (CSV tables, GeoJSON, photos). */
#define CLI_MAX_FILE ((size_t)64 << 20)

/* Exit codes (documented in README): */
enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_INPUT = 2, EXIT_FAIL = 3 };

typedef struct tb_cli {
	const char *db_path; /* --db, TIANBAO_DB, ./tianbao.gpkg */
	bool json;           /* --json                           */
	bool quiet;
	const char *lang;    /* zh (default) or en               */
	tb_actor actor;      /* who acts on the command line     */
} tb_cli;

typedef struct tb_command {
	const char *name;
	int (*run)(tb_cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage; /* full help text */
} tb_command;

extern const tb_command tb_commands[];

/* Print an error (or a list) to stderr — as JSON with --json — and return
 * the exit code for it. */
int cli_fail(const tb_cli *cli, const tb_err *e);
int cli_fail_list(const tb_cli *cli, const tb_errlist *l, const tb_err *first);
int cli_usage(const tb_command *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print JSON to stdout (pretty, UTF-8), consuming the reference. */
void cli_print_json(json_t *v);
/* True when argv[i] is "--help" or "-h". */
bool cli_wants_help(int argc, char **argv);
const tb_command *cli_command(const char *name);

#endif
