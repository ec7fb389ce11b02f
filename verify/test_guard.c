/*
 * test_guard.c — no kernel reads (or writes) outside its buffers, shown with
 * guard pages: every buffer a kernel gets is placed so that it ends exactly
 * at a page boundary with an inaccessible (PROT_NONE) page after it, and,
 * in a second pass, so that it starts exactly after an inaccessible page.
 * One float too far, in either direction, is a SIGSEGV, which the handler
 * below turns into a FAIL line naming the kernel set, kernel and shape.
 *
 * test_gemm.c and test_elementwise.c surround buffers with NaN guard zones:
 * they see a stray *write* and a stray read whose value reaches a result;
 * ASan (make verify SANITIZE=1) sees reads of heap memory.  The guard pages
 * see every stray read, used or not, in the SIMD sets too, with no
 * sanitizer: what an over-reading vector load of a tail would do to a
 * buffer that ends at the end of a mapping in a user's process.
 *
 * Covered, for every kernel set this CPU executes:
 *   GEMM (aek_sgemm_with): every transpose pair, beta 0 and 1, with and
 *   without bias + activation, and with a row term (aek_sgemm_rows_with);
 *   m, n, k over 1..3, primes and tile edges up to 67; A, B, C (and the
 *   bias, the row term) each at the page boundary, tight strides;
 *   the transposing packer pack_t directly;
 *   element-wise kernels: act (every activation), loss_mse, loss_bce,
 *   colsum, hidden_bwd, cae_h, axpy, sgd, adam, vexp, vsigmoid, vtanh,
 *   vsoftplus: every length 1..70 and 127..129, 255, 1000, 1025, every
 *   optional pointer present; matrices of rows × cols over 1..9 × 1..70.
 */
#define _GNU_SOURCE
#include "check.h"
#include "../simd/kernels.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t g_page;
static int g_head; /* 0: buffers end at a guard page; 1: start after one */
static char g_case[256];

