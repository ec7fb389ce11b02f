/*
 * test_gradcheck.c — every float kernel set against the double-precision
 * build of the same model code (whose gradients test_gradcheck_f64.c checks
 * by finite differences): loss parts and every gradient tensor, for every
 * variant × activation × loss × tied/untied (gc_variants.h) and two layers
 * of realistic size.
 *
 * Bound, from float rounding (u = 2⁻²⁴).  The gradient of a tensor is the
 * end of a chain of S = 4L + 2 stages (L encoder and L decoder GEMMs
 * forward, as many backward, the loss and the weight-gradient GEMM); each
 * stage's float result has a normwise relative error of at most
 * γ_K = K·u/(1 − K·u) from its GEMM of inner dimension ≤ K (Higham, Accuracy
 * and Stability, §3.5) plus ε = 1e-6 from the vector math and a few u from
 * element-wise arithmetic; to first order these add along the chain, each
 * scaled by the stage's amplification κ.  With random Glorot-scale weights
 * and inputs in (0.05, 0.95) the stages are well conditioned; we take
 * κ ≤ 4 (the test reports the largest measured ratio, ≈ 100× below):
 *   ‖g_float − g_double‖_∞ ≤ 4·S·(γ_K + ε + 4u)·‖g_double‖_∞   per tensor,
 *   |loss_float − loss_double| ≤ 4·S·(γ_K + ε + 4u)·|loss_double| + 1e-30.
 * Test points keep ReLU pre-activations and k-sparse selection gaps at least
 * 1e-3 away from a switch: float rounding moves a pre-activation by at most
 * γ_K·Σ|w||x| ≈ 1e-5 here (K ≤ 40, Σ|w||x| ≤ 5), a hundred times less.
 *
 * Both builds share the model code, so two of its parts that the float vs
 * double comparison cannot see are checked directly: the k-sparse selection
 * (against a sort; every width and keep up to 40, ties included) and the
 * initialisation (every weight drawn, also of a 1-row tensor; biases 0).
 */
#include "check.h"
#include "gc_variants.h"
#include "lib_gradref.h"
#include "../simd/kernels.h"
#include "../src/model.h"
#include "../src/model_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double U = 0x1p-24, EPS_ACT = 1e-6, KAPPA = 4, MIN_KINK = 1e-3;

static size_t g_rows[64];

static size_t compact_count(const aek_model *M)
{
    size_t n = 0;
    for (size_t t = 0; t < M->ntensors; t++)
        n += M->tensors[t].rows * M->tensors[t].cols;
    return n;
}

typedef struct {
    double worst;    /* largest error/bound over tensors and loss */
    char where[64];
} outcome;

/* One configuration at one test point, every kernel set; figures folded
 * into out[isa]. */
