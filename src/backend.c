/* backend.c — backend.h for the float build (dispatched kernel set) and the
 * double build (scalar kernels in double). */
#include "backend.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#ifdef AEK_F64
#include "../simd/scalar/elementwise_f64.h"
#include "counter_rng.h"

void be_gemm(aek_trans ta, aek_trans tb, size_t m, size_t n, size_t k, real alpha,
             const real *A, size_t lda, const real *B, size_t ldb, real beta, real *C,
             size_t ldc, const real *bias, aek_act act)
{
    aek_dgemm_naive(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, bias, act);
}
int be_gemm_one_kblock(size_t k)
{
    (void)k;
    return 0;
}
size_t be_col_split(size_t n) { return n / 2; }
void be_gemm_nn_ksplit(size_t m, size_t n, size_t k, size_t s, const real *A, size_t lda,
                       const real *B, size_t ldb, real *C, real *tmp)
{
    be_gemm(AEK_N, AEK_N, m, n, s, 1, A, lda, B, ldb, 0, C, n, NULL, AEK_ACT_IDENTITY);
    be_gemm(AEK_N, AEK_N, m, n, k - s, 1, A + s, lda, B + s * ldb, ldb, 0, tmp, n, NULL,
            AEK_ACT_IDENTITY);
    for (size_t i = 0; i < m * n; i++)
        C[i] += tmp[i];
}
void be_gemm_tn_rows2(size_t m, size_t n, size_t k, size_t s, real alpha, const real *A,
                      size_t lda, const real *B, size_t ldb, real beta, real *C, size_t ldc,
                      const real *row_c)
{
    (void)s;
    /* the row term only comes with a fused SGD step, which the double build
     * never takes (be_gemm_one_kblock is 0 here) */
    assert(row_c == NULL);
    (void)row_c;
    be_gemm(AEK_T, AEK_N, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, NULL, AEK_ACT_IDENTITY);
}
void be_act(size_t n, aek_act act, const real *x, real *y)
{
    aek_act_rows_scalar_f64(n, act, NULL, x, y);
}
double be_loss_mse(size_t n, const real *xhat, const real *x, aek_act f, real scale, real *dz)
{
    return aek_loss_mse_scalar_f64(n, xhat, x, f, scale, dz);
}
double be_loss_bce(size_t n, const real *z, const real *x, real scale, real *dz)
{
    return aek_loss_bce_scalar_f64(n, z, x, scale, NULL, dz);
}
void be_colsum(size_t rows, size_t cols, const real *x, real *out) { aek_colsum_scalar_f64(rows, cols, x, out); }
double be_hidden_bwd(size_t rows, size_t cols, aek_act act, const real *h, const real *dh,
                     const real *col_add, const real *c, real coef, real *da, real *s2)
{
    aek_hidden_bwd_args_f64 a = {rows, cols, act, h, dh, col_add, c, coef, da, s2};
    return aek_hidden_bwd_scalar_f64(&a);
}
double be_cae_h(size_t rows, size_t cols, aek_act act, const real *h, const real *hc,
                const real *c, real coef, real *da, real *dac, real *d2)
{
    aek_cae_h_args_f64 a = {rows, cols, act, h, hc, c, coef, da, dac, d2};
    return aek_cae_h_scalar_f64(&a);
}
void be_axpy(size_t n, real a, const real *x, real *y) { aek_axpy_scalar_f64(n, a, x, y); }
void be_row_sumsq(size_t rows, size_t cols, const real *x, real *out)
{
    aek_row_sumsq_scalar_f64(rows, cols, x, out);
}
void be_axpy_rows(size_t rows, size_t cols, real a, const real *v, const real *x, real *y)
{
    for (size_t j = 0; j < rows; j++)
        aek_axpy_scalar_f64(cols, a * v[j], x + j * cols, y + j * cols);
}
void be_sgd(size_t n, real *w, const real *g, real *v, real lr, real mu) { aek_sgd_scalar_f64(n, w, g, v, lr, mu); }
void be_adam(size_t n, real *w, const real *g, real *m, real *v, real lr_t, real b1, real b2,
             real eps_t)
{
    aek_adam_step_f64 s = {lr_t, b1, b2, eps_t};
    aek_adam_scalar_f64(n, w, g, m, v, &s);
}
void be_mask_noise(size_t n, uint64_t s0, uint64_t thresh, const real *x, real *y)
{
    aek_stream st = {s0};
    for (size_t j = 0; j < n; j++)
        y[j] = (aek_stream_next(&st) >> 11) < thresh ? 0 : x[j];
}

