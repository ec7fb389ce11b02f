/* set_avx2.c — the AVX2 + FMA kernel set. */
#include "../kernels.h"
#include "vmath_avx2.h"
#include "../scalar/elementwise_scalar.h" /* until the avx2 element-wise kernels land */

void aek_f32_gemm_bias_act_ukernel_6x16__avx2_fma(size_t kc, const float *restrict a,
                                                   const float *restrict b, float *restrict c,
                                                   size_t ldc, size_t m_eff, size_t n_eff,
                                                   const aek_ukr_epi *epi);

const aek_kernel_set aek_kernels_avx2 = {
    .isa = AEK_ISA_AVX2,
    .name = "avx2",
    .gemm_ukr_name = "aek_f32_gemm_bias_act_ukernel_6x16__avx2_fma",
    .mr = 6,
    .nr = 16,
    .gemm_ukr = aek_f32_gemm_bias_act_ukernel_6x16__avx2_fma,
    .vexp = aek_vexp_avx2,
    .vsigmoid = aek_vsigmoid_avx2,
    .vtanh = aek_vtanh_avx2,
    .vsoftplus = aek_vsoftplus_avx2,
    .act = aek_act_rows_scalar,
    .loss_mse = aek_loss_mse_scalar,
    .loss_bce = aek_loss_bce_scalar,
    .colsum = aek_colsum_scalar,
    .hidden_bwd = aek_hidden_bwd_scalar,
    .cae_h = aek_cae_h_scalar,
    .axpy = aek_axpy_scalar,
    .sgd = aek_sgd_scalar,
    .adam = aek_adam_scalar,
};