static void on_fault(int sig)
{
    /* async-signal-safe: write(2) only */
    char line[512];
    size_t n = 0;
    const char *parts[] = {"CHECK\tguard pages: ", g_case, "\tnan\tnan\tFAIL\t",
                           sig == SIGSEGV ? "SIGSEGV" : "SIGBUS",
                           g_head ? ": read or write before the start of a buffer\n"
                                  : ": read or write past the end of a buffer\n"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (const char *p = parts[i]; *p && n < sizeof line - 1; p++)
            line[n++] = *p;
    if (write(1, line, n) < 0) {
        /* nothing more can be done in a signal handler */
    }
    _exit(1);
}

/* ---- guarded buffers ---------------------------------------------------- */

/* A fixed pool of mappings, each [PROT_NONE page][SLOT_PAGES pages][PROT_NONE
 * page], reused by every call (mapping per buffer took most of the time). */
#define SLOTS 16
#define SLOT_PAGES 18 /* ≥ 67·67 and 33·257 floats */

typedef struct {
    float *p; /* n floats, at the end (or start) of the accessible pages */
} gbuf;

static char *g_slot[SLOTS];
static int g_next;

static void gb_reset(void) { g_next = 0; }

static gbuf gb_new(size_t n, float fill)
{
    if (g_next == SLOTS || n * sizeof(float) > SLOT_PAGES * g_page) {
        fprintf(stderr, "test_guard: buffer pool too small\n");
        exit(2);
    }
    char **slot = &g_slot[g_next++];
    if (!*slot) {
        char *m = mmap(NULL, (SLOT_PAGES + 2) * g_page, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED || mprotect(m, g_page, PROT_NONE) != 0 ||
            mprotect(m + (SLOT_PAGES + 1) * g_page, g_page, PROT_NONE) != 0) {
            perror("test_guard: mmap/mprotect");
            exit(2);
        }
        *slot = m;
    }
    char *first = *slot + g_page, *end = *slot + (SLOT_PAGES + 1) * g_page;
    gbuf b;
    b.p = g_head ? (float *)(void *)first : (float *)(void *)(end - n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        b.p[i] = fill;
    return b;
}

static void gb_free(gbuf *b) { b->p = NULL; }

static void fill_ramp(float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * (float)((i * 37) % 101) / 100.0f;
}

/* ---- GEMM ------------------------------------------------------------------ */

static const size_t DIMS[] = {1, 2, 3, 5, 7, 8, 13, 16, 17, 31, 33, 64, 67};
#define NDIMS (sizeof DIMS / sizeof DIMS[0])

static size_t gemm_cases(const aek_kernel_set *ks)
{
    size_t cases = 0;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (size_t im = 0; im < NDIMS; im++)
                for (size_t in = 0; in < NDIMS; in++)
                    for (size_t ik = 0; ik < NDIMS; ik += (im + in) % 3 + 1) {
                        size_t m = DIMS[im], n = DIMS[in], k = DIMS[ik];
                        int variant = (int)((im + 2 * in + 3 * ik) % 3); /* beta 0, beta 1, bias */
                        gb_reset();
                        gbuf A = gb_new(m * k, 0.5f), B = gb_new(k * n, 0.25f),
                             C = gb_new(m * n, 1.0f), bias = gb_new(n, 0.125f);
                        fill_ramp(A.p, m * k, -1, 1);
                        fill_ramp(B.p, k * n, -1, 1);
                        size_t lda = ta ? m : k, ldb = tb ? k : n;
                        aek_epilogue ep = {bias.p, AEK_ACT_SIGMOID};
                        snprintf(g_case, sizeof g_case,
                                 "[%s] sgemm %c%c m=%zu n=%zu k=%zu %s", ks->name, ta ? 'T' : 'N',
                                 tb ? 'T' : 'N', m, n, k,
                                 variant == 0 ? "beta 0" : variant == 1 ? "beta 1" : "bias+sigmoid");
                        aek_sgemm_with(ks, (aek_trans)ta, (aek_trans)tb, m, n, k, 1.0f, A.p, lda, B.p,
                                       ldb, variant == 1 ? 1.0f : 0.0f, C.p, n,
                                       variant == 2 ? &ep : NULL);
                        /* the row term (a fused SGD step, beta 1): its
                         * edge tiles read C through their own masks */
                        gbuf row = gb_new(m, 0.5f);
                        snprintf(g_case, sizeof g_case, "[%s] sgemm_rows %c%c m=%zu n=%zu k=%zu",
                                 ks->name, ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k);
                        aek_sgemm_rows_with(ks, (aek_trans)ta, (aek_trans)tb, m, n, k, -0.5f, A.p,
                                            lda, B.p, ldb, 1.0f, C.p, n, row.p);
                        gb_free(&A);
                        gb_free(&B);
                        gb_free(&C);
                        gb_free(&bias);
                        gb_free(&row);
                        cases += 2;
                    }
    /* the transposing packer on its own: rows ≤ r rows of kc columns, up to
     * a B panel's nr + 1 rows (the avx512 packer's 16-row tiles) and kc past
     * two 16-column steps */
    const size_t rmax = (ks->mr > ks->nr ? ks->mr : ks->nr) + 1;
    if (ks->pack_t)
        for (size_t rows = 1; rows <= rmax && rows <= 33; rows++)
            for (size_t kc = 1; kc <= 37; kc += 3) {
                size_t r = rows > ks->mr ? rows : ks->mr;
                gb_reset();
                gbuf src = gb_new(rows * kc, 0.5f), dst = gb_new(r * kc, 0.0f);
                snprintf(g_case, sizeof g_case, "[%s] pack_t rows=%zu kc=%zu r=%zu", ks->name, rows,
                         kc, r);
                ks->pack_t(src.p, kc, rows, kc, r, dst.p);
                gb_free(&src);
                gb_free(&dst);
                cases++;
            }
    return cases;
}

/* ---- element-wise kernels ---------------------------------------------------- */

static const size_t LENS_EXTRA[] = {127, 128, 129, 255, 1000, 1025};

static size_t vector_cases(const aek_kernel_set *ks, size_t n)
{
    size_t cases = 0;
    static const aek_act acts[] = {AEK_ACT_IDENTITY, AEK_ACT_SIGMOID, AEK_ACT_TANH, AEK_ACT_RELU};
    gb_reset();
    gbuf x = gb_new(n, 0.3f), y = gb_new(n, 0.0f), z = gb_new(n, 0.0f), w = gb_new(n, 0.0f);
    fill_ramp(x.p, n, -2, 2);
    fill_ramp(y.p, n, 0.05f, 0.95f);

    const struct {
        const char *name;
        aek_vmap_fn fn;
    } vm[] = {{"vexp", ks->vexp}, {"vsigmoid", ks->vsigmoid}, {"vtanh", ks->vtanh},
              {"vsoftplus", ks->vsoftplus}};
    for (size_t i = 0; i < sizeof vm / sizeof vm[0]; i++) {
        snprintf(g_case, sizeof g_case, "[%s] %s n=%zu", ks->name, vm[i].name, n);
        vm[i].fn(n, x.p, z.p);
        cases++;
    }
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
        snprintf(g_case, sizeof g_case, "[%s] act %s n=%zu", ks->name, aek_act_name(acts[a]), n);
        ks->act(n, acts[a], NULL, x.p, z.p);
        snprintf(g_case, sizeof g_case, "[%s] loss_mse %s n=%zu", ks->name, aek_act_name(acts[a]), n);
        ks->loss_mse(n, y.p, x.p, acts[a], 0.5f, z.p);
        cases += 2;
    }
    snprintf(g_case, sizeof g_case, "[%s] loss_bce n=%zu", ks->name, n);
    ks->loss_bce(n, x.p, y.p, 0.5f, z.p, w.p);
    snprintf(g_case, sizeof g_case, "[%s] axpy n=%zu", ks->name, n);
    ks->axpy(n, 0.5f, x.p, z.p);
    snprintf(g_case, sizeof g_case, "[%s] sgd n=%zu", ks->name, n);
    ks->sgd(n, z.p, x.p, w.p, 0.01f, 0.9f);
    gbuf m2 = gb_new(n, 0.0f);
    aek_adam_step st = {0.001f, 0.9f, 0.999f, 1e-8f};
    snprintf(g_case, sizeof g_case, "[%s] adam n=%zu", ks->name, n);
    ks->adam(n, z.p, x.p, w.p, m2.p, &st);
    cases += 4;
    gb_free(&m2);
    gb_free(&x);
    gb_free(&y);
    gb_free(&z);
    gb_free(&w);
    return cases;
}

static size_t matrix_cases(const aek_kernel_set *ks, size_t rows, size_t cols)
{
    size_t cases = 0, mn = rows * cols;
    gb_reset();
    gbuf h = gb_new(mn, 0.4f), hc = gb_new(mn, 0.6f), dh = gb_new(mn, 0.1f), da = gb_new(mn, 0.0f),
         dac = gb_new(mn, 0.0f), col_add = gb_new(cols, 0.01f), c = gb_new(cols, 2.0f),
         s2 = gb_new(cols, 0.0f), d2 = gb_new(cols, 0.0f), out = gb_new(cols, 0.0f);
    fill_ramp(h.p, mn, 0.05f, 0.95f);
    fill_ramp(hc.p, mn, 0.1f, 0.9f);
    snprintf(g_case, sizeof g_case, "[%s] colsum %zux%zu", ks->name, rows, cols);
    ks->colsum(rows, cols, h.p, out.p);
    cases++;
    static const aek_act acts[] = {AEK_ACT_SIGMOID, AEK_ACT_TANH, AEK_ACT_RELU, AEK_ACT_IDENTITY};
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
        aek_hidden_bwd_args hb = {rows, cols, acts[a], h.p, dh.p, col_add.p, c.p, 0.5f, da.p, s2.p};
        snprintf(g_case, sizeof g_case, "[%s] hidden_bwd %s %zux%zu", ks->name,
                 aek_act_name(acts[a]), rows, cols);
        ks->hidden_bwd(&hb);
        aek_cae_h_args ca = {rows, cols, acts[a], h.p, hc.p, c.p, 0.5f, da.p, dac.p, d2.p};
        snprintf(g_case, sizeof g_case, "[%s] cae_h %s %zux%zu", ks->name, aek_act_name(acts[a]),
                 rows, cols);
        ks->cae_h(&ca);
        cases += 2;
    }
    gbuf *all[] = {&h, &hc, &dh, &da, &dac, &col_add, &c, &s2, &d2, &out};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        gb_free(all[i]);
    return cases;
}

