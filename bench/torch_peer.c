/* torch_peer.c — see torch_peer.h. */
#define _GNU_SOURCE
#include "torch_peer.h"
#include "util.h"
#include "../simd/cpu.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The environment of the child: ours, with OMP_WAIT_POLICY=PASSIVE and the
 * candidate's ATEN_CPU_CAPABILITY (NULL: unset, torch's own choice). */
static char **child_env(const char *capability, char *buf1, char *buf2)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 3, sizeof *env);
    if (!env)
        return NULL;
    size_t e = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "OMP_WAIT_POLICY=", 16) &&
            strncmp(environ[i], "ATEN_CPU_CAPABILITY=", 20))
            env[e++] = environ[i];
    snprintf(buf1, 64, "OMP_WAIT_POLICY=PASSIVE");
    env[e++] = buf1;
    if (capability) {
        snprintf(buf2, 64, "ATEN_CPU_CAPABILITY=%s", capability);
        env[e++] = buf2;
    }
    env[e] = NULL;
    return env;
}

static int start(aeb_torch *t, const char *python, const char *script, const char *logpath,
                 const char *capability)
{
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) {
        snprintf(t->status, sizeof t->status, "absent: pipe failed");
        return 0;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    char b1[64], b2[64];
    char **env = child_env(capability, b1, b2);
    char *argv[] = {(char *)python, "-u", (char *)script, NULL};
    int rc = env ? posix_spawn(&t->pid, python, &fa, NULL, argv, env) : ENOMEM;
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
        snprintf(t->status, sizeof t->status, "absent: cannot run %s (%s)", python, strerror(rc));
        close(in[1]);
        close(out[0]);
        t->pid = 0;
        return 0;
    }
    t->to = fdopen(in[1], "w");
    t->from = fdopen(out[0], "r");
    t->present = 1;
    return 1;
}

/* The last non-empty line of the child's log, for a status message. */
static void last_log_line(const char *logpath, char *out, size_t len)
{
    FILE *f = fopen(logpath, "r");
    char line[512];
    out[0] = '\0';
    if (!f)
        return;
    while (fgets(line, sizeof line, f))
        if (strspn(line, " \t\r\n") < strlen(line)) {
            line[strcspn(line, "\r\n")] = '\0';
            snprintf(out, len, "%s", line);
        }
    fclose(f);
}

const char *aeb_reply_get(const aeb_reply *r, const char *key)
{
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->key[i], key))
            return r->val[i];
    return NULL;
}

int aeb_torch_call(aeb_torch *t, const char *request, aeb_reply *r)
{
    r->n = 0;
    if (!t->present || !t->to)
        return -1;
    if (fprintf(t->to, "%s\n", request) < 0 || fflush(t->to) != 0)
        goto gone;
    char line[1200];
    for (;;) {
        if (!fgets(line, sizeof line, t->from))
            goto gone;
        line[strcspn(line, "\n")] = '\0';
        if (!strcmp(line, "."))
            break;
        if (r->n < 16) {
            size_t k = strcspn(line, " ");
            snprintf(r->key[r->n], sizeof r->key[r->n], "%.*s", (int)(k < 31 ? k : 31), line);
            snprintf(r->val[r->n], sizeof r->val[r->n], "%s", line[k] ? line + k + 1 : "");
            r->n++;
        }
    }
    /* the child's BLAS workers spin on after its work (bench/util.h) */
    aeb_settle(t->pid, 1.0);
    return aeb_reply_get(r, "error") ? 1 : 0;
gone:
    t->present = 0;
    char why[256];
    last_log_line(t->log, why, sizeof why);
    snprintf(t->status, sizeof t->status, "absent: the PyTorch process ended (%s)",
             why[0] ? why : "no message");
    return -1;
}

void aeb_torch_stop(aeb_torch *t)
{
    if (t->to) {
        fprintf(t->to, "{\"op\": \"quit\"}\n");
        fclose(t->to);
        t->to = NULL;
    }
    if (t->from) {
        fclose(t->from);
        t->from = NULL;
    }
    if (t->pid > 0) {
        int st;
        waitpid(t->pid, &st, 0);
        t->pid = 0;
    }
}

/* Start a child with one configuration and load the data; 1 on success. */
static int start_loaded(aeb_torch *t, const char *python, const char *script, const char *data,
                        const char *capability)
{
    if (!start(t, python, script, t->log, capability))
        return 0;
    char req[4200];
    aeb_reply r;
    snprintf(req, sizeof req, "{\"op\": \"load\", \"path\": \"%s\"}", data);
    int rc = aeb_torch_call(t, req, &r);
    if (rc == 0)
        return 1;
    if (rc > 0)
        snprintf(t->status, sizeof t->status, "absent: %s", aeb_reply_get(&r, "error"));
    aeb_torch_stop(t);
    t->present = 0;
    return 0;
}

/* Seconds per step of the probe request with Adam's foreach = fe, best of
 * two calls after a warm-up call; < 0 on failure. */
