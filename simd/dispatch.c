/*
 * dispatch.c — choose one kernel set at start-up, the thread count, and the
 * error plumbing shared by the whole library.
 *
 * Order of preference: avx512 > avx2 > scalar on x86-64, neon > scalar on
 * aarch64.  AEKIT_ISA forces a set; a set the CPU cannot execute is refused
 * with a message (never SIGILL), because the check below runs before any
 * ISA-specific instruction.
 */
#define _GNU_SOURCE
#include "cpu.h"
#include "kernels.h"
#include "error.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors --------------------------------------------------------------- */

static _Thread_local char g_err[512];

aek_status aek_error(aek_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_err, sizeof g_err, fmt, ap);
    va_end(ap);
    return s;
}

const char *aek_last_error(void) { return g_err; }

const char *aek_status_str(aek_status s)
{
    switch (s) {
    case AEK_OK: return "ok";
    case AEK_ERR_ARG: return "invalid argument";
    case AEK_ERR_ISA: return "kernel set not available";
    case AEK_ERR_NOMEM: return "out of memory";
    case AEK_ERR_IO: return "i/o error";
    case AEK_ERR_FORMAT: return "malformed file";
    case AEK_ERR_NUMERIC: return "non-finite value";
    case AEK_ERR_SHAPE: return "shape mismatch";
    case AEK_ERR_INTERRUPTED: return "interrupted";
    }
    return "unknown status";
}

/* ---- kernel sets ---------------------------------------------------------- */

static const char *const isa_names[AEK_ISA_COUNT] = {"scalar", "avx2", "avx512", "neon"};

const char *aek_isa_name(aek_isa isa)
{
    return (unsigned)isa < AEK_ISA_COUNT ? isa_names[isa] : "unknown";
}

const char *aek_act_name(aek_act a)
{
    switch (a) {
    case AEK_ACT_IDENTITY: return "linear";
    case AEK_ACT_SIGMOID: return "sigmoid";
    case AEK_ACT_TANH: return "tanh";
    case AEK_ACT_RELU: return "relu";
    }
    return "unknown";
}

aek_status aek_isa_from_name(const char *name, aek_isa *out)
{
    for (int i = 0; i < AEK_ISA_COUNT; i++)
        if (name && strcmp(name, isa_names[i]) == 0) {
            *out = (aek_isa)i;
            return AEK_OK;
        }
    return aek_error(AEK_ERR_ISA, "unknown kernel set '%s' (expected scalar, avx2, avx512 or neon)",
                     name ? name : "(null)");
}

static const aek_kernel_set *compiled_set(aek_isa isa)
{
    switch (isa) {
    case AEK_ISA_SCALAR: return &aek_kernels_scalar;
#if defined(__x86_64__)
    case AEK_ISA_AVX2: return &aek_kernels_avx2;
    case AEK_ISA_AVX512: return &aek_kernels_avx512;
#endif
#if defined(__aarch64__)
    case AEK_ISA_NEON: return &aek_kernels_neon;
#endif
    default: return NULL;
    }
}

/* Why this CPU cannot run a set ("" if it can). */
static const char *missing_feature(aek_isa isa)
{
    const aek_cpu_info *c = aek_cpu();
    if (!compiled_set(isa))
        return isa == AEK_ISA_NEON ? "it is an AArch64 set and this binary is not built for AArch64"
                                   : "it is an x86-64 set and this binary is not built for x86-64";
    switch (isa) {
    case AEK_ISA_AVX2:
        if (!c->avx2 || !c->fma) return "the CPU lacks AVX2 or FMA";
        if (!c->os_ymm) return "the OS does not enable AVX (YMM) register state";
        return "";
    case AEK_ISA_AVX512:
        if (!c->avx512f || !c->avx512bw || !c->avx512dq || !c->avx512vl)
            return "the CPU lacks AVX-512 F/BW/DQ/VL";
        if (!c->fma || !c->avx2) return "the CPU lacks AVX2/FMA";
        if (!c->os_zmm) return "the OS does not enable AVX-512 (ZMM/opmask) register state";
        return "";
    case AEK_ISA_NEON:
        return c->asimd ? "" : "the CPU lacks Advanced SIMD";
    default:
        return "";
    }
}

int aek_isa_supported(aek_isa isa)
{
    return (unsigned)isa < AEK_ISA_COUNT && missing_feature(isa)[0] == '\0';
}

const aek_kernel_set *aek_kernels_for(aek_isa isa)
{
    return aek_isa_supported(isa) ? compiled_set(isa) : NULL;
}

/* ---- global state ------------------------------------------------------- */

