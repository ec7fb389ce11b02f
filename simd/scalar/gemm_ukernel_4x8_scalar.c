/*
 * gemm_ukernel_4x8_scalar.c — the portable reference micro-kernel: a 4×8
 * tile of C in a local array (kernels.h has the contract).
 *
 *   C[i][j] = act(alpha·(Σ_p a[p·4+i]·b[p·ldb+j] [+ row_c[i]·C[i][j]]) + beta·C[i][j] + bias[j])
 *
 * The row term is written as the scalar axpy is (elementwise_scalar_body.h:
 * y = a·x + y), so a fused step has its bits.
 */
#include <assert.h>

#include "../kernels.h"
#include "vmath_scalar.h"

#define MR 4
#define NR 8

void aek_f32_gemm_bias_act_ukernel_4x8__scalar(size_t kc, const float *restrict a,
                                                const float *restrict b, size_t ldb,
                                                float *restrict c, size_t ldc, size_t m_eff, size_t n_eff,
                                                const aek_ukr_epi *epi)
{
    assert(m_eff >= 1 && m_eff <= MR && n_eff >= 1 && n_eff <= NR);
    float acc[MR][NR] = {{0}};
    for (size_t p = 0; p < kc; p++, a += MR, b += ldb)
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++)
                acc[i][j] += a[i] * b[j];

    if (epi->row_c)
        for (size_t i = 0; i < m_eff; i++)
            for (size_t j = 0; j < n_eff; j++)
                acc[i][j] = epi->row_c[i] * c[i * ldc + j] + acc[i][j];
    for (size_t i = 0; i < m_eff; i++) {
        float *ci = c + i * ldc;
        for (size_t j = 0; j < n_eff; j++) {
            float v = epi->alpha * acc[i][j];
            if (epi->beta != 0.0f)
                v += epi->beta * ci[j];
            if (epi->bias)
                v += epi->bias[j];
            ci[j] = aek_act_scalar(v, epi->act);
        }
    }
}
