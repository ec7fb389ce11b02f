/*
 * main.c — aekit_bench: the benchmarks behind `make bench`.
 *
 *   aekit_bench [--quick] --out FILE.json [--python PY] [--torch-script PATH]
 *               [--context KEY=VALUE]... [--benchmark_*...]
 *
 * Measures, in one process, every repetition of every benchmark in random
 * order (Google Benchmark's interleaving, so slow drifts of a shared machine
 * hit every side alike):
 *   - upper bounds: the FMA peak of every kernel set and the memory
 *     bandwidth (copy, triad), at 1 and all threads;
 *   - SGEMM of every kernel set against OpenBLAS and BLIS (each in the best
 *     configuration found on this CPU): squares and the autoencoder's shapes,
 *     NN/NT/TN, 1 and all threads;
 *   - the fused GEMM epilogue against GEMM + a separate pass, the vector
 *     math, Adam, the fused hidden-layer backward pass, the fused Jacobian
 *     penalty against an explicit Jacobian;
 *   - training steps and epochs of every autoencoder variant against
 *     PyTorch (a child process, pair by pair), and the linear AE against
 *     aek_pca_fit to the same subspace;
 *   - the engine issue's epochs (60000×784, batch 128, six models, SGD and
 *     Adam) against PyTorch, and PyTorch's per-sample Jacobian route for
 *     the contractive penalty (bench/epoch.h).
 * Writes Google Benchmark JSON (through FILE.tmp + rename) whose context says
 * what ran where; bench/report.py turns it into bench.md and the plots.
 */
