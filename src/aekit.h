/*
 * aekit.h — public interface of the aekit library.
 *
 * Kernel layer: a row-major, BLAS-like SGEMM with fused epilogues and vector
 * math, dispatched at run time to the best kernel set the CPU can execute
 * (scalar, avx2, avx512, neon).  Results are bitwise identical for every
 * thread count: the k dimension is never split across threads and the cache
 * blocking does not depend on the thread count.
 *
 * All matrices are row-major.  op(X) = X for AEK_N, Xᵀ for AEK_T.
 */
#ifndef AEKIT_H
#define AEKIT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status ------------------------------------------------------------ */

typedef enum {
    AEK_OK = 0,
    AEK_ERR_ARG,          /* an argument is out of range or inconsistent     */
    AEK_ERR_ISA,          /* requested kernel set unknown or unsupported      */
    AEK_ERR_NOMEM,        /* allocation failed or size computation overflows  */
    AEK_ERR_IO,           /* a file could not be read or written              */
    AEK_ERR_FORMAT,       /* a file is malformed, truncated or inconsistent   */
    AEK_ERR_NUMERIC,      /* NaN/Inf where a finite value is required         */
    AEK_ERR_SHAPE,        /* shapes of model and data do not match            */
    AEK_ERR_INTERRUPTED   /* stopped by a signal (state saved)                */
} aek_status;

/* A one-line, human-readable name of a status. */
const char *aek_status_str(aek_status s);

/* The detailed message of the last error raised in this thread ("" if none). */
const char *aek_last_error(void);

/* ---- initialisation, kernel sets, threads ------------------------------- */

typedef enum {
    AEK_ISA_SCALAR = 0,
    AEK_ISA_AVX2 = 1,    /* AVX2 + FMA                                   */
    AEK_ISA_AVX512 = 2,  /* AVX-512 F/BW/DQ/VL                           */
    AEK_ISA_NEON = 3,    /* AArch64 Advanced SIMD                        */
    AEK_ISA_COUNT = 4
} aek_isa;

/* Detect the CPU, choose the kernel set (AEKIT_ISA overrides) and the thread
 * count (AEKIT_NUM_THREADS overrides).  Idempotent; every entry point calls
 * it lazily.  Returns AEK_ERR_ISA (message in aek_last_error()) when
 * AEKIT_ISA names a set that is unknown or that this CPU cannot execute;
 * a lazy call that fails prints that message and exits with status 2, so a
 * bad override never leads to SIGILL or to silently using another set. */
aek_status aek_init(void);

/* The kernel set in use, and switching to another one (AEK_ERR_ISA if the
 * CPU cannot execute it or it is not compiled in). */
aek_isa aek_current_isa(void);
const char *aek_isa_name(aek_isa isa);
aek_status aek_isa_from_name(const char *name, aek_isa *out);
int aek_isa_supported(aek_isa isa);
aek_status aek_set_isa(aek_isa isa);

/* Worker threads used by the kernels (>= 1). */
int aek_num_threads(void);
aek_status aek_set_num_threads(int n);

/* ---- SGEMM ---------------------------------------------------------------- */

typedef enum { AEK_N = 0, AEK_T = 1 } aek_trans;

typedef enum {
    AEK_ACT_IDENTITY = 0,
    AEK_ACT_SIGMOID = 1,   /* 1/(1+e^-x)              */
    AEK_ACT_TANH = 2,      /* tanh x                  */
    AEK_ACT_RELU = 3       /* max(x, 0)               */
} aek_act;

const char *aek_act_name(aek_act a);

/* Epilogue applied to each tile of C while it is still in registers, after
 * the last k-block: C[i][j] = act(C[i][j] + bias[j]).  bias may be NULL. */
typedef struct {
    const float *bias;   /* n entries, or NULL */
    aek_act act;
} aek_epilogue;

/* C (m×n) = alpha·op(A)·op(B) + beta·C, with op(A) m×k and op(B) k×n.
 * beta == 0 never reads C (NaN in C does not leak).  lda/ldb/ldc are the row
 * strides of A, B, C as stored. */
void aek_sgemm(aek_trans ta, aek_trans tb, size_t m, size_t n, size_t k,
               float alpha, const float *A, size_t lda, const float *B,
               size_t ldb, float beta, float *C, size_t ldc);

/* As aek_sgemm, then C = act(C + bias) fused into the last k-block
 * (ep may be NULL: plain SGEMM). */
void aek_sgemm_ex(aek_trans ta, aek_trans tb, size_t m, size_t n, size_t k,
                  float alpha, const float *A, size_t lda, const float *B,
                  size_t ldb, float beta, float *C, size_t ldc,
                  const aek_epilogue *ep);

/* ---- vector math (y may alias x) ---------------------------------------- */

void aek_vexp(size_t n, const float *x, float *y);      /* e^x            */
void aek_vsigmoid(size_t n, const float *x, float *y);  /* 1/(1+e^-x)     */
void aek_vtanh(size_t n, const float *x, float *y);     /* tanh x         */
void aek_vsoftplus(size_t n, const float *x, float *y); /* log(1+e^x)     */

#ifdef __cplusplus
}
#endif

#endif /* AEKIT_H */
