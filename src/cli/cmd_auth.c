/* cmd_auth.c — `tianbao user` and `tianbao token`: argument parsing and
 * printing around the auth module (src/auth/).  Passwords never come from
 * the command line (other users can read it in ps): they come from
 * --password-file (its first line) or standard input, prompted twice with
 * echo off when that is a terminal. */
#include "cli/cli.h"

#include "app/app.h"

#include "auth/auth.h"
#include "db/codes.h"
#include "registry/registry.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define PW_BUF 1100 /* room for the longest password auth accepts */

/* The database with every module migrated. */
static int open_db(tb_cli *cli, tb_db **db)
{
	tb_err e = {0};
	return tb_app_open(cli->db_path, db, &e) ? cli_fail(cli, &e) : EXIT_OK;
}

/* ---- reading passwords ------------------------------------------------------ */

/* One line of f into buf without its line end; TB_EINPUT when there is
 * none or it does not fit. */
static int read_line(FILE *f, char *buf, size_t n, tb_err *e)
{
	if (!fgets(buf, (int)n, f))
		return tb_err_set(e, TB_EINPUT, NULL, "password", "no password given");
	size_t len = strcspn(buf, "\r\n");
	if (!buf[len] && !feof(f))
		return tb_err_set(e, TB_EINPUT, NULL, "password", "line too long");
	buf[len] = 0;
	return 0;
}

/* Read a line from the terminal on stdin with echo off. */
static int read_hidden(const char *prompt, char *buf, size_t n, tb_err *e)
{
	struct termios old, quiet;
	fputs(prompt, stderr);
	fflush(stderr);
	bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	int rc = read_line(stdin, buf, n, e);
	if (tty) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return rc;
}

static int prompt_twice(const char *login, char *buf, size_t n, tb_err *e)
{
	char again[PW_BUF], prompt[128];
	snprintf(prompt, sizeof prompt, "new password for %s: ", login);
	int rc = read_hidden(prompt, buf, n, e);
	if (!rc) rc = read_hidden("again: ", again, sizeof again, e);
	if (!rc && strcmp(buf, again))
		rc = tb_err_set(e, TB_EINPUT, NULL, "password", "the two passwords differ");
	sodium_memzero(again, sizeof again);
	return rc;
}

/* The password from --password-file, else stdin (prompted on a terminal). */
static int get_password(const char *file, const char *login, char buf[PW_BUF], tb_err *e)
{
	if (!file && isatty(STDIN_FILENO)) return prompt_twice(login, buf, PW_BUF, e);
	FILE *f = file ? fopen(file, "r") : stdin;
	if (!f) return tb_err_set(e, TB_EIO, file, NULL, "cannot open the password file");
	int rc = read_line(f, buf, PW_BUF, e);
	if (file) fclose(f);
	return rc;
}

/* ---- user ------------------------------------------------------------------------- */

typedef struct user_args {
	const char *login, *role, *name, *scope, *unit, *pwfile;
} user_args;

/* Options after `user SUB`; the one positional argument is the login. */
static int parse_user(const tb_command *cmd, int argc, char **argv, user_args *a)
{
	static const struct option opts[] = {{"role", required_argument, 0, 'r'},
	                                     {"name", required_argument, 0, 'n'},
	                                     {"scope", required_argument, 0, 's'},
	                                     {"unit", required_argument, 0, 'u'},
	                                     {"password-file", required_argument, 0, 'p'},
	                                     {"json", no_argument, 0, 'j'},
	                                     {0}};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			a->role = optarg;
			break;
		case 'n':
			a->name = optarg;
			break;
		case 's':
			a->scope = optarg;
			break;
		case 'u':
			a->unit = optarg;
			break;
		case 'p':
			a->pwfile = optarg;
			break;
		case 'j':
			break;
		default:
			return cli_usage(cmd, "unknown option or missing value in '%s'",
			                 argv[optind - 1]);
		}
	}
	if (optind >= argc) return cli_usage(cmd, "which login?");
	if (optind + 1 < argc) return cli_usage(cmd, "unexpected argument '%s'", argv[optind + 1]);
	a->login = argv[optind];
	return EXIT_OK;
}

