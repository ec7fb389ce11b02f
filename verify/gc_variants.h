/*
 * gc_variants.h — the variant × activation × loss grid the gradient checks
 * walk (shared by the double-precision finite-difference check and the
 * float-kernel-set check, so both cover exactly the same combinations).
 * Tied/untied is applied by the caller.  Header-only: static functions.
 */
#ifndef AEKIT_VERIFY_GC_VARIANTS_H
#define AEKIT_VERIFY_GC_VARIANTS_H

#include <stdio.h>
#include "../src/ae_config.h"

typedef struct {
    char name[96];
    aek_config cfg;
} gc_variant;

/* Fills v (capacity cap) for an n-input, k-hidden model (deep variants use
 * hidden sizes k+1 and k−1); returns the count.  Every combination the model
 * allows: each variant with each hidden activation (KL sparsity needs a
 * sigmoid code), MSE with a matching output and cross-entropy. */
static int gc_variants(gc_variant *v, int cap, size_t n, size_t k)
{
    static const aek_act acts[] = {AEK_ACT_SIGMOID, AEK_ACT_TANH, AEK_ACT_IDENTITY, AEK_ACT_RELU};
    static const char *const vnames[] = {"plain", "l2", "mask", "gauss", "sparse", "ksparse",
                                         "contractive", "cae_h", "deep", "deep ksparse",
                                         "deep sparse"};
    int cnt = 0;
    for (int a = 0; a < 4; a++)
        for (int loss = 0; loss < 2; loss++)
            for (int vi = 0; vi < 11; vi++) {
                aek_config c = aek_config_default(n, k);
                c.act[0] = acts[a];
                c.loss = loss ? AEK_LOSS_BCE : AEK_LOSS_MSE;
                c.out_act = loss ? AEK_ACT_SIGMOID
                                 : acts[a] == AEK_ACT_TANH ? AEK_ACT_TANH
                                 : acts[a] == AEK_ACT_IDENTITY ? AEK_ACT_IDENTITY
                                                               : AEK_ACT_SIGMOID;
                int deep = vi >= 8;
                if (deep) {
                    c.n_layers = 2;
                    c.sizes[1] = k + 1;
                    c.sizes[2] = k - 1;
                    c.act[1] = acts[a];
                }
                switch (vi) {
                case 1: c.l2 = 0.01; break;
                case 2: c.noise = AEK_NOISE_MASK; c.noise_level = 0.3; break;
                case 3: c.noise = AEK_NOISE_GAUSS; c.noise_level = 0.1; break;
                case 4: case 10:
                    if (acts[a] != AEK_ACT_SIGMOID)
                        continue; /* KL needs mean activations in (0, 1) */
                    c.sparse_beta = 0.5;
                    c.sparse_rho = 0.1;
                    if (vi == 10) c.l2 = 0.01;
                    break;
                case 5: case 9:
                    c.ksparse_k = (c.sizes[c.n_layers] + 1) / 2;
                    if (vi == 9) { c.noise = AEK_NOISE_MASK; c.noise_level = 0.2; }
                    break;
                case 6: c.contractive = 0.1; break;
                case 7: c.cae_h_gamma = 0.1; c.cae_h_sigma = 0.2; c.cae_h_copies = 2; break;
                default: break;
                }
                if (cnt == cap)
                    return cnt;
                snprintf(v[cnt].name, sizeof v[cnt].name, "%s %s %s", vnames[vi],
                         aek_act_name(acts[a]), loss ? "bce" : "mse");
                v[cnt].cfg = c;
                cnt++;
            }
    return cnt;
}

#endif
