/* flags.c — the command-line flag parser (flags.h). */
#include "flags.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const flag *flags_find(const flag *f, size_t nf, const char *name)
{
    for (size_t i = 0; i < nf; i++)
        if (!strcmp(f[i].name, name))
            return &f[i];
    return NULL;
}

void flags_help(FILE *out, const char *cmd, const char *summary, const flag *f, size_t nf)
{
    fprintf(out, "usage: aekit %s [flags]\n\n%s\n\nflags:\n", cmd, summary);
    for (size_t i = 0; i < nf; i++) {
        char left[64];
        const char *arg = f[i].type == FLAG_BOOL ? "" :
                          f[i].type == FLAG_STRING ? " S" :
                          f[i].type == FLAG_DOUBLE ? " X" :
                          f[i].type == FLAG_CHOICE ? " C" : " N";
        snprintf(left, sizeof left, "--%s%s", f[i].name, arg);
        fprintf(out, "  %-24s %s", left, f[i].help);
        if (f[i].type == FLAG_CHOICE) {
            fprintf(out, " (");
            for (int c = 0; f[i].choices[c]; c++)
                fprintf(out, "%s%s", c ? "|" : "", f[i].choices[c]);
            fprintf(out, "; default %s)", f[i].choices[*(const int *)f[i].p]);
        }
        /* the table is built with the defaults in place, so show them; a
         * default outside the flag's range is "not given" (0 threads: the
         * environment or all CPUs), which the help text then describes —
         * "[0]" there read as a value the parser refuses */
        const int unset = (f[i].type == FLAG_INT || f[i].type == FLAG_SIZE) && f[i].lo != f[i].hi &&
                          ((f[i].type == FLAG_INT ? (double)*(const int *)f[i].p
                                                  : (double)*(const size_t *)f[i].p) < f[i].lo);
        switch (unset ? FLAG_BOOL : f[i].type) {
        case FLAG_INT: fprintf(out, " [%d]", *(const int *)f[i].p); break;
        case FLAG_SIZE: fprintf(out, " [%zu]", *(const size_t *)f[i].p); break;
        case FLAG_U64: fprintf(out, " [%llu]", (unsigned long long)*(const uint64_t *)f[i].p); break;
        case FLAG_DOUBLE: fprintf(out, " [%g]", *(const double *)f[i].p); break;
        case FLAG_STRING:
            if (*(const char *const *)f[i].p)
                fprintf(out, " [%s]", *(const char *const *)f[i].p);
            break;
        default: break;
        }
        fprintf(out, "\n");
    }
    fprintf(out, "  %-24s %s\n", "--help", "this text");
}

static int fail(const char *cmd, const char *msg, const char *name, const char *value)
{
    if (value)
        fprintf(stderr, "aekit %s: --%s: %s (got '%s')\n", cmd, name, msg, value);
    else
        fprintf(stderr, "aekit %s: --%s: %s\n", cmd, name, msg);
    fprintf(stderr, "run 'aekit %s --help' for the flags\n", cmd);
    return 2;
}

static int set_value(const char *cmd, flag *f, const char *v)
{
    char *end;
    errno = 0;
    switch (f->type) {
    case FLAG_BOOL:
        *(int *)f->p = 1;
        return 0;
    case FLAG_STRING:
        if (!*v)
            return fail(cmd, "needs a non-empty value", f->name, v);
        *(const char **)f->p = v;
        return 0;
    case FLAG_CHOICE:
        for (int c = 0; f->choices[c]; c++)
            if (!strcmp(v, f->choices[c])) {
                *(int *)f->p = c;
                return 0;
            }
        {
            char msg[256] = "must be one of";
            for (int c = 0; f->choices[c]; c++) {
                strncat(msg, c ? ", " : " ", sizeof msg - strlen(msg) - 1);
                strncat(msg, f->choices[c], sizeof msg - strlen(msg) - 1);
            }
            return fail(cmd, msg, f->name, v);
        }
    case FLAG_DOUBLE: {
        double d = strtod(v, &end);
        if (end == v || *end || errno || !isfinite(d))
            return fail(cmd, "is not a finite number", f->name, v);
        if (f->lo != f->hi && (d < f->lo || d > f->hi)) {
            char msg[128];
            snprintf(msg, sizeof msg, "must be in [%g, %g]", f->lo, f->hi);
            return fail(cmd, msg, f->name, v);
        }
        *(double *)f->p = d;
        return 0;
    }
    case FLAG_INT:
    case FLAG_SIZE:
    case FLAG_U64: {
        /* strtoull would skip the blanks and then take " -1" as 2^64 - 1 */
        if (isspace((unsigned char)*v))
            return fail(cmd, "is not an integer", f->name, v);
        if (*v == '-' && f->type != FLAG_INT)
            return fail(cmd, "must not be negative", f->name, v);
        unsigned long long u = 0;
        long long s = 0;
        if (f->type == FLAG_INT)
            s = strtoll(v, &end, 10);
        else
            u = strtoull(v, &end, 10);
        if (end == v || *end || errno)
            return fail(cmd, "is not an integer", f->name, v);
        double d = f->type == FLAG_INT ? (double)s : (double)u;
        if (f->lo != f->hi && (d < f->lo || d > f->hi)) {
            char msg[128];
            snprintf(msg, sizeof msg, "must be in %.0f..%.0f", f->lo, f->hi);
            return fail(cmd, msg, f->name, v);
        }
        if (f->type == FLAG_INT)
            *(int *)f->p = (int)s;
        else if (f->type == FLAG_SIZE)
            *(size_t *)f->p = (size_t)u;
        else
            *(uint64_t *)f->p = (uint64_t)u;
        return 0;
    }
    }
    return 2;
}

