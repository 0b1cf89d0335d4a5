/*
 * cli.c - helpers shared by the lp command-line tools (see cli.h)
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/exit.h"

/* ---------------------------------------------------------------- names */

static const char *program = "lp";
static const char *command;
static char prefix[64];

static void update_prefix(void)
{
    if (command != NULL)
        snprintf(prefix, sizeof prefix, "%s %s", program, command);
    else
        snprintf(prefix, sizeof prefix, "%s", program);
}

void cli_set_program(const char *name)
{
    program = name;
    update_prefix();
}

void cli_set_command(const char *name)
{
    command = name;
    update_prefix();
}

const char *cli_prefix(void)
{
    if (prefix[0] == '\0')
        update_prefix();
    return prefix;
}

const char *cli_program(void)
{
    return program;
}

/* ------------------------------------------------------------- messages */

void cli_error(const char *fmt, ...)
{
    char small[1024], *msg = small;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof small && (msg = malloc((size_t)n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    fprintf(stderr, "%s: ", cli_prefix());
    /* names in it (paths, holders, library messages quoting them) may
     * hold characters that would disguise them */
    cli_put_text(stderr, msg != NULL ? msg : small);
    fputc('\n', stderr);
    if (msg != small)
        free(msg);
}

const char *cli_lp_msg(const lp_ctx *ctx, int lp_code)
{
    const char *msg = ctx != NULL ? lp_ctx_errmsg(ctx) : "";

    return msg[0] != '\0' ? msg : lp_strerror(lp_code);
}

int cli_bad_usage(const char *synopsis)
{
    fprintf(stderr, "usage: %s\n", synopsis);
    fprintf(stderr, "try '%s --help'\n", cli_prefix());
    return LP_EXIT_USAGE;
}

int cli_operands(int argc, char **argv, const char *const *names,
                 const char *synopsis)
{
    int want = 0;

    while (names[want] != NULL)
        want++;
    if (argc - optind < want) {
        cli_error("missing %s operand", names[argc - optind]);
        return cli_bad_usage(synopsis);
    }
    if (argc - optind > want) {
        cli_error("extra operand '%s'", argv[optind + want]);
        return cli_bad_usage(synopsis);
    }
    return LP_EXIT_OK;
}

int cli_finish_stdout(int status)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return status;
    /* The error may come from an earlier fwrite, errno long gone. */
    if (errno != 0)
        cli_error("cannot write to standard output: %s", strerror(errno));
    else
        cli_error("cannot write to standard output");
    return LP_EXIT_IO;
}

int cli_package_open(lp_ctx **ctx, lp_package **pkg, const char *path)
{
    int rc;

    *pkg = NULL;
    rc = lp_ctx_new(ctx, NULL);
    if (rc < 0) {
        *ctx = NULL;
        cli_error("cannot start liblp: %s", lp_strerror(rc));
        return LP_EXIT_IO;
    }
    rc = lp_package_open(pkg, *ctx, path);
    if (rc < 0) {
        /* liblp's message names the file and says what is wrong */
        cli_error("%s", cli_lp_msg(*ctx, rc));
        lp_ctx_free(*ctx);
        *ctx = NULL;
        *pkg = NULL;
        return cli_exit_code(rc);
    }
    return LP_EXIT_OK;
}

/* ---------------------------------------------------------- exit status */

int cli_open_regular(const char *path, const char **why)
{
    struct stat st;
    int fd, fl;

    do
        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        *why = strerror(errno);
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        *why = strerror(errno);
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = S_ISDIR(st.st_mode) ? "it is a folder, not a regular file" :
               S_ISFIFO(st.st_mode) ? "it is a FIFO, not a regular file" :
               S_ISCHR(st.st_mode) ? "it is a character device, not a "
                                     "regular file" :
               S_ISBLK(st.st_mode) ? "it is a block device, not a regular "
                                     "file" :
               S_ISSOCK(st.st_mode) ? "it is a socket, not a regular file" :
               "not a regular file";
        close(fd);
        return -1;
    }
    /* reads of a regular file never block */
    fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        *why = strerror(errno);
        close(fd);
        return -1;
    }
    return fd;
}