#else
#include "../simd/kernels.h"
#include "../simd/threadpool.h"

/* Element-wise passes over large arrays are split into chunks of CHUNK
 * elements, and chunks are dealt to threads.  The chunking depends only on
 * n, never on the thread count, and sums are added chunk by chunk in order,
 * so results are bitwise the same for any number of threads. */
#define CHUNK 16384
#define MAX_CHUNKS 1024

typedef struct {
    const aek_kernel_set *ks;
    int op;             /* which kernel */
    size_t n;
    aek_act act;
    const real *x, *y;  /* inputs  */
    real *o1, *o2, *o3; /* outputs / state */
    real a, b, c, d;    /* scalars */
    double part[MAX_CHUNKS];
} ew_job;

enum { EW_ACT, EW_MSE, EW_BCE, EW_AXPY, EW_SGD, EW_ADAM };

static void ew_chunk(ew_job *j, size_t c)
{
    size_t i0 = c * CHUNK, len = j->n - i0 < CHUNK ? j->n - i0 : CHUNK;
    switch (j->op) {
    case EW_ACT: j->ks->act(len, j->act, NULL, j->x + i0, j->o1 + i0); break;
    case EW_MSE:
        j->part[c] = j->ks->loss_mse(len, j->x + i0, j->y + i0, j->act, j->a, j->o1 ? j->o1 + i0 : NULL);
        break;
    case EW_BCE:
        j->part[c] = j->ks->loss_bce(len, j->x + i0, j->y + i0, j->a, NULL,
                                     j->o1 ? j->o1 + i0 : NULL);
        break;
    case EW_AXPY: j->ks->axpy(len, j->a, j->x + i0, j->o1 + i0); break;
    case EW_SGD: j->ks->sgd(len, j->o1 + i0, j->x + i0, j->o2 + i0, j->a, j->b); break;
    case EW_ADAM: {
        aek_adam_step s = {j->a, j->b, j->c, j->d};
        j->ks->adam(len, j->o1 + i0, j->x + i0, j->o2 + i0, j->o3 + i0, &s);
        break;
    }
    }
}

static void ew_task(void *arg, int t, int T)
{
    ew_job *j = arg;
    size_t chunks = (j->n + CHUNK - 1) / CHUNK;
    for (size_t c = aek_part_begin(chunks, t, T); c < aek_part_begin(chunks, t + 1, T); c++)
        ew_chunk(j, c);
}

/* Runs the job over its chunks; returns the in-order sum of the parts. */
static double ew_run(ew_job *j)
{
    size_t chunks = (j->n + CHUNK - 1) / CHUNK;
    if (chunks == 0)
        return 0;
    if (chunks > MAX_CHUNKS) {
        /* beyond the partial-sum table (n > 16M): serial; sums in one call */
        if (j->op == EW_MSE)
            return j->ks->loss_mse(j->n, j->x, j->y, j->act, j->a, j->o1);
        if (j->op == EW_BCE)
            return j->ks->loss_bce(j->n, j->x, j->y, j->a, NULL, j->o1);
        for (size_t c = 0; c < chunks; c++)
            ew_chunk(j, c);
        return 0;
    }
    int T = aek_num_threads();
    if ((size_t)T > chunks)
        T = (int)chunks;
    aek_parallel_run(T, ew_task, j);
    double s = 0;
    if (j->op == EW_MSE || j->op == EW_BCE)
        for (size_t c = 0; c < chunks; c++)
            s += j->part[c];
    return s;
}

static ew_job *job(int op, size_t n)
{
    static _Thread_local ew_job j;
    memset(&j, 0, offsetof(ew_job, part));
    j.ks = aek_kernels();
    j.op = op;
    j.n = n;
    return &j;
}

