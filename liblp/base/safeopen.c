/*
 * safeopen.c - opening what the user or a source tree names, safely.
 *
 * Two rules every reader of the library follows (SECURITY.md):
 *  - a file below a folder (a lesson, a media file, a file of a tree to
 *    pack) is opened relative to that folder's descriptor and no symbolic
 *    link is followed at any component, so nothing outside the folder is
 *    ever read through a link, whatever the path says;
 *  - an input is opened with O_NONBLOCK and checked to be a regular file
 *    before a byte is read: a FIFO or a device never blocks a tool.
 *
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) does the first in one
 * call where the kernel has it (Linux 5.6); elsewhere, or where a seccomp
 * filter hides it, a walk opens one component at a time with O_NOFOLLOW.
 */
#include "lpi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __linux__
#  include <sys/syscall.h>
#  if defined(SYS_openat2) && __has_include(<linux/openat2.h>)
#    include <linux/openat2.h>
#    define HAVE_OPENAT2 1
#  endif
#endif

/* A component is at most this long (NAME_MAX on every system we run) */
#define COMPONENT_MAX 255u

const char *lpi_file_type(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a folder";
    case S_IFIFO: return "a FIFO";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    case S_IFLNK: return "a symbolic link";
    default: return "not a regular file";
    }
}

/* The walk: one component at a time, none a link, no "..".  On ELOOP,
 * *link (if given) is the length of the prefix of rel that ends with the
 * component that is a link. */
static int walk_beneath(int dirfd, const char *rel, int flags, size_t *link)
{
    char comp[COMPONENT_MAX + 1];
    const char *s = rel;
    int cur = dirfd, fd;

    for (;;) {
        const char *e;
        size_t len;
        bool last;

        while (*s == '/')
            s++;
        e = strchr(s, '/');
        len = e ? (size_t)(e - s) : strlen(s);
        /* the last component: nothing but slashes after it */
        last = !e || e[strspn(e, "/")] == '\0';
        if (len == 0) {
            /* "" or only slashes: the folder itself */
            fd = openat(cur, ".", flags | O_NOFOLLOW);
            break;
        }
        if (len > COMPONENT_MAX) {
            fd = -1;
            errno = ENAMETOOLONG;
            break;
        }
        memcpy(comp, s, len);
        comp[len] = '\0';
        if (strcmp(comp, "..") == 0) {
            fd = -1;
            errno = EXDEV;
            break;
        }
        if (strcmp(comp, ".") == 0 && !last) {
            s += len;
            continue;
        }
        if (last) {
            fd = openat(cur, comp, flags | O_NOFOLLOW);
        } else {
            fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                   O_CLOEXEC | O_NOCTTY);
        }
        if (fd < 0 && (errno == ELOOP || errno == ENOTDIR ||
                       errno == EMLINK)) {
            struct stat st;
            int saved = errno;

            /* which it was: a link (named to the caller), or a file */
            if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISLNK(st.st_mode)) {
                if (link)
                    *link = (size_t)(s - rel) + len;
                saved = ELOOP;
            }
            errno = saved;
        }
        if (fd < 0 || last)
            break;
        if (cur != dirfd)
            close(cur);
        cur = fd;
        s += len;
    }
    if (cur != dirfd) {
        int saved = errno;
        close(cur);
        errno = saved;
    }
    return fd;
}

#ifdef HAVE_OPENAT2
/* Set once openat2() failed as a kernel without it does */
static atomic_bool no_openat2;
#endif

/* Whether rel has a ".." component */
static bool has_dotdot(const char *rel)
{
    for (const char *s = rel; (s = strstr(s, "..")) != NULL; s += 2)
        if ((s == rel || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
            return true;
    return false;
}

int lpi_openat_beneath(int dirfd, const char *rel, int flags, size_t *link)
{
    flags |= O_CLOEXEC | O_NOCTTY;
    if (link)
        *link = 0;
    /* refused the same way with or without openat2, which would accept a
     * ".." that stays inside */
    if (rel[0] == '/' || has_dotdot(rel)) {
        errno = EXDEV;
        return -1;
    }
#ifdef HAVE_OPENAT2
    /* LP_TEST_NO_OPENAT2: the tests run the walk on kernels that have it */
    if (!atomic_load(&no_openat2) && !getenv("LP_TEST_NO_OPENAT2")) {
        struct open_how how;
        long fd;

        memset(&how, 0, sizeof(how));
        how.flags = (uint64_t)(unsigned)flags;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                      RESOLVE_NO_MAGICLINKS;
        do
            fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
        while (fd < 0 && errno == EINTR);
        if (fd >= 0)
            return (int)fd;
        /* the kernel lacks it, or a seccomp filter hides it */
        if (errno == ENOSYS || errno == EPERM || errno == E2BIG) {
            atomic_store(&no_openat2, true);
        } else if (errno != ELOOP && errno != ENOTDIR) {
            return -1;
        }
        /* a link: the walk finds which component it is */
    }
#endif
    return walk_beneath(dirfd, rel, flags, link);
}

int lpi_open_regular(int dirfd, const char *path, unsigned how,
                     struct stat *st, size_t *link)
{
    int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    int fd, fl;

    if (link)
        *link = 0;
    if (how == LPI_OPEN_BENEATH) {
        fd = lpi_openat_beneath(dirfd, path, flags, link);
    } else {
        do
            fd = openat(dirfd, path, flags | (how == LPI_OPEN_NOFOLLOW ?
                                              O_NOFOLLOW : 0));
        while (fd < 0 && errno == EINTR);
        if (fd < 0 && errno == ELOOP && how == LPI_OPEN_NOFOLLOW) {
            st->st_mode = S_IFLNK;
            return LPI_OPEN_NOTREG;
        }
    }
    if (fd < 0)
        return LPI_OPEN_ERRNO;
    if (fstat(fd, st) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return LPI_OPEN_ERRNO;
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        return LPI_OPEN_NOTREG;
    }
    /* reads of a regular file never block; later ones wait for the disk */
    fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return LPI_OPEN_ERRNO;
    }
    return fd;
}

int lpi_open_input(lp_ctx *ctx, int dirfd, const char *path,
                   const char *shown, unsigned how, struct stat *st)
{
    struct stat sb;
    size_t link = 0;
    int fd;

    if (!st)
        st = &sb;
    if (!shown)
        shown = path;
    fd = lpi_open_regular(dirfd, path, how, st, &link);
    if (fd >= 0)
        return fd;
    if (fd == LPI_OPEN_NOTREG)
        return lpi_error(ctx, LP_EIO,
                         "cannot open '%s': it is %s, not a regular file",
                         shown, lpi_file_type(st->st_mode));
    if (errno == ELOOP && link > 0)
        return lpi_error(ctx, LP_EUNSAFE, "cannot open '%s': '%.*s' is a "
                         "symbolic link", shown, (int)link, path);
    if (errno == EXDEV)
        return lpi_error(ctx, LP_EUNSAFE, "cannot open '%s': the path "
                         "leaves its folder", shown);
    return lpi_error(ctx, LP_EIO, "cannot open '%s': %s", shown,
                     strerror(errno));
}
