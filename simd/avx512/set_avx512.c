/* set_avx512.c — the AVX-512 (F/BW/DQ/VL) kernel set. */
#include "../kernels.h"
#include "vmath_avx512.h"
#include "../scalar/elementwise_scalar.h" /* until the avx512 element-wise kernels land */

void aek_f32_gemm_bias_act_ukernel_12x32__avx512(size_t kc, const float *restrict a,
                                                  const float *restrict b, float *restrict c,
                                                  size_t ldc, size_t m_eff, size_t n_eff,
                                                  const aek_ukr_epi *epi);

const aek_kernel_set aek_kernels_avx512 = {
    .isa = AEK_ISA_AVX512,
    .name = "avx512",
    .gemm_ukr_name = "aek_f32_gemm_bias_act_ukernel_12x32__avx512",
    .mr = 12,
    .nr = 32,
    .gemm_ukr = aek_f32_gemm_bias_act_ukernel_12x32__avx512,
    .vexp = aek_vexp_avx512,
    .vsigmoid = aek_vsigmoid_avx512,
    .vtanh = aek_vtanh_avx512,
    .vsoftplus = aek_vsoftplus_avx512,
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
