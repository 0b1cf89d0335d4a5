/*
 * render_site.c - a package's curriculum as a static site (lpack html):
 * every page in every language, the media by content hash, the style
 * sheet and the script, built in a temporary folder beside the target and
 * renamed to it only when complete and flushed to disk.
 *
 * Everything is created below one directory descriptor of a folder this
 * function made itself (mode 0700 until it is done), with O_EXCL and
 * O_NOFOLLOW, so nothing already on disk is ever written through.
 */
#include "lpi_serve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SITE_CHUNK (64u * 1024u)

typedef struct site {
    lp_ctx *ctx;
    lp_package *pkg;
    const lp_catalog *cat;
    const lp_render_opts *opts;
    int root;                 /* the temporary folder */
    const char *shown;        /* its name, for messages */
    unsigned char *buf;       /* SITE_CHUNK bytes, for media */
} site;

typedef struct out_file {
    site *s;
    int fd;
    const char *name;
} out_file;

static int write_out(const void *data, size_t len, void *user)
{
    out_file *f = user;

    if (lpi_write_full(f->fd, data, len) < 0)
        return lpi_error(f->s->ctx, LP_EIO, "cannot write '%s/%s': %s",
                         f->s->shown, f->name, strerror(errno));
    return 0;
}

static int create(site *s, const char *name, out_file *f)
{
    f->s = s;
    f->name = name;
    f->fd = openat(s->root, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                   O_CLOEXEC, 0644);
    if (f->fd < 0)
        return lpi_error(s->ctx, errno == EEXIST ? LP_EEXIST : LP_EIO,
                         "cannot create '%s/%s': %s", s->shown, name,
                         strerror(errno));
    return 0;
}

/* close; the result of the writing, or of that.  The files are flushed
 * all at once before the site gets its name (lp_render_site()). */
static int finish(out_file *f, int rc)
{
    if (close(f->fd) < 0 && rc == 0)
        rc = lpi_error(f->s->ctx, LP_EIO, "cannot write '%s/%s': %s",
                       f->s->shown, f->name, strerror(errno));
    return rc;
}

static int put_file(site *s, const char *name, const void *data, size_t len)
{
    out_file f;
    int rc = create(s, name, &f);

    if (rc < 0)
        return rc;
    return finish(&f, write_out(data, len, &f));
}

/* The site-relative name of a link (the static URL from the home page) */
static int name_of(site *s, const lp_link *target, char *name, size_t size)
{
    lp_link l = *target;
    int n;

    l.from = LP_PAGE_HOME;
    l.from_lang = NULL;
    l.from_id = NULL;
    n = lp_render_static_url(name, size, &l, NULL);
    if (n <= 0)
        return lpi_error(s->ctx, n < 0 ? n : LP_EINVAL,
                         "'%s' in '%s' cannot be a file name of the site",
                         l.id ? l.id : l.path ? l.path : "",
                         l.lang ? l.lang : "");
    return 0;
}

/* One media entry, read and checked against the manifest as it is
 * copied; once per file name (the same content may have several paths,
 * and lessons share media) */