static int print_user(tb_cli *cli, tb_db *db, const char *login, const char *what)
{
	tb_err e = {0};
	json_t *u = NULL;
	if (tb_record_get_by_key(db, &tb_users, login, &u, NULL, &e)) return cli_fail(cli, &e);
	if (cli->json)
		cli_print_json(u);
	else {
		if (!cli->quiet) printf("%s %s\n", what, login);
		json_decref(u);
	}
	return EXIT_OK;
}

static int user_write(tb_cli *cli, tb_db *db, const char *sub, const user_args *a)
{
	char pw[PW_BUF] = "";
	tb_err e = {0};
	int rc = 0;
	if (!strcmp(sub, "add") || !strcmp(sub, "passwd"))
		rc = get_password(a->pwfile, a->login, pw, &e);
	if (rc) return cli_fail(cli, &e);
	if (!strcmp(sub, "add"))
		rc = tb_user_add(db, &cli->actor, a->login, a->name, a->role, a->scope, a->unit, pw,
		                 &e);
	else if (!strcmp(sub, "passwd"))
		rc = tb_user_passwd(db, &cli->actor, a->login, pw, &e);
	else
		rc = tb_user_disable(db, &cli->actor, a->login, &e);
	sodium_memzero(pw, sizeof pw);
	if (rc) return cli_fail(cli, &e);
	return print_user(cli, db, a->login,
	                  !strcmp(sub, "add")      ? "added user"
	                  : !strcmp(sub, "passwd") ? "changed the password (sessions closed) of"
	                                           : "disabled (sessions and tokens revoked)");
}

static const char *text_or(const json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s && *s ? s : dflt;
}

static int user_list(tb_cli *cli, tb_db *db)
{
	tb_err e = {0};
	json_t *list = tb_user_list(db, &e);
	if (!list) return cli_fail(cli, &e);
	if (cli->json) {
		cli_print_json(list);
		return EXIT_OK;
	}
	printf("%-20s %-12s %-12s %-14s %-24s %-10s %s\n", "登录名 login", "角色 role", "姓名 name",
	       "单位 unit", "管辖 scope", "状态", "last login");
	size_t i;
	json_t *u;
	json_array_foreach(list, i, u)
	{
		const char *role = text_or(u, "role", "-");
		printf("%-20s %-12s %-12s %-14s %-24s %-10s %s\n", text_or(u, "login", "-"),
		       tb_codes_label(db, "role", role, cli->lang), text_or(u, "name", "-"),
		       text_or(u, "unit", "-"), text_or(u, "scope", "(all)"),
		       json_is_true(json_object_get(u, "disabled")) ? "disabled" : "active",
		       text_or(u, "last_login", "-"));
	}
	printf("(%zu users)\n", json_array_size(list));
	json_decref(list);
	return EXIT_OK;
}

int cmd_user(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("user");
	if (argc < 2) return cli_usage(cmd, "add, passwd, disable or list?");
	const char *sub = argv[1];
	bool list = !strcmp(sub, "list");
	if (!list && strcmp(sub, "add") && strcmp(sub, "passwd") && strcmp(sub, "disable"))
		return cli_usage(cmd, "unknown subcommand '%s'", sub);
	user_args a = {0};
	if (list) {
		for (int i = 2; i < argc; i++)
			if (strcmp(argv[i], "--json"))
				return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
	} else if (parse_user(cmd, argc - 1, argv + 1, &a))
		return EXIT_USAGE;
	if (!strcmp(sub, "add") && !a.role) return cli_usage(cmd, "user add needs --role ROLE");
	if (strcmp(sub, "add") && (a.role || a.name || a.scope || a.unit))
		return cli_usage(cmd, "--role, --name, --scope and --unit belong to user add");
	if (!strcmp(sub, "disable") && a.pwfile)
		return cli_usage(cmd, "user disable takes no password");
	tb_db *db;
	int rc = open_db(cli, &db);
	if (rc) return rc;
	rc = list ? user_list(cli, db) : user_write(cli, db, sub, &a);
	tb_db_close(db);
	return rc;
}

