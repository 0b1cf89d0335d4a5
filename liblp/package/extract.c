/*
 * extract.c - write a package's entries below a folder, safely.
 *
 * The manifest's paths were checked at open (no "..", no absolute paths),
 * but the folder we write into may already hold links, so every step is
 * taken relative to an open directory descriptor with O_NOFOLLOW, files are
 * created exclusively under a temporary name, and a file only gets its name
 * once its content has been verified.
 */
#include "lpi_package.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define EXTRACT_CHUNK (256u * 1024u)

/* Open (creating if needed) the folder holding path, below root */
static int open_parent(lp_ctx *ctx, int root, const char *path,
                       int *out, const char **base)
{
    char comp[LP_MAX_NAME_BYTES + 1];
    const char *p = path, *slash;
    int fd = dup(root);

    if (fd < 0)
        return lpi_error(ctx, LP_EIO, "dup: %s", strerror(errno));
    while ((slash = strchr(p, '/')) != NULL) {
        size_t n = (size_t)(slash - p);
        int next;

        memcpy(comp, p, n);
        comp[n] = '\0';
        if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
            int e = errno;
            close(fd);
            return lpi_error(ctx, LP_EIO, "cannot create folder for '%s': %s",
                             path, strerror(e));
        }
        next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                      O_CLOEXEC);
        if (next < 0) {
            int e = errno;
            close(fd);
            if (e == ELOOP || e == ENOTDIR)
                return lpi_error(ctx, LP_EUNSAFE, "cannot extract '%s': "
                                 "'%.*s' is a link or not a folder", path,
                                 (int)(slash - path), path);
            return lpi_error(ctx, LP_EIO, "cannot open folder for '%s': %s",
                             path, strerror(e));
        }
        close(fd);
        fd = next;
        p = slash + 1;
    }
    *out = fd;
    *base = p;
    return 0;
}

/* Give the temporary file its final name, refusing to replace anything */
static int place(int dfd, const char *tmp, const char *name)
{
#ifdef RENAME_NOREPLACE
    if (renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
#endif
    /* filesystems without renameat2 (FAT on a USB stick): check, rename */
    if (faccessat(dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
        errno = EEXIST;
        return -1;
    }
    return renameat(dfd, tmp, dfd, name);
}

static int extract_one(lp_package *p, int root, size_t i, unsigned char *buf)
{
    lp_ctx *ctx = p->ctx;
    const char *path = p->m.entries[i].path, *base = NULL;
    char tmp[64];
    lpi_objreader *r = NULL;
    int dfd = -1, fd = -1, rc;
    size_t n;

    rc = open_parent(ctx, root, path, &dfd, &base);
    if (rc < 0)
        return rc;
    if (faccessat(dfd, base, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
        close(dfd);
        return lpi_error(ctx, LP_EEXIST, "cannot extract '%s': it exists "
                         "already", path);
    }
    for (unsigned attempt = 0; fd < 0; attempt++) {
        snprintf(tmp, sizeof(tmp), ".lp-extract-%ld-%zu-%u",
                 (long)getpid(), i, attempt);
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                    O_CLOEXEC, 0644);
        if (fd < 0 && (errno != EEXIST || attempt > 100)) {
            rc = lpi_error(ctx, LP_EIO, "cannot create '%s': %s", path,
                           strerror(errno));
            close(dfd);
            return rc;
        }
    }
    rc = lpi_objreader_open(&r, ctx, p,
                            &p->objects[p->m.entries[i].object], path);
    while (rc == 0) {
        rc = lpi_objreader_read(r, buf, EXTRACT_CHUNK, &n);
        if (rc < 0 || n == 0)
            break;
        if (lpi_write_full(fd, buf, n) < 0)
            rc = lpi_error(ctx, LP_EIO, "cannot write '%s': %s", path,
                           strerror(errno));
    }
    lpi_objreader_free(r);
    if (close(fd) < 0 && rc == 0)
        rc = lpi_error(ctx, LP_EIO, "cannot write '%s': %s", path,
                       strerror(errno));
    if (rc == 0 && place(dfd, tmp, base) < 0)
        rc = lpi_error(ctx, errno == EEXIST ? LP_EEXIST : LP_EIO,
                       "cannot extract '%s': %s", path,
                       errno == EEXIST ? "it exists already" : strerror(errno));
    if (rc < 0)
        unlinkat(dfd, tmp, 0);
    close(dfd);
    return rc;
}

int lp_package_extract(lp_package *p, const char *dir)
{
    lp_ctx *ctx;
    unsigned char *buf;
    uint64_t need = 0;
    struct statvfs vfs;
    int root, rc = 0;

    LP_ASSERT_ARG(p && dir);
    ctx = p->ctx;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return lpi_error(ctx, LP_EIO, "cannot create '%s': %s", dir,
                         strerror(errno));
    root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return lpi_error(ctx, LP_EIO, "cannot open folder '%s': %s", dir,
                         strerror(errno));
    /* a tiny package can declare gigabytes of zeros: check room first */
    for (size_t i = 0; i < p->m.nentries; i++)
        need += p->m.entries[i].size;
    if (fstatvfs(root, &vfs) == 0 &&
        need > (uint64_t)vfs.f_bavail * vfs.f_frsize) {
        close(root);
        return lpi_error(ctx, LP_EIO, "not enough free space in '%s': the "
                         "package needs %llu bytes, %llu are free", dir,
                         (unsigned long long)need,
                         (unsigned long long)vfs.f_bavail * vfs.f_frsize);
    }
    buf = lpi_malloc(ctx, EXTRACT_CHUNK);
    if (!buf) {
        close(root);
        return LP_ENOMEM;
    }
    for (size_t i = 0; i < p->m.nentries && rc == 0; i++)
        rc = extract_one(p, root, i, buf);
    lpi_free(ctx, buf);
    close(root);
    return rc;
}