int flags_parse_only;

int flags_parse(const char *cmd, const char *summary, flag *f, size_t nf, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            flags_help(stdout, cmd, summary, f, nf);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0 || !a[2]) {
            fprintf(stderr, "aekit %s: unexpected argument '%s' (flags start with --)\n", cmd, a);
            fprintf(stderr, "run 'aekit %s --help' for the flags\n", cmd);
            return 2;
        }
        char name[64];
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
        if (len >= sizeof name)
            len = sizeof name - 1;
        memcpy(name, a + 2, len);
        name[len] = '\0';
        flag *fl = (flag *)flags_find(f, nf, name);
        if (!fl) {
            fprintf(stderr, "aekit %s: unknown flag --%s\n", cmd, name);
            fprintf(stderr, "run 'aekit %s --help' for the flags\n", cmd);
            return 2;
        }
        if (fl->seen && fl->type != FLAG_BOOL)
            return fail(cmd, "given more than once", name, NULL);
        fl->seen = 1;
        const char *v = NULL;
        if (fl->type == FLAG_BOOL) {
            if (eq)
                return fail(cmd, "takes no value", name, eq + 1);
        } else if (eq) {
            v = eq + 1;
        } else if (i + 1 < argc) {
            v = argv[++i];
            /* "--out --raw": the value forgotten, the next flag taken for it
             * (a file named --raw written, --raw dropped) */
            if (!strncmp(v, "--", 2) && v[2]) {
                char next[64];
                size_t nl = strcspn(v + 2, "=");
                snprintf(next, sizeof next, "%.*s", (int)(nl < sizeof next ? nl : sizeof next - 1),
                         v + 2);
                if (flags_find(f, nf, next) || !strcmp(next, "help")) {
                    char msg[128];
                    snprintf(msg, sizeof msg, "needs a value before the next flag --%s", next);
                    return fail(cmd, msg, name, NULL);
                }
            }
        } else {
            return fail(cmd, "needs a value", name, NULL);
        }
        int r = set_value(cmd, fl, v ? v : "");
        if (r)
            return r;
    }
    return flags_parse_only ? 1 : 0; /* the fuzzing hook (flags.h) */
}

int flags_size_list(const char *cmd, const char *flag_name, const char *s, size_t *out, int max,
                    size_t lo, size_t hi)
{
    int n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        if (*p == '-' || *p == '+' || *p == ' ') {
            fail(cmd, "is not a comma-separated list of positive integers", flag_name, s);
            return -1;
        }
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || errno || (*end && *end != ',')) {
            fail(cmd, "is not a comma-separated list of positive integers", flag_name, s);
            return -1;
        }
        if (v < lo || v > hi) {
            char msg[128];
            snprintf(msg, sizeof msg, "every entry must be in %zu..%zu", lo, hi);
            fail(cmd, msg, flag_name, s);
            return -1;
        }
        if (n == max) {
            char msg[64];
            snprintf(msg, sizeof msg, "at most %d entries", max);
            fail(cmd, msg, flag_name, s);
            return -1;
        }
        out[n++] = (size_t)v;
        p = *end ? end + 1 : end;
        if (*end == ',' && !*p) {
            fail(cmd, "ends with a comma", flag_name, s);
            return -1;
        }
    }
    if (n == 0)
        fail(cmd, "is empty", flag_name, s);
    return n ? n : -1;
}
