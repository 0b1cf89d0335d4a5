/*
 * cli.h - helpers shared by the lp command-line tools
 *
 * Not part of liblp and with no ABI promise: these are for lpack and lpc
 * only.  They use liblp through <lp.h> alone.
 *
 * Messages: cli_error() prefixes every message with the program name and,
 * once a command is chosen, the command ("lpack verify: ...").  Messages
 * start lowercase, have no final period and quote names with single quotes.
 *
 * Options: cli_getopt() wraps getopt_long() with our own error messages
 * and rejects an option given twice; on any error it has already printed
 * the message and returns '?', after which the caller prints its short
 * usage with cli_bad_usage() and returns its result (LP_EXIT_USAGE).
 */
#ifndef LP_COMMON_CLI_H
#define LP_COMMON_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <lp.h>

#if defined(__GNUC__)
#  define CLI_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#  define CLI_PRINTF(fmt, args)
#endif

/* ---------------------------------------------------------------- names */

/** Set the program name used in messages (e.g. "lpack").  Not copied. */
void cli_set_program(const char *name);

/**
 * Set the command being run (e.g. "verify"), or NULL for none.  Messages
 * then start "lpack verify: ".  Not copied.
 */
void cli_set_command(const char *name);

/** "lpack" or "lpack verify": the prefix messages use.  Static. */
const char *cli_prefix(void);

/** The program name alone, e.g. "lpack". */
const char *cli_program(void);

/* ------------------------------------------------------------- messages */

/** Print "PREFIX: MESSAGE\n" to stderr. */
void cli_error(const char *fmt, ...) CLI_PRINTF(1, 2);

/**
 * The best message for a failed liblp call: the context's message, or the
 * code's name when the context has none.  Borrowed.
 */
const char *cli_lp_msg(const lp_ctx *ctx, int lp_code);

/**
 * Print the short usage for bad usage to stderr -- "usage: SYNOPSIS" and
 * "try 'PREFIX --help'" -- and return LP_EXIT_USAGE.
 */
int cli_bad_usage(const char *synopsis);

/**
 * Check the operands left after the options (argv[optind..argc-1]): there
 * must be exactly one per name in the NULL-terminated names ("package",
 * "path").  On a missing or extra operand prints the problem and the short
 * usage and returns LP_EXIT_USAGE; else returns LP_EXIT_OK.
 */
int cli_operands(int argc, char **argv, const char *const *names,
                 const char *synopsis);

/**
 * Flush stdout and check it for write errors (closed pipe, full disk).
 * Reports one and returns LP_EXIT_IO; else returns status unchanged.
 * Call it last in every command that writes to stdout.
 */
int cli_finish_stdout(int status);

/**
 * Create a context and open the package at path.  A failure is reported as
 * "cannot open 'PATH': MESSAGE".
 *
 * @param[out] ctx  the context; free it with lp_ctx_free() after *pkg
 * @param[out] pkg  the package; free it with lp_package_free()
 * @return LP_EXIT_OK with both set, or the exit status for the failure
 *         (cli_exit_code()) with both NULL.
 */
int cli_package_open(lp_ctx **ctx, lp_package **pkg, const char *path);

/**
 * Open a file the user named for reading, only if it is a regular file,
 * without ever blocking on a FIFO or a device (the library's readers follow
 * the same rule, SECURITY.md).
 *
 * @param[out] why  on failure, what went wrong ("it is a FIFO, not a
 *                  regular file", or strerror()); static
 * @return the descriptor (close it), or -1.
 */
int cli_open_regular(const char *path, const char **why);

/* ---------------------------------------------------------- exit status */

/**
 * The exit status (common/exit.h) for a liblp return code: 0 for LP_OK;
 * LP_EXIT_INVALID for a bad package (LP_EFORMAT, LP_EVERSION, LP_EHASH,
 * LP_EUNSAFE, LP_ETOOBIG, LP_ENOTFOUND, LP_EBADSIG, LP_EUNTRUSTED);
 * LP_EXIT_USAGE for LP_EINVAL and LP_EPASSPHRASE (the library rejected a
 * value the user gave); LP_EXIT_IO for everything else
 * (LP_EIO, LP_ENOMEM, LP_EEXIST, LP_ECHANGED, LP_EINTERNAL, unknown codes).
 */
int cli_exit_code(int lp_code);

/** The symbolic name of a liblp code, e.g. "LP_EHASH".  Static, never NULL. */
const char *cli_code_name(int lp_code);

/* -------------------------------------------------------------- options */

/** Options seen so far, for cli_getopt().  Zero-initialise. */
typedef struct cli_seen {
    uint64_t bits[8]; /* one per option value 0..511 */
} cli_seen;

