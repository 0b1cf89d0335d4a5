/*
 * server_upload.c - assignment uploads and the teacher page.
 *
 * Under the data folder:
 *   objects/HASH      a submission's content, named by its BLAKE2b-256
 *                     (the same work sent twice is stored once)
 *   receipts/T-H-R.json  one record per submission (package, lesson,
 *                     assignment, the learner's name as typed, the file
 *                     name the browser gave, size, hash, time)
 * Nothing the client sends is ever used as a path.  The content streams
 * into a temporary file next to objects/, hashed as it comes, is fsynced
 * and renamed to its hash, and only then is the receipt written (also
 * temp, fsync, rename): a hub losing power keeps either the whole
 * submission or nothing, and a receipt never names missing content.
 * Temporary files left by a crash are removed at start.  The quota counts
 * the bytes of objects/; bytes being received are reserved as they come.
 */
#include "lpi_server.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#define NAME_MAX_BYTES 128u     /* the learner's name as typed */
#define LIST_MAX 2000u          /* receipts shown on the teacher page */

/* Make dir/sub if missing */
static int make_sub(lp_server *srv, const char *sub)
{
    if (mkdirat(srv->data_fd, sub, 0700) < 0 && errno != EEXIST)
        return lpi_error(srv->ctx, LP_EIO, "cannot create '%s/%s': %s",
                         srv->data_dir, sub, strerror(errno));
    return 0;
}

int lpi_upload_init(lp_server *srv)
{
    DIR *d;
    struct dirent *e;
    int fd, rc;

    rc = make_sub(srv, "objects");
    if (rc == 0)
        rc = make_sub(srv, "receipts");
    if (rc < 0)
        return rc;
    fd = openat(srv->data_fd, "objects", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || !(d = fdopendir(fd))) {
        if (fd >= 0)
            close(fd);
        return lpi_error(srv->ctx, LP_EIO, "cannot read '%s/objects': %s",
                         srv->data_dir, strerror(errno));
    }
    srv->used = 0;
    while ((e = readdir(d))) {
        struct stat st;

        if (e->d_name[0] == '.')
            continue;
        if (strstr(e->d_name, ".tmp-")) {   /* a crash's leftover */
            unlinkat(dirfd(d), e->d_name, 0);
            continue;
        }
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode))
            srv->used += (uint64_t)st.st_size;
    }
    closedir(d);
    return 0;
}

/* ------------------------------------------------------------ receiving */

typedef struct upload {
    char tmp[4096];         /* the temporary file, while open */
    int fd;
    lpi_hasher hash;
    uint64_t size, max, reserved;
    bool have_content;
    const char *field;      /* the field being received into the file */
    lpi_buf name, filename;
    char pkg[LP_MAX_ID_BYTES + 1], lesson[LP_MAX_ID_BYTES + 1];
    char assignment[LP_MAX_ID_BYTES + 1], lang[LP_MAX_LANGUAGE_BYTES + 1];
    unsigned fail;          /* status to answer with, once failed */
    const char *why;
} upload;

static void reserve_drop(lp_server *srv, uint64_t n)
{
    pthread_mutex_lock(&srv->quota_lock);
    srv->used -= n;
    pthread_mutex_unlock(&srv->quota_lock);
}

static bool reserve(lp_server *srv, uint64_t n)
{
    bool ok;

    pthread_mutex_lock(&srv->quota_lock);
    ok = srv->used <= srv->quota && n <= srv->quota - srv->used;
    if (ok)
        srv->used += n;
    pthread_mutex_unlock(&srv->quota_lock);
    return ok;
}

static void upload_dispose(lpi_req *r)
{
    upload *u = r->post;

    if (!u)
        return;
    if (u->fd >= 0) {
        close(u->fd);
        unlink(u->tmp);
    }
    if (u->reserved)
        reserve_drop(r->srv, u->reserved);
    lpi_buf_dispose(&u->name, r->ctx);
    lpi_buf_dispose(&u->filename, r->ctx);
    lpi_free(r->ctx, u);
    r->post = NULL;
}

static enum MHD_Result fail(lpi_req *r, upload *u, unsigned status,
                            const char *why)
{
    if (!u->fail) {
        u->fail = status;
        u->why = why;
    }
    r->post_error = true;
    return MHD_NO;
}