int cli_exit_code(int lp_code)
{
    switch (lp_code) {
    case LP_OK:
        return LP_EXIT_OK;
    case LP_EFORMAT:
    case LP_EVERSION:
    case LP_EHASH:
    case LP_EUNSAFE:
    case LP_ETOOBIG:
    case LP_ENOTFOUND:
    case LP_EBADSIG:
    case LP_EUNTRUSTED:
    case LP_ESOURCE:
    case LP_EBASE:
    case LP_EPASSPHRASE:    /* a refusal, like a bad signature */
        return LP_EXIT_INVALID;
    case LP_EINVAL:
        return LP_EXIT_USAGE;
    default: /* LP_EIO, LP_ENOMEM, LP_EEXIST, LP_ECHANGED, LP_EINTERNAL */
        return LP_EXIT_IO;
    }
}

const char *cli_code_name(int lp_code)
{
    switch (lp_code) {
    case LP_OK: return "LP_OK";
    case LP_ENOMEM: return "LP_ENOMEM";
    case LP_EINVAL: return "LP_EINVAL";
    case LP_EIO: return "LP_EIO";
    case LP_EFORMAT: return "LP_EFORMAT";
    case LP_EVERSION: return "LP_EVERSION";
    case LP_ENOTFOUND: return "LP_ENOTFOUND";
    case LP_ETOOBIG: return "LP_ETOOBIG";
    case LP_EHASH: return "LP_EHASH";
    case LP_EUNSAFE: return "LP_EUNSAFE";
    case LP_EEXIST: return "LP_EEXIST";
    case LP_ECHANGED: return "LP_ECHANGED";
    case LP_EINTERNAL: return "LP_EINTERNAL";
    case LP_EBADSIG: return "LP_EBADSIG";
    case LP_EPASSPHRASE: return "LP_EPASSPHRASE";
    case LP_EUNTRUSTED: return "LP_EUNTRUSTED";
    case LP_ESOURCE: return "LP_ESOURCE";
    case LP_EBASE: return "LP_EBASE";
    case LP_ECANCELED: return "LP_ECANCELED";
    default: return "LP_EUNKNOWN";
    }
}

/* -------------------------------------------------------------- options */

#define SEEN_MAX 512

/* "--name" for an option value, or "-c" when it has no long form. */
static void option_name(char *buf, size_t cap, int val,
                        const struct option *longopts)
{
    for (const struct option *o = longopts; o && o->name; o++) {
        if (o->flag == NULL && o->val == val) {
            snprintf(buf, cap, "--%s", o->name);
            return;
        }
    }
    snprintf(buf, cap, "-%c", val);
}

/* The option as typed in arg ("--name=value" gives "--name"). */
static void typed_long_name(char *buf, size_t cap, const char *arg)
{
    size_t n = strcspn(arg, "=");

    if (n > 64)
        n = 64; /* enough to recognise it; the rest is noise */
    snprintf(buf, cap, "%.*s", (int)n, arg);
}

/* How many long options start with the name in arg ("--le" or "--le=3"). */
static int long_matches(const char *arg, const struct option *longopts)
{
    size_t n = strcspn(arg + 2, "=");
    int count = 0;

    for (const struct option *o = longopts; o && o->name; o++) {
        if (strncmp(o->name, arg + 2, n) == 0)
            count++;
    }
    return count;
}

static int is_long(const char *arg)
{
    return arg != NULL && arg[0] == '-' && arg[1] == '-' && arg[2] != '\0';
}

