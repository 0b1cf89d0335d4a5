/*
 * profile.c - build profiles (lp-curriculum(5), PROFILES): one curriculum
 * source, several packages.  A profile declared in the curriculum file
 * names the languages a package includes, the kinds of media blocks it
 * leaves out and the largest media file it keeps, and the most bytes the
 * package may have.  The check makes sure every profile is sound and that
 * the one asked for exists; the compiler (build.c) asks here what to
 * leave out.
 */
#include "lpi_source.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const lpi_pos nopos = { 0, 0 };

bool lpi_parse_size(const char *s, uint64_t *out)
{
    static const struct { const char *unit; unsigned shift; } units[] = {
        { "", 0 }, { "B", 0 }, { "KiB", 10 }, { "MiB", 20 }, { "GiB", 30 },
    };
    uint64_t v = 0;
    size_t n = 0;

    if (!s)
        return false;
    for (; s[n] >= '0' && s[n] <= '9'; n++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[n] - '0');
    }
    if (n == 0)
        return false;
    s += n;
    s += strspn(s, " ");
    for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
        if (strcmp(s, units[i].unit) == 0) {
            if (v > (UINT64_MAX >> units[i].shift))
                return false;
            *out = v << units[i].shift;
            return true;
        }
    return false;
}

/* Is the space-separated list words holding w (len bytes)? */
static bool has_word(const char *words, const char *w, size_t len)
{
    for (const char *s = words; s && *s;) {
        size_t n = strcspn(s, " \t\n");

        if (n == len && strncmp(s, w, n) == 0)
            return true;
        s += n;
        s += strspn(s, " \t\n");
    }
    return false;
}

/* Is tag (len bytes) a language the languages element declares? */
static bool declared(lp_project *p, xmlNodePtr langs, const char *tag,
                     size_t len)
{
    for (xmlNodePtr l = langs ? langs->children : NULL; l; l = l->next) {
        const char *t = lpi_is(l, "language") ? lpi_attr(l, "tag") : NULL;

        if (t && lpi_lang_eq(p, t, strlen(t), tag, len))
            return true;
    }
    return false;
}

/* What the compiled lessons depend on in the profile, hashed for the
 * build cache's keys (lcache.c reads p->profkey) */
static void profile_key(lp_project *p)
{
    static const char *const attrs[] = {
        "name", "languages", "exclude-media", "max-media-size"
    };
    lpi_hasher h;

    memset(p->profkey, 0, sizeof(p->profkey));
    if (!p->prof)
        return;
    lpi_ckey_begin(&h, LPI_CACHE_LESSON);
    for (size_t i = 0; i < sizeof(attrs) / sizeof(*attrs); i++) {
        const char *v = lpi_attr(p->prof, attrs[i]);
        lpi_ckey_str(&h, v ? v : "");
    }
    lpi_ckey_end(&h, p->profkey);
}

void lpi_profiles_check(lp_project *p, lpi_srcfile *cur, xmlNodePtr root)
{
    xmlNodePtr profiles = lpi_child(root, "profiles");
    xmlNodePtr langs = lpi_child(root, "languages");
    char names[1024];
    size_t at = 0;

    p->prof = NULL;
    names[0] = '\0';
    for (xmlNodePtr pr = profiles ? profiles->children : NULL; pr;
         pr = pr->next) {
        const char *name, *pl;

        if (!lpi_is(pr, "profile"))
            continue;
        name = lpi_attr(pr, "name");
        for (xmlNodePtr q = profiles->children; q != pr; q = q->next)
            if (lpi_is(q, "profile") &&
                strcmp(lpi_attr(q, "name"), name) == 0) {
                lpi_diag(p, LP_SEVERITY_ERROR, "dup-id", cur,
                         xmlHasProp(pr, (const xmlChar *)"name"), nopos,
                         "profile '%s' is declared twice", name);
                break;
            }
        pl = lpi_attr(pr, "languages");
        for (const char *s = pl; s && *s;) {
            size_t n = strcspn(s, " \t\n");

            if (n > 0 && !declared(p, langs, s, n))
                lpi_diag(p, LP_SEVERITY_ERROR, "unknown-language", cur,
                         xmlHasProp(pr, (const xmlChar *)"languages"),
                         nopos, "profile '%s': '%.*s' is not a language of "
                         "this curriculum", name, (int)n, s);
            s += n;
            s += strspn(s, " \t\n");
        }
        if (at < sizeof(names))
            at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s",
                                   at ? ", " : "", name);
        if (p->profile && !p->prof && strcmp(name, p->profile) == 0)
            p->prof = pr;
    }
    profile_key(p);
    if (p->profile && !p->prof) {
        if (names[0])
            lpi_diag(p, LP_SEVERITY_ERROR, "profile", cur, profiles, nopos,
                     "no profile '%s': the curriculum declares %s",
                     p->profile, names);
        else
            lpi_diag(p, LP_SEVERITY_ERROR, "profile", cur, NULL, nopos,
                     "no profile '%s': the curriculum declares no profiles "
                     "(see PROFILES in lp-curriculum(5))", p->profile);
    }
}

bool lpi_profile_has_lang(lp_project *p, const char *canon)
{
    const char *pl = p->prof ? lpi_attr(p->prof, "languages") : NULL;

    if (!pl)
        return true;
    for (const char *s = pl; *s;) {
        size_t n = strcspn(s, " \t\n");

        if (n > 0 && lpi_lang_eq(p, s, n, canon, strlen(canon)))
            return true;
        s += n;
        s += strspn(s, " \t\n");
    }
    return false;
}

bool lpi_profile_drops(lp_project *p, lpi_srcfile *f, xmlNodePtr block)
{
    const char *kind = (const char *)block->name;
    uint64_t max;
    const char *why;
    char *rel;
    struct stat st;
    bool big = false;

    if (!p->prof)
        return false;
    if (has_word(lpi_attr(p->prof, "exclude-media"), kind, strlen(kind)))
        return true;
    if (!lpi_parse_size(lpi_attr(p->prof, "max-media-size"), &max))
        return false;
    rel = lpi_src_resolve(p, f, lpi_attr(block, "src") ?
                          lpi_attr(block, "src") : "", &why);
    if (!rel)
        return false;
    /* the check opened it below the project through no link; the writer
     * reads it the same way and checks what it reads */
    if (fstatat(p->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
        big = (uint64_t)st.st_size > max;
    lpi_free(p->ctx, rel);
    return big;
}