#define _GNU_SOURCE
#include "bandwidth.h"
#include "crosscore.h"
#include "epoch.h"
#include "fused.h"
#include "gbench_shim.h"
#include "jacobian.h"
#include "modes.h"
#include "pca_race.h"
#include "peak.h"
#include "peers.h"
#include "pin.h"
#include "sgemm.h"
#include "sysinfo.h"
#include "train.h"
#include "util.h"
#include "vmath.h"
#include "../simd/cpu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void ctx(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ctx(const char *key, const char *fmt, ...)
{
    char v[2048] = "";
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
    aek_cpu_caches_str(c, buf, sizeof buf);
    ctx("aekit_caches", "%s", buf);
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
    aeb_describe_system();
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

static void describe_torch(const aeb_torch *t)
{
    ctx("peer_torch_status", "%s", t->present ? "present" : t->status);
    ctx("peer_torch_version", "%s", t->version);
    ctx("peer_torch_config", "%s", t->config);
    ctx("peer_torch_probes", "%s", t->probes);
    ctx("peer_torch_info", "%s", t->info);
}

/* Google Benchmark writes the context before the runs; figures measured
 * during them are added to it afterwards. */
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

static double flops_of(aeb_shape s) { return 2.0 * s.m * s.n * s.k; }

/* ---- registration, group by group ------------------------------------------- */

static void register_gemm(const aeb_mode *md, const aek_kernel_set *const sets[], int nsets,
                          const int *threads, int nthreads, const aeb_peer peers[])
{
    const aek_kernel_set *dispatched = sets[0];
    static const aek_trans trans[3][2] = {{AEK_N, AEK_N}, {AEK_N, AEK_T}, {AEK_T, AEK_N}};
    const aeb_opts once = {1, md->min_time, 0, 0, 0}; /* an absent peer: "not measured" */
    aeb_sgemm_prepare(md->shapes, md->nshapes);
    for (int sh = 0; sh < md->nshapes; sh++) {
        const aeb_shape s = md->shapes[sh];
        const int big = flops_of(s) > AEB_BIG_FLOPS;
        const aeb_opts ratio = {big ? md->reps_big : md->reps_ratio, md->min_time, 0, 0, 0};
        const aeb_opts rest = {md->reps_other, md->min_time, 0, 0, 0};
        for (int tr = 0; tr < 3; tr++)
            for (int t = 0; t < nthreads; t++) {
                aek_trans ta = trans[tr][0], tb = trans[tr][1];
                aeb_register_sgemm(dispatched, NULL, s, ta, tb, threads[t], &ratio);
                for (int p = 0; p < AEB_NPEERS; p++)
                    aeb_register_sgemm(NULL, &peers[p], s, ta, tb, threads[t],
                                       peers[p].present ? &ratio : &once);
                for (int k = 1; k < nsets; k++) {
                    /* Other sets are context: none on the largest square,
                     * and the scalar reference (seconds per call) only up
                     * to AEB_SCALAR_MAX_FLOPS.  The avx2 set at 1 thread
                     * is a claim (the kernel issue's ≥ 90% of the AVX2
                     * peak, report.py) and gets a claim's repetitions: with
                     * 3, one disturbed repetition moved a row's median by
                     * up to 15% (128×256×784 NT: 78.9% in a report, 92%
                     * measured alone right after). */
                    if (big || (sets[k]->isa == AEK_ISA_SCALAR && flops_of(s) > AEB_SCALAR_MAX_FLOPS))
                        continue;
                    const int claim = sets[k]->isa == AEK_ISA_AVX2 && threads[t] == 1;
                    aeb_register_sgemm(sets[k], NULL, s, ta, tb, threads[t], claim ? &ratio : &rest);
                }
            }
    }
}

static void register_kernels(const aeb_mode *md, const aek_kernel_set *const sets[], int nsets,
                             const int *threads, int nthreads)
{
    const aeb_opts claim = {md->reps_ratio, md->min_time, 0, 0, 0};
    const aeb_opts rest = {md->reps_other, md->min_time, 0, 0, 0};
    const aeb_opts peak = {md->reps_peak, md->min_time, 0, 0, 0};
    const aeb_opts bw = {md->reps_ratio, 2 * md->min_time, 0, 0, 0};
    for (int s = 0; s < nsets; s++)
        for (int t = 0; t < nthreads; t++)
            aeb_register_peak(sets[s], threads[t], &peak);
    for (int t = 0; t < nthreads; t++)
        aeb_register_bandwidth(md->bw_elements, threads[t], &bw);
    if (threads[nthreads - 1] > 1)
        aeb_register_crosscore(&claim);

    for (int i = 0; i < md->n_epi; i++)
        for (int t = 0; t < nthreads; t++)
            for (int s = 0; s < nsets; s++)
                aeb_register_fused(sets[s], md->epi_shapes[i], threads[t], s ? &rest : &claim);

    for (int s = 0; s <= nsets; s++) { /* s == nsets: the libm reference */
        const aek_kernel_set *ks = s < nsets ? sets[s] : NULL;
        for (int f = 0; f < VM_COUNT; f++)
            for (int i = 0; i < md->n_vm; i++)
                aeb_register_vmath(ks, (vm_fn)f, md->vm_sizes[i], &rest);
        if (!ks)
            continue;
        for (int i = 0; i < md->n_vm; i++) {
            aeb_register_adam(ks, md->vm_sizes[i], &rest);
            aeb_register_hidden_bwd(ks, md->vm_sizes[i] / 256, 256, &rest);
        }
        aeb_register_jacobian(ks, 128, 256, 784, s ? &rest : &claim);
    }
    aeb_register_jacobian(NULL, 128, 256, 784, &claim);
}

/* Rough seconds of one training pair, for the progress estimate only. */
static double train_estimate(const aeb_variant *v, size_t rows, int steps)
{
    double per_sample = 0;
    for (int l = 0; l < v->cfg.n_layers; l++)
        per_sample += 12.0 * (double)v->cfg.sizes[l] * (double)v->cfg.sizes[l + 1];
    const double samples = (double)rows + (double)steps * (double)v->batch;
    return samples * per_sample * (1 / 60e9 + 1 / 20e9);
}

static void register_training(const aeb_mode *md, const int *threads, int nthreads)
{
    static aeb_variant variants[16];
    int nv = aeb_train_variants(variants, 16);
    char keys[512] = "";
    for (int i = 0; i < nv; i++) {
        int wanted = md->n_train_keys == 0;
        for (int k = 0; k < md->n_train_keys; k++)
            wanted |= !strcmp(md->train_keys[k], variants[i].key);
        if (!wanted)
            continue;
        aeb_append(keys, sizeof keys, "%s%s", keys[0] ? " " : "", variants[i].key);
        for (int t = 0; t < nthreads; t++) {
            aeb_opts o = {md->reps_ratio, 0, 1, 1,
                          train_estimate(&variants[i], md->train_rows, md->train_steps) *
                              (threads[t] == 1 ? 1.7 : 1)};
            aeb_register_train(&variants[i], threads[t], md->train_steps, &o);
        }
    }
    ctx("bench_train_variants", "%s", keys);
    const aeb_opts race = {md->reps_race, 0, 1, 1, 3.0 * (double)md->race_rows / 10000};
    aeb_register_pca_race(md->race_rows, md->race_k, threads[nthreads - 1], &race);
}

/* The engine issue's epochs: every model × optimizer × thread count, and
 * PyTorch's Jacobian route for the contractive model at 1 thread. */
static void register_epochs(const aeb_mode *md, const int *threads, int nthreads)
{
    static aeb_variant models[8];
    int nm = aeb_epoch_models(models, 8);
    const aeb_variant *cae = NULL;
    char keys[256] = "";
    for (int i = 0; i < nm; i++) {
        int wanted = md->n_epoch_keys == 0;
        for (int k = 0; k < md->n_epoch_keys; k++)
            wanted |= !strcmp(md->epoch_keys[k], models[i].key);
        if (models[i].cfg.contractive > 0)
            cae = &models[i];
        if (!wanted)
            continue;
        aeb_append(keys, sizeof keys, "%s%s", keys[0] ? " " : "", models[i].key);
        /* rough seconds of a pair, for the progress estimate: aekit at
         * ~130 GFLOP/s per thread, PyTorch at ~100 (AVX-512, measured) */
        const double fl = aeb_epoch_gemm_flops(&models[i]) * (double)md->epoch_rows;
        for (int adam = 0; adam < 2; adam++) {
            const int reps = adam ? md->epoch_reps_adam : md->epoch_reps_sgd;
            if (reps <= 0)
                continue;
            for (int t = 0; t < nthreads; t++) {
                aeb_opts o = {reps, 0, 1, 1, fl * (1 / 130e9 + 1 / 100e9) / threads[t]};
                aeb_register_epoch(&models[i], adam, threads[t], &o);
            }
        }
    }
    ctx("bench_epoch_models", "%s", keys);
    if (cae && md->route_batches > 0) {
        const aeb_opts o = {1, 0, 1, 1, 2 * md->route_max_s};
        aeb_register_jacobian_route(cae, 1, md->route_batches, md->route_max_s, &o);
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: aekit_bench [--quick] --out FILE.json [--python PY] "
                    "[--torch-script PATH] [--context KEY=VALUE]... [--benchmark_FLAG=...]...\n"
                    "environment: AEKIT_BENCH_THREADS=1,4,8 (thread counts; default 1 and all "
                    "CPUs), AEKIT_BENCH_PIN=0|1 (default: pin on an idle machine), "
                    "AEKIT_BENCH_NO_PEERS=1 (skip the peers)\n");
    return 2;
}

/* A scratch directory for the training data and the PyTorch log. */
static char g_scratch[256];
static void remove_scratch(void)
{
    if (!g_scratch[0])
        return;
    char p[300];
    snprintf(p, sizeof p, "%s/data.npy", g_scratch);
    unlink(p);
    snprintf(p, sizeof p, "%s/epoch.npy", g_scratch);
    unlink(p);
    snprintf(p, sizeof p, "%s/torch.log", g_scratch);
    unlink(p);
    rmdir(g_scratch);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--probe"))
            return aeb_peer_probe_main(argc, argv);

    const aeb_mode *md = &aeb_full_mode;
    const char *out = NULL, *python = "/usr/bin/python3", *script = "bench/torch_ae.py";
    char **gb_args = calloc((size_t)argc, sizeof *gb_args);
    int n_gb = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            md = &aeb_quick_mode;
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--python") && i + 1 < argc)
            python = argv[++i];
        else if (!strcmp(argv[i], "--torch-script") && i + 1 < argc)
            script = argv[++i];
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
    /* 1 thread and every online CPU, or the counts AEKIT_BENCH_THREADS lists
     * ("1,4,8"; the last one is the "all threads" of the report) */
    int threads[8] = {1, aek_cpu()->online_cpus > 1 ? aek_cpu()->online_cpus : 1};
    int nthreads = threads[1] > 1 ? 2 : 1;
    const char *te = getenv("AEKIT_BENCH_THREADS");
    if (te && *te) {
        int n = 0;
        for (char *p = (char *)te, *end; *p && n < 8; p = *end ? end + 1 : end) {
            long v = strtol(p, &end, 10);
            if (end == p || v < 1 || v > 256 || (*end && *end != ','))
                return usage();
            threads[n++] = (int)v;
        }
        nthreads = n;
    }

    describe_machine(sets, nsets, threads, nthreads);
    aeb_describe_mode(md, dispatched->name);

    /* Say up front when the machine is busy: the figures will be noisy. */
    aeb_cpu_sample a, b;
    double busy_at_start = 0;
    if (aeb_cpu_sample_now(&a)) {
        usleep(500000);
        if (aeb_cpu_sample_now(&b))
            busy_at_start = aeb_other_cpus(&a, &b);
        if (busy_at_start > 0.25)
            fprintf(stderr, "bench: warning: other processes are using %.1f of %d CPUs right now; "
                    "the results will be noisy (the report will say how much)\n",
                    busy_at_start, aek_cpu()->online_cpus);
    }

    /* AEKIT_BENCH_NO_PEERS=1 (development: with --benchmark_filter on the
     * kernels alone) skips loading and probing the peers; they are then
     * reported absent. */
    const int no_peers = getenv("AEKIT_BENCH_NO_PEERS") && !strcmp(getenv("AEKIT_BENCH_NO_PEERS"), "1");
    static aeb_peer peers[AEB_NPEERS];
    if (no_peers)
        aeb_peers_skip(peers, "absent: skipped (AEKIT_BENCH_NO_PEERS=1)");
    else
        aeb_peers_setup(peers, md == &aeb_quick_mode, dispatched, threads[nthreads - 1]);
    for (int i = 0; i < AEB_NPEERS; i++)
        describe_peer(&peers[i]);

    snprintf(g_scratch, sizeof g_scratch, "%s/aekit_bench.XXXXXX",
             getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(g_scratch)) {
        perror("bench: mkdtemp");
        return 1;
    }
    atexit(remove_scratch);
    if (!aeb_train_setup(md->train_rows, md == &aeb_quick_mode, no_peers ? NULL : python, script,
                         g_scratch))
        return 1;
    describe_torch(aeb_train_torch());
    if (!aeb_epoch_setup(md->epoch_rows, g_scratch))
        return 1;

    /* Pinning comes after every child process has been started (a child
     * inherits the affinity of the thread that starts it) and after the
     * peers' thread pools exist (the checks above ran them on all threads). */
    /* AEKIT_BENCH_PIN=1 pins, 0 does not; by default (auto) only an idle
     * machine is pinned: a pinned thread cannot leave a CPU that another
     * process holds, and aekit's fork/join then waits for it (measured here
     * under a load of ~1 CPU: 2-thread training 15-20% slower pinned). */
    char pin[400];
    const char *pe = getenv("AEKIT_BENCH_PIN");
    const int force = pe && !strcmp(pe, "1"), never = pe && !strcmp(pe, "0");
    if (never)
        snprintf(pin, sizeof pin, "not pinned (AEKIT_BENCH_PIN=0): the scheduler places every thread");
    else if (!force && busy_at_start > 0.25)
        snprintf(pin, sizeof pin, "not pinned: other processes used %.2f CPUs when the bench started, "
                 "and a pinned thread cannot leave a CPU another process holds "
                 "(AEKIT_BENCH_PIN=1 pins anyway)", busy_at_start);
    else
        aeb_pin_threads(threads[nthreads - 1], pin, sizeof pin);
    ctx("bench_pinning", "%s", pin);
    fprintf(stderr, "bench: %s\n", pin);

    register_kernels(md, sets, nsets, threads, nthreads);
    register_gemm(md, sets, nsets, threads, nthreads, peers);
    register_training(md, threads, nthreads);
    register_epochs(md, threads, nthreads);

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    aeb_cpu_sample before, after;
    int sampled = aeb_cpu_sample_now(&before);
    int done = aeb_run(tmp, 1, n_gb, gb_args);
    free(gb_args);
    aeb_train_finish();
    aeb_epoch_finish();
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
