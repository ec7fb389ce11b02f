/*
 * model_eval.c — the loss of a batch and its gradient: _forward/_backward
 * pairs for the encoder, the decoder and the code-layer regularizers, over
 * the kernels of backend.h.  Math and notation: model.h and DESIGN.md §3
 * (batch-mean convention: every per-sample term is divided by m).
 *
 * Backward accumulates where a tensor has several contributions (tied
 * weights: decoder and encoder; CAE+H: each corrupted copy): the first GEMM
 * into a weight gradient overwrites it (beta = 0), later ones add (beta = 1),
 * so the block is never cleared with a separate pass.  Bias gradients that
 * accumulate are zeroed first (they are short).
 */
#include "model.h"
#include "model_internal.h"
#include "backend.h"
#include "counter_rng.h"

#include <math.h>
#include <string.h>

/* ---- k-sparse selection ---------------------------------------------------
 * Keep the `keep` largest entries of each row of H (ties: lower index wins),
 * zero the others, record the kept ones in mask (if not NULL). */

static int ranks_before(const real *h, size_t a, size_t b)
{
    /* cppcheck-suppress arrayIndexThenCheck ; a < b is the tie-break, not a bounds check */
    return h[a] > h[b] || (h[a] == h[b] && a < b);
}

/* Quickselect (Hoare partition, median-of-three pivot) on idx so that
 * idx[0..keep−1] are the `keep` top-ranked entries.  Keys are distinct (ties
 * broken by index), which guarantees progress. */
static void select_top(const real *h, size_t *idx, size_t n, size_t keep)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, t;
        /* median of three as the pivot keeps sorted inputs linear */
        if (ranks_before(h, idx[mid], idx[lo])) { t = idx[mid]; idx[mid] = idx[lo]; idx[lo] = t; }
        if (ranks_before(h, idx[hi], idx[lo])) { t = idx[hi]; idx[hi] = idx[lo]; idx[lo] = t; }
        if (ranks_before(h, idx[hi], idx[mid])) { t = idx[hi]; idx[hi] = idx[mid]; idx[mid] = t; }
        size_t pivot = idx[mid];
        size_t i = lo, j = hi;
        for (;;) {
            while (ranks_before(h, idx[i], pivot)) i++;
            while (ranks_before(h, pivot, idx[j])) j--;
            if (i >= j) break;
            t = idx[i]; idx[i] = idx[j]; idx[j] = t;
            i++;
            j--;
        }
        /* now idx[lo..j] rank before or equal pivot, idx[j+1..hi] after */
        if (keep <= j) hi = j;
        else lo = j + 1;
        if (lo >= keep) break; /* the boundary at `keep` is in place */
    }
}

void aek_ksparse(real *H, size_t m, size_t width, size_t keep, size_t *idx, unsigned char *mask)
{
    for (size_t i = 0; i < m; i++) {
        real *h = H + i * width;
        unsigned char *mk = mask ? mask + i * width : NULL;
        if (keep >= width) {
            if (mk)
                memset(mk, 1, width);
            continue;
        }
        for (size_t j = 0; j < width; j++)
            idx[j] = j;
        if (keep > 0)
            select_top(h, idx, width, keep);
        if (mk) {
            memset(mk, 0, width);
            for (size_t t = 0; t < keep; t++)
                mk[idx[t]] = 1;
        }
        for (size_t t = keep; t < width; t++)
            h[idx[t]] = 0;
    }
}

/* ---- encoder / decoder ---------------------------------------------------- */

/* H_{l+1} = g_l(H_l W_lᵀ + b_l) for l < L; k-sparse on the code. */
static void encoder_forward(aek_model *M, size_t m, size_t keep, unsigned char *mask)
{
    const size_t *sz = M->cfg.sizes;
    for (int l = 0; l < M->L; l++)
        be_gemm(AEK_N, AEK_T, m, sz[l + 1], sz[l], 1, l ? M->H[l] : M->in, sz[l], M->W[l], sz[l], 0,
                M->H[l + 1], sz[l + 1], M->b[l], M->cfg.act[l]);
    if (M->cfg.ksparse_k)
        aek_ksparse(M->H[M->L], m, sz[M->L], keep, M->kidx, mask);
}

/* The activation of decoder layer l's output: f_0 is the output (identity
 * for cross-entropy, whose loss takes the logits), f_l = g_{l−1}. */