static enum MHD_Result upload_field(void *cls, enum MHD_ValueKind kind,
                                    const char *key, const char *filename,
                                    const char *type, const char *enc,
                                    const char *data, uint64_t off,
                                    size_t size)
{
    lpi_req *r = cls;
    upload *u = r->post;

    (void)kind; (void)type; (void)enc;
    if (u->fail)
        return MHD_NO;
    if (strcmp(key, "name") == 0) {
        if (size && lpi_buf_add(&u->name, r->ctx, data, size) < 0)
            return fail(r, u, 413, "the name is too long");
        return MHD_YES;
    }
    if (strcmp(key, "file") != 0 && strcmp(key, "text") != 0)
        return MHD_YES;
    if (off == 0) {
        /* one content per submission: a file or a text, not both */
        if (u->have_content && (!u->field || strcmp(u->field, key) != 0 ||
                                u->size != 0))
            return fail(r, u, 400, "send one file or one text");
        u->have_content = true;
        u->field = strcmp(key, "file") == 0 ? "file" : "text";
        if (filename && !u->filename.len &&
            lpi_buf_add(&u->filename, r->ctx, filename,
                        strlen(filename) > 255 ? 255 : strlen(filename)) < 0)
            return fail(r, u, 503, "out of memory");
    }
    if (size == 0)
        return MHD_YES;
    if (size > u->max || u->size > u->max - size)
        return fail(r, u, 413, "the submission is larger than this "
                    "assignment allows");
    if (!reserve(r->srv, size))
        return fail(r, u, 507, "the hub is full: tell your teacher");
    u->reserved += size;
    if (lpi_write_full(u->fd, data, size) < 0)
        return fail(r, u, 507, "the hub cannot store it (disk full?)");
    lpi_hash_update(&u->hash, data, size);
    u->size += size;
    return MHD_YES;
}

/* The receipt record, written atomically; its name sorts by time */
static int write_receipt(lpi_req *r, upload *u, const char *hex,
                         time_t now)
{
    json_object *o = json_object_new_object();
    unsigned char rnd[4];
    char path[4096], when[32];
    const char *text;
    struct tm tm;
    int rc;

    if (!o)
        return LP_ENOMEM;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_object_add(o, "package", json_object_new_string(u->pkg));
    json_object_object_add(o, "lesson", json_object_new_string(u->lesson));
    json_object_object_add(o, "assignment",
                           json_object_new_string(u->assignment));
    json_object_object_add(o, "language", json_object_new_string(u->lang));
    json_object_object_add(o, "name", json_object_new_string_len(
        u->name.len ? u->name.data : "", (int)u->name.len));
    json_object_object_add(o, "filename", json_object_new_string_len(
        u->filename.len ? u->filename.data : "", (int)u->filename.len));
    json_object_object_add(o, "size", json_object_new_int64(
        (int64_t)u->size));
    json_object_object_add(o, "hash", json_object_new_string(hex));
    json_object_object_add(o, "time", json_object_new_string(when));
    text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    randombytes_buf(rnd, sizeof(rnd));
    snprintf(path, sizeof(path), "%s/receipts/%lld-%.16s-%02x%02x%02x%02x"
             ".json", r->srv->data_dir, (long long)now, hex, rnd[0], rnd[1],
             rnd[2], rnd[3]);
    rc = text ? lpi_write_file_atomic(r->ctx, path, text, strlen(text), 0600,
                                      false)
              : LP_ENOMEM;
    json_object_put(o);
    return rc;
}

static enum MHD_Result upload_finish(lpi_req *r, struct MHD_Connection *c)
{
    upload *u = r->post;
    unsigned char h[LP_HASH_BYTES];
    char hex[LP_HASH_HEX_BYTES + 1], dest[4096];
    lpi_buf b;
    struct stat st;
    time_t now = time(NULL);
    bool had;
    int rc;

