/* set_scalar.c — the portable reference kernel set. */
#include "../kernels.h"
#include "elementwise_scalar.h"
#include "vmath_scalar.h"

void aek_f32_gemm_bias_act_ukernel_4x8__scalar(size_t kc, const float *restrict a,
                                                const float *restrict b, size_t ldb, float *restrict c,
                                                size_t ldc, size_t m_eff, size_t n_eff,
                                                const aek_ukr_epi *epi);

const aek_kernel_set aek_kernels_scalar = {
    .isa = AEK_ISA_SCALAR,
    .name = "scalar",
    .gemm_ukr_name = "aek_f32_gemm_bias_act_ukernel_4x8__scalar",
    .mr = 4,
    .nr = 8,
    .gemm_ukr = aek_f32_gemm_bias_act_ukernel_4x8__scalar,
    .vexp = aek_vexp_scalar,
    .vsigmoid = aek_vsigmoid_scalar,
    .vtanh = aek_vtanh_scalar,
    .vsoftplus = aek_vsoftplus_scalar,
    .act = aek_act_rows_scalar,
    .loss_mse = aek_loss_mse_scalar,
    .loss_bce = aek_loss_bce_scalar,
    .colsum = aek_colsum_scalar,
    .hidden_bwd = aek_hidden_bwd_scalar,
    .cae_h = aek_cae_h_scalar,
    .row_sumsq = aek_row_sumsq_scalar,
    .axpy = aek_axpy_scalar,
    .sgd = aek_sgd_scalar,
    .adam = aek_adam_scalar,
    .mask_noise = aek_mask_noise_scalar,
};