static aek_act decoder_act(const aek_model *M, int l)
{
    if (l > 0)
        return M->cfg.act[l - 1];
    return M->cfg.loss == AEK_LOSS_BCE ? AEK_ACT_IDENTITY : M->cfg.out_act;
}

static const real *decoder_input(const aek_model *M, int l)
{
    return l + 1 == M->L ? M->H[M->L] : M->Y[l + 1];
}

/* Y_l = f_l(Y_{l+1} W*_lᵀ + c_l), from the code down to the output. */
static void decoder_forward(aek_model *M, size_t m)
{
    const size_t *sz = M->cfg.sizes;
    for (int l = M->L - 1; l >= 0; l--) {
        const real *in = decoder_input(M, l);
        if (M->cfg.tied) /* W*_l = W_lᵀ, so Y_{l+1}·W*_lᵀ = Y_{l+1}·W_l */
            be_gemm(AEK_N, AEK_N, m, sz[l], sz[l + 1], 1, in, sz[l + 1], M->W[l], sz[l], 0,
                    M->Y[l], sz[l], M->c[l], decoder_act(M, l));
        else
            be_gemm(AEK_N, AEK_T, m, sz[l], sz[l + 1], 1, in, sz[l + 1], M->Wd[l], sz[l + 1], 0,
                    M->Y[l], sz[l], M->c[l], decoder_act(M, l));
    }
}

/* The backward of one untied layer Out = In·Wᵀ (W: n_out × n_in) from
 * D = ∂L/∂(its pre-activation), m rows:
 *   dIn = D·W                     (when dIn is not NULL)
 *   G = Dᵀ·In (beta = 0) or G += Dᵀ·In (beta = 1),
 *   or, with a fused SGD step (aek_model_sgd_step), W = W − lr·Dᵀ·In in the
 *   GEMM's epilogue instead — after dIn, which reads W — and with row_c
 *   (the contractive penalty's term, encoder_backward) W − lr·(Dᵀ·In +
 *   diag(row_c)·W), the bits of the gradient, its row terms, then the step.
 * Both are cut in the middle of Out's columns, s = n_out/2 (be_col_split):
 * dIn as two partial products over Out's columns [0, s) and [s, n_out),
 * the gradient by those rows of W.  At 2 threads thread t then reads only
 * its own rows of W (which its forward read and its update writes, up to
 * the few rows between s and the forward's cut at a micro-tile boundary:
 * 384 of 784 for the 12×32 tile) and its own columns of D.  Uncut, each
 * thread read half of every row of W, and the next update rewrote lines
 * the other core had read — the costliest cross-core traffic on our Zen 5
 * VM (README).  784-256-784 at 2 threads: +5.6% samples/s (median of 12
 * interleaved pairs, against 1.00 at 1 thread).  Cut at the forward's 384
 * instead of 392, thread 1 had 4% more of each of the two products (Zen 4,
 * 2 threads, interleaved best-of-2 epochs, 6-8 rounds: 784-256-784 1.005
 * and 1.007 faster at 392, 784-1000-500-250-30 1.006).  The same bits at
 * every thread count. */
static void layer_backward(aek_model *M, size_t m, size_t n_out, size_t n_in, const real *D,
                           const real *in, real *W, real *G, real beta, real *dIn, int fuse_bit,
                           const real *row_c)
{
    size_t s = be_col_split(n_out);
    if (s >= n_out)
        s = 0; /* not cut */
    if (dIn && s)
        be_gemm_nn_ksplit(m, n_in, n_out, s, D, n_out, W, n_in, dIn, M->dpart);
    else if (dIn)
        be_gemm(AEK_N, AEK_N, m, n_in, n_out, 1, D, n_out, W, n_in, 0, dIn, n_in, NULL,
                AEK_ACT_IDENTITY);
    if (fuse_bit >= 0) { /* sgd_fusable: the one contribution, beta = 0 */
        be_gemm_tn_rows2(n_out, n_in, m, s, -M->step_lr, D, n_out, in, n_in, 1, W, n_in, row_c);
        M->fused_bits |= 1u << fuse_bit;
    } else {
        be_gemm_tn_rows2(n_out, n_in, m, s, 1, D, n_out, in, n_in, beta, G, n_in, NULL);
    }
}

/* From dZ_0 (in *P) to the gradient w.r.t. the code (left in *P).  Tied:
 * writes the decoder's share of gW[l] and marks it in *written. */
