/*
 * atomic.c - replacing a file so that readers see the old one or the new
 * one, never a part: write a temporary file next to it, flush it to disk,
 * rename it over the old one, flush the folder.  Packages, keys,
 * signatures, trust and state files all go through here.
 */
#include "lpi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lpi_write_full(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;

    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int lpi_temp_create(lp_ctx *ctx, const char *dest, unsigned mode,
                    lpi_buf *name, int *out)
{
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        unsigned char r[6];
        char hex[13];
        int fd, rc;

        randombytes_buf(r, sizeof(r));
        sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
        name->len = 0;
        rc = lpi_buf_printf(name, ctx, "%s.tmp-%s", dest, hex);
        if (rc < 0)
            return rc;
        fd = open(name->data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  (mode_t)mode);
        if (fd >= 0) {
            *out = fd;
            return 0;
        }
        if (errno != EEXIST)
            return lpi_error(ctx, LP_EIO, "cannot create '%s': %s",
                             name->data, strerror(errno));
    }
    return lpi_error(ctx, LP_EIO, "no free temporary name next to '%s'",
                     dest);
}

int lpi_sync_dir_of(lp_ctx *ctx, const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int fd, rc = 0;

    if (!slash)
        dir = lpi_strdup(ctx, ".");
    else if (slash == path)
        dir = lpi_strdup(ctx, "/");
    else {
        dir = lpi_malloc(ctx, (size_t)(slash - path) + 1);
        if (dir) {
            memcpy(dir, path, (size_t)(slash - path));
            dir[slash - path] = '\0';
        }
    }
    if (!dir)
        return LP_ENOMEM;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0)
        rc = lpi_error(ctx, LP_EIO, "cannot sync '%s': %s", dir,
                       strerror(errno));
    if (fd >= 0)
        close(fd);
    lpi_free(ctx, dir);
    return rc;
}

int lpi_atomic_finish(lp_ctx *ctx, int fd, const char *tmp, int rc)
{
    if (rc == 0 && fsync(fd) < 0)
        rc = lpi_error(ctx, LP_EIO, "cannot sync '%s': %s", tmp,
                       strerror(errno));
    if (close(fd) < 0 && rc == 0)
        rc = lpi_error(ctx, LP_EIO, "cannot write '%s': %s", tmp,
                       strerror(errno));
    return rc;
}

int lpi_atomic_install(lp_ctx *ctx, const char *tmp, const char *dest,
                       int rc)
{
    if (rc == 0 && rename(tmp, dest) < 0)
        rc = lpi_error(ctx, LP_EIO, "cannot rename '%s' to '%s': %s", tmp,
                       dest, strerror(errno));
    if (rc < 0) {
        unlink(tmp);
        return rc;
    }
    return lpi_sync_dir_of(ctx, dest);
}

int lpi_write_file_atomic(lp_ctx *ctx, const char *path, const void *data,
                          size_t len, unsigned mode, bool replace)
{
    lpi_buf tmp;
    const unsigned char *p = data;
    int fd = -1, rc = 0;

    lpi_buf_init(&tmp, SIZE_MAX / 2);
    if (!replace && access(path, F_OK) == 0)
        return lpi_error(ctx, LP_EEXIST, "'%s' exists", path);
    rc = lpi_temp_create(ctx, path, mode, &tmp, &fd);
    if (rc < 0)
        goto done;
    if (lpi_write_full(fd, p, len) < 0)
        rc = lpi_error(ctx, LP_EIO, "cannot write '%s': %s", tmp.data,
                       strerror(errno));
    rc = lpi_atomic_finish(ctx, fd, tmp.data, rc);
    if (replace) {
        rc = lpi_atomic_install(ctx, tmp.data, path, rc);
        goto done;
    }
    /* without replace: link(2) never overwrites, so a file that appeared
     * meanwhile is not lost */
    if (rc == 0 && link(tmp.data, path) < 0)
        rc = lpi_error(ctx, errno == EEXIST ? LP_EEXIST : LP_EIO,
                       "cannot create '%s': %s", path, strerror(errno));
    unlink(tmp.data);
    if (rc == 0)
        rc = lpi_sync_dir_of(ctx, path);
done:
    lpi_buf_dispose(&tmp, ctx);
    return rc;
}

/* O_TMPFILE in dest's folder: the file never has a name, so not even a
 * kill -9 can leave it behind.  *out is -1 (and the result 0) where the
 * kernel or the file system lacks it. */
static int spool_unnamed(lp_ctx *ctx, const char *dest, int *out)
{
#ifdef O_TMPFILE
    const char *slash = strrchr(dest, '/');
    lpi_buf dir;
    int rc;

    lpi_buf_init(&dir, SIZE_MAX / 2);
    if (!slash)
        rc = lpi_buf_printf(&dir, ctx, ".");
    else
        rc = lpi_buf_printf(&dir, ctx, "%.*s", (int)(slash == dest ? 1 :
                            slash - dest), dest);
    if (rc == 0)
        *out = open(dir.data, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    lpi_buf_dispose(&dir, ctx);
    return rc;
#else
    (void)ctx, (void)dest;
    *out = -1;
    return 0;
#endif
}

int lpi_spool_open(lp_ctx *ctx, const char *dest, int *out)
{
    lpi_buf name;
    int fd = -1, rc;

    rc = spool_unnamed(ctx, dest, &fd);
    if (rc < 0 || fd >= 0) {
        if (rc == 0)
            *out = fd;
        return rc;
    }
    /* else a named file, unlinked at once; what a kill in between leaves,
     * dest.spool-XXXXXX, is removed by the next update */
    lpi_buf_init(&name, SIZE_MAX / 2);
    rc = lpi_buf_printf(&name, ctx, "%s.spool-XXXXXX", dest);
    if (rc < 0)
        return rc;
    fd = mkostemp(name.data, O_CLOEXEC);
    if (fd < 0) {
        rc = lpi_error(ctx, LP_EIO, "cannot create a temporary file next to "
                       "'%s': %s", dest, strerror(errno));
    } else {
        unlink(name.data);
        *out = fd;
    }
    lpi_buf_dispose(&name, ctx);
    return rc;
}