static int put_media(site *s, const char *path)
{
    lp_entry_info info;
    lp_entry *e = NULL;
    lp_link l = { 0 };
    char name[LP_MAX_URL_BYTES];
    out_file f;
    size_t idx, n;
    int rc;

    if (lp_package_find(s->pkg, path, &idx) < 0 ||
        lp_package_entry(s->pkg, idx, &info) < 0)
        return lpi_error(s->ctx, LP_EFORMAT, "the package has no '%s'",
                         path);
    l.to = LP_PAGE_MEDIA;
    l.path = path;
    l.hash = info.hash_hex;
    rc = name_of(s, &l, name, sizeof(name));
    if (rc < 0)
        return rc;
    if (faccessat(s->root, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return 0;
    rc = lp_entry_open(&e, s->pkg, idx);
    if (rc < 0)
        return rc;
    rc = create(s, name, &f);
    if (rc < 0) {
        lp_entry_free(e);
        return rc;
    }
    do {
        rc = lp_entry_read(e, s->buf, SITE_CHUNK, &n);
        if (rc == 0 && n > 0)
            rc = write_out(s->buf, n, &f);
    } while (rc == 0 && n > 0);
    lp_entry_free(e);
    rc = finish(&f, rc);
    /* a file whose content failed its check is not left in the site */
    if (rc < 0)
        unlinkat(s->root, name, 0);
    return rc;
}

static int page_lesson(site *s, const char *lang, const lp_catnode *node)
{
    lp_render_opts o = *s->opts;
    lp_lesson *ls = NULL;
    lp_link l = { 0 };
    char name[LP_MAX_URL_BYTES];
    int rc = lp_lesson_open(&ls, s->ctx, s->cat, lp_catnode_id(node), lang);

    o.url = NULL;
    o.answered = NULL;
    l.lang = lang;
    l.id = lp_catnode_id(node);
    for (int display = 0; display <= 1 && rc == 0; display++) {
        out_file f;

        o.display = display;
        l.to = display ? LP_PAGE_DISPLAY : LP_PAGE_LESSON;
        rc = name_of(s, &l, name, sizeof(name));
        if (rc == 0)
            rc = create(s, name, &f);
        if (rc == 0)
            rc = finish(&f, lp_render_lesson(s->ctx, s->cat, ls, &o,
                                             write_out, &f));
    }
    /* its media: the needed entries after the document */
    for (size_t i = 1; rc == 0 && i < lp_lesson_need_count(ls); i++)
        rc = put_media(s, lp_lesson_need_path(ls, i));
    lp_lesson_free(ls);
    return rc;
}

static int pages(site *s)
{
    lp_render_opts o = *s->opts;
    char name[LP_MAX_URL_BYTES];
    out_file f;
    size_t len;
    const char *css = lp_render_style(&len);
    int rc = put_file(s, "lp.css", css, len);

    o.url = NULL;
    if (rc == 0) {
        const char *js = lp_render_script(&len);
        rc = put_file(s, "lp.js", js, len);
    }
    if (rc == 0 && mkdirat(s->root, "media", 0755) < 0)
        rc = lpi_error(s->ctx, LP_EIO, "cannot create '%s/media': %s",
                       s->shown, strerror(errno));
    if (rc == 0)
        rc = create(s, "index.html", &f);
    if (rc == 0)
        rc = finish(&f, lp_render_home(s->ctx, s->cat, &o, write_out, &f));
    for (size_t i = 0; i < lp_catalog_language_count(s->cat) && rc == 0;
         i++) {
        const char *lang = lp_catalog_language(s->cat, i);
        lp_link l = { 0 };

        l.to = LP_PAGE_CATALOG;
        l.lang = lang;
        rc = name_of(s, &l, name, sizeof(name));
        if (rc == 0 && mkdirat(s->root, lang, 0755) < 0)
            rc = lpi_error(s->ctx, LP_EIO, "cannot create '%s/%s': %s",
                           s->shown, lang, strerror(errno));
        if (rc == 0)
            rc = create(s, name, &f);
        if (rc == 0)
            rc = finish(&f, lp_render_catalog(s->ctx, s->cat, lang, &o,
                                              write_out, &f));
        for (size_t k = 0; k < lp_catalog_lesson_count(s->cat) && rc == 0;
             k++)
            rc = page_lesson(s, lang, lp_catalog_lesson(s->cat, k));
    }
    return rc;
}

/* Flush every file and folder of the site to disk: one syncfs(2) of the
 * file system where Linux has it (thousands of fsync(2) calls cost
 * seconds), else fsync(2) of each, and the folders' names */
static int sync_all(site *s, int fd)
{
    DIR *d;
    struct dirent *de;
    int rc = 0, dup_fd;

#ifdef __linux__
    if (fd == s->root) {
        if (syncfs(fd) == 0)
            return 0;
    }
#endif
    dup_fd = dup(fd);
    d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        if (dup_fd >= 0)
            close(dup_fd);
        return lpi_error(s->ctx, LP_EIO, "cannot flush '%s': %s", s->shown,
                         strerror(errno));
    }
    while (rc == 0 && (de = readdir(d)) != NULL) {
        int sub;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        sub = openat(fd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0 || fsync(sub) < 0)
            rc = lpi_error(s->ctx, LP_EIO, "cannot flush '%s/%s': %s",
                           s->shown, de->d_name, strerror(errno));
        else if (de->d_type == DT_DIR)
            rc = sync_all(s, sub);
        if (sub >= 0)
            close(sub);
    }
    closedir(d);
    if (rc == 0 && fsync(fd) < 0)
        rc = lpi_error(s->ctx, LP_EIO, "cannot flush '%s': %s", s->shown,
                       strerror(errno));
    return rc;
}

/* The folder that will hold dir, opened before anything is made, so that
 * nothing can fail for want of memory once the site has its name */
static int open_parent(lp_ctx *ctx, const char *dir, lpi_buf *b, int *out)
{
    const char *slash = strrchr(dir, '/');
    int rc;

    b->len = 0;
    if (!slash)
        rc = lpi_buf_add(b, ctx, ".", 2);
    else if (slash == dir)
        rc = lpi_buf_add(b, ctx, "/", 2);
    else if ((rc = lpi_buf_add(b, ctx, dir, (size_t)(slash - dir))) == 0)
        rc = lpi_buf_add(b, ctx, "", 1);
    if (rc < 0)
        return rc;
    *out = open(b->data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*out < 0)
        return lpi_error(ctx, LP_EIO, "cannot open the folder '%s' that is "
                         "to hold the site: %s", b->data, strerror(errno));
    return 0;
}

/* Remove what we made in the temporary folder: two levels of plain
 * files, nothing followed */
static void remove_tree(int root)
{
    int fd = dup(root);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (unlinkat(root, de->d_name, 0) == 0)
            continue;
        int sub = openat(root, de->d_name, O_RDONLY | O_DIRECTORY |
                         O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) {
            remove_tree(sub);
            close(sub);
        }
        unlinkat(root, de->d_name, AT_REMOVEDIR);
    }
    closedir(d);
}