/* ---- token ----------------------------------------------------------------------- */

static int token_add(tb_cli *cli, tb_db *db, const char *login, const char *label)
{
	char tok[65];
	tb_err e = {0};
	if (tb_token_add(db, &cli->actor, login, label, tok, &e)) return cli_fail(cli, &e);
	if (cli->json)
		cli_print_json(
		    json_pack("{s:s,s:s,s:s}", "login", login, "label", label, "token", tok));
	else {
		printf("%s\n", tok);
		if (!cli->quiet)
			fprintf(stderr,
			        "API token '%s' for %s: shown only this once; store it now\n",
			        label, login);
	}
	sodium_memzero(tok, sizeof tok);
	return EXIT_OK;
}

static int token_list(tb_cli *cli, tb_db *db)
{
	tb_err e = {0};
	json_t *list = tb_token_list(db, &e);
	if (!list) return cli_fail(cli, &e);
	if (cli->json) {
		cli_print_json(list);
		return EXIT_OK;
	}
	size_t i;
	json_t *t;
	printf("%-24s %-20s %-26s %s\n", "label", "login", "created", "state");
	json_array_foreach(list, i, t)
	    printf("%-24s %-20s %-26s %s\n", text_or(t, "label", "-"), text_or(t, "login", "-"),
	           text_or(t, "created_at", "-"),
	           json_is_true(json_object_get(t, "revoked")) ? "revoked" : "active");
	json_decref(list);
	return EXIT_OK;
}

/* `token add LOGIN --label L`: the login and the label, in any order. */
static int parse_token_add(const tb_command *cmd, int argc, char **argv, const char **login,
                           const char **label)
{
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		if (!strcmp(argv[i], "--label") && i + 1 < argc)
			*label = argv[++i];
		else if (!strncmp(argv[i], "--label=", 8))
			*label = argv[i] + 8;
		else if (argv[i][0] == '-' || *login)
			return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
		else
			*login = argv[i];
	}
	if (!*login) return cli_usage(cmd, "token add needs a LOGIN");
	if (!*label) return cli_usage(cmd, "token add needs --label LABEL");
	return EXIT_OK;
}

int cmd_token(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("token");
	const char *sub = argc > 1 ? argv[1] : "", *login = NULL, *label = NULL;
	bool add = !strcmp(sub, "add"), revoke = !strcmp(sub, "revoke"),
	     list = !strcmp(sub, "list");
	if (!add && !revoke && !list) return cli_usage(cmd, "add, revoke or list?");
	if (add && parse_token_add(cmd, argc, argv, &login, &label)) return EXIT_USAGE;
	for (int i = 2; (revoke || list) && i < argc; i++) {
		if (!strcmp(argv[i], "--json")) continue;
		if (list || label || argv[i][0] == '-')
			return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
		label = argv[i];
	}
	if (revoke && !label) return cli_usage(cmd, "token revoke needs a LABEL");
	tb_db *db;
	int rc = open_db(cli, &db);
	if (rc) return rc;
	tb_err e = {0};
	if (add)
		rc = token_add(cli, db, login, label);
	else if (list)
		rc = token_list(cli, db);
	else if (tb_token_revoke(db, &cli->actor, label, &e))
		rc = cli_fail(cli, &e);
	else if (!cli->quiet && !cli->json)
		printf("revoked API token '%s'\n", label);
	else if (cli->json)
		cli_print_json(json_pack("{s:s,s:b}", "label", label, "revoked", 1));
	tb_db_close(db);
	return rc;
}