static void decoder_backward(aek_model *M, size_t m, real **P, real **Q, unsigned *written)
{
    const size_t *sz = M->cfg.sizes;
    for (int l = 0; l < M->L; l++) {
        const real *in = decoder_input(M, l);
        real *D = *P;
        if (M->cfg.tied) {
            /* ∂/∂W_l of Y_{l+1}W_l: Y_{l+1}ᵀ·dZ_l, added to the encoder's */
            be_gemm(AEK_T, AEK_N, sz[l + 1], sz[l], m, 1, in, sz[l + 1], D, sz[l], 0, M->gW[l],
                    sz[l], NULL, AEK_ACT_IDENTITY);
            *written |= 1u << l;
            be_gemm(AEK_N, AEK_T, m, sz[l + 1], sz[l], 1, D, sz[l], M->W[l], sz[l], 0, *Q,
                    sz[l + 1], NULL, AEK_ACT_IDENTITY);
        } else {
            layer_backward(M, m, sz[l], sz[l + 1], D, in, M->Wd[l], M->gWd[l], 0, *Q,
                           M->fuse_step & AEK_FUSE_DECODER ? AEK_MAX_LAYERS + l : -1, NULL);
        }
        be_colsum(m, sz[l], D, M->gc[l]);
        if (l + 1 < M->L) /* dZ_{l+1} = dY_{l+1} ⊙ f'_{l+1} */
            be_hidden_bwd(m, sz[l + 1], M->cfg.act[l], M->Y[l + 1], *Q, NULL, NULL, 0, *Q, NULL);
        real *t = *P;
        *P = *Q;
        *Q = t == M->Y[0] ? M->dA : t; /* Y[0] holds m×n_0 only */
    }
}

/* From dA_{L−1} (in *P) to the encoder's weight and bias gradients; row_c0:
 * W[0]'s row term in its fused SGD step (layer_backward), or NULL. */
static void encoder_backward(aek_model *M, size_t m, real **P, real **Q, unsigned written,
                             const real *row_c0)
{
    const size_t *sz = M->cfg.sizes;
    for (int l = M->L - 1; l >= 0; l--) {
        real *D = *P;
        layer_backward(M, m, sz[l + 1], sz[l], D, l ? M->H[l] : M->in, M->W[l], M->gW[l],
                       (written >> l) & 1u ? 1 : 0, l > 0 ? *Q : NULL,
                       M->fuse_step & AEK_FUSE_ENCODER ? l : -1, l == 0 ? row_c0 : NULL);
        be_colsum(m, sz[l + 1], D, M->tmpn);
        be_axpy(sz[l + 1], 1, M->tmpn, M->gb[l]);
        if (l > 0) {
            be_hidden_bwd(m, sz[l], M->cfg.act[l - 1], M->H[l], *Q, NULL, NULL, 0, *Q, NULL);
            real *t = *P;
            *P = *Q;
            *Q = t;
        }
    }
}

/* ---- regularizers on the code layer -------------------------------------- */

static double sum_squares(size_t n, const real *x)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return s;
}

/* Sparse: ρ̂_j = (1/m)Σ_i h_ij;  β·Σ_j KL(ρ‖ρ̂_j);  writes the column term
 * (β/m)(−ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j)) into colv[0].  ρ̂ is kept inside
 * [1e-7, 1 − 1e-7] so a saturated unit cannot produce Inf (gradient and loss
 * are exact whenever ρ̂ is inside). */
static double sparse_forward(aek_model *M, size_t m)
{
    const size_t k = M->cfg.sizes[M->L];
    const double rho = M->cfg.sparse_rho, beta = M->cfg.sparse_beta;
    real *term = M->colv[0];
    be_colsum(m, k, M->H[M->L], term);
    double kl = 0;
    for (size_t j = 0; j < k; j++) {
        double r = (double)term[j] / (double)m;
        if (r < 1e-7) r = 1e-7;
        if (r > 1 - 1e-7) r = 1 - 1e-7;
        kl += rho * log(rho / r) + (1 - rho) * log((1 - rho) / (1 - r));
        term[j] = (real)(beta / (double)m * (-rho / r + (1 - rho) / (1 - r)));
    }
    return beta * kl;
}

/* c_j = ‖W_j‖² of the (one-layer) encoder, into colv[1]. */
static void jacobian_row_norms(aek_model *M)
{
    be_row_sumsq(M->cfg.sizes[1], M->cfg.sizes[0], M->W[0], M->colv[1]);
}