static double probe_time(aeb_torch *t, const char *probe, const char *fe)
{
    double best = -1;
    char req[4200];
    const char *at = strstr(probe, "%s"); /* where the foreach value goes */
    if (!at)
        return -1;
    snprintf(req, sizeof req, "%.*s%s%s", (int)(at - probe), probe, fe, at + 2);
    aeb_reply r;
    for (int i = 0; i < 3; i++) {
        if (aeb_torch_call(t, req, &r) != 0)
            return -1;
        const char *s = aeb_reply_get(&r, "step_s");
        double v = s ? atof(s) : -1;
        if (i > 0 && v > 0 && (best < 0 || v < best))
            best = v;
    }
    return best;
}

void aeb_torch_setup(aeb_torch *t, const char *python, const char *script, const char *scratch,
                     const char *data, const char *probe)
{
    memset(t, 0, sizeof *t);
    snprintf(t->log, sizeof t->log, "%s/torch.log", scratch);
    if (access(script, R_OK) != 0) {
        snprintf(t->status, sizeof t->status, "absent: %s not found", script);
        return;
    }
    /* Candidates for torch's own element-wise kernels: its default choice and
     * every capability level this CPU executes (torch 1.13 defaults to AVX2
     * even where AVX-512 runs).  Each is a fresh process: the variable is
     * read once, at import. */
    const aek_cpu_info *c = aek_cpu();
    const char *cands[3] = {NULL, NULL, NULL};
    int nc = 1;
    if (probe) {
        if (c->avx512f && c->avx512bw && c->avx512dq && c->avx512vl && c->os_zmm)
            cands[nc++] = "avx512";
        if (c->avx2 && c->fma && c->os_ymm)
            cands[nc++] = "avx2";
    }
    /* Adam's foreach (multi-tensor) path is a run-time argument: both are
     * timed in every candidate process (torch 1.13's is several times
     * slower on CPU than its per-tensor loop, measured). */
    static const char *const fes[2] = {"null", "true"};
    int best = -1, best_fe = 0;
    double best_t = 0;
    t->probes[0] = '\0';
    snprintf(t->foreach, sizeof t->foreach, "null");
    if (probe)
        fprintf(stderr, "bench: choosing the PyTorch configuration (1 thread, ms per training "
                        "step of the plain AE):\n");
    for (int i = 0; i < nc; i++) {
        const char *label = cands[i] ? cands[i] : "torch default";
        if (!start_loaded(t, python, script, data, cands[i])) {
            aeb_append(t->probes, sizeof t->probes, "%s%s: %s", i ? "; " : "", label, t->status);
            if (i == 0)
                return; /* not even the default starts: absent */
            continue;
        }
        if (!probe) {
            best = 0;
            break;
        }
        for (int f = 0; f < 2; f++) {
            double s = probe_time(t, probe, fes[f]);
            const char *cap = cands[i] ? cands[i] : "(unset)";
            if (s > 0)
                fprintf(stderr, "bench:   ATEN_CPU_CAPABILITY=%-8s Adam foreach=%-5s %7.2f ms\n",
                        cap, fes[f], 1e3 * s);
            else
                fprintf(stderr, "bench:   ATEN_CPU_CAPABILITY=%-8s Adam foreach=%-5s failed\n", cap,
                        fes[f]);
            aeb_append(t->probes, sizeof t->probes, "%sATEN_CPU_CAPABILITY=%s foreach=%s -> %.2f ms/step",
                       i || f ? "; " : "", cap, fes[f], 1e3 * s);
            if (s > 0 && (best < 0 || s < best_t))
                best = i, best_fe = f, best_t = s;
        }
        aeb_torch_stop(t);
        t->present = 0;
    }
    if (best < 0) {
        snprintf(t->status, sizeof t->status, "absent: no configuration ran (%.340s)", t->probes);
        return;
    }
    if (probe && !start_loaded(t, python, script, data, cands[best]))
        return;
    snprintf(t->foreach, sizeof t->foreach, "%s", fes[best_fe]);
    aeb_reply r;
    if (aeb_torch_call(t, "{\"op\": \"info\"}", &r) != 0) {
        snprintf(t->status, sizeof t->status, "absent: no answer to info");
        aeb_torch_stop(t);
        t->present = 0;
        return;
    }
    const char *v = aeb_reply_get(&r, "version");
    snprintf(t->version, sizeof t->version, "%s", v ? v : "?");
    const char *env = aeb_reply_get(&r, "env");
    snprintf(t->config, sizeof t->config, "%.300s; torch.set_num_threads(n) and "
             "openblas_set_num_threads(n) per run; Adam foreach=%s%s",
             env ? env : "?", !strcmp(t->foreach, "null") ? "None (torch's default)" : "True",
             probe ? " (both chosen by timing)" : "");
    t->info[0] = '\0';
    static const char *const keys[] = {"python", "numpy", "cpu_capability", "blas", "openblas_core",
                                       "openblas_config", "interop_threads", "default_threads",
                                       "parallel_info"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *x = aeb_reply_get(&r, keys[i]);
        aeb_append(t->info, sizeof t->info, "%s%s: %s", i ? "; " : "", keys[i], x ? x : "?");
    }
    snprintf(t->status, sizeof t->status, "ok");
    fprintf(stderr, "bench:   PyTorch %s, %s\n", t->version, t->config);
}
