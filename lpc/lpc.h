/*
 * lpc.h - the lpc commands
 *
 * main.c dispatches "lpc VERB ARGS..." to cmd_VERB(argc - 1, argv + 1):
 * argv[0] is the verb.  Each command parses its own options, prints its
 * own messages (cli_error) and returns an exit status from common/exit.h.
 */
#ifndef LPC_LPC_H
#define LPC_LPC_H

/** A command: takes its arguments, verb first; returns an exit status. */
typedef int (*lpc_cmd_fn)(int argc, char **argv);

/** One row of the command table in main.c. */
typedef struct lpc_cmd {
    const char *name;    /**< the verb, e.g. "check" */
    lpc_cmd_fn fn;       /**< its implementation */
    const char *summary; /**< one line for 'lpc --help' */
} lpc_cmd;

int cmd_check(int argc, char **argv);

#endif /* LPC_LPC_H */