void be_gemm(aek_trans ta, aek_trans tb, size_t m, size_t n, size_t k, real alpha,
             const real *A, size_t lda, const real *B, size_t ldb, real beta, real *C,
             size_t ldc, const real *bias, aek_act act)
{
    aek_epilogue ep = {bias, act};
    aek_sgemm_with(aek_kernels(), ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc,
                   bias || act != AEK_ACT_IDENTITY ? &ep : NULL);
}
int be_gemm_one_kblock(size_t k) { return k <= aek_blocking_for(aek_kernels()).kc; }

size_t be_col_split(size_t n)
{
    return n > aek_kernels()->nr ? n / 2 : 0;
}

typedef struct {
    aek_trans ta, tb;
    size_t m, n, k;
    real alpha;
    const real *A, *B;
    size_t lda, ldb;
    real beta;
    real *C;
    size_t ldc;
    const real *row_c; /* a row term (aek_sgemm_rows_with), or NULL */
} gemm_args;

static void gemm_call(const gemm_args *g)
{
    if (g->row_c)
        aek_sgemm_rows_with(aek_kernels(), g->ta, g->tb, g->m, g->n, g->k, g->alpha, g->A, g->lda,
                            g->B, g->ldb, g->beta, g->C, g->ldc, g->row_c);
    else
        be_gemm(g->ta, g->tb, g->m, g->n, g->k, g->alpha, g->A, g->lda, g->B, g->ldb, g->beta,
                g->C, g->ldc, NULL, AEK_ACT_IDENTITY);
}
/* Two GEMMs, g[t] on thread t; each runs serially there (a GEMM called
 * from inside a task does, threadpool.h). */
static void gemm_pair_task(void *arg, int t, int T)
{
    (void)T;
    gemm_call((const gemm_args *)arg + t);
}

void be_gemm_nn_ksplit(size_t m, size_t n, size_t k, size_t s, const real *A, size_t lda,
                       const real *B, size_t ldb, real *C, real *tmp)
{
    gemm_args g[2] = {
        {AEK_N, AEK_N, m, n, s, 1, A, B, lda, ldb, 0, C, n, NULL},
        {AEK_N, AEK_N, m, n, k - s, 1, A + s, B + s * ldb, lda, ldb, 0, tmp, n, NULL},
    };
    if (aek_num_threads() == 2) {
        aek_parallel_run(2, gemm_pair_task, g);
    } else {
        gemm_call(&g[0]);
        if (be_gemm_one_kblock(s) && be_gemm_one_kblock(k - s)) {
            /* one k-block each: the second product's epilogue,
             * alpha·acc + beta·C with alpha = beta = 1, rounds P1 + P0
             * once — the bits of the sum below, without its pass */
            g[1].beta = 1;
            g[1].C = C;
            gemm_call(&g[1]);
            return;
        }
        gemm_call(&g[1]);
    }
    be_axpy(m * n, 1, tmp, C); /* C += P1, one rounding: round(P1 + P0) */
}

