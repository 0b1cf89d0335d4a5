/*
 * lpc-floor.c - what the fixed parsing libraries alone cost on a project.
 *
 * bench/lpc.sh builds and runs this to put a floor under `lpc check`: the
 * time libyaml needs just to produce the events of every YAML lesson, and
 * libxml2 to parse every XML lesson and validate it against the schema,
 * with nothing built, normalized or checked.  No lpc can check faster than
 * this with the same libraries on the same cores.
 *
 * usage: lpc-floor SCHEMA.xsd THREADS < list-of-lesson-files
 * prints: floor.time=SECONDS floor.cpu=SECONDS floor.yaml_cpu=... floor.xml_cpu=...
 */
#define _POSIX_C_SOURCE 200809L
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#define MAX_THREADS 16

static char **names;
static size_t n_names;
static xmlSchemaPtr schema;

typedef struct worker {
    pthread_t tid;
    xmlSchemaValidCtxtPtr vc; /* one per thread, reused as lpc does */
    size_t first, step;
    double yaml_cpu, xml_cpu;
    int failed;
} worker;

static double clock_of(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *name, size_t *len)
{
    FILE *fp = fopen(name, "rb");
    char *buf = NULL;
    long n;

    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
        fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
        fread(buf, 1, (size_t)n, fp) == (size_t)n) {
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    return buf;
}

static int yaml_events(const char *buf, size_t len)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    int done = 0, ok = 1;

    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            ok = 0;
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return ok;
}

static int xml_valid(worker *w, const char *buf, size_t len)
{
    xmlDocPtr doc = xmlReadMemory(buf, (int)len, NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOCDATA);
    int ok;

    if (!doc)
        return 0;
    if (!w->vc)
        w->vc = xmlSchemaNewValidCtxt(schema);
    ok = w->vc && xmlSchemaValidateDoc(w->vc, doc) == 0;
    xmlFreeDoc(doc);
    return ok;
}

static void *work(void *arg)
{
    worker *w = arg;

    for (size_t i = w->first; i < n_names; i += w->step) {
        size_t len = 0, nl = strlen(names[i]);
        double t0 = clock_of(CLOCK_THREAD_CPUTIME_ID);
        char *buf = slurp(names[i], &len);
        int xml = nl > 4 && strcmp(names[i] + nl - 4, ".xml") == 0;

        if (!buf || !(xml ? xml_valid(w, buf, len) : yaml_events(buf, len)))
            w->failed = 1;
        free(buf);
        *(xml ? &w->xml_cpu : &w->yaml_cpu) +=
            clock_of(CLOCK_THREAD_CPUTIME_ID) - t0;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    worker w[MAX_THREADS];
    char line[4096];
    size_t cap = 0;
    int threads;
    double t0, yaml_cpu = 0, xml_cpu = 0;
    int failed = 0;
    xmlSchemaParserCtxtPtr pc;

    if (argc != 3 || (threads = atoi(argv[2])) < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "usage: lpc-floor SCHEMA.xsd THREADS < FILES\n");
        return 2;
    }
    xmlInitParser();
    pc = xmlSchemaNewParserCtxt(argv[1]);
    schema = pc ? xmlSchemaParse(pc) : NULL;
    xmlSchemaFreeParserCtxt(pc);
    if (!schema) {
        fprintf(stderr, "lpc-floor: cannot load %s\n", argv[1]);
        return 3;
    }
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\n")] = '\0';
        if (n_names == cap) {
            cap = cap ? 2 * cap : 1024;
            names = realloc(names, cap * sizeof(*names));
            if (!names)
                return 3;
        }
        if (!(names[n_names++] = strdup(line)))
            return 3;
    }
    t0 = clock_of(CLOCK_MONOTONIC);
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){ .first = (size_t)i, .step = (size_t)threads };
        if (pthread_create(&w[i].tid, NULL, work, &w[i]) != 0)
            return 3;
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(w[i].tid, NULL);
        xmlSchemaFreeValidCtxt(w[i].vc);
        yaml_cpu += w[i].yaml_cpu;
        xml_cpu += w[i].xml_cpu;
        failed |= w[i].failed;
    }
    printf("floor.time=%.3f\nfloor.cpu=%.3f\nfloor.yaml_cpu=%.3f\n"
           "floor.xml_cpu=%.3f\nfloor.files=%zu\n",
           clock_of(CLOCK_MONOTONIC) - t0, yaml_cpu + xml_cpu, yaml_cpu,
           xml_cpu, n_names);
    if (failed)
        fprintf(stderr, "lpc-floor: some files did not parse or validate\n");
    return failed;
}
