/*
 * exit.h - exit statuses shared by the lp tools (lpack, lpc)
 *
 * Documented in each tool's man page, section EXIT STATUS.  Map a liblp
 * error code to one of these with cli_exit_code() (common/cli.h).
 */
#ifndef LP_COMMON_EXIT_H
#define LP_COMMON_EXIT_H

/** Success. */
#define LP_EXIT_OK 0
/** A negative verdict: the package or source is invalid or fails checks. */
#define LP_EXIT_INVALID 1
/** The command line is wrong: unknown option, bad value, missing operand. */
#define LP_EXIT_USAGE 2
/** Could not read or write, out of memory, or an internal error. */
#define LP_EXIT_IO 3

#endif /* LP_COMMON_EXIT_H */