void be_gemm_tn_rows2(size_t m, size_t n, size_t k, size_t s, real alpha, const real *A,
                      size_t lda, const real *B, size_t ldb, real beta, real *C, size_t ldc,
                      const real *row_c)
{
    gemm_args g[2] = {
        {AEK_T, AEK_N, s, n, k, alpha, A, B, lda, ldb, beta, C, ldc, row_c},
        {AEK_T, AEK_N, m - s, n, k, alpha, A + s, B, lda, ldb, beta, C + s * ldc, ldc,
         row_c ? row_c + s : NULL},
    };
    if (aek_num_threads() == 2 && s > 0 && s < m) {
        aek_parallel_run(2, gemm_pair_task, g);
    } else {
        g[0].m = m;
        gemm_call(&g[0]);
    }
}
void be_act(size_t n, aek_act act, const real *x, real *y)
{
    ew_job *j = job(EW_ACT, n);
    j->act = act;
    j->x = x;
    j->o1 = y;
    ew_run(j);
}
double be_loss_mse(size_t n, const real *xhat, const real *x, aek_act f, real scale, real *dz)
{
    ew_job *j = job(EW_MSE, n);
    j->x = xhat;
    j->y = x;
    j->act = f;
    j->a = scale;
    j->o1 = dz;
    return ew_run(j);
}
double be_loss_bce(size_t n, const real *z, const real *x, real scale, real *dz)
{
    ew_job *j = job(EW_BCE, n);
    j->x = z;
    j->y = x;
    j->a = scale;
    j->o1 = dz;
    return ew_run(j);
}
void be_colsum(size_t rows, size_t cols, const real *x, real *out) { aek_kernels()->colsum(rows, cols, x, out); }
double be_hidden_bwd(size_t rows, size_t cols, aek_act act, const real *h, const real *dh,
                     const real *col_add, const real *c, real coef, real *da, real *s2)
{
    aek_hidden_bwd_args a = {rows, cols, act, h, dh, col_add, c, coef, da, s2};
    return aek_kernels()->hidden_bwd(&a);
}
double be_cae_h(size_t rows, size_t cols, aek_act act, const real *h, const real *hc,
                const real *c, real coef, real *da, real *dac, real *d2)
{
    aek_cae_h_args a = {rows, cols, act, h, hc, c, coef, da, dac, d2};
    return aek_kernels()->cae_h(&a);
}
void be_axpy(size_t n, real a, const real *x, real *y)
{
    ew_job *j = job(EW_AXPY, n);
    j->a = a;
    j->x = x;
    j->o1 = y;
    ew_run(j);
}
void be_sgd(size_t n, real *w, const real *g, real *v, real lr, real mu)
{
    ew_job *j = job(EW_SGD, n);
    j->o1 = w;
    j->x = g;
    j->o2 = v;
    j->a = lr;
    j->b = mu;
    ew_run(j);
}
void be_adam(size_t n, real *w, const real *g, real *m, real *v, real lr_t, real b1, real b2,
             real eps_t)
{
    ew_job *j = job(EW_ADAM, n);
    j->o1 = w;
    j->x = g;
    j->o2 = m;
    j->o3 = v;
    j->a = lr_t;
    j->b = b1;
    j->c = b2;
    j->d = eps_t;
    ew_run(j);
}
void be_mask_noise(size_t n, uint64_t s0, uint64_t thresh, const real *x, real *y)
{
    aek_kernels()->mask_noise(n, s0, thresh, x, y);
}

/* Row jobs: rows split evenly over the threads; each row is done by one
 * thread with the set's kernel, so the bits do not depend on the split. */
typedef struct {
    size_t rows, cols;
    real a;
    const real *v, *x;
    real *y;
} rows_job;

static void sumsq_task(void *arg, int t, int T)
{
    const rows_job *j = arg;
    size_t r0 = aek_part_begin(j->rows, t, T), r1 = aek_part_begin(j->rows, t + 1, T);
    aek_kernels()->row_sumsq(r1 - r0, j->cols, j->x + r0 * j->cols, j->y + r0);
}

static void axpy_rows_task(void *arg, int t, int T)
{
    const rows_job *j = arg;
    size_t r0 = aek_part_begin(j->rows, t, T), r1 = aek_part_begin(j->rows, t + 1, T);
    const aek_kernel_set *ks = aek_kernels();
    for (size_t r = r0; r < r1; r++)
        ks->axpy(j->cols, j->a * j->v[r], j->x + r * j->cols, j->y + r * j->cols);
}

static int rows_threads(size_t rows, size_t cols)
{
    int T = rows * cols >= 16384 ? aek_num_threads() : 1;
    return (size_t)T > rows ? (int)rows : T;
}

void be_row_sumsq(size_t rows, size_t cols, const real *x, real *out)
{
    rows_job j = {rows, cols, 0, NULL, x, out};
    aek_parallel_run(rows_threads(rows, cols), sumsq_task, &j);
}

void be_axpy_rows(size_t rows, size_t cols, real a, const real *v, const real *x, real *y)
{
    rows_job j = {rows, cols, a, v, x, y};
    aek_parallel_run(rows_threads(rows, cols), axpy_rows_task, &j);
}
#endif