/* dW_j += coef·v_j·W_j  (the contractive terms through c_j = ‖W_j‖²) */
static void add_row_scaled(aek_model *M, real coef, const real *v)
{
    be_axpy_rows(M->cfg.sizes[1], M->cfg.sizes[0], coef, v, M->W[0], M->gW[0]);
}

/* CAE+H copy c of the batch: x̃_c = X̃ + σ_h·ε, ε from stream (…, 1 + c). */
void aek_model_cae_h_copy(aek_model *M, size_t m, const aek_noise_key *key, int c)
{
    const size_t n = M->cfg.sizes[0];
    aek_model_noise(M->in, M->xc, m, n, key, 1 + (uint64_t)c, AEK_NOISE_GAUSS,
                    M->cfg.cae_h_sigma);
    be_gemm(AEK_N, AEK_T, m, M->cfg.sizes[1], n, 1, M->xc, n, M->W[0], n, 0, M->hc,
            M->cfg.sizes[1], M->b[0], M->cfg.act[0]);
}

static int all_finite(size_t n, const real *v)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* ---- the whole evaluation ------------------------------------------------- */

double aek_model_eval(aek_model *M, const real *X, size_t m, const aek_noise_key *key,
                      int want_grad)
{
    const aek_config *cfg = &M->cfg;
    const size_t *sz = cfg->sizes;
    const int L = M->L;
    const size_t n = sz[0], code = sz[L];

    if (cfg->noise == AEK_NOISE_NONE || cfg->noise_level == 0)
        M->in = X;
    else
        aek_model_corrupt(M, X, m, key);
    encoder_forward(M, m, cfg->ksparse_k, M->kmask);
    decoder_forward(M, m);

    /* dZ_0 over Y[0], each element read and then written: at 2 threads the
     * loss pass (by rows) then takes over the lines the decoder's forward
     * (by columns) wrote, and leaves them for the backward (by columns),
     * instead of also rewriting a separate dZ that the other core read the
     * step before.  784-256-784, 2 threads: +2.5% samples/s (mean of 10
     * interleaved pairs, 8 won); 1 thread: unchanged. */
    real *P = want_grad ? M->Y[0] : M->dA, *Q = M->dB;
    if (cfg->loss == AEK_LOSS_MSE)
        M->loss_recon = be_loss_mse(m * n, M->Y[0], X, cfg->out_act, (real)(2.0 / (double)m),
                                    want_grad ? P : NULL) / (double)m;
    else
        M->loss_recon = be_loss_bce(m * n, M->Y[0], X, (real)(1.0 / (double)m),
                                    want_grad ? P : NULL) / (double)m;

    M->loss_l2 = 0;
    if (cfg->l2 > 0)
        for (int l = 0; l < L; l++) {
            M->loss_l2 += sum_squares(sz[l] * sz[l + 1], M->W[l]);
            if (!cfg->tied)
                M->loss_l2 += sum_squares(sz[l] * sz[l + 1], M->Wd[l]);
        }
    M->loss_l2 *= cfg->l2;
    M->loss_sparse = cfg->sparse_beta > 0 ? sparse_forward(M, m) : 0;
    int jac = cfg->contractive > 0 || cfg->cae_h_gamma > 0;
    if (jac)
        jacobian_row_norms(M);

    if (!want_grad) {
        /* penalties that are by-products of the backward pass */
        M->loss_contractive = 0;
        if (cfg->contractive > 0) {
            real *s2 = M->colv[2];
            be_hidden_bwd(m, code, cfg->act[0], M->H[1], M->H[1], NULL, M->colv[1], 0, Q, s2);
            double pen = 0;
            for (size_t j = 0; j < code; j++)
                pen += (double)M->colv[1][j] * s2[j];
            M->loss_contractive = cfg->contractive / (double)m * pen;
        }
        M->loss_cae_h = 0;
        if (cfg->cae_h_gamma > 0) {
            double pen = 0, g = cfg->cae_h_gamma / ((double)m * cfg->cae_h_copies);
            for (int c = 0; c < cfg->cae_h_copies; c++) {
                aek_model_cae_h_copy(M, m, key, c);
                pen += be_cae_h(m, code, cfg->act[0], M->H[1], M->hc, M->colv[1], 0, Q, M->dac, NULL);
            }
            M->loss_cae_h = g * pen;
        }
        M->loss_total = M->loss_recon + M->loss_l2 + M->loss_sparse + M->loss_contractive +
                        M->loss_cae_h;
        return M->loss_total;
    }

    if (M->fuse_step) {
        /* A non-finite loss must not touch W.  Known here: the
         * reconstruction and KL parts (L2 does not fuse).  The Jacobian
         * penalties come in the backward, after the decoder's step (and
         * before the encoder's, fused with the contractive one):
         * λ/m·Σ_j c_j·Σ_i s_ij², with s² ≤ 1 for every activation and s
         * finite when the reconstruction is (a NaN unit reaches every
         * output), so finite whenever every c_j = ‖W_j‖² is; if one is
         * not, nothing fuses this step (the whole loss is computed, and the
         * caller does not apply it). */
        M->loss_contractive = M->loss_cae_h = 0;
        M->loss_total = M->loss_recon + M->loss_l2 + M->loss_sparse;
        if (!isfinite(M->loss_total))
            return M->loss_total;
        if (jac && !all_finite(code, M->colv[1]))
            M->fuse_step = 0;
    }
    unsigned written = 0; /* weight gradients already holding a contribution */
    for (int l = 0; l < L; l++)
        memset(M->gb[l], 0, sz[l + 1] * sizeof(real));
    decoder_backward(M, m, &P, &Q, &written);

    /* P = ∂L/∂H_L.  k-sparse: only kept units pass gradient. */
    if (cfg->ksparse_k)
        for (size_t i = 0; i < m * code; i++)
            if (!M->kmask[i])
                P[i] = 0;
    real ccoef = (real)(2.0 * cfg->contractive / (double)m);
    double pen = be_hidden_bwd(m, code, cfg->act[L - 1], M->H[L], P,
                               cfg->sparse_beta > 0 ? M->colv[0] : NULL,
                               cfg->contractive > 0 ? M->colv[1] : NULL, ccoef, P,
                               cfg->contractive > 0 ? M->colv[2] : NULL);
    M->loss_contractive = cfg->contractive / (double)m * pen;

    M->loss_cae_h = 0;
    if (cfg->cae_h_gamma > 0) {
        double g = cfg->cae_h_gamma / ((double)m * cfg->cae_h_copies), hpen = 0;
        real hcoef = (real)(2 * g);
        real *d2 = M->colv[3];
        memset(d2, 0, code * sizeof(real));
        for (int c = 0; c < cfg->cae_h_copies; c++) {
            aek_model_cae_h_copy(M, m, key, c);
            hpen += be_cae_h(m, code, cfg->act[0], M->H[1], M->hc, M->colv[1], hcoef, P, M->dac, d2);
            /* the copy's own pre-activation path: dW += dÃᵀ x̃_c, db += colsum dÃ */
            be_gemm(AEK_T, AEK_N, code, n, m, 1, M->dac, code, M->xc, n, written & 1u ? 1 : 0,
                    M->gW[0], n, NULL, AEK_ACT_IDENTITY);
            written |= 1u;
            be_colsum(m, code, M->dac, M->tmpn);
            be_axpy(code, 1, M->tmpn, M->gb[0]);
        }
        M->loss_cae_h = g * hpen;
    }

#ifdef AEK_BREAK_CONTRACTIVE
    /* test-only switch (make verify BREAK=contractive): a sign error in the
     * penalty's ∂/∂W_j through ‖W_j‖², which verify must catch */
    const real rcoef = -ccoef;
#else
    const real rcoef = ccoef;
#endif
    /* The contractive penalty's terms through c_j = ‖W_j‖², dW_j +=
     * rcoef·Σ_i s_ij²·W_j: with a fused encoder step in W[0]'s GEMM
     * (row_c0, the coefficients rounded as add_row_scaled rounds them),
     * else added to the complete gradient below.  Fused, W[0] is read and
     * written once in the GEMM's epilogue instead of the GEMM writing dW, a
     * pass adding the terms and the step's pass: contractive 784-256-784
     * epoch, 1 thread, 0.982× the time (median of 6 interleaved pairs of
     * best-of-3 epochs, 5 won); the same bits. */
    const real *row_c0 = NULL;
    if ((M->fuse_step & AEK_FUSE_ENCODER) && cfg->contractive > 0) {
        real *r = M->colv[4];
        for (size_t j = 0; j < code; j++)
            r[j] = rcoef * M->colv[2][j];
        row_c0 = r;
    }
    encoder_backward(M, m, &P, &Q, written, row_c0);
    if (cfg->contractive > 0 && !row_c0)
        add_row_scaled(M, rcoef, M->colv[2]);
    if (cfg->cae_h_gamma > 0)
        add_row_scaled(M, (real)(2 * cfg->cae_h_gamma / ((double)m * cfg->cae_h_copies)),
                       M->colv[3]);

    if (cfg->l2 > 0)
        for (int l = 0; l < L; l++) {
            be_axpy(sz[l] * sz[l + 1], (real)(2 * cfg->l2), M->W[l], M->gW[l]);
            if (!cfg->tied)
                be_axpy(sz[l] * sz[l + 1], (real)(2 * cfg->l2), M->Wd[l], M->gWd[l]);
        }
    M->loss_total = M->loss_recon + M->loss_l2 + M->loss_sparse + M->loss_contractive +
                    M->loss_cae_h;
    return M->loss_total;
}

