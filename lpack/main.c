/*
 * main.c - lpack: global options and dispatch to the commands
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"

static const lpack_cmd commands[] = {
    { "create", cmd_create, "package every file below a folder" },
    { "info", cmd_info, "show a package's identity and sizes" },
    { "ls", cmd_ls, "list the entries of a package" },
    { "cat", cmd_cat, "write one entry's content to standard output" },
    { "extract", cmd_extract, "extract every entry into a folder" },
    { "verify", cmd_verify, "check every object against the manifest" },
    { "keygen", cmd_keygen, "make a signing key pair" },
    { "sign", cmd_sign, "sign a package's manifest and add the signature" },
    { "manifest", cmd_manifest, "write a package's manifest, for signing" },
    { "sign-manifest", cmd_sign_manifest, "sign a manifest file" },
    { "attach", cmd_attach, "add a signature file to a package" },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char synopsis[] = "lpack COMMAND [ARGS...]";

static void usage(FILE *f)
{
    fputs("usage: lpack COMMAND [ARGS...]\n"
          "       lpack help COMMAND\n"
          "       lpack --help | --version\n"
          "\n"
          "Read, check and write lp curriculum packages (.lpk files).\n"
          "\n"
          "commands:\n", f);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "options:\n"
          "  -h, --help     show this help and exit\n"
          "      --version  show the versions of lpack and liblp and exit\n"
          "\n"
          "Run 'lpack help COMMAND' for the options of a command.\n", f);
}

static const lpack_cmd *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

static int unknown_command(const char *name)
{
    cli_error("unknown command '%s'", name);
    fprintf(stderr, "try '%s --help'\n", cli_program());
    return LP_EXIT_USAGE;
}

/* "lpack help [COMMAND]" */
static int help(int argc, char **argv)
{
    static char help_opt[] = "--help";
    const lpack_cmd *cmd;
    char *args[3];

    if (argc == 1) {
        usage(stdout);
        return cli_finish_stdout(LP_EXIT_OK);
    }
    if (argc > 2) {
        cli_error("extra operand '%s'", argv[2]);
        return cli_bad_usage("lpack help [COMMAND]");
    }
    cmd = find_command(argv[1]);
    if (cmd == NULL)
        return unknown_command(argv[1]);
    args[0] = argv[1];
    args[1] = help_opt;
    args[2] = NULL;
    cli_set_command(cmd->name);
    return cmd->fn(2, args);
}

int main(int argc, char **argv)
{
    const lpack_cmd *cmd;
    const char *verb;
    int version;

    cli_set_program("lpack");
    /* A different liblp may read or write packages differently. */
    if (lp_version_number() != LP_VERSION_NUMBER) {
        cli_error("built for liblp %s but running with liblp %s; "
                  "reinstall lpack", LP_VERSION_STRING, lp_version_string());
        return LP_EXIT_IO;
    }
    /* A closed pipe on stdout must be a write error (exit 3), not death. */
    signal(SIGPIPE, SIG_IGN);

    if (argc < 2) {
        cli_error("missing command");
        return cli_bad_usage(synopsis);
    }
    verb = argv[1];
    version = strcmp(verb, "--version") == 0;
    if (version || strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
        if (argc > 2) {
            cli_error("extra operand '%s'", argv[2]);
            return cli_bad_usage(synopsis);
        }
        if (version)
            printf("lpack %s (liblp %s)\n", PACKAGE_VERSION,
                   lp_version_string());
        else
            usage(stdout);
        return cli_finish_stdout(LP_EXIT_OK);
    }
    if (strcmp(verb, "help") == 0)
        return help(argc - 1, argv + 1);
    if (verb[0] == '-') {
        cli_error("unknown option '%s'", verb);
        return cli_bad_usage(synopsis);
    }
    cmd = find_command(verb);
    if (cmd == NULL)
        return unknown_command(verb);
    cli_set_command(cmd->name);
    return cmd->fn(argc - 1, argv + 1);
}