/**
 * getopt_long() with our messages.  Sets opterr to 0 and handles a leading
 * ':' in optstring itself (don't add one).  Option values for long-only
 * options must be below 512.
 *
 * @return the option, -1 at the end, or '?' after printing what was wrong:
 *         unknown option, missing or unexpected value, or an option given
 *         twice (tracked in *seen).
 */
int cli_getopt(int argc, char **argv, const char *optstring,
               const struct option *longopts, cli_seen *seen);

/**
 * Parse a decimal number strictly: digits only (no sign, space or suffix),
 * no overflow, within min..max.
 *
 * @return 0 and *out set, or -1 (*out untouched).
 */
int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/**
 * cli_parse_u64() for an option value, reporting a bad one as
 * "invalid value 'x' for '--level': expected a number from 1 to 19".
 *
 * @return 0 or -1.
 */
int cli_opt_u64(const char *optname, const char *arg, uint64_t min,
                uint64_t max, uint64_t *out);

/**
 * --jpeg=keep|jxl into *out (LP_JPEG_KEEP, LP_JPEG_JXL); jxl only when
 * liblp has libjxl (lp_have_jxl()).
 *
 * @return 0 or -1 (with a message naming the option).
 */
int cli_opt_jpeg(const char *arg, int *out);

/**
 * A size for an option: a number of bytes, or with a binary suffix K, M or
 * G (also KiB, MiB, GiB): "64M" is 67108864.  Reports a bad value like
 * cli_opt_u64().
 *
 * @return 0 or -1.
 */
int cli_opt_size(const char *optname, const char *arg, uint64_t min,
                 uint64_t max, uint64_t *out);

/* ----------------------------------------------------------- formatting */

/**
 * Write s as a JSON string, quotes included: '"' and '\\' escaped, control
 * characters as \u00XX, valid UTF-8 passed through, and each byte of
 * invalid UTF-8 replaced by \ufffd (so the output is always valid JSON).
 * NULL is written as null.
 * Write errors are left in ferror(f).
 */
void cli_json_str(FILE *f, const char *s);

/**
 * Write s for a person to read: characters that show as nothing or
 * reorder the text around them (C0 and C1 controls, bidirectional
 * controls such as U+202E and U+2066..U+2069, zero-width and other
 * invisible characters, tags) as \u{XXXX}, each byte of invalid UTF-8 as
 * \x{XX}, and '\\' as "\\\\", so a name cannot pass on screen for
 * another.  Every human-readable output of the tools writes names (paths,
 * ids, labels, trust holders, messages quoting them) through it or
 * cli_text(); JSON output keeps the exact strings (cli_json_str()).
 */
void cli_put_text(FILE *f, const char *s);

/**
 * s escaped as cli_put_text() writes it, for a printf argument.  The
 * string is the tool's, valid until eight more calls (so one printf may
 * use several); NULL for NULL.  Not thread-safe.
 */
const char *cli_text(const char *s);

/** Room for any cli_format_size() result, NUL included. */
#define CLI_SIZE_BYTES 16

/**
 * Human size with binary units: "0 B", "999 B", "1.5 KiB", "12.0 MiB",
 * "3.2 GiB" (one decimal from KiB on).  buf must hold CLI_SIZE_BYTES.
 */
void cli_format_size(char *buf, uint64_t bytes);

/** Room for a cli_format_time() result, NUL included. */
#define CLI_TIME_BYTES 32

/**
 * RFC 3339 UTC time, "YYYY-MM-DDTHH:MM:SSZ", of seconds since the epoch.
 * buf must hold CLI_TIME_BYTES.
 *
 * @return 0, or -1 if the time cannot be represented (buf then holds "?").
 */
int cli_format_time(char *buf, int64_t t);

/* ------------------------------------------------------------ dispatch */

/** A command: takes its arguments, verb first; returns an exit status. */
typedef struct cli_command {
    const char *name;                   /**< the verb, e.g. "verify" */
    int (*fn)(int argc, char **argv);   /**< its implementation */
    const char *summary;                /**< one line for --help */
} cli_command;

/** A tool: its name, what it does, its command table. */
typedef struct cli_tool {
    const char *name;                   /**< e.g. "lpack" */
    const char *about;                  /**< a paragraph for --help */
    const cli_command *commands;
    size_t ncommands;
} cli_tool;

/**
 * A tool's whole main(): checks the linked liblp is the one it was built
 * with, handles --help, --version and "help COMMAND", and runs
 * "TOOL VERB ARGS..." as the command's fn(argc - 1, argv + 1).
 */
int cli_dispatch(const cli_tool *tool, int argc, char **argv);

#endif /* LP_COMMON_CLI_H */