    if (u->fail)
        return lpi_send_error(r, c, u->fail, u->why);
    if (r->post_error)
        return lpi_send_error(r, c, 400, "the form could not be read");
    if (!u->have_content)
        return lpi_send_error(r, c, 400, "nothing was sent: choose a file "
                              "or write a text");
    lpi_hash_final(&u->hash, h);
    lpi_hash_hex(hex, h);
    snprintf(dest, sizeof(dest), "%s/objects/%s", r->srv->data_dir, hex);
    had = stat(dest, &st) == 0;
    rc = lpi_atomic_finish(r->ctx, u->fd, u->tmp, 0);
    u->fd = -1;
    if (had) {      /* the same work again: keep the stored copy */
        unlink(u->tmp);
    } else {
        rc = lpi_atomic_install(r->ctx, u->tmp, dest, rc);
    }
    if (rc == 0)
        rc = write_receipt(r, u, hex, now);
    if (rc < 0) {
        lpi_srv_log(r->srv, "upload: %s", lp_ctx_errmsg(r->ctx));
        return lpi_send_error(r, c, 507, "the hub cannot store it");
    }
    if (!had)
        u->reserved = 0;        /* now counted as stored */
    lpi_srv_log(r->srv, "submission %s: %llu bytes for '%s' '%s' '%s'", hex,
                (unsigned long long)u->size, u->pkg, u->lesson,
                u->assignment);
    lpi_buf_init(&b, 64 * 1024);
    /* the page's words are English; a link back to the lesson */
    rc = lpi_page_begin(&b, r->ctx, "en", 0, "Receipt");
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "<h1 class=\"ok\">&#x2714;</h1>\n"
                            "<p>Receipt:</p><p><code id=\"receipt\">%s"
                            "</code></p>\n<p>%llu bytes</p>\n<p><a href=\"/",
                            hex, (unsigned long long)u->size);
    if (rc == 0)
        rc = lpi_url_esc(&b, r->ctx, u->pkg);
    if (rc == 0)
        rc = lpi_buf_add(&b, r->ctx, "/", 1);
    if (rc == 0)
        rc = lpi_url_esc(&b, r->ctx, u->lang);
    if (rc == 0)
        rc = lpi_buf_add(&b, r->ctx, "/", 1);
    if (rc == 0)
        rc = lpi_url_esc(&b, r->ctx, u->lesson);
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "\" rel=\"up\">&#x21A9;</a></p>\n");
    if (rc == 0)
        rc = lpi_page_end(&b, r->ctx);
    {
        enum MHD_Result ret = rc == 0 ? lpi_send_html(r, c, 201, &b)
                                      : lpi_send_error(r, c, 500, NULL);
        lpi_buf_dispose(&b, r->ctx);
        return ret;
    }
}

enum MHD_Result lpi_upload_begin(lpi_req *r, struct MHD_Connection *c,
                                 lpi_srvver *v, const char *lesson,
                                 const char *assignment, const char *lang)
{
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 "Content-Type");
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 "Content-Length");
    const char *bnd;
    size_t blen, i, n;
    upload *u;
    lpi_buf tmp;
    bool full;
    int rc;

    if (!r->srv->data_dir)
        return lpi_send_error(r, c, 403, "this hub takes no uploads");
    n = v->cat ? lp_catalog_assignment_count(v->cat) : 0;
    for (i = 0; i < n; i++)
        if (strcmp(lp_catalog_assignment_lesson(v->cat, i), lesson) == 0 &&
            strcmp(lp_catalog_assignment_id(v->cat, i), assignment) == 0)
            break;
    if (i == n || strlen(lang) > LP_MAX_LANGUAGE_BYTES)
        return lpi_send_error(r, c, 404, "no such assignment");
    if (lpi_multipart_boundary(ct, &bnd, &blen) < 0)
        return lpi_send_error(r, c, 415, "send the work as "
                              "multipart/form-data");
    /* the body's size, when given, is checked before anything is read:
     * the form's own parts take a few hundred bytes */
    if (cl) {
        uint64_t len = 0;
        for (const char *p = cl; *p >= '0' && *p <= '9'; p++)
            len = len > UINT64_MAX / 10 - 10 ? UINT64_MAX
                                             : len * 10 + (uint64_t)(*p - '0');
        if (len > lp_catalog_assignment_max_size(v->cat, i) + 16384)
            return lpi_send_error(r, c, 413, "the submission is larger than "
                                  "this assignment allows");
        pthread_mutex_lock(&r->srv->quota_lock);
        full = r->srv->used > r->srv->quota ||
               len > r->srv->quota - r->srv->used + 16384;
        pthread_mutex_unlock(&r->srv->quota_lock);
        if (full)
            return lpi_send_error(r, c, 507, "the hub is full: tell your "
                                  "teacher");
    }
    u = lpi_calloc(r->ctx, 1, sizeof(*u));
    if (!u)
        return lpi_send_error(r, c, 503, NULL);
    u->fd = -1;
    u->max = lp_catalog_assignment_max_size(v->cat, i);
    lpi_hash_init(&u->hash);
    lpi_buf_init(&u->name, NAME_MAX_BYTES);
    lpi_buf_init(&u->filename, 256);
    snprintf(u->pkg, sizeof(u->pkg), "%s", lp_package_id(v->pkg));
    snprintf(u->lesson, sizeof(u->lesson), "%s", lesson);
    snprintf(u->assignment, sizeof(u->assignment), "%s", assignment);
    snprintf(u->lang, sizeof(u->lang), "%s", lang);
    r->post = u;
    r->dispose = upload_dispose;
    r->finish = upload_finish;
    lpi_buf_init(&tmp, sizeof(u->tmp));
    {
        char dest[4096];
        snprintf(dest, sizeof(dest), "%s/objects/upload", r->srv->data_dir);
        rc = lpi_temp_create(r->ctx, dest, 0600, &tmp, &u->fd);
    }
    if (rc == 0)
        snprintf(u->tmp, sizeof(u->tmp), "%s", tmp.data);
    lpi_buf_dispose(&tmp, r->ctx);
    if (rc < 0) {
        lpi_srv_log(r->srv, "upload: %s", lp_ctx_errmsg(r->ctx));
        return lpi_send_error(r, c, 507, "the hub cannot store it");
    }
    r->pp = MHD_create_post_processor(c, 64 * 1024, upload_field, r);
    if (!r->pp)
        return lpi_send_error(r, c, 415, "send the work as "
                              "multipart/form-data");
    return MHD_YES;
}

