/* set_neon.c — the AArch64 Advanced SIMD (NEON, FMA) kernel set. */
#include "../kernels.h"
#include "vmath_neon.h"
#include "../scalar/elementwise_scalar.h" /* until the neon element-wise kernels land */

void aek_f32_gemm_bias_act_ukernel_8x12__neonfma(size_t kc, const float *restrict a,
                                                  const float *restrict b, float *restrict c,
                                                  size_t ldc, size_t m_eff, size_t n_eff,
                                                  const aek_ukr_epi *epi);

const aek_kernel_set aek_kernels_neon = {
    .isa = AEK_ISA_NEON,
    .name = "neon",
    .gemm_ukr_name = "aek_f32_gemm_bias_act_ukernel_8x12__neonfma",
    .mr = 8,
    .nr = 12,
    .gemm_ukr = aek_f32_gemm_bias_act_ukernel_8x12__neonfma,
    .vexp = aek_vexp_neon,
    .vsigmoid = aek_vsigmoid_neon,
    .vtanh = aek_vtanh_neon,
    .vsoftplus = aek_vsoftplus_neon,
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
