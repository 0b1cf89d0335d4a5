/*
 * curriculum.c - curriculum projects: the public lp_project_* API, on top
 * of the checks (check.c), which load files through loader.c and
 * pipeline.c.  Nothing below calls back up into this file.
 */
#include "lpi_source.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

int lp_project_open(lp_project **out, lp_ctx *ctx, const char *dir,
                    const lp_project_opts *opts)
{
    lp_project *p;
    int fd;

    LP_ASSERT_ARG(out && ctx && dir);
    *out = NULL;
    if (opts && (opts->version < 1 || opts->version > LP_PROJECT_OPTS_VERSION))
        return lpi_error(ctx, LP_EINVAL, "unknown lp_project_opts version");
    if (dir[0] == '\0')
        return lpi_error(ctx, LP_EINVAL, "empty project folder name");
    /* the folder itself may be a link (the caller named it); nothing below
     * it is reached through one */
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return lpi_error(ctx, LP_EIO, "cannot open '%s': %s", dir,
                         strerror(errno));
    /* idempotent; sets up libxml2's globals before we use it */
    xmlInitParser();
    p = lpi_calloc(ctx, 1, sizeof(*p));
    if (!p) {
        close(fd);
        return LP_ENOMEM;
    }
    p->ctx = ctx;
    p->dirfd = fd;
    p->max_media_bytes = opts ? opts->max_media_bytes : 0;
    p->threads = opts && opts->version >= 2 ? opts->threads : 0;
    p->dir = lpi_strdup(ctx, dir);
    if (!p->dir) {
        close(fd);
        lpi_free(ctx, p);
        return LP_ENOMEM;
    }
    if (opts && opts->version >= 4 && opts->previous) {
        if (opts->previous->version != LP_PREVIOUS_VERSION ||
            (opts->previous->nlessons && !opts->previous->lessons)) {
            lp_project_free(p);
            return lpi_error(ctx, LP_EINVAL, "unknown lp_previous version");
        }
        for (size_t i = 0; i < opts->previous->nlessons; i++)
            if (!opts->previous->lessons[i].id) {
                lp_project_free(p);
                return lpi_error(ctx, LP_EINVAL, "previous lesson %zu has "
                                 "no id", i);
            }
        p->previous = opts->previous;
    }
    if (opts && opts->version >= 4 && opts->profile) {
        p->profile = lpi_strdup(ctx, opts->profile);
        if (!p->profile) {
            lp_project_free(p);
            return LP_ENOMEM;
        }
    }
    if (opts && opts->version >= 3 && opts->cache_dir) {
        int rc = lpi_cache_open(&p->cache, ctx, opts->cache_dir,
                                opts->cache_max_bytes);
        if (rc < 0) {
            lp_project_free(p);
            return rc;
        }
    }
    *out = p;
    return 0;
}

static void drop_files(lp_project *p)
{
    for (size_t i = 0; i < p->nfiles; i++)
        lpi_src_free(p, p->files[i]);
    p->nfiles = 0;
    lpi_free(p->ctx, p->cov);
    p->cov = NULL;
    p->ncov = 0;
}

void lp_project_free(lp_project *p)
{
    if (!p)
        return;
    drop_files(p);
    lpi_free(p->ctx, p->files);
    lpi_schema_release(p);
    if (p->schema)
        xmlSchemaFree(p->schema);
    lpi_free(p->ctx, p->dir);
    lpi_free(p->ctx, p->profile);
    close(p->dirfd);
    lpi_cache_close(p->cache, p->ctx);
    lpi_free(p->ctx, p);
}

/* The names a project's curriculum file may have */
static const struct { const char *name; lpi_syntax syntax; } names[] = {
    { "curriculum.yaml", LPI_YAML },
    { "curriculum.yml", LPI_YAML },
    { "curriculum.xml", LPI_XML },
};

int lp_project_probe(const char *dir)
{
    char path[4096];
    struct stat st;

    if (!dir || !dir[0])
        return 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
                             names[i].name) < sizeof(path) &&
            lstat(path, &st) == 0)
            return 1;
    return 0;
}

/* curriculum.yaml, .yml or .xml: exactly one of them */
static int find_curriculum(lp_project *p, const char **rel,
                           lpi_syntax *syntax)
{
    const char *found = NULL;
    struct stat st;

    *rel = NULL;
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
        if (fstatat(p->dirfd, names[i].name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (found) {
            lpi_diag(p, LP_SEVERITY_ERROR, "project", NULL, NULL,
                     (lpi_pos){ 0, 0 }, "'%s' has both '%s' and '%s'; "
                     "keep one", p->dir, found, names[i].name);
            return 0;
        }
        found = names[i].name;
        *syntax = names[i].syntax;
    }
    if (!found)
        lpi_diag(p, LP_SEVERITY_ERROR, "project", NULL, NULL,
                 (lpi_pos){ 0, 0 }, "'%s' has no curriculum file "
                 "(curriculum.yaml, curriculum.yml or curriculum.xml)",
                 p->dir);
    *rel = found;
    return 0;
}

int lp_project_check(lp_project *p, lp_diag_fn fn, void *user)
{
    lpi_srcfile *cur = NULL;
    lpi_syntax syntax = LPI_YAML;
    const char *rel;
    int rc;

    LP_ASSERT_ARG(p);
    drop_files(p);
    p->prof = NULL; /* in the curriculum file's tree, just freed */
    p->fn = fn;
    p->user = user;
    p->nerrors = p->nwarnings = 0;
    rc = lpi_schema_load(p);
    if (rc < 0)
        return rc;
    rc = find_curriculum(p, &rel, &syntax);
    if (rc < 0 || !rel)
        goto done;
    rc = lpi_src_load(p, rel, syntax, "curriculum", NULL, NULL, &cur);
    if (rc < 0)
        goto done;
    if (cur && cur->valid)
        rc = lpi_check_project(p);
done:
    p->fn = NULL;
    p->user = NULL;
    if (rc < 0)
        return rc;
    if (p->nerrors > 0)
        return lpi_error(p->ctx, LP_ESOURCE, "%zu error%s in the sources "
                         "of '%s'", p->nerrors, p->nerrors == 1 ? "" : "s",
                         p->dir);
    return 0;
}

size_t lp_project_coverage_count(const lp_project *p)
{
    return p ? p->ncov : 0;
}

int lp_project_coverage(const lp_project *p, size_t i, lp_coverage *out)
{
    const lpi_cov *c;

    LP_ASSERT_ARG(p && out);
    if (out->version != LP_COVERAGE_VERSION)
        return lpi_error(p->ctx, LP_EINVAL, "unknown lp_coverage version");
    if (i >= p->ncov)
        return lpi_error(p->ctx, LP_EINVAL, "no language %zu", i);
    c = &p->cov[i];
    out->language = c->tag;
    out->texts_own = c->texts[LPI_COV_OWN];
    out->texts_fallback = c->texts[LPI_COV_FALLBACK];
    out->texts_missing = c->texts[LPI_COV_MISSING];
    out->lessons_own = c->lessons[LPI_COV_OWN];
    out->lessons_fallback = c->lessons[LPI_COV_FALLBACK];
    out->lessons_missing = c->lessons[LPI_COV_MISSING];
    return 0;
}
