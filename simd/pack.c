/*
 * pack.c — portable packing of GEMM operands into micro-panels (pack.h).
 * op(X)[r][c] is X[r·ld + c] when not transposed and X[c·ld + r] when
 * transposed; each branch below walks the stored matrix along its rows so
 * reads are sequential wherever the layout allows.
 */
#include "pack.h"

#include <string.h>

/* One row of a micro-panel: n = r floats for a full panel.  A memcpy of a
 * size known at compile time is inlined as a few vector moves; a call for
 * every 48 bytes (12 floats) cost more than the copy (3% of a training
 * epoch went to memmove calls from here). */
static inline void copy_row(float *d, const float *s, size_t n, size_t r)
{
    if (n == r) {
        switch (r) {
        case 4: memcpy(d, s, 4 * sizeof(float)); return;
        case 6: memcpy(d, s, 6 * sizeof(float)); return;
        case 8: memcpy(d, s, 8 * sizeof(float)); return;
        case 12: memcpy(d, s, 12 * sizeof(float)); return;
        case 16: memcpy(d, s, 16 * sizeof(float)); return;
        case 32: memcpy(d, s, 32 * sizeof(float)); return;
        default: break;
        }
    }
    memcpy(d, s, n * sizeof(float));
}

void aek_pack_a(aek_pack_t_fn pack_t, aek_trans ta, const float *A, size_t lda, size_t i0,
                size_t p0, size_t mc, size_t kc, size_t mr, float *dst)
{
    for (size_t ir = 0; ir < mc; ir += mr) {
        size_t rows = mc - ir < mr ? mc - ir : mr;
        float *d = dst + ir * kc;
        if (ta == AEK_N && pack_t) {
            pack_t(A + (i0 + ir) * lda + p0, lda, rows, kc, mr, d);
            continue; /* pads rows itself */
        }
        if (ta == AEK_N) {
            /* op(A) = A: row i of the panel is contiguous in memory. */
            for (size_t i = 0; i < rows; i++) {
                const float *src = A + (i0 + ir + i) * lda + p0;
                for (size_t p = 0; p < kc; p++)
                    d[p * mr + i] = src[p];
            }
        } else {
            /* op(A) = Aᵀ: column i of op(A) is row (p0+p) of A. */
            for (size_t p = 0; p < kc; p++)
                copy_row(d + p * mr, A + (p0 + p) * lda + i0 + ir, rows, mr);
        }
        if (rows < mr)
            for (size_t p = 0; p < kc; p++)
                for (size_t i = rows; i < mr; i++)
                    d[p * mr + i] = 0.0f;
    }
}

void aek_pack_b(aek_pack_t_fn pack_t, aek_trans tb, const float *B, size_t ldb, size_t p0,
                size_t j0, size_t kc, size_t nc, size_t nr, float *dst)
{
    for (size_t jr = 0; jr < nc; jr += nr) {
        size_t cols = nc - jr < nr ? nc - jr : nr;
        float *d = dst + jr * kc;
        if (tb == AEK_T && pack_t) {
            pack_t(B + (j0 + jr) * ldb + p0, ldb, cols, kc, nr, d);
            continue;
        }
        if (tb == AEK_N) {
            for (size_t p = 0; p < kc; p++)
                copy_row(d + p * nr, B + (p0 + p) * ldb + j0 + jr, cols, nr);
        } else {
            /* op(B) = Bᵀ: column j of op(B) is row j of B. */
            for (size_t j = 0; j < cols; j++) {
                const float *src = B + (j0 + jr + j) * ldb + p0;
                for (size_t p = 0; p < kc; p++)
                    d[p * nr + j] = src[p];
            }
        }
        if (cols < nr)
            for (size_t p = 0; p < kc; p++)
                for (size_t j = cols; j < nr; j++)
                    d[p * nr + j] = 0.0f;
    }
}
