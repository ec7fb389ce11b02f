/*
 * peers.c — load OpenBLAS and BLIS in their best configuration (peers.h).
 *
 * Candidates per library: its own auto-detection (configuration variables
 * unset), the environment this process inherited (when it sets any), and
 * each kernel family this CPU can execute, forced by name.  Each candidate is
 * timed in a child process on one square and one autoencoder shape; the
 * fastest wins.  Nothing about a particular CPU is assumed: on a CPU the
 * library recognises, auto-detection usually wins; on one it does not, a
 * forced family does.
 */
#define _GNU_SOURCE
#include "peers.h"
#include "util.h"
#include "../simd/cpu.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

extern char **environ;

/* ---- the libraries' C ABIs (declared here: no peer header is needed) ---- */

enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };
typedef void (*cblas_sgemm_fn)(int order, int ta, int tb, int m, int n, int k, float alpha,
                               const float *A, int lda, const float *B, int ldb, float beta,
                               float *C, int ldc);

static cblas_sgemm_fn g_cblas[AEB_NPEERS];
static void (*g_openblas_set_threads)(int);
static void (*g_bli_set_threads)(int64_t); /* dim_t; 64-bit in BLIS's default build */
static const char *(*g_bli_arch_string)(int);

static void cblas_call(aeb_peer_id id, aek_trans ta, aek_trans tb, int m, int n, int k,
                       float alpha, const float *A, int lda, const float *B, int ldb, float beta,
                       float *C, int ldc)
{
    g_cblas[id](CBLAS_ROW_MAJOR, ta == AEK_T ? CBLAS_TRANS : CBLAS_NO_TRANS,
                tb == AEK_T ? CBLAS_TRANS : CBLAS_NO_TRANS, m, n, k, alpha, A, lda, B, ldb, beta,
                C, ldc);
}

