/* set_avx2.c — the AVX2 + FMA kernel set. */
#include "../kernels.h"
#include "vmath_avx2.h"

void aek_f32_gemm_bias_act_ukernel_6x16__avx2_fma(size_t kc, const float *restrict a,
                                                   const float *restrict b, size_t ldb, float *restrict c,
                                                   size_t ldc, size_t m_eff, size_t n_eff,
                                                   const aek_ukr_epi *epi);

/* element-wise kernels: elementwise_avx2.c, regularizer_avx2.c, optim_avx2.c */
void aek_act_rows_avx2(size_t n, aek_act act, const float *bias, const float *x, float *y);
double aek_loss_mse_avx2(size_t n, const float *xhat, const float *x, aek_act f, float scale,
                         float *dz);
double aek_loss_bce_avx2(size_t n, const float *z, const float *x, float scale, float *xhat,
                         float *dz);
void aek_colsum_avx2(size_t rows, size_t cols, const float *x, float *out);
double aek_hidden_bwd_avx2(const aek_hidden_bwd_args *a);
double aek_cae_h_avx2(const aek_cae_h_args *a);
void aek_axpy_avx2(size_t n, float a, const float *x, float *y);
void aek_row_sumsq_avx2(size_t rows, size_t cols, const float *x, float *out);
void aek_sgd_avx2(size_t n, float *w, const float *g, float *v, float lr, float mu);
void aek_adam_avx2(size_t n, float *w, const float *g, float *m, float *v,
                   const aek_adam_step *s);

void aek_f32_gemm_bias_act_ukernel_6x16_adirect__avx2_fma(size_t kc, const float *restrict a,
                                                           size_t lda, const float *restrict b, size_t ldb,
                                                           float *restrict c, size_t ldc,
                                                           size_t m_eff, size_t n_eff,
                                                           const aek_ukr_epi *epi);
void aek_f32_gemm_bias_act_ukernel_6x16_edge__avx2_fma(size_t kc, const float *restrict a,
                                                        const float *restrict b, size_t ldb,
                                                        float *restrict c, size_t ldc, size_t m_eff,
                                                        size_t n_eff, const aek_ukr_epi *epi);
void aek_transpose_avx2(const float *src, size_t ld, size_t rows, size_t cols, float *dst,
                        size_t ldd);
void aek_pack_transpose_avx2(const float *src, size_t ld, size_t rows, size_t kc, size_t r,
                             float *dst);

const aek_kernel_set aek_kernels_avx2 = {
    .isa = AEK_ISA_AVX2,
    .name = "avx2",
    .gemm_ukr_name = "aek_f32_gemm_bias_act_ukernel_6x16__avx2_fma",
    .mr = 6,
    .nr = 16,
    .prefetches_b_in_place = 1,
    .gemm_ukr_adirect = aek_f32_gemm_bias_act_ukernel_6x16_adirect__avx2_fma,
    /* no .gemm_ukr_atdirect: Aᵀ is packed (gemm_ukernel_6x16_avx2.c says why) */
    .direct_edges = 1,
    .gemm_ukr_edge = aek_f32_gemm_bias_act_ukernel_6x16_edge__avx2_fma,
    .edge_split_rows = 4, /* a 2-row tile costs a 4-row one's time */
    .pack_t = aek_pack_transpose_avx2,
    .transpose = aek_transpose_avx2,
    .gemm_ukr = aek_f32_gemm_bias_act_ukernel_6x16__avx2_fma,
    .vexp = aek_vexp_avx2,
    .vsigmoid = aek_vsigmoid_avx2,
    .vtanh = aek_vtanh_avx2,
    .vsoftplus = aek_vsoftplus_avx2,
    .act = aek_act_rows_avx2,
    .loss_mse = aek_loss_mse_avx2,
    .loss_bce = aek_loss_bce_avx2,
    .colsum = aek_colsum_avx2,
    .hidden_bwd = aek_hidden_bwd_avx2,
    .cae_h = aek_cae_h_avx2,
    .row_sumsq = aek_row_sumsq_avx2,
    .axpy = aek_axpy_avx2,
    .sgd = aek_sgd_avx2,
    .adam = aek_adam_avx2,
    .mask_noise = aek_mask_noise_scalar,
};
