/* set_avx512.c — the AVX-512 (F/BW/DQ/VL) kernel set. */
#include "../kernels.h"
#include "vmath_avx512.h"

void aek_f32_gemm_bias_act_ukernel_12x32__avx512(size_t kc, const float *restrict a,
                                                  const float *restrict b, size_t ldb, float *restrict c,
                                                  size_t ldc, size_t m_eff, size_t n_eff,
                                                  const aek_ukr_epi *epi);

/* element-wise kernels: elementwise_avx512.c, regularizer_avx512.c, optim_avx512.c */
void aek_act_rows_avx512(size_t n, aek_act act, const float *bias, const float *x, float *y);
double aek_loss_mse_avx512(size_t n, const float *xhat, const float *x, aek_act f, float scale,
                           float *dz);
double aek_loss_bce_avx512(size_t n, const float *z, const float *x, float scale, float *xhat,
                           float *dz);
void aek_colsum_avx512(size_t rows, size_t cols, const float *x, float *out);
double aek_hidden_bwd_avx512(const aek_hidden_bwd_args *a);
double aek_cae_h_avx512(const aek_cae_h_args *a);
void aek_axpy_avx512(size_t n, float a, const float *x, float *y);
void aek_row_sumsq_avx512(size_t rows, size_t cols, const float *x, float *out);
void aek_sgd_avx512(size_t n, float *w, const float *g, float *v, float lr, float mu);
void aek_adam_avx512(size_t n, float *w, const float *g, float *m, float *v,
                     const aek_adam_step *s);

void aek_f32_gemm_bias_act_ukernel_12x32_adirect__avx512(size_t kc, const float *restrict a,
                                                          size_t lda, const float *restrict b, size_t ldb,
                                                          float *restrict c, size_t ldc,
                                                          size_t m_eff, size_t n_eff,
                                                          const aek_ukr_epi *epi);
void aek_f32_gemm_bias_act_ukernel_12x32_atdirect__avx512(size_t kc, const float *restrict a,
                                                           size_t lda, const float *restrict b,
                                                           size_t ldb, float *restrict c,
                                                           size_t ldc, size_t m_eff, size_t n_eff,
                                                           const aek_ukr_epi *epi);
void aek_f32_gemm_bias_act_ukernel_12x32_edge__avx512(size_t kc, const float *restrict a,
                                                       const float *restrict b, size_t ldb,
                                                       float *restrict c, size_t ldc, size_t m_eff,
                                                       size_t n_eff, const aek_ukr_epi *epi);
void aek_transpose_avx512(const float *src, size_t ld, size_t rows, size_t cols, float *dst,
                        size_t ldd);
void aek_pack_transpose_avx512(const float *src, size_t ld, size_t rows, size_t kc, size_t r,
                               float *dst);

void aek_mask_noise_avx512(size_t n, uint64_t s0, uint64_t thresh, const float *x, float *y);

const aek_kernel_set aek_kernels_avx512 = {
    .isa = AEK_ISA_AVX512,
    .name = "avx512",
    .gemm_ukr_name = "aek_f32_gemm_bias_act_ukernel_12x32__avx512",
    .mr = 12,
    .nr = 32,
    .prefetches_b_in_place = 1,
    .gemm_ukr_adirect = aek_f32_gemm_bias_act_ukernel_12x32_adirect__avx512,
    .gemm_ukr_atdirect = aek_f32_gemm_bias_act_ukernel_12x32_atdirect__avx512,
    .pack_t = aek_pack_transpose_avx512,
    .transpose = aek_transpose_avx512,
    .gemm_ukr = aek_f32_gemm_bias_act_ukernel_12x32__avx512,
    .gemm_ukr_edge = aek_f32_gemm_bias_act_ukernel_12x32_edge__avx512,
    .vexp = aek_vexp_avx512,
    .vsigmoid = aek_vsigmoid_avx512,
    .vtanh = aek_vtanh_avx512,
    .vsoftplus = aek_vsoftplus_avx512,
    .act = aek_act_rows_avx512,
    .loss_mse = aek_loss_mse_avx512,
    .loss_bce = aek_loss_bce_avx512,
    .colsum = aek_colsum_avx512,
    .hidden_bwd = aek_hidden_bwd_avx512,
    .cae_h = aek_cae_h_avx512,
    .row_sumsq = aek_row_sumsq_avx512,
    .axpy = aek_axpy_avx512,
    .sgd = aek_sgd_avx512,
    .adam = aek_adam_avx512,
    .mask_noise = aek_mask_noise_avx512,
};
