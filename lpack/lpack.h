/*
 * lpack.h - the lpack commands
 *
 * main.c dispatches "lpack VERB ARGS..." to cmd_VERB(argc - 1, argv + 1):
 * argv[0] is the verb.  Each command parses its own options, prints its
 * own messages (cli_error) and returns an exit status from common/exit.h.
 */
#ifndef LPACK_LPACK_H
#define LPACK_LPACK_H

/** A command: takes its arguments, verb first; returns an exit status. */
typedef int (*lpack_cmd_fn)(int argc, char **argv);

/** One row of the command table in main.c. */
typedef struct lpack_cmd {
    const char *name;    /**< the verb, e.g. "verify" */
    lpack_cmd_fn fn;     /**< its implementation */
    const char *summary; /**< one line for 'lpack --help' */
} lpack_cmd;

int cmd_create(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_sign_manifest(int argc, char **argv);
int cmd_attach(int argc, char **argv);

#endif /* LPACK_LPACK_H */