int lp_render_site(lp_ctx *ctx, lp_package *pkg, const char *dir,
                   const lp_render_opts *opts)
{
    static const lp_render_opts defaults = LP_RENDER_OPTS_INIT;
    lp_catalog *cat = NULL;
    lpi_buf tmp, parent;
    site s = { 0 };
    struct stat st;
    int rc, pfd = -1;

    if (!ctx)
        return LP_EINVAL;
    LP_ASSERT_ARG(pkg && dir && *dir);
    if (!opts)
        opts = &defaults;
    if (opts->version != LP_RENDER_OPTS_VERSION || opts->url)
        return lpi_error(ctx, LP_EINVAL, "lp_render_site: unknown options "
                         "version, or a URL function (a site has its own)");
    if (lstat(dir, &st) == 0)
        return lpi_error(ctx, LP_EEXIST, "'%s' exists already: choose a new "
                         "folder, or remove it first", dir);
    lpi_buf_init(&tmp, 4096 + strlen(dir));
    lpi_buf_init(&parent, 4096 + strlen(dir));
    s.root = -1;
    rc = lp_catalog_open(&cat, ctx, pkg);
    if (rc == 0)
        rc = open_parent(ctx, dir, &parent, &pfd);
    if (rc == 0)
        rc = lpi_buf_printf(&tmp, ctx, "%s.tmp-XXXXXX", dir);
    if (rc < 0)
        goto done;
    s.buf = lpi_malloc(ctx, SITE_CHUNK);
    if (!s.buf) {
        rc = lpi_nomem(ctx);
        goto done;
    }
    if (!mkdtemp(tmp.data)) {
        rc = lpi_error(ctx, LP_EIO, "cannot create a folder next to '%s': "
                       "%s", dir, strerror(errno));
        goto done;
    }
    s.ctx = ctx;
    s.pkg = pkg;
    s.cat = cat;
    s.opts = opts;
    s.shown = tmp.data;
    s.root = open(tmp.data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s.root < 0) {
        rc = lpi_error(ctx, LP_EIO, "cannot open '%s': %s", tmp.data,
                       strerror(errno));
        rmdir(tmp.data);
        goto done;
    }
    rc = pages(&s);
    if (rc == 0 && fchmod(s.root, 0755) < 0)
        rc = lpi_error(ctx, LP_EIO, "cannot finish '%s': %s", tmp.data,
                       strerror(errno));
    if (rc == 0)
        rc = sync_all(&s, s.root);
    if (rc == 0) {
        /* rename(2) would replace an empty folder made meanwhile */
#ifdef RENAME_NOREPLACE
        if (renameat2(AT_FDCWD, tmp.data, AT_FDCWD, dir,
                      RENAME_NOREPLACE) < 0 &&
            (errno != EINVAL && errno != ENOSYS ? 1 :
             lstat(dir, &st) == 0 ? (errno = EEXIST, 1) :
             rename(tmp.data, dir) < 0))
#else
        if (lstat(dir, &st) == 0 ? (errno = EEXIST, 1) :
            rename(tmp.data, dir) < 0)
#endif
            rc = lpi_error(ctx, errno == EEXIST ? LP_EEXIST : LP_EIO,
                           "cannot rename '%s' to '%s': %s", tmp.data, dir,
                           strerror(errno));
    }
    if (rc == 0) {
        /* the site is in place; only its name remains to be flushed */
        if (fsync(pfd) < 0)
            rc = lpi_error(ctx, LP_EIO, "cannot flush '%s': %s",
                           parent.data, strerror(errno));
    } else {
        remove_tree(s.root);
        rmdir(tmp.data);
    }
done:
    if (s.root >= 0)
        close(s.root);
    if (pfd >= 0)
        close(pfd);
    lpi_free(ctx, s.buf);
    lpi_buf_dispose(&tmp, ctx);
    lpi_buf_dispose(&parent, ctx);
    lp_catalog_free(cat);
    return rc;
}
