/*
 * main.c — aekit_bench: the benchmarks behind `make bench`.
 *
 *   aekit_bench [--quick] --out FILE.json [--context KEY=VALUE]... [--benchmark_*...]
 *
 * Measures, in one process and with all repetitions randomly interleaved:
 *   - the FMA peak of every kernel set this CPU executes, per thread count;
 *   - aek_sgemm with every such set, and OpenBLAS and BLIS (each in the best
 *     configuration found on this CPU), over the square and autoencoder
 *     shapes, NN/NT/TN, 1 and all threads.
 * Writes Google Benchmark JSON (through FILE.tmp + rename) whose context says
 * what ran where; bench/report.py turns it into bench.md.
 */
#define _GNU_SOURCE
#include "gbench_shim.h"
#include "peak.h"
#include "peers.h"
#include "sgemm.h"
#include "util.h"
#include "../simd/cpu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The autoencoder's own products: batch × hidden × input for the forward
 * pass (A = X·Wᵀ), the backward dH = dZ·W*, and the weight gradient
 * dW = dAᵀ·X, at (batch 128, hidden 256) and (batch 256, hidden 1000) on
 * 784-pixel inputs; plus squares for comparison with the literature. */
static const aeb_shape full_shapes[] = {
    {256, 256, 256},   {512, 512, 512},  {1024, 1024, 1024}, {2048, 2048, 2048},
    {128, 256, 784},   {128, 784, 256},  {256, 784, 128},
    {256, 1000, 784},  {256, 784, 1000}, {1000, 784, 256},
};
static const aeb_shape quick_shapes[] = {{512, 512, 512}, {128, 784, 256}};

static double flops_of(aeb_shape s) { return 2.0 * s.m * s.n * s.k; }
#define SCALAR_MAX_FLOPS 4e9

typedef struct {
    const char *name;
    const aeb_shape *shapes;
    int nshapes;
    int reps_ratio; /* sides a ratio is claimed for: the dispatched set, peers */
    int reps_other; /* the other kernel sets                                  */
    int reps_peak;  /* the peak is the fastest repetition: cheap, so many     */
    double min_time;
} mode;

static const mode full_mode = {"full", full_shapes, sizeof full_shapes / sizeof *full_shapes,
                               9, 3, 15, 0.1};
static const mode quick_mode = {"quick", quick_shapes, sizeof quick_shapes / sizeof *quick_shapes,
                                3, 3, 7, 0.03};

static void ctx(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ctx(const char *key, const char *fmt, ...)
{
    char v[1024] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    aeb_add_context(key, v);
}

static void describe_machine(const aek_kernel_set *const sets[], int nsets, const int *threads,
                             int nthreads)
{
    const aek_cpu_info *c = aek_cpu();
    char buf[512] = "";
    ctx("aekit_cpu", "%s", c->model);
    ctx("aekit_cpu_id", "%s family %u model %u stepping %u", c->vendor, c->family, c->model_id,
        c->stepping);
    ctx("aekit_arch", "%s", c->arch);
    aek_cpu_features_str(c, buf, sizeof buf);
    ctx("aekit_features", "%s", buf);
    char l3[32] = "unknown";
    if (c->l3)
        snprintf(l3, sizeof l3, "%zu KiB", c->l3 >> 10);
    ctx("aekit_caches", "L1d %zu KiB, L2 %zu KiB, L3 %s%s", c->l1d >> 10, c->l2 >> 10, l3,
        c->caches_detected ? "" : " (L1/L2 not detected: defaults)");
    ctx("aekit_online_cpus", "%d", c->online_cpus);
    const aek_kernel_set *d = aek_kernels();
    ctx("aekit_dispatched", "%s%s", d->name, getenv("AEKIT_ISA") && *getenv("AEKIT_ISA")
                                                  ? " (forced by AEKIT_ISA)" : "");
    buf[0] = '\0';
    for (int i = 0; i < nsets; i++) {
        aek_blocking b = aek_blocking_for(sets[i]);
        char key[48];
        snprintf(key, sizeof key, "aekit_set_%s", sets[i]->name);
        ctx(key, "%s (%zux%zu), blocking kc %zu nc %zu mc %zu", sets[i]->gemm_ukr_name,
            sets[i]->mr, sets[i]->nr, b.kc, b.nc, b.mc);
        aeb_append(buf, sizeof buf, "%s%s", i ? " " : "", sets[i]->name);
    }
    ctx("aekit_kernel_sets", "%s", buf);
    buf[0] = '\0';
    for (int i = 0; i < nthreads; i++)
        aeb_append(buf, sizeof buf, "%s%d", i ? " " : "", threads[i]);
    ctx("bench_threads", "%s", buf);
#if defined(__VERSION__)
    ctx("bench_compiler", "%s", __VERSION__);
#endif
}

static void describe_peer(const aeb_peer *p)
{
    char key[64];
#define PEER_CTX(field, value)                                           \
    do {                                                                 \
        snprintf(key, sizeof key, "peer_%s_%s", p->key, field);          \
        aeb_add_context(key, value);                                     \
    } while (0)
    PEER_CTX("status", p->present ? "present" : p->status);
    PEER_CTX("library", p->path);
    PEER_CTX("version", p->version);
    PEER_CTX("config", p->config);
    PEER_CTX("kernel", p->kernel);
    PEER_CTX("probes", p->probes);
    PEER_CTX("check", p->check);
#undef PEER_CTX
}

/* Google Benchmark writes the context before the runs; the load measured
 * during them is added to it afterwards. */
static int add_context_after(const char *path, const char *key, const char *value)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(text);
        return 0;
    }
    fclose(f);
    text[n] = '\0';
    const char *anchor = "\"context\": {";
    char *at = strstr(text, anchor);
    if (!at) {
        free(text);
        return 0;
    }
    at += strlen(anchor);
    f = fopen(path, "wb");
    if (!f) {
        free(text);
        return 0;
    }
    fwrite(text, 1, (size_t)(at - text), f);
    fprintf(f, "\n    \"%s\": \"%s\",", key, value);
    fputs(at, f);
    int ok = fclose(f) == 0;
    free(text);
    return ok;
}