static void openblas_sgemm(aek_trans ta, aek_trans tb, int m, int n, int k, float alpha,
                           const float *A, int lda, const float *B, int ldb, float beta, float *C,
                           int ldc)
{
    cblas_call(AEB_OPENBLAS, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

static void blis_sgemm(aek_trans ta, aek_trans tb, int m, int n, int k, float alpha,
                       const float *A, int lda, const float *B, int ldb, float beta, float *C,
                       int ldc)
{
    cblas_call(AEB_BLIS, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

static void openblas_threads(int n) { g_openblas_set_threads(n); }
static void blis_threads(int n) { g_bli_set_threads((int64_t)n); }

/* The pthread build of OpenBLAS is the one Debian's libopenblas-dev selects;
 * BLIS is whichever threading variant libblis.so.4 points to. */
static const char *const openblas_files[] = {"libopenblas.so.0", "libopenblas.so", NULL};
static const char *const blis_files[] = {"libblis.so.4", "libblis.so", NULL};

static void *sym(void *h, const char *name, aeb_peer *p)
{
    void *s = dlsym(h, name);
    if (!s && p->present)
        snprintf(p->status, sizeof p->status, "absent: %s has no symbol %s", p->path, name);
    if (!s)
        p->present = 0;
    return s;
}

/* dlopen the peer with the environment as it is now. */
static int peer_load(aeb_peer *p)
{
    const char *const *files = p->id == AEB_OPENBLAS ? openblas_files : blis_files;
    void *h = NULL;
    for (int i = 0; files[i] && !h; i++)
        h = dlopen(files[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(p->status, sizeof p->status, "absent: %s not loadable (%s)", files[0], dlerror());
        p->present = 0;
        return 0;
    }
    p->present = 1;
    void *s = dlsym(h, "cblas_sgemm");
    Dl_info info;
    if (s && dladdr(s, &info) && info.dli_fname) {
        char *real = realpath(info.dli_fname, NULL);
        snprintf(p->path, sizeof p->path, "%s", real ? real : info.dli_fname);
        free(real);
    }
    g_cblas[p->id] = (cblas_sgemm_fn)sym(h, "cblas_sgemm", p);
    if (p->id == AEB_OPENBLAS) {
        g_openblas_set_threads = (void (*)(int))sym(h, "openblas_set_num_threads", p);
        const char *(*corename)(void) = (const char *(*)(void))sym(h, "openblas_get_corename", p);
        const char *(*config)(void) = (const char *(*)(void))sym(h, "openblas_get_config", p);
        if (!p->present)
            return 0;
        snprintf(p->kernel, sizeof p->kernel, "%s", corename());
        snprintf(p->version, sizeof p->version, "%s", config());
        p->sgemm = openblas_sgemm;
        p->set_threads = openblas_threads;
    } else {
        void (*init)(void) = (void (*)(void))sym(h, "bli_init", p);
        int (*query)(void) = (int (*)(void))sym(h, "bli_arch_query_id", p);
        g_bli_arch_string = (const char *(*)(int))sym(h, "bli_arch_string", p);
        g_bli_set_threads = (void (*)(int64_t))sym(h, "bli_thread_set_num_threads", p);
        const char *(*version)(void) = (const char *(*)(void))sym(h, "bli_info_get_version_str", p);
        if (!p->present)
            return 0;
        init(); /* the architecture is chosen here (BLIS_ARCH_TYPE is read) */
        snprintf(p->kernel, sizeof p->kernel, "%s", g_bli_arch_string(query()));
        snprintf(p->version, sizeof p->version, "BLIS %s", version());
        p->sgemm = blis_sgemm;
        p->set_threads = blis_threads;
    }
    snprintf(p->status, sizeof p->status, "ok");
    return 1;
}

static void peer_init(aeb_peer *p, aeb_peer_id id)
{
    memset(p, 0, sizeof *p);
    p->id = id;
    p->name = id == AEB_OPENBLAS ? "OpenBLAS" : "BLIS";
    p->key = id == AEB_OPENBLAS ? "openblas" : "blis";
}

/* ---- probe: the child side ------------------------------------------------ */

/* GFLOP/s of one thread: geometric mean over one square and one autoencoder
 * shape, each from the fastest of a few calls after a warm-up call.  The
 * fastest, not the median: the probes pick a configuration, and on a shared
 * machine other processes only ever slow a call down. */
static double probe_score(aeb_peer *p, int quick)
{
    static const int full[2][3] = {{1024, 1024, 1024}, {256, 784, 1000}};
    static const int small[2][3] = {{512, 512, 512}, {128, 784, 256}};
    const int(*shapes)[3] = quick ? small : full;
    const int reps = quick ? 3 : 5;
    p->set_threads(1);
    double logsum = 0;
    for (int s = 0; s < 2; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        float *A = aeb_alloc((size_t)m * k), *B = aeb_alloc((size_t)k * n);
        float *C = aeb_alloc((size_t)m * n);
        aeb_fill(A, (size_t)m * k, 1);
        aeb_fill(B, (size_t)k * n, 2);
        double best = 1e30;
        for (int r = -1; r < reps; r++) {
            double t0 = aeb_now();
            p->sgemm(AEK_N, AEK_N, m, n, k, 1.0f, A, k, B, n, 0.0f, C, n);
            double t = aeb_now() - t0;
            if (r >= 0 && t < best)
                best = t;
        }
        logsum += log(2.0 * m * n * k / best / 1e9);
        free(A);
        free(B);
        free(C);
    }
    return exp(logsum / 2);
}

int aeb_peer_probe_main(int argc, char **argv)
{
    const char *which = NULL;
    int list = 0, quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--probe") && i + 1 < argc)
            which = argv[++i];
        else if (!strcmp(argv[i], "--list-archs"))
            list = 1;
        else if (!strcmp(argv[i], "--quick"))
            quick = 1;
    }
    aeb_peer p;
    peer_init(&p, which && !strcmp(which, "blis") ? AEB_BLIS : AEB_OPENBLAS);
    alarm(120); /* a wedged library must not hang the whole bench */
    if (!peer_load(&p)) {
        printf("absent %s\n", p.status);
        return 3;
    }
    printf("lib %s\nversion %s\nkernel %s\n", p.path, p.version, p.kernel);
    if (list && p.id == AEB_BLIS) {
        /* BLIS's architecture table ends with "generic" (its arch_t enum puts
         * it last), so walking up to it stays inside the table. */
        for (int id = 0; id < 64; id++) {
            const char *s = g_bli_arch_string(id);
            if (!s)
                break;
            printf("arch %d %s\n", id, s);
            if (!strcmp(s, "generic"))
                break;
        }
    }
    fflush(stdout);
    printf("gflops %.3f\n", probe_score(&p, quick));
    return 0;
}

/* ---- probe: the parent side ----------------------------------------------- */

typedef struct {
    char label[128];     /* how the report names this candidate             */
    char set[2][48];     /* NAME=VALUE put into the child's environment      */
    const char *unset[3];/* variables removed from the child's environment   */
} candidate;

typedef struct {
    int ok;
    double gflops;
    char kernel[64];
    char err[160];
    char arch_names[64][24]; /* BLIS: id -> name, from --list-archs */
    int n_archs;
} probe_result;

static int env_named(const char *entry, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(entry, name, n) && entry[n] == '=';
}

static int candidate_touches(const candidate *c, const char *entry)
{
    for (int i = 0; i < 3 && c->unset[i]; i++)
        if (env_named(entry, c->unset[i]))
            return 1;
    for (int i = 0; i < 2 && c->set[i][0]; i++) {
        size_t n = strcspn(c->set[i], "=");
        if (!strncmp(entry, c->set[i], n) && entry[n] == '=')
            return 1;
    }
    return 0;
}

static void run_probe(aeb_peer_id id, const candidate *c, int list, int quick, probe_result *r)
{
    memset(r, 0, sizeof *r);
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 3, sizeof *env);
    size_t e = 0;
    for (size_t i = 0; i < n; i++)
        if (!candidate_touches(c, environ[i]))
            env[e++] = environ[i];
    for (int i = 0; i < 2; i++)
        if (c->set[i][0])
            env[e++] = (char *)c->set[i];
    env[e] = NULL;

    char *argv[6];
    int a = 0;
    argv[a++] = "aekit_bench";
    argv[a++] = "--probe";
    argv[a++] = id == AEB_BLIS ? "blis" : "openblas";
    if (list)
        argv[a++] = "--list-archs";
    if (quick)
        argv[a++] = "--quick";
    argv[a] = NULL;

    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(r->err, sizeof r->err, "pipe failed");
        free(env);
        return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_addclose(&fa, fd[1]);
    /* a library refusing a forced architecture explains itself on stderr;
     * the exit status is what counts here */
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    close(fd[1]);
    if (rc != 0) {
        snprintf(r->err, sizeof r->err, "could not start a probe (%s)", strerror(rc));
        close(fd[0]);
        return;
    }
    char out[8192];
    size_t used = 0;
    ssize_t got;
    while ((got = read(fd[0], out + used, sizeof out - 1 - used)) > 0)
        used += (size_t)got;
    out[used] = '\0';
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);

    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        int aid;
        char name[24];
        if (!strncmp(line, "kernel ", 7))
            snprintf(r->kernel, sizeof r->kernel, "%s", line + 7);
        else if (!strncmp(line, "gflops ", 7))
            r->gflops = atof(line + 7), r->ok = 1;
        else if (!strncmp(line, "absent ", 7))
            snprintf(r->err, sizeof r->err, "%s", line + 7);
        else if (sscanf(line, "arch %d %23s", &aid, name) == 2 && aid >= 0 && aid < 64) {
            snprintf(r->arch_names[aid], sizeof r->arch_names[aid], "%s", name);
            if (aid + 1 > r->n_archs)
                r->n_archs = aid + 1;
        }
    }
    if (WIFSIGNALED(status)) {
        r->ok = 0;
        snprintf(r->err, sizeof r->err, "probe died (signal %d: %s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        r->ok = 0;
        if (!r->err[0])
            snprintf(r->err, sizeof r->err, "probe failed (exit %d)", WEXITSTATUS(status));
    }
}

/* ---- which forced kernel families this CPU can execute ------------------- */

enum { NEED_NONE, NEED_AVX2, NEED_AVX512, NEED_AVX512BF16, NEED_ASIMD };

static int cpu_can(int need)
{
    const aek_cpu_info *c = aek_cpu();
    int avx2 = c->avx2 && c->fma && c->os_ymm;
    int avx512 = avx2 && c->avx512f && c->avx512bw && c->avx512dq && c->avx512vl && c->os_zmm;
    switch (need) {
    case NEED_AVX2: return avx2;
    case NEED_AVX512: return avx512;
    case NEED_AVX512BF16: {
#if defined(__x86_64__)
        unsigned a, b, cc, d;
        return avx512 && __get_cpuid_count(7, 1, &a, &b, &cc, &d) && (a >> 5 & 1);
#else
        return 0;
#endif
    }
    case NEED_ASIMD: return c->asimd;
    default: return 1;
    }
}

typedef struct {
    const char *name;
    int need;
} family;

/* OpenBLAS DYNAMIC_ARCH core types (OPENBLAS_CORETYPE names). */
static const family openblas_families[] = {
    {"Cooperlake", NEED_AVX512BF16}, {"SkylakeX", NEED_AVX512}, {"Zen", NEED_AVX2},
    {"Haswell", NEED_AVX2},          {"NeoverseN1", NEED_ASIMD}, {"ARMV8", NEED_ASIMD},
};

/* BLIS sub-configurations (names from bli_arch_string; BLIS 0.9 takes the
 * numeric id in BLIS_ARCH_TYPE, looked up at run time from the library). */
static const family blis_families[] = {
    {"skx", NEED_AVX512},     {"zen3", NEED_AVX2},       {"zen2", NEED_AVX2},
    {"zen", NEED_AVX2},       {"haswell", NEED_AVX2},    {"firestorm", NEED_ASIMD},
    {"thunderx2", NEED_ASIMD}, {"cortexa57", NEED_ASIMD},
};

/* ---- choosing ------------------------------------------------------------- */

static void apply_env(const candidate *c)
{
    for (int i = 0; i < 3 && c->unset[i]; i++)
        unsetenv(c->unset[i]);
    for (int i = 0; i < 2; i++)
        if (c->set[i][0]) {
            char name[48];
            size_t n = strcspn(c->set[i], "=");
            snprintf(name, sizeof name, "%.*s", (int)n, c->set[i]);
            setenv(name, c->set[i] + n + 1, 1);
        }
}

/* The configuration variables as a candidate would leave them. */
static void describe_env(const char *const vars[], char *out, size_t len)
{
    out[0] = '\0';
    for (int i = 0; vars[i]; i++) {
        const char *v = getenv(vars[i]);
        aeb_append(out, len, "%s%s=%s", i ? " " : "", vars[i], v ? v : "(unset)");
    }
}

static void report_probe(const candidate *c, const probe_result *r, int round)
{
    if (r->ok)
        fprintf(stderr, "bench:   %-56s %-11s %7.1f GFLOP/s%s\n", c->label, r->kernel, r->gflops,
                round ? " (again)" : "");
    else
        fprintf(stderr, "bench:   %-56s %s\n", c->label, r->err);
}

/* The candidates after auto-detection: each kernel family this CPU can
 * execute, unless auto-detection already chose it.  Returns the new count. */
static int add_forced(const aeb_peer *p, const probe_result *autodet, candidate *cand, int nc,
                      int max)
{
    const family *fam = p->id == AEB_OPENBLAS ? openblas_families : blis_families;
    size_t nfam = p->id == AEB_OPENBLAS ? sizeof openblas_families / sizeof *fam
                                        : sizeof blis_families / sizeof *fam;
    for (size_t f = 0; f < nfam && nc < max; f++) {
        if (!cpu_can(fam[f].need) || (autodet->ok && !strcasecmp(autodet->kernel, fam[f].name)))
            continue;
        candidate *c = &cand[nc];
        memset(c, 0, sizeof *c);
        if (p->id == AEB_OPENBLAS) {
            snprintf(c->set[0], sizeof c->set[0], "OPENBLAS_CORETYPE=%s", fam[f].name);
            c->unset[0] = "OPENBLAS_L2_SIZE";
            snprintf(c->label, sizeof c->label, "forced %s OPENBLAS_L2_SIZE=(unset)", c->set[0]);
        } else {
            int id = -1;
            for (int a = 0; a < autodet->n_archs; a++)
                if (!strcmp(autodet->arch_names[a], fam[f].name))
                    id = a;
            if (id < 0)
                continue; /* this BLIS does not know the family */
            snprintf(c->set[0], sizeof c->set[0], "BLIS_ARCH_TYPE=%d", id);
            snprintf(c->label, sizeof c->label, "forced %s (%s)", c->set[0], fam[f].name);
        }
        nc++;
    }
    return nc;
}

static void choose(aeb_peer *p, int quick)
{
    static const char *const ob_vars[] = {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", NULL};
    static const char *const bl_vars[] = {"BLIS_ARCH_TYPE", NULL};
    const char *const *vars = p->id == AEB_OPENBLAS ? ob_vars : bl_vars;
    enum { MAXC = 16 };
    candidate cand[MAXC];
    probe_result res[MAXC];
    int nc = 0;

    /* 1. the library's own detection (for BLIS this probe also lists the
     *    architecture ids, needed to force one) */
    memset(&cand[nc], 0, sizeof cand[nc]);
    snprintf(cand[nc].label, sizeof cand[nc].label, "auto-detect");
    for (int i = 0; vars[i]; i++)
        cand[nc].unset[i] = vars[i];
    nc++;
    /* 2. the environment as inherited, if it configures the library */
    int inherited = 0;
    for (int i = 0; vars[i]; i++)
        inherited |= getenv(vars[i]) != NULL;
    if (inherited) {
        memset(&cand[nc], 0, sizeof cand[nc]);
        char d[96];
        describe_env(vars, d, sizeof d);
        snprintf(cand[nc].label, sizeof cand[nc].label, "inherited %s", d);
        nc++;
    }

    fprintf(stderr, "bench: choosing the %s configuration (1 thread, GFLOP/s of %s):\n", p->name,
            quick ? "512^3 and 128x784x256" : "1024^3 and 256x784x1000");
    run_probe(p->id, &cand[0], p->id == AEB_BLIS, quick, &res[0]);
    if (!res[0].ok && !strncmp(res[0].err, "absent", 6)) {
        snprintf(p->status, sizeof p->status, "%s", res[0].err);
        snprintf(p->probes, sizeof p->probes, "not installed");
        p->present = 0;
        return;
    }
    /* 3. forced kernel families */
    nc = add_forced(p, &res[0], cand, nc, MAXC);

    /* Every candidate once, and in full mode all of them twice more in the
     * same order, keeping each one's best score: a burst of load from
     * another process then cannot decide the choice on its own (with two
     * rounds, a loaded machine once picked BLIS's zen3 kernels over skx,
     * which is ~1.8x faster here when the machine is quiet). */
    const int rounds = quick ? 1 : 3;
    for (int round = 0; round < rounds; round++)
        for (int i = 0; i < nc; i++) {
            probe_result r;
            if (round == 0 && i == 0)
                r = res[0];
            else
                run_probe(p->id, &cand[i], 0, quick, &r);
            if (round == 0)
                res[i] = r;
            else if (r.ok && (!res[i].ok || r.gflops > res[i].gflops))
                res[i].ok = 1, res[i].gflops = r.gflops;
            else if (!r.ok)
                continue;
            report_probe(&cand[i], &r, round);
        }

    int best = -1;
    p->probes[0] = '\0';
    for (int i = 0; i < nc; i++) {
        if (res[i].ok)
            aeb_append(p->probes, sizeof p->probes, "%s%s -> %s %.1f GFLOP/s", i ? "; " : "",
                       cand[i].label, res[i].kernel, res[i].gflops);
        else
            aeb_append(p->probes, sizeof p->probes, "%s%s -> %s", i ? "; " : "", cand[i].label,
                       res[i].err);
        if (res[i].ok && (best < 0 || res[i].gflops > res[best].gflops))
            best = i;
    }
    if (best < 0) {
        snprintf(p->status, sizeof p->status, "absent: no configuration ran (%s)", res[0].err);
        p->present = 0;
        return;
    }
    apply_env(&cand[best]);
    char d[128];
    describe_env(vars, d, sizeof d);
    snprintf(p->config, sizeof p->config, "%s (%s)", d, cand[best].label);
    if (p->id == AEB_OPENBLAS && !getenv("OPENBLAS_THREAD_TIMEOUT")) {
        /* OpenBLAS's idle workers spin for 2^28 cycles (~0.1 s) after a
         * call before they sleep: with interleaved benchmarks that spin
         * lands on whichever benchmark runs next (measured: aekit 2-thread
         * 9-15% slower right after an OpenBLAS run).  2^20 cycles (~0.5 ms)
         * still dwarfs the gap between the back-to-back calls of its own
         * timed loop, so its figures are unaffected. */
        setenv("OPENBLAS_THREAD_TIMEOUT", "20", 1);
        aeb_append(p->config, sizeof p->config, " OPENBLAS_THREAD_TIMEOUT=20");
    }
    if (!peer_load(p))
        return;
    if (strcmp(p->kernel, res[best].kernel) != 0)
        fprintf(stderr, "bench: warning: %s loaded as %s, its probe ran %s\n", p->name, p->kernel,
                res[best].kernel);
    fprintf(stderr, "bench:   chosen: %s -> %s\n", cand[best].label, p->kernel);
}

/* ---- checking the results against aek_sgemm ------------------------------ */

/* Differences in units of (|op(A)|·|op(B)|)_ij, the magnitude that rounding
 * errors scale with, so near-zero entries of C do not inflate them:
 *   d[0] = max |C_peer - C_aekit|,  d[1] = max |C_aekit - C_exact|,
 *   d[2] = max |C_peer - C_exact|   (C_exact accumulated in double). */
static void scaled_diffs(aek_trans ta, aek_trans tb, int m, int n, int k, const float *A, int lda,
                         const float *B, int ldb, const float *Caek, const float *Cpeer,
                         double d[3])
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0, exact = 0;
            for (int p = 0; p < k; p++) {
                float a = ta == AEK_N ? A[(size_t)i * lda + p] : A[(size_t)p * lda + i];
                float b = tb == AEK_N ? B[(size_t)p * ldb + j] : B[(size_t)j * ldb + p];
                exact += (double)a * b;
                s += fabs((double)a * b);
            }
            s = s > 0 ? s : 1;
            double ca = Caek[(size_t)i * n + j], cp = Cpeer[(size_t)i * n + j];
            double r[3] = {fabs(cp - ca) / s, fabs(ca - exact) / s, fabs(cp - exact) / s};
            for (int q = 0; q < 3; q++)
                if (!(r[q] <= d[q])) /* NaN sticks */
                    d[q] = r[q];
        }
}

static void check(aeb_peer *p, const aek_kernel_set *ks, int threads)
{
    /* no dimension a multiple of a register tile; the second k is beyond
     * every library's k-block, so the summation orders differ */
    static const int shapes[2][3] = {{97, 131, 257}, {67, 201, 1031}};
    static const aek_trans tr[3][2] = {{AEK_N, AEK_N}, {AEK_N, AEK_T}, {AEK_T, AEK_N}};
    double d[3] = {0, 0, 0}, bound = 0;
    aek_set_num_threads(threads);
    p->set_threads(threads);
    for (int s = 0; s < 2; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        float *A = aeb_alloc((size_t)m * k), *B = aeb_alloc((size_t)k * n);
        float *C1 = aeb_alloc((size_t)m * n), *C2 = aeb_alloc((size_t)m * n);
        aeb_fill(A, (size_t)m * k, 11 + s);
        aeb_fill(B, (size_t)k * n, 13 + s);
        for (int t = 0; t < 3; t++) {
            aek_trans ta = tr[t][0], tb = tr[t][1];
            int lda = ta == AEK_N ? k : m, ldb = tb == AEK_N ? n : k;
            aek_sgemm_with(ks, ta, tb, (size_t)m, (size_t)n, (size_t)k, 1.0f, A, (size_t)lda, B,
                           (size_t)ldb, 0.0f, C1, (size_t)n, NULL);
            p->sgemm(ta, tb, m, n, k, 1.0f, A, lda, B, ldb, 0.0f, C2, n);
            scaled_diffs(ta, tb, m, n, k, A, lda, B, ldb, C1, C2, d);
        }
        /* each side's error is at most k·u·(|A||B|) (u = 2^-24) */
        if (2.0 * k * ldexp(1.0, -24) > bound)
            bound = 2.0 * k * ldexp(1.0, -24);
        free(A), free(B), free(C1), free(C2);
    }
    snprintf(p->check, sizeof p->check,
             "max |C_%s - C_aekit| = %.2e (bound 2k*2^-24 = %.1e); vs exact: aekit %.2e, %s %.2e; "
             "in units of |A||B|, NN/NT/TN at 97x131x257 and 67x201x1031, %d threads",
             p->key, d[0], bound, d[1], p->key, d[2], threads);
    if (!(d[0] <= bound)) {
        p->present = 0;
        snprintf(p->status, sizeof p->status,
                 "rejected: results differ from aek_sgemm (%.2e > %.1e): misconfigured call?",
                 d[0], bound);
    }
    fprintf(stderr, "bench:   check vs aek_sgemm: %.2e (bound %.1e; vs exact: aekit %.2e, %s %.2e) %s\n",
            d[0], bound, d[1], p->name, d[2], p->present ? "ok" : "REJECTED");
}

void aeb_peers_setup(aeb_peer peers[AEB_NPEERS], int quick, const aek_kernel_set *ks, int threads)
{
    for (int i = 0; i < AEB_NPEERS; i++) {
        peer_init(&peers[i], (aeb_peer_id)i);
        choose(&peers[i], quick);
        if (peers[i].present)
            check(&peers[i], ks, threads);
        else
            fprintf(stderr, "bench:   %s: %s\n", peers[i].name, peers[i].status);
    }
}

void aeb_peers_skip(aeb_peer peers[AEB_NPEERS], const char *status)
{
    for (int i = 0; i < AEB_NPEERS; i++) {
        peer_init(&peers[i], (aeb_peer_id)i);
        snprintf(peers[i].status, sizeof peers[i].status, "%s", status);
    }
}
