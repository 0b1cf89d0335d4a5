/*
 * ctx.c - contexts: allocation, error reporting, versions.
 */
#include "lpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *default_malloc(size_t size, void *user)
{
    (void)user;
    return malloc(size);
}

static void *default_realloc(void *ptr, size_t size, void *user)
{
    (void)user;
    return realloc(ptr, size);
}

static void default_free(void *ptr, void *user)
{
    (void)user;
    free(ptr);
}

unsigned lp_version_number(void)
{
    return LP_VERSION_NUMBER;
}

const char *lp_version_string(void)
{
    return LP_VERSION_STRING;
}

const char *lp_strerror(int code)
{
    switch ((lp_error_code)code) {
    case LP_OK: return "success";
    case LP_ENOMEM: return "out of memory";
    case LP_EINVAL: return "invalid argument";
    case LP_EIO: return "input/output error";
    case LP_EFORMAT: return "package is malformed";
    case LP_EVERSION: return "package format is newer than this library";
    case LP_ENOTFOUND: return "no such entry";
    case LP_ETOOBIG: return "limit exceeded";
    case LP_EHASH: return "content does not match the manifest";
    case LP_EUNSAFE: return "unsafe path or link";
    case LP_EEXIST: return "destination exists";
    case LP_ECHANGED: return "input changed while being read";
    case LP_EINTERNAL: return "internal error";
    case LP_EBADSIG: return "signature does not verify";
    case LP_EPASSPHRASE: return "wrong passphrase";
    case LP_EUNTRUSTED: return "refused by the trust policy";
    case LP_ESOURCE: return "curriculum sources have errors";
    case LP_EBASE: return "the delta was made for another package";
    case LP_ECANCELED: return "canceled";
    }
    return "unknown error";
}

int lp_ctx_new(lp_ctx **out, const lp_allocator *alloc)
{
    lp_allocator a = { default_malloc, default_realloc, default_free, NULL };
    lp_ctx *ctx;

    if (!out)
        return LP_EINVAL;
    *out = NULL;
    if (alloc) {
        a.user = alloc->user;
        if (alloc->malloc_fn)
            a.malloc_fn = alloc->malloc_fn;
        if (alloc->realloc_fn)
            a.realloc_fn = alloc->realloc_fn;
        if (alloc->free_fn)
            a.free_fn = alloc->free_fn;
    }
    /* sodium_init is idempotent and thread-safe; it picks the fastest
     * BLAKE2b implementation for this CPU */
    if (sodium_init() < 0)
        return LP_EINTERNAL;
    ctx = a.malloc_fn(sizeof(*ctx), a.user);
    if (!ctx)
        return LP_ENOMEM;
    memset(ctx, 0, sizeof(*ctx));
    ctx->alloc = a;
    *out = ctx;
    return 0;
}

void lp_ctx_free(lp_ctx *ctx)
{
    if (ctx)
        ctx->alloc.free_fn(ctx, ctx->alloc.user);
}

const char *lp_ctx_errmsg(const lp_ctx *ctx)
{
    return ctx ? ctx->msg : "no context";
}

int lp_ctx_errcode(const lp_ctx *ctx)
{
    return ctx ? ctx->code : LP_EINVAL;
}

int lpi_error(lp_ctx *ctx, int code, const char *fmt, ...)
{
    va_list ap;

    ctx->code = code;
    va_start(ap, fmt);
    vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
    va_end(ap);
    return code;
}

int lpi_error_prefix(lp_ctx *ctx, const char *fmt, ...)
{
    char prefix[512], old[sizeof(ctx->msg)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, ctx->msg, sizeof(old));
    snprintf(ctx->msg, sizeof(ctx->msg), "%.500s: %.500s", prefix, old);
    return ctx->code;
}

int lpi_nomem(lp_ctx *ctx)
{
    return lpi_error(ctx, LP_ENOMEM, "out of memory");
}

void *lpi_malloc(lp_ctx *ctx, size_t size)
{
    void *p = ctx->alloc.malloc_fn(size ? size : 1, ctx->alloc.user);

    if (!p)
        lpi_nomem(ctx);
    return p;
}

void *lpi_zstd_malloc(void *opaque, size_t size)
{
    lp_ctx *ctx = opaque;

    return ctx->alloc.malloc_fn(size ? size : 1, ctx->alloc.user);
}

void lpi_zstd_free(void *opaque, void *ptr)
{
    lp_ctx *ctx = opaque;

    if (ptr)
        ctx->alloc.free_fn(ptr, ctx->alloc.user);
}

void *lpi_calloc(lp_ctx *ctx, size_t n, size_t size)
{
    void *p;

    if (size && n > SIZE_MAX / size) {
        lpi_nomem(ctx);
        return NULL;
    }
    /* the C library's calloc knows fresh pages are zero already: a big
     * table (a package's objects) is then touched once, not twice */
    if (ctx->alloc.malloc_fn == default_malloc) {
        p = n && size ? calloc(n, size) : calloc(1, 1);
        if (!p)
            lpi_nomem(ctx);
        return p;
    }
    p = lpi_malloc(ctx, n * size);
    if (p && n * size > 0)
        memset(p, 0, n * size);
    return p;
}

void *lpi_realloc(lp_ctx *ctx, void *ptr, size_t size)
{
    void *p = ctx->alloc.realloc_fn(ptr, size ? size : 1, ctx->alloc.user);

    if (!p)
        lpi_nomem(ctx);
    return p;
}

int lpi_grow(lp_ctx *ctx, void **ptr, size_t *cap, size_t need, size_t elem)
{
    size_t ncap = *cap ? *cap : 16;
    void *p;

    if (need <= *cap)
        return 0;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return lpi_nomem(ctx);
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem)
        return lpi_nomem(ctx);
    p = lpi_realloc(ctx, *ptr, ncap * elem);
    if (!p)
        return LP_ENOMEM;
    *ptr = p;
    *cap = ncap;
    return 0;
}

void lpi_free(lp_ctx *ctx, void *ptr)
{
    if (ptr)
        ctx->alloc.free_fn(ptr, ctx->alloc.user);
}

char *lpi_strdup(lp_ctx *ctx, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = lpi_malloc(ctx, n);

    if (p)
        memcpy(p, s, n);
    return p;
}

void lpi_buf_init(lpi_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

int lpi_buf_add(lpi_buf *b, lp_ctx *ctx, const void *data, size_t len)
{
    int rc;

    if (len > b->max - b->len)
        return lpi_error(ctx, LP_ETOOBIG, "more than %zu bytes", b->max);
    rc = lpi_grow(ctx, (void **)&b->data, &b->cap, b->len + len + 1, 1);
    if (rc < 0)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int lpi_buf_printf(lpi_buf *b, lp_ctx *ctx, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return lpi_error(ctx, LP_EINTERNAL, "formatting failed");
    if ((size_t)n < sizeof(small))
        return lpi_buf_add(b, ctx, small, (size_t)n);
    {
        int rc = lpi_grow(ctx, (void **)&b->data, &b->cap,
                          b->len + (size_t)n + 1, 1);
        if (rc < 0)
            return rc;
        if ((size_t)n > b->max - b->len)
            return lpi_error(ctx, LP_ETOOBIG, "more than %zu bytes", b->max);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
    }
    return 0;
}

void lpi_buf_dispose(lpi_buf *b, lp_ctx *ctx)
{
    lpi_free(ctx, b->data);
    lpi_buf_init(b, b->max);
}

void lpi_sort(void *base, size_t n, size_t size,
              int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

unsigned lpi_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 1)
        return 1;
    return n > 64 ? 64 : (unsigned)n;
}