static int check_point(const aek_config *cfg, size_t m, unsigned long long seed, outcome *out)
{
    const size_t n = cfg->sizes[0];
    aek_model *M = NULL;
    if (aek_model_create(cfg, m, seed, &M) != AEK_OK)
        return -1;
    size_t nc = compact_count(M);
    double *pd = malloc(nc * sizeof(double)), *gd = malloc(nc * sizeof(double));
    double *Xd = malloc(m * n * sizeof(double));
    float *X = malloc(m * n * sizeof(float));
    aek_noise_key key = {21, 3, g_rows};
    chk_rng g = {0};
    double margin = 0;
    for (int tries = 0; tries < 200 && margin < MIN_KINK; tries++) {
        g.s = seed * 977 + (unsigned long long)tries;
        aek_model_init_params(M, seed + (unsigned long long)tries);
        for (size_t t = 0; t < M->ntensors; t++)
            if (M->tensors[t].rows == 1)
                for (size_t j = 0; j < M->tensors[t].cols; j++)
                    M->params[M->tensors[t].offset + j] = (float)chk_uniform(&g, -0.3, 0.3);
        for (size_t i = 0; i < m * n; i++)
            Xd[i] = X[i] = (float)chk_uniform(&g, 0.05, 0.95);
        for (size_t t = 0, at = 0; t < M->ntensors; t++)
            for (size_t e = 0; e < M->tensors[t].rows * M->tensors[t].cols; e++)
                pd[at++] = M->params[M->tensors[t].offset + e];
        margin = gradref_kink_margin_f64(cfg, m, pd, Xd, &key);
    }
    double parts[6];
    int rc = margin < MIN_KINK || gradref_f64(cfg, m, pd, Xd, &key, gd, parts) ? -2 : 0;
    size_t K = m;
    for (int l = 0; l <= cfg->n_layers; l++)
        K = cfg->sizes[l] > K ? cfg->sizes[l] : K;
    double S = 4.0 * cfg->n_layers + 2, gK = (double)K * U / (1 - (double)K * U);
    double rel_bound = KAPPA * S * (gK + EPS_ACT + 4 * U);
    for (int isa = 0; rc == 0 && isa < AEK_ISA_COUNT; isa++) {
        if (!aek_kernels_for((aek_isa)isa))
            continue;
        aek_set_isa((aek_isa)isa);
        double loss = aek_model_eval(M, X, m, &key, 1);
        double r = fabs(loss - parts[0]) / (rel_bound * fabs(parts[0]) + 1e-30);
        if (!(r <= out[isa].worst)) {
            out[isa].worst = r;
            snprintf(out[isa].where, sizeof out[isa].where, "loss");
        }
        for (size_t t = 0, at = 0; t < M->ntensors; t++) {
            size_t cnt = M->tensors[t].rows * M->tensors[t].cols;
            double diff = 0, norm = 0;
            for (size_t e = 0; e < cnt; e++) {
                double gf = M->grads[M->tensors[t].offset + e], gr = gd[at + e];
                diff = fmax(diff, fabs(gf - gr));
                norm = fmax(norm, fabs(gr));
            }
            at += cnt;
            double rt = diff / (rel_bound * norm + 1e-30);
            if (!(rt <= out[isa].worst)) {
                out[isa].worst = rt;
                snprintf(out[isa].where, sizeof out[isa].where, "%s", M->tensors[t].name);
            }
        }
    }
    free(pd);
    free(gd);
    free(Xd);
    free(X);
    aek_model_free(M);
    return rc;
}

static void run(const char *label, const aek_config *cfg, size_t m, unsigned long long seed)
{
    outcome out[AEK_ISA_COUNT];
    memset(out, 0, sizeof out);
    int rc = check_point(cfg, m, seed, out);
    char desc[200];
    aek_config_describe(cfg, desc, sizeof desc);
    for (int isa = 0; isa < AEK_ISA_COUNT; isa++) {
        char name[256];
        snprintf(name, sizeof name, "grad float[%s] vs double: %.120s", aek_isa_name((aek_isa)isa),
                 label);
        if (!aek_kernels_for((aek_isa)isa))
            continue; /* one SKIP line for the whole set, printed by main */
        if (rc)
            chk_verdict(name, NAN, 1, 0, "%s", rc == -1 ? "model creation failed"
                                               : "no test point away from kinks / reference failed");
        else
            chk_le(name, out[isa].worst, 1.0, "%s, batch %zu; worst in %s (err/bound)", desc, m,
                   out[isa].where);
    }
}

/* aek_ksparse (model_internal.h) against the definition: entry j of a row
 * is kept iff fewer than `keep` entries rank before it (larger, or equal at
 * a lower index).  Rows of small integers, so ties are frequent. */
static void check_ksparse_selection(void)
{
    float h[40], orig[40];
    size_t idx[40];
    unsigned char mask[40];
    size_t rows = 0, wrong = 0;
    chk_rng r = {12345};
    for (size_t width = 1; width <= 40; width++)
        for (size_t keep = 0; keep <= width; keep++)
            for (int rep = 0; rep < 6; rep++, rows++) {
                /* rep 0: all distinct (a permutation); then values in 0..3 or 0..width */
                for (size_t j = 0; j < width; j++)
                    orig[j] = rep == 0 ? (float)((j * 7 + keep) % width)
                                       : (float)(chk_next(&r) % (rep < 3 ? 4 : width + 1));
                memcpy(h, orig, width * sizeof(float));
                aek_ksparse(h, 1, width, keep, idx, mask);
                int bad = 0;
                for (size_t j = 0; j < width; j++) {
                    size_t before = 0;
                    for (size_t i = 0; i < width; i++)
                        /* cppcheck-suppress arrayIndexThenCheck ; i < j is the tie-break, not a bounds check */
                        before += orig[i] > orig[j] || (orig[i] == orig[j] && i < j);
                    int kept = before < keep;
                    bad |= mask[j] != kept || h[j] != (kept ? orig[j] : 0.0f);
                }
                wrong += bad;
            }
    chk_le("k-sparse selection = the top keep (ties: lower index) of each row", (double)wrong, 0,
           "%zu rows, widths 1..40, every keep 0..width; figure = rows selected wrongly", rows);
}

