/*
 * pack.h — copy blocks of op(A) and op(B) into the panel layout the GEMM
 * micro-kernels stream through (BLIS style).  Transposes are absorbed here,
 * and edges are zero-padded to whole panels so micro-kernels never branch on
 * the shape inside their k loop.
 *
 *   A block (mc×kc of op(A)) → ceil(mc/MR) panels, panel r holds
 *       dst[r·MR·kc + p·MR + i] = op(A)[i0 + r·MR + i][p0 + p]   (0 if i ≥ edge)
 *   B block (kc×nc of op(B)) → ceil(nc/NR) panels, panel c holds
 *       dst[c·NR·kc + p·NR + j] = op(B)[p0 + p][j0 + c·NR + j]   (0 if j ≥ edge)
 */
#ifndef AEKIT_SIMD_PACK_H
#define AEKIT_SIMD_PACK_H

#include <stddef.h>
#include "../src/aekit.h"

#include "kernels.h"

/* pack_t: the set's transposing packer, or NULL for the portable loop. */
void aek_pack_a(aek_pack_t_fn pack_t, aek_trans ta, const float *A, size_t lda, size_t i0,
                size_t p0, size_t mc, size_t kc, size_t mr, float *dst);

void aek_pack_b(aek_pack_t_fn pack_t, aek_trans tb, const float *B, size_t ldb, size_t p0,
                size_t j0, size_t kc, size_t nc, size_t nr, float *dst);

#endif