int main(void)
{
    g_page = (size_t)sysconf(_SC_PAGESIZE);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    aek_set_parallel_threshold(0); /* every thread takes part, even in tiny products */

    for (int isa = 0; isa < AEK_ISA_COUNT; isa++) {
        const aek_kernel_set *ks = aek_kernels_for((aek_isa)isa);
        char name[128];
        if (!ks) {
            snprintf(name, sizeof name, "guard pages [%s]: every kernel", aek_isa_name((aek_isa)isa));
            chk_skip(name, "this CPU (or this build) cannot run the %s set",
                     aek_isa_name((aek_isa)isa));
            continue;
        }
        for (g_head = 0; g_head < 2; g_head++) {
            const char *where = g_head ? "start right after" : "end right before";
            size_t cases = gemm_cases(ks);
            snprintf(name, sizeof name, "guard pages [%s]: sgemm and pack_t, buffers %s a PROT_NONE page",
                     ks->name, where);
            chk_verdict(name, (double)cases, NAN, 1,
                        "%zu products (NN/NT/TN/TT, beta 0/1, bias+act) and packs, no fault", cases);
            cases = 0;
            for (size_t n = 1; n <= 70; n++)
                cases += vector_cases(ks, n);
            for (size_t i = 0; i < sizeof LENS_EXTRA / sizeof LENS_EXTRA[0]; i++)
                cases += vector_cases(ks, LENS_EXTRA[i]);
            for (size_t rows = 1; rows <= 9; rows++)
                for (size_t cols = 1; cols <= 70; cols++)
                    cases += matrix_cases(ks, rows, cols);
            cases += matrix_cases(ks, 33, 257);
            snprintf(name, sizeof name, "guard pages [%s]: element-wise kernels, buffers %s a "
                     "PROT_NONE page", ks->name, where);
            chk_verdict(name, (double)cases, NAN, 1,
                        "%zu calls (vexp/vsigmoid/vtanh/vsoftplus, act, losses, axpy, sgd, adam, "
                        "colsum, hidden_bwd, cae_h; n 1..70, 127..129, 255, 1000, 1025), no fault",
                        cases);
        }
    }
    aek_set_parallel_threshold(1e6);
    return chk_finish();
}