/* Peaks, then for every shape, op and thread count the dispatched set, the
 * peers and the other sets (the order does not matter: repetitions run
 * randomly interleaved). */
static void register_benchmarks(const mode *md, const aek_kernel_set *const sets[], int nsets,
                                const int *threads, int nthreads, const aeb_peer peers[])
{
    const aek_kernel_set *dispatched = sets[0];
    const aeb_opts ratio = {md->reps_ratio, md->min_time};
    const aeb_opts rest = {md->reps_other, md->min_time};
    const aeb_opts once = {1, md->min_time}; /* an absent peer: one "not measured" entry */
    const aeb_opts peak = {md->reps_peak, md->min_time};
    for (int s = 0; s < nsets; s++)
        for (int t = 0; t < nthreads; t++)
            aeb_register_peak(sets[s], threads[t], &peak);

    static const aek_trans trans[3][2] = {{AEK_N, AEK_N}, {AEK_N, AEK_T}, {AEK_T, AEK_N}};
    aeb_sgemm_prepare(md->shapes, md->nshapes);
    for (int sh = 0; sh < md->nshapes; sh++)
        for (int tr = 0; tr < 3; tr++)
            for (int t = 0; t < nthreads; t++) {
                aek_trans ta = trans[tr][0], tb = trans[tr][1];
                aeb_register_sgemm(dispatched, NULL, md->shapes[sh], ta, tb, threads[t], &ratio);
                for (int p = 0; p < AEB_NPEERS; p++)
                    aeb_register_sgemm(NULL, &peers[p], md->shapes[sh], ta, tb, threads[t],
                                       peers[p].present ? &ratio : &once);
                for (int s = 1; s < nsets; s++) {
                    /* The scalar reference takes seconds per call on the
                     * largest squares and adds nothing a smaller one does not
                     * show; it would double the time of make bench. */
                    if (sets[s]->isa == AEK_ISA_SCALAR && flops_of(md->shapes[sh]) > SCALAR_MAX_FLOPS)
                        continue;
                    aeb_register_sgemm(sets[s], NULL, md->shapes[sh], ta, tb, threads[t], &rest);
                }
            }
}

