/*
 * lpc.h - the lpc commands
 *
 * main.c's table, run by cli_dispatch() (common/dispatch.c), sends
 * "lpc VERB ARGS..." to cmd_VERB(argc - 1, argv + 1): argv[0] is the verb.
 * Each command parses its own options, prints its own messages
 * (cli_error) and returns an exit status from common/exit.h.
 */
#ifndef LPC_LPC_H
#define LPC_LPC_H

int cmd_check(int argc, char **argv);
int cmd_build(int argc, char **argv);
/* cmd_check.c: both commands (build != 0 for lpc build) */
int lpc_check_or_build(int argc, char **argv, int build);

#endif /* LPC_LPC_H */