int cli_getopt(int argc, char **argv, const char *optstring,
               const struct option *longopts, cli_seen *seen)
{
    char spec[128];
    char name[80];
    const char *arg;
    int longindex = -1;
    int c;

    /* A leading ':' makes getopt_long() return ':' for a missing value. */
    if (snprintf(spec, sizeof spec, ":%s", optstring) >= (int)sizeof spec)
        abort(); /* a programming error: optstring is a literal */
    opterr = 0;
    c = getopt_long(argc, argv, spec, longopts, &longindex);
    if (c == -1)
        return -1;

    /*
     * After an error, argv[optind - 1] is the offending long option (a long
     * option fills a whole argument) or the short-option cluster read last.
     * optopt is 0 for an unknown long option, the character for an unknown
     * short one, and the option's value for a known one used wrongly.
     */
    arg = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
    if (c == ':') {
        /* A value can only be missing at the end, so arg is the option. */
        if (is_long(arg))
            option_name(name, sizeof name, optopt, longopts);
        else
            snprintf(name, sizeof name, "-%c", optopt);
        cli_error("option '%s' requires a value", name);
        return '?';
    }
    if (c == '?') {
        if (optopt != 0 && optopt < 256 &&
            (optopt == ':' || strchr(optstring, optopt) == NULL)) {
            if (optopt >= 0x20 && optopt < 0x7f)
                cli_error("unknown option '-%c'", optopt);
            else
                cli_error("unknown option");
        } else if (optopt != 0) {
            option_name(name, sizeof name, optopt, longopts);
            cli_error("option '%s' does not take a value", name);
        } else if (!is_long(arg)) {
            cli_error("unknown option"); /* not expected from glibc */
        } else {
            typed_long_name(name, sizeof name, arg);
            if (long_matches(arg, longopts) > 1)
                cli_error("option '%s' is ambiguous", name);
            else
                cli_error("unknown option '%s'", name);
        }
        return '?';
    }

    if (seen != NULL && c >= 0 && c < SEEN_MAX) {
        uint64_t bit = UINT64_C(1) << (c % 64);

        if (seen->bits[c / 64] & bit) {
            /* Name it as typed this time: "-q" or "--quiet". */
            if (longindex >= 0)
                snprintf(name, sizeof name, "--%s", longopts[longindex].name);
            else
                snprintf(name, sizeof name, "-%c", c);
            cli_error("option '%s' given twice", name);
            return '?';
        }
        seen->bits[c / 64] |= bit;
    }
    return c;
}

int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (s == NULL || *s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        unsigned d;

        if (*s < '0' || *s > '9')
            return -1;
        d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_opt_jpeg(const char *arg, int *out)
{
    if (strcmp(arg, "keep") == 0) {
        *out = LP_JPEG_KEEP;
        return 0;
    }
    if (strcmp(arg, "jxl") == 0) {
        if (!lp_have_jxl()) {
            cli_error("'--jpeg=jxl': this program was built without libjxl");
            return -1;
        }
        *out = LP_JPEG_JXL;
        return 0;
    }
    cli_error("invalid value '%s' for '--jpeg': expected keep or jxl", arg);
    return -1;
}

int cli_opt_u64(const char *optname, const char *arg, uint64_t min,
                uint64_t max, uint64_t *out)
{
    if (cli_parse_u64(arg, min, max, out) == 0)
        return 0;
    cli_error("invalid value '%s' for '%s': expected a number from %ju to %ju",
              arg, optname, (uintmax_t)min, (uintmax_t)max);
    return -1;
}

int cli_opt_size(const char *optname, const char *arg, uint64_t min,
                 uint64_t max, uint64_t *out)
{
    static const struct { const char *suffix; unsigned shift; } units[] = {
        { "", 0 }, { "K", 10 }, { "KiB", 10 }, { "M", 20 }, { "MiB", 20 },
        { "G", 30 }, { "GiB", 30 },
    };
    size_t digits = strspn(arg, "0123456789");
    char num[24];
    uint64_t v;

    for (size_t i = 0; digits > 0 && digits < sizeof(num) &&
         i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(arg + digits, units[i].suffix) != 0)
            continue;
        memcpy(num, arg, digits);
        num[digits] = '\0';
        if (cli_parse_u64(num, 0, UINT64_MAX >> units[i].shift, &v) == 0 &&
            (v << units[i].shift) >= min && (v << units[i].shift) <= max) {
            *out = v << units[i].shift;
            return 0;
        }
        break;
    }
    cli_error("invalid value '%s' for '%s': expected a size from %ju to %ju "
              "bytes (suffixes K, M, G)", arg, optname, (uintmax_t)min,
              (uintmax_t)max);
    return -1;
}

/* ----------------------------------------------------------- formatting */

/* Length of the valid, shortest-form UTF-8 sequence at s, or 0. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned char lo = 0x80, hi = 0xbf;
    size_t len;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        if (s[0] == 0xe0)
            lo = 0xa0; /* overlong */
        else if (s[0] == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        if (s[0] == 0xf0)
            lo = 0x90; /* overlong */
        else if (s[0] == 0xf4)
            hi = 0x8f; /* past U+10FFFF */
    } else {
        return 0;
    }
    if (s[1] < lo || s[1] > hi)
        return 0;
    /* Each test fails on the NUL, so we never read past the string. */
    for (size_t i = 2; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    }
    return len;
}