/* ------------------------------------------------------------ teacher */

static bool teacher_ok(lp_server *srv, struct MHD_Connection *c)
{
    char *pass = NULL, *user;
    unsigned char h[LP_HASH_BYTES];
    bool ok = false;

    if (!srv->has_token)
        return false;
    user = MHD_basic_auth_get_username_password(c, &pass);
    if (pass) {
        size_t len = strlen(pass);
        crypto_generichash(h, sizeof(h), (const unsigned char *)pass, len,
                           NULL, 0);
        ok = sodium_memcmp(h, srv->token_hash, sizeof(h)) == 0;
        sodium_memzero(pass, len);
        MHD_free(pass);
    }
    if (user)
        MHD_free(user);
    return ok;
}

typedef struct receipt {
    char *name;             /* file name in receipts/ */
} receipt;

static int cmp_desc(const void *a, const void *b)
{
    return strcmp(((const receipt *)b)->name, ((const receipt *)a)->name);
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return "";
    return json_object_get_string(v);
}

static int put_cell(lpi_buf *b, lp_ctx *ctx, const char *s)
{
    int rc = lpi_buf_add(b, ctx, "<td>", 4);

    if (rc == 0)
        rc = lpi_html_esc(b, ctx, s);
    if (rc == 0)
        rc = lpi_buf_add(b, ctx, "</td>", 5);
    return rc;
}