static struct {
    pthread_once_t once;
    aek_status init_status;
    char init_error[512];
    const aek_kernel_set *ks;
    int nthreads;
} G = {.once = PTHREAD_ONCE_INIT};

static aek_status parse_threads(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 256)
        return aek_error(AEK_ERR_ARG, "AEKIT_NUM_THREADS='%s' is not an integer in 1..256", s);
    *out = (int)v;
    return AEK_OK;
}

static void init_once(void)
{
    const aek_cpu_info *c = aek_cpu();
    G.init_status = AEK_OK;
    G.nthreads = c->online_cpus > 0 ? c->online_cpus : 1;
    if (G.nthreads > 256)
        G.nthreads = 256;

    const char *env = getenv("AEKIT_ISA");
    if (env && *env) {
        aek_isa isa;
        aek_status s = aek_isa_from_name(env, &isa);
        if (s == AEK_OK && !aek_isa_supported(isa))
            s = aek_error(AEK_ERR_ISA, "AEKIT_ISA=%s cannot be used: %s", env, missing_feature(isa));
        if (s != AEK_OK) {
            G.init_status = s;
            snprintf(G.init_error, sizeof G.init_error, "%s", aek_last_error());
            return;
        }
        G.ks = compiled_set(isa);
    } else {
        static const aek_isa pref[] = {AEK_ISA_AVX512, AEK_ISA_AVX2, AEK_ISA_NEON, AEK_ISA_SCALAR};
        for (size_t i = 0; i < sizeof pref / sizeof pref[0] && !G.ks; i++)
            G.ks = aek_kernels_for(pref[i]);
    }

    const char *tenv = getenv("AEKIT_NUM_THREADS");
    if (tenv && *tenv) {
        aek_status s = parse_threads(tenv, &G.nthreads);
        if (s != AEK_OK) {
            G.init_status = s;
            snprintf(G.init_error, sizeof G.init_error, "%s", aek_last_error());
        }
    }
}

aek_status aek_init(void)
{
    pthread_once(&G.once, init_once);
    if (G.init_status != AEK_OK)
        aek_error(G.init_status, "%s", G.init_error);
    return G.init_status;
}

/* Entry points that cannot return a status initialise through here. */
static void init_or_die(void)
{
    if (aek_init() != AEK_OK) {
        fprintf(stderr, "aekit: %s\n", aek_last_error());
        exit(2);
    }
}

const aek_kernel_set *aek_kernels(void)
{
    init_or_die();
    return G.ks;
}

aek_isa aek_current_isa(void) { return aek_kernels()->isa; }

aek_status aek_set_isa(aek_isa isa)
{
    init_or_die();
    if ((unsigned)isa >= AEK_ISA_COUNT)
        return aek_error(AEK_ERR_ISA, "kernel set %d does not exist", (int)isa);
    if (!aek_isa_supported(isa))
        return aek_error(AEK_ERR_ISA, "kernel set %s cannot be used: %s", aek_isa_name(isa),
                         missing_feature(isa));
    G.ks = compiled_set(isa);
    return AEK_OK;
}

int aek_num_threads(void)
{
    init_or_die();
    return G.nthreads;
}

aek_status aek_set_num_threads(int n)
{
    init_or_die();
    if (n < 1 || n > 256)
        return aek_error(AEK_ERR_ARG, "thread count %d is not in 1..256", n);
    G.nthreads = n;
    return AEK_OK;
}

/* Threads worth waking for a given amount of work: below ~1 MFLOP per extra
 * thread the fork/join costs more than it saves.  Results do not depend on
 * this choice. */
static double g_min_work = 1e6;

void aek_set_parallel_threshold(double flops_per_thread)
{
    g_min_work = flops_per_thread > 0 ? flops_per_thread : 0;
}

int aek_threads_for_work(double flops)
{
    int t = aek_num_threads();
    double per = g_min_work;
    if (per <= 0)
        return t;
    if (flops < per * 2)
        return 1;
    if (flops < per * t)
        t = (int)(flops / per);
    return t < 1 ? 1 : t;
}

/* ---- vector math through the chosen set ----------------------------------- */

void aek_vexp(size_t n, const float *x, float *y) { aek_kernels()->vexp(n, x, y); }
void aek_vsigmoid(size_t n, const float *x, float *y) { aek_kernels()->vsigmoid(n, x, y); }
void aek_vtanh(size_t n, const float *x, float *y) { aek_kernels()->vtanh(n, x, y); }
void aek_vsoftplus(size_t n, const float *x, float *y) { aek_kernels()->vsoftplus(n, x, y); }
