/* main.c — `tianbao`: global options, then one command from the table.
 *   tianbao [--db PATH] [--json] [--lang zh|en] COMMAND [ARGS…]
 * Exit codes: 0 ok, 1 usage, 2 bad input, 3 other failure. */
#include "cli/cli.h"

#include "base/hash.h"
#include "base/log.h"
#include "geo/geo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_fail(const tb_cli *cli, const tb_err *e)
{
	if (cli->json) {
		json_t *o = json_pack("{s:{s:s,s:s,s:s?,s:s?}}", "error", "code", tb_code_name(e->code),
				      "message", e->message, "record", e->record[0] ? e->record : NULL,
				      "field", e->field[0] ? e->field : NULL);
		char *t = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII * 0);
		fprintf(stderr, "%s\n", t);
		free(t);
		json_decref(o);
	} else {
		char buf[1024];
		tb_err_format(e, buf, sizeof buf);
		fprintf(stderr, "tianbao: %s\n", buf);
	}
	return tb_exit_code(e->code ? e->code : TB_EINTERNAL);
}

int cli_fail_list(const tb_cli *cli, const tb_errlist *l, const tb_err *first)
{
	if (!l->len) return cli_fail(cli, first);
	if (cli->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l->len; i++) {
			const tb_err *e = &l->items[i];
			json_array_append_new(arr, json_pack("{s:s,s:s,s:s?,s:s?}", "code",
							     tb_code_name(e->code), "message", e->message,
							     "record", e->record[0] ? e->record : NULL,
							     "field", e->field[0] ? e->field : NULL));
		}
		json_t *o = json_pack("{s:{s:s,s:s,s:I,s:o}}", "error", "code", "bad_input", "message",
				      "nothing was changed", "count", (json_int_t)tb_errlist_count(l),
				      "errors", arr);
		char *t = json_dumps(o, JSON_INDENT(2));
		fprintf(stderr, "%s\n", t);
		free(t);
		json_decref(o);
	} else {
		fprintf(stderr, "tianbao: %zu problem(s); nothing was changed:\n", tb_errlist_count(l));
		for (size_t i = 0; i < l->len; i++) {
			char buf[1024];
			tb_err_format(&l->items[i], buf, sizeof buf);
			fprintf(stderr, "  %s\n", buf);
		}
		if (l->dropped) fprintf(stderr, "  … and %zu more\n", l->dropped);
	}
	return EXIT_INPUT;
}

int cli_usage(const tb_command *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "tianbao %s: ", c->name);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n%s", c->usage);
	return EXIT_USAGE;
}

void cli_print_json(json_t *v)
{
	char *t = json_dumps(v, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	if (t) printf("%s\n", t);
	free(t);
	json_decref(v);
}

bool cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return true;
	}
	return false;
}

const tb_command *cli_command(const char *name)
{
	for (const tb_command *c = tb_commands; c->name; c++)
		if (!strcmp(c->name, name)) return c;
	return NULL;
}

static void overview(FILE *out)
{
	fprintf(out, "tianbao (天保) — natural-forest protection and restoration system\n\n"
		     "usage: tianbao [--db PATH] [--json] [--lang zh|en] COMMAND [ARGS…]\n\n"
		     "global options:\n"
		     "  --db PATH     database file (default $TIANBAO_DB or ./tianbao.gpkg)\n"
		     "  --json        machine-readable output (results on stdout, errors on stderr)\n"
		     "  --lang zh|en  language of labels (default zh)\n"
		     "  --help        this text; `tianbao COMMAND --help` for a command\n"
		     "  --version     print the version\n\ncommands:\n");
	for (const tb_command *c = tb_commands; c->name; c++)
		fprintf(out, "  %-12s %s\n", c->name, c->summary);
	fprintf(out, "\nexit codes: 0 ok, 1 usage error, 2 bad input (nothing changed), 3 other failure\n");
}

int main(int argc, char **argv)
{
	tb_cli cli = {.db_path = getenv("TIANBAO_DB"), .lang = "zh"};
	if (!cli.db_path || !*cli.db_path) cli.db_path = "tianbao.gpkg";
	const char *user = getenv("USER");
	cli.actor.login = user && *user ? user : "cli";
	cli.actor.role = "admin";
	if (tb_crypto_init()) {
		fprintf(stderr, "tianbao: cannot initialise libsodium\n");
		return EXIT_FAIL;
	}
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--db") && i + 1 < argc) cli.db_path = argv[++i];
		else if (!strncmp(a, "--db=", 5)) cli.db_path = a + 5;
		else if (!strcmp(a, "--json")) cli.json = true;
		else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) cli.quiet = true;
		else if (!strcmp(a, "--lang") && i + 1 < argc) cli.lang = argv[++i];
		else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			overview(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "--version")) {
			printf("tianbao %s\n", TB_VERSION);
			return EXIT_OK;
		} else {
			fprintf(stderr, "tianbao: unknown option '%s'\n\n", a);
			overview(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		overview(stderr);
		return EXIT_USAGE;
	}
	const tb_command *c = cli_command(argv[i]);
	if (!c) {
		fprintf(stderr, "tianbao: unknown command '%s'\n\n", argv[i]);
		overview(stderr);
		return EXIT_USAGE;
	}
	if (cli_wants_help(argc - i, argv + i)) {
		fputs(c->usage, stdout);
		return EXIT_OK;
	}
	/* commands may also take --json after their name */
	for (int k = i + 1; k < argc; k++)
		if (!strcmp(argv[k], "--json")) cli.json = true;
	int rc = c->run(&cli, argc - i, argv + i);
	tb_geos_finish();
	return rc;
}