static int list_receipts(lpi_req *r, lpi_buf *b)
{
    receipt *list = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    DIR *d;
    int fd, rc = 0;

    fd = openat(r->srv->data_fd, "receipts",
                O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || !(d = fdopendir(fd))) {
        if (fd >= 0)
            close(fd);
        return lpi_error(r->ctx, LP_EIO, "cannot read receipts");
    }
    while (rc == 0 && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 ||
            e->d_name[0] == '.')
            continue;
        rc = lpi_grow(r->ctx, (void **)&list, &cap, n + 1, sizeof(*list));
        if (rc == 0) {
            list[n].name = lpi_strdup(r->ctx, e->d_name);
            rc = list[n].name ? 0 : LP_ENOMEM;
            if (rc == 0)
                n++;
        }
    }
    lpi_sort(list, n, sizeof(*list), cmp_desc);
    rc = rc ? rc : lpi_buf_printf(b, r->ctx, "<p>%zu submissions</p>\n"
                                  "<table><tr><th>time</th><th>name</th>"
                                  "<th>package</th><th>lesson</th>"
                                  "<th>assignment</th><th>file</th>"
                                  "<th>bytes</th><th>receipt</th></tr>\n",
                                  n);
    for (size_t i = 0; rc == 0 && i < n && i < LIST_MAX; i++) {
        char text[8192];
        json_object *o = NULL;
        ssize_t got = -1;
        int rfd = openat(dirfd(d), list[i].name,
                         O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

        if (rfd >= 0) {
            got = read(rfd, text, sizeof(text) - 1);
            close(rfd);
        }
        if (got > 0) {
            text[got] = '\0';
            o = json_tokener_parse(text);
        }
        if (!o)
            continue;
        rc = lpi_buf_add(b, r->ctx, "<tr>", 4);
        if (rc == 0)
            rc = put_cell(b, r->ctx, jstr(o, "time"));
        if (rc == 0)
            rc = put_cell(b, r->ctx, jstr(o, "name"));
        if (rc == 0)
            rc = put_cell(b, r->ctx, jstr(o, "package"));
        if (rc == 0)
            rc = put_cell(b, r->ctx, jstr(o, "lesson"));
        if (rc == 0)
            rc = put_cell(b, r->ctx, jstr(o, "assignment"));
        if (rc == 0)
            rc = put_cell(b, r->ctx, jstr(o, "filename"));
        if (rc == 0) {
            json_object *sz;
            rc = lpi_buf_printf(b, r->ctx, "<td>%lld</td>",
                                json_object_object_get_ex(o, "size", &sz)
                                ? (long long)json_object_get_int64(sz) : 0);
        }
        if (rc == 0) {
            const char *h = jstr(o, "hash");
            unsigned char bin[LP_HASH_BYTES];
            if (lpi_hash_unhex(bin, h) == 0)
                rc = lpi_buf_printf(b, r->ctx, "<td><a href=\"/teacher/s/%s"
                                    "\"><code>%s</code></a></td>", h, h);
        }
        if (rc == 0)
            rc = lpi_buf_add(b, r->ctx, "</tr>\n", 6);
        json_object_put(o);
    }
    if (rc == 0)
        rc = lpi_buf_printf(b, r->ctx, "</table>\n");
    for (size_t i = 0; i < n; i++)
        lpi_free(r->ctx, list[i].name);
    lpi_free(r->ctx, list);
    closedir(d);
    return rc;
}

/* One submission's content: a download, never shown as a page */
static enum MHD_Result send_submission(lpi_req *r, struct MHD_Connection *c,
                                       const char *hex)
{
    unsigned char bin[LP_HASH_BYTES];
    struct MHD_Response *resp;
    char path[128], disp[128];
    struct stat st;
    int fd;

    if (lpi_hash_unhex(bin, hex) < 0)
        return lpi_send_error(r, c, 404, NULL);
    snprintf(path, sizeof(path), "objects/%s", hex);
    fd = openat(r->srv->data_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return lpi_send_error(r, c, 404, NULL);
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return lpi_send_error(r, c, 404, NULL);
    }
    resp = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return lpi_send(r, c, 500, NULL);
    }
    snprintf(disp, sizeof(disp), "attachment; filename=\"%.16s\"", hex);
    MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
    MHD_add_response_header(resp, "Content-Disposition", disp);
    MHD_add_response_header(resp, "Content-Security-Policy", "sandbox");
    MHD_add_response_header(resp, "Cache-Control", "private, no-store");
    r->bytes = (uint64_t)st.st_size;
    return lpi_send(r, c, 200, resp);
}

enum MHD_Result lpi_teacher(lpi_req *r, struct MHD_Connection *c,
                            const char *rest)
{
    enum MHD_Result ret;
    lpi_buf b;
    int rc;

    if (!r->srv->has_token || !r->srv->data_dir)
        return lpi_send_error(r, c, 404, "this hub has no teacher page");
    if (!teacher_ok(r->srv, c)) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(
            0, NULL, MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return lpi_send(r, c, 401, NULL);
        lpi_common_headers(resp);
        r->status = 401;
        ret = MHD_queue_basic_auth_fail_response(c, "lp hub teacher", resp);
        MHD_destroy_response(resp);
        return ret;
    }
    if (strncmp(rest, "s/", 2) == 0)
        return send_submission(r, c, rest + 2);
    if (rest[0])
        return lpi_send_error(r, c, 404, NULL);
    lpi_buf_init(&b, 16u * 1024u * 1024u);
    rc = lpi_page_begin(&b, r->ctx, "en", 0, "Submissions");
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "<h1>Submissions</h1>\n");
    if (rc == 0)
        rc = list_receipts(r, &b);
    if (rc == 0)
        rc = lpi_page_end(&b, r->ctx);
    ret = rc == 0 ? lpi_send_html(r, c, 200, &b)
                  : lpi_send_error(r, c, 500, "the list cannot be read");
    lpi_buf_dispose(&b, r->ctx);
    return ret;
}