void cli_json_str(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    if (str == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    while (*s != '\0') {
        size_t len = utf8_seq(s);

        if (len == 0) {
            fputs("\\ufffd", f);
            s++;
        } else if (*s == '"' || *s == '\\') {
            fputc('\\', f);
            fputc(*s, f);
            s++;
        } else if (*s < 0x20 || *s == 0x7f) {
            fprintf(f, "\\u%04x", *s);
            s++;
        } else {
            fwrite(s, 1, len, f);
            s += len;
        }
    }
    fputc('"', f);
}

/* Characters that show as nothing, or reorder what follows: a name holding
 * them can pass on screen for another (bidirectional controls such as
 * U+202E, zero-width characters, C0 and C1 controls, tags...) */
static bool invisible(uint32_t cp)
{
    static const struct { uint32_t lo, hi; } ranges[] = {
        { 0x0000, 0x001f }, { 0x007f, 0x009f }, { 0x00ad, 0x00ad },
        { 0x034f, 0x034f }, { 0x061c, 0x061c }, { 0x115f, 0x1160 },
        { 0x17b4, 0x17b5 }, { 0x180b, 0x180f }, { 0x200b, 0x200f },
        { 0x2028, 0x202e }, { 0x2060, 0x206f }, { 0x3164, 0x3164 },
        { 0xfeff, 0xfeff }, { 0xffa0, 0xffa0 }, { 0xfff9, 0xfffb },
        { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0000, 0xe007f },
    };

    for (size_t i = 0; i < sizeof(ranges) / sizeof(*ranges); i++)
        if (cp >= ranges[i].lo && cp <= ranges[i].hi)
            return true;
    return false;
}

/* s as cli_put_text() writes it, into *buf (grown as needed) */
static int escape_text(char **buf, size_t *cap, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = 0;

    for (;;) {
        char one[16];
        size_t len = utf8_seq(s), k;
        uint32_t cp = s[0];

        if (len > 1) {
            cp = s[0] & (0xff >> (len + 1));
            for (k = 1; k < len; k++)
                cp = cp << 6 | (s[k] & 0x3f);
        }
        if (*s == '\0') {
            k = 0;
        } else if (len == 0) {
            k = (size_t)snprintf(one, sizeof one, "\\x{%02X}", s[0]);
            len = 1;
        } else if (*s == '\\') {
            k = (size_t)snprintf(one, sizeof one, "\\\\");
        } else if (invisible(cp)) {
            k = (size_t)snprintf(one, sizeof one, "\\u{%04X}", (unsigned)cp);
        } else {
            k = len;
            memcpy(one, s, len);
        }
        if (n + k + 1 > *cap) {
            size_t want = (n + k + 1) * 2;
            char *nb = realloc(*buf, want);

            if (nb == NULL)
                return -1;
            *buf = nb;
            *cap = want;
        }
        memcpy(*buf + n, one, k);
        n += k;
        if (*s == '\0')
            break;
        s += len;
    }
    (*buf)[n] = '\0';
    return 0;
}

void cli_put_text(FILE *f, const char *s)
{
    char *buf = NULL;
    size_t cap = 0;

    if (escape_text(&buf, &cap, s ? s : "") == 0)
        fputs(buf, f);
    else
        fputs("(out of memory)", f);
    free(buf);
}

const char *cli_text(const char *s)
{
    /* a few at once, for one printf */
    static char *ring[8];
    static size_t caps[8];
    static unsigned next;
    unsigned i = next++ % 8;

    if (s == NULL)
        return NULL;
    if (escape_text(&ring[i], &caps[i], s) < 0)
        return "(out of memory)";
    return ring[i];
}

void cli_format_size(char *buf, uint64_t bytes)
{
    static const char *const units[] = {
        "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
    };
    double v = (double)bytes;
    size_t u = 0;

    if (bytes < 1024) {
        snprintf(buf, CLI_SIZE_BYTES, "%u B", (unsigned)bytes);
        return;
    }
    v /= 1024.0;
    /* Move up while one decimal would round to 1024.0. */
    while (v >= 1023.95 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, CLI_SIZE_BYTES, "%.1f %s", v, units[u]);
}

int cli_format_time(char *buf, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
        tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
        snprintf(buf, CLI_TIME_BYTES, "?");
        return -1;
    }
    snprintf(buf, CLI_TIME_BYTES, "%04d-%02d-%02dT%02d:%02d:%02dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    return 0;
}