/* Glorot-uniform weights |w| ≤ √(6/(fan_in+fan_out)), none exactly 0 (a
 * draw is 0 with probability ~2⁻⁵³), biases 0 — also for 1-row weight
 * tensors (a 1-unit code: W0 is 1×n; 1 input: Wd0 is 1×k), which a test
 * for "1 row = a bias" would leave at 0. */
static void check_init(void)
{
    static const size_t shapes[][2] = {{5, 1}, {1, 4}, {6, 3}};
    size_t bad = 0, tensors = 0;
    for (size_t s = 0; s < 3; s++) {
        aek_config c = aek_config_default(shapes[s][0], shapes[s][1]);
        aek_model *M = NULL;
        if (aek_model_create(&c, 4, 9, &M) != AEK_OK) {
            chk_verdict("model init: weights drawn, biases 0", NAN, 0, 0, "%s", aek_last_error());
            return;
        }
        for (size_t t = 0; t < M->ntensors; t++, tensors++) {
            const aek_tensor *T = &M->tensors[t];
            const real *x = M->params + T->offset;
            const int weight = T->name[0] == 'W';
            const double lim = sqrt(6.0 / (double)(T->rows + T->cols));
            for (size_t i = 0; i < T->rows * T->cols; i++)
                bad += weight ? (x[i] == 0 || fabs(x[i]) > lim) : x[i] != 0;
        }
        aek_model_free(M);
    }
    chk_le("model init: every weight drawn in +-sqrt(6/(fan_in+fan_out)) (also 1-row ones), "
           "biases 0", (double)bad, 0, "models 5-1, 1-4, 6-3; %zu tensors; figure = entries off",
           tensors);
}

int main(void)
{
    if (aek_init() != AEK_OK)
        return 2;
    for (size_t i = 0; i < 64; i++)
        g_rows[i] = 5 + 11 * i;
    for (int isa = 0; isa < AEK_ISA_COUNT; isa++)
        if (!aek_kernels_for((aek_isa)isa)) {
            char name[96];
            snprintf(name, sizeof name, "grad float[%s] vs double: every combination",
                     aek_isa_name((aek_isa)isa));
            chk_skip(name, "kernel set not executable on this CPU/binary (NEON: make verify-aarch64)");
        }
    static gc_variant vs[256];
    /* odd sizes: every SIMD edge path (tiles, vector tails) is taken */
    int nv = gc_variants(vs, 256, 37, 19);
    for (int i = 0; i < nv; i++)
        for (int tied = 0; tied < 2; tied++) {
            aek_config c = vs[i].cfg;
            c.tied = tied;
            char label[128];
            snprintf(label, sizeof label, "%.100s%s", vs[i].name, tied ? " tied" : "");
            run(label, &c, 13, 100 + (unsigned long long)i);
        }
    aek_config big = aek_config_default(784, 256);
    big.noise = AEK_NOISE_MASK;
    big.noise_level = 0.25;
    big.contractive = 0.05;
    run("784-256 sigmoid mask+contractive", &big, 64, 7);
    aek_config deep = aek_config_default(784, 300);
    deep.n_layers = 3;
    deep.sizes[2] = 100;
    deep.sizes[3] = 30;
    deep.act[0] = deep.act[1] = AEK_ACT_TANH;
    deep.act[2] = AEK_ACT_IDENTITY;
    deep.loss = AEK_LOSS_BCE;
    deep.tied = 1;
    run("784-300-100-30 tanh/linear bce tied", &deep, 32, 8);
    /* a code wider than the input: the backward's buffers of width n_0
     * must not take a code-wide product */
    aek_config wide = aek_config_default(7, 11);
    wide.n_layers = 2;
    wide.sizes[2] = 13;
    wide.act[1] = AEK_ACT_TANH;
    run("7-11-13 sigmoid/tanh (code wider than the input)", &wide, 13, 9);
    check_ksparse_selection();
    check_init();
    return chk_finish();
}