/* ---- a plain SGD step ------------------------------------------------------ */

/* The layers whose step can be fused into their weight-gradient GEMMs:
 * those whose weight's gradient is exactly one product Dᵀ·In summed in one
 * k-block (the batch).  None with tied weights (two products) or L2 (a term
 * added after it, reading W).  The Jacobian penalties add to the encoder's
 * gradient only, so the decoder fuses with them (contractive 784-256-784:
 * +2% samples/s at 2 threads, median of 16 interleaved pairs, 13 won; 1
 * thread unchanged); the encoder too with the contractive one, whose term
 * (a multiple of each row of W) its GEMM adds (row_c, layer_backward), but
 * not with CAE+H (a second product, of each corrupted copy). */
static unsigned sgd_fusable(const aek_model *M, size_t m)
{
    const aek_config *c = &M->cfg;
    if (c->tied || c->l2 > 0 || !be_gemm_one_kblock(m))
        return 0;
    return AEK_FUSE_DECODER | (c->cae_h_gamma > 0 ? 0u : AEK_FUSE_ENCODER);
}

/* Did the last step update tensor T in its GEMM? */
static int tensor_fused(const aek_model *M, const aek_tensor *T)
{
    const real *p = M->params + T->offset;
    for (int l = 0; l < M->L; l++)
        if (((M->fused_bits >> l & 1u) && p == M->W[l]) ||
            ((M->fused_bits >> (AEK_MAX_LAYERS + l) & 1u) && p == M->Wd[l]))
            return 1;
    return 0;
}

