/*
 * path.c - logical path rules (lpk(5) "Paths") and media types by name.
 *
 * A logical path must be safe to create below any folder on any system a
 * hub or client runs: so no absolute paths, no "..", no backslashes (a
 * separator on Windows), no control characters, valid UTF-8 only.
 */
#include "lpi.h"

#include <string.h>
#include <strings.h>

bool lpi_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < len) {
        unsigned c = s[i];
        size_t n;
        uint32_t cp;

        /* mostly ASCII (manifests): eight bytes at a time */
        while (len - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080u)
                break;
            i += 8;
        }
        if (i == len)
            break;
        c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
        i += n + 1;
    }
    return true;
}

int lpi_path_check(lp_ctx *ctx, const char *path, size_t len)
{
    size_t start = 0, depth = 0;

    if (len == 0)
        return lpi_error(ctx, LP_EUNSAFE, "empty path");
    if (len > LP_MAX_PATH_BYTES)
        return lpi_error(ctx, LP_ETOOBIG, "path longer than %u bytes",
                         LP_MAX_PATH_BYTES);
    if (!lpi_utf8_valid(path, len))
        return lpi_error(ctx, LP_EUNSAFE, "path is not valid UTF-8");
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)path[i] : '/';
        size_t n;

        if (c < 0x20 || c == 0x7f)
            return lpi_error(ctx, LP_EUNSAFE,
                             "path has a control character (0x%02x)", c);
        if (c == '\\')
            return lpi_error(ctx, LP_EUNSAFE, "path has a backslash");
        if (c != '/')
            continue;
        n = i - start;
        if (n == 0)
            return lpi_error(ctx, LP_EUNSAFE, start == 0 ?
                             "path is absolute" : "path has an empty component");
        if ((n == 1 && path[start] == '.') ||
            (n == 2 && path[start] == '.' && path[start + 1] == '.'))
            return lpi_error(ctx, LP_EUNSAFE,
                             "path has a '.' or '..' component");
        if (n > LP_MAX_NAME_BYTES)
            return lpi_error(ctx, LP_ETOOBIG,
                             "path component longer than %u bytes",
                             LP_MAX_NAME_BYTES);
        if (++depth > LP_MAX_PATH_DEPTH)
            return lpi_error(ctx, LP_ETOOBIG,
                             "path deeper than %u components",
                             LP_MAX_PATH_DEPTH);
        start = i + 1;
    }
    return 0;
}

int lp_path_check(lp_ctx *ctx, const char *path)
{
    LP_ASSERT_ARG(ctx && path);
    return lpi_path_check(ctx, path, strlen(path));
}

/* Sorted by extension for bsearch.  Kept to what curricula carry. */
static const struct {
    const char *ext;
    const char *type;
} media_types[] = {
    { "aac", "audio/aac" },
    { "avif", "image/avif" },
    { "bmp", "image/bmp" },
    { "css", "text/css" },
    { "csv", "text/csv" },
    { "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
    { "epub", "application/epub+zip" },
    { "flac", "audio/flac" },
    { "gif", "image/gif" },
    { "gz", "application/gzip" },
    { "htm", "text/html" },
    { "html", "text/html" },
    { "ico", "image/vnd.microsoft.icon" },
    { "jpeg", "image/jpeg" },
    { "jpg", "image/jpeg" },
    { "js", "text/javascript" },
    { "json", "application/json" },
    { "m4a", "audio/mp4" },
    { "md", "text/markdown" },
    { "mov", "video/quicktime" },
    { "mp3", "audio/mpeg" },
    { "mp4", "video/mp4" },
    { "oga", "audio/ogg" },
    { "ogg", "audio/ogg" },
    { "ogv", "video/ogg" },
    { "opus", "audio/opus" },
    { "otf", "font/otf" },
    { "pdf", "application/pdf" },
    { "png", "image/png" },
    { "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
    { "srt", "application/x-subrip" },
    { "svg", "image/svg+xml" },
    { "tif", "image/tiff" },
    { "tiff", "image/tiff" },
    { "ttf", "font/ttf" },
    { "txt", "text/plain" },
    { "vtt", "text/vtt" },
    { "wav", "audio/wav" },
    { "webm", "video/webm" },
    { "webp", "image/webp" },
    { "woff", "font/woff" },
    { "woff2", "font/woff2" },
    { "xhtml", "application/xhtml+xml" },
    { "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
    { "xml", "application/xml" },
    { "yaml", "application/yaml" },
    { "yml", "application/yaml" },
    { "zip", "application/zip" },
    { "zst", "application/zstd" },
};

const char *lp_media_type_guess(const char *name)
{
    const char *dot, *slash;
    char ext[8];
    size_t n, lo = 0, hi = sizeof(media_types) / sizeof(media_types[0]);

    if (!name)
        return "application/octet-stream";
    slash = strrchr(name, '/');
    dot = strrchr(slash ? slash : name, '.');
    if (!dot || !dot[1] || strlen(dot + 1) >= sizeof(ext))
        return "application/octet-stream";
    for (n = 0; dot[1 + n]; n++) {
        char c = dot[1 + n];
        ext[n] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    ext[n] = '\0';
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(ext, media_types[mid].ext);

        if (cmp == 0)
            return media_types[mid].type;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return "application/octet-stream";
}