static int usage(void)
{
    fprintf(stderr, "usage: aekit_bench [--quick] --out FILE.json [--context KEY=VALUE]... "
                    "[--benchmark_FLAG=...]...\n");
    return 2;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--probe"))
            return aeb_peer_probe_main(argc, argv);

    const mode *md = &full_mode;
    const char *out = NULL;
    char **gb_args = calloc((size_t)argc, sizeof *gb_args);
    int n_gb = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            md = &quick_mode;
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--context") && i + 1 < argc) {
            char *kv = argv[++i], *eq = strchr(kv, '=');
            if (!eq)
                return usage();
            *eq = '\0';
            aeb_add_context(kv, eq + 1);
        } else if (!strncmp(argv[i], "--benchmark_", 12))
            gb_args[n_gb++] = argv[i];
        else
            return usage();
    }
    if (!out)
        return usage();
    if (aek_init() != AEK_OK) {
        fprintf(stderr, "bench: %s\n", aek_last_error());
        return 2;
    }

    /* every kernel set this CPU executes; the dispatched one first */
    const aek_kernel_set *dispatched = aek_kernels();
    const aek_kernel_set *sets[AEK_ISA_COUNT];
    int nsets = 0;
    sets[nsets++] = dispatched;
    for (int i = 0; i < AEK_ISA_COUNT; i++) {
        const aek_kernel_set *ks = aek_kernels_for((aek_isa)i);
        if (ks && ks != dispatched)
            sets[nsets++] = ks;
    }
    /* 1 thread and every online CPU */
    int threads[2] = {1, aek_cpu()->online_cpus > 1 ? aek_cpu()->online_cpus : 1};
    int nthreads = threads[1] > 1 ? 2 : 1;

    describe_machine(sets, nsets, threads, nthreads);
    ctx("bench_mode", "%s", md->name);
    ctx("bench_repetitions", "%d for the dispatched set (%s) and the peers; %d for the other "
        "sets; %d for the peaks", md->reps_ratio, dispatched->name, md->reps_other, md->reps_peak);
    char shapes[512] = "";
    for (int i = 0; i < md->nshapes; i++)
        aeb_append(shapes, sizeof shapes, "%s%dx%dx%d", i ? " " : "", md->shapes[i].m,
                   md->shapes[i].n, md->shapes[i].k);
    ctx("bench_shapes", "%s", shapes);
    ctx("bench_min_time_s", "%g", md->min_time);
    ctx("bench_scalar_limit", "the scalar set is not run on shapes above %.0f GFLOP per call",
        SCALAR_MAX_FLOPS / 1e9);
    ctx("bench_interleaving", "all repetitions of all benchmarks in random order "
        "(--benchmark_enable_random_interleaving)");
    ctx("bench_time", "wall clock (UseRealTime): the libraries run their own worker threads");

    /* Say up front when the machine is busy: the figures will be noisy. */
    aeb_cpu_sample a, b;
    if (aeb_cpu_sample_now(&a)) {
        usleep(500000);
        if (aeb_cpu_sample_now(&b) && aeb_other_cpus(&a, &b) > 0.25)
            fprintf(stderr, "bench: warning: other processes are using %.1f of %d CPUs right now; "
                    "the results will be noisy (the report will say how much)\n",
                    aeb_other_cpus(&a, &b), aek_cpu()->online_cpus);
    }

    static aeb_peer peers[AEB_NPEERS];
    aeb_peers_setup(peers, md == &quick_mode, dispatched, threads[nthreads - 1]);
    for (int i = 0; i < AEB_NPEERS; i++)
        describe_peer(&peers[i]);

    register_benchmarks(md, sets, nsets, threads, nthreads, peers);

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    aeb_cpu_sample before, after;
    int sampled = aeb_cpu_sample_now(&before);
    int done = aeb_run(tmp, 1, n_gb, gb_args);
    free(gb_args);
    if (done < 0)
        return 2;
    if (sampled && aeb_cpu_sample_now(&after) && after.wall > before.wall) {
        double dt = after.wall - before.wall;
        double other = aeb_other_cpus(&before, &after);
        double steal = (after.steal - before.steal) / dt;
        char v[256];
        snprintf(v, sizeof v, "%.2f %.2f %d %.0f", other, steal,
                 aek_cpu()->online_cpus, dt);
        /* "other steal cpus seconds": CPUs kept busy by other processes and
         * stolen by the hypervisor, on average, over the measurement */
        add_context_after(tmp, "bench_other_load", v);
        if (other > 0.1 || steal > 0.1)
            fprintf(stderr, "bench: note: other processes kept %.2f of %d CPUs busy during the "
                    "run (steal %.2f): expect noise\n", other, aek_cpu()->online_cpus, steal);
    }
    if (rename(tmp, out) != 0) {
        perror("bench: rename");
        return 1;
    }
    fprintf(stderr, "bench: wrote %s\n", out);
    return 0;
}