double aek_model_sgd_step(aek_model *M, const real *X, size_t m, const aek_noise_key *key,
                          real lr)
{
    M->fused_bits = 0;
    M->fuse_step = sgd_fusable(M, m);
    M->step_lr = lr;
    double loss = aek_model_eval(M, X, m, key, 1);
    M->fuse_step = 0;
    if (!isfinite(loss))
        return loss;
    /* the tensors the GEMMs did not update (fused: the biases) follow their
     * gradients, tensor by tensor, not over the whole block: each tensor's
     * update is then split between the threads by its rows, as its gradient
     * GEMM was, so a thread updates the rows it wrote (one call over the
     * block gave thread 0 nearly all of W1 and thread 1 all of W2, every
     * line crossing between the cores: 12% of a 2-thread contractive
     * epoch); element-wise, so the same bits */
    for (size_t t = 0; t < M->ntensors; t++) {
        const aek_tensor *T = &M->tensors[t];
        if (!tensor_fused(M, T))
            be_axpy(T->rows * T->cols, -lr, M->grads + T->offset, M->params + T->offset);
    }
    return loss;
}

/* ---- inference ------------------------------------------------------------ */

void aek_model_forward_clean(aek_model *M, const real *X, size_t m, size_t keep, real *codes,
                             real *out)
{
    const size_t n = M->cfg.sizes[0], code = M->cfg.sizes[M->L];
    for (size_t r0 = 0; r0 < m; r0 += M->max_batch) {
        size_t mb = m - r0 < M->max_batch ? m - r0 : M->max_batch;
        M->in = X + r0 * n;
        encoder_forward(M, mb, keep, NULL);
        if (codes)
            memcpy(codes + r0 * code, M->H[M->L], mb * code * sizeof(real));
        if (out) {
            decoder_forward(M, mb);
            if (M->cfg.loss == AEK_LOSS_BCE)
                be_act(mb * n, AEK_ACT_SIGMOID, M->Y[0], out + r0 * n);
            else
                memcpy(out + r0 * n, M->Y[0], mb * n * sizeof(real));
        }
    }
}
