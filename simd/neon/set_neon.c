/* set_neon.c — the AArch64 Advanced SIMD (NEON, FMA) kernel set. */
#include "../kernels.h"
#include "vmath_neon.h"

void aek_f32_gemm_bias_act_ukernel_8x12__neonfma(size_t kc, const float *restrict a,
                                                  const float *restrict b, size_t ldb, float *restrict c,
                                                  size_t ldc, size_t m_eff, size_t n_eff,
                                                  const aek_ukr_epi *epi);

/* element-wise kernels: elementwise_neon.c, regularizer_neon.c, optim_neon.c */
void aek_act_rows_neon(size_t n, aek_act act, const float *bias, const float *x, float *y);
double aek_loss_mse_neon(size_t n, const float *xhat, const float *x, aek_act f, float scale,
                         float *dz);
double aek_loss_bce_neon(size_t n, const float *z, const float *x, float scale, float *xhat,
                         float *dz);
void aek_colsum_neon(size_t rows, size_t cols, const float *x, float *out);
double aek_hidden_bwd_neon(const aek_hidden_bwd_args *a);
double aek_cae_h_neon(const aek_cae_h_args *a);
void aek_axpy_neon(size_t n, float a, const float *x, float *y);
void aek_sgd_neon(size_t n, float *w, const float *g, float *v, float lr, float mu);
void aek_adam_neon(size_t n, float *w, const float *g, float *m, float *v,
                   const aek_adam_step *s);

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
    .act = aek_act_rows_neon,
    .loss_mse = aek_loss_mse_neon,
    .loss_bce = aek_loss_bce_neon,
    .colsum = aek_colsum_neon,
    .hidden_bwd = aek_hidden_bwd_neon,
    .cae_h = aek_cae_h_neon,
    .row_sumsq = aek_row_sumsq_scalar,
    .axpy = aek_axpy_neon,
    .sgd = aek_sgd_neon,
    .adam = aek_adam_neon,
    .mask_noise = aek_mask_noise_scalar,
};
