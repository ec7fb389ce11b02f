/*
 * pack.c — portable packing of GEMM operands into micro-panels (pack.h).
 * op(X)[r][c] is X[r·ld + c] when not transposed and X[c·ld + r] when
 * transposed; each branch below walks the stored matrix along its rows so
 * reads are sequential wherever the layout allows.
 */
#include "pack.h"

#include <string.h>

/* d[0..n) = s[0..n) and d[n..r) = 0 for n < r ≤ 32, as constant-size
 * moves picked by the bits of n and r − n (inlined as a few vector moves: a
 * memcpy and a memset call per row cost 9% of a 64³ TN product, whose
 * 4-row edge panel is padded to 12; a select loop cost more). */
static inline __attribute__((always_inline)) void copy_pad_small(float *d, const float *s,
                                                                 size_t n, size_t r)
{
    size_t i = 0;
    if (n & 16) { memcpy(d + i, s + i, 16 * sizeof(float)); i += 16; }
    if (n & 8) { memcpy(d + i, s + i, 8 * sizeof(float)); i += 8; }
    if (n & 4) { memcpy(d + i, s + i, 4 * sizeof(float)); i += 4; }
    if (n & 2) { memcpy(d + i, s + i, 2 * sizeof(float)); i += 2; }
    if (n & 1) { d[i] = s[i]; i += 1; }
    const size_t z = r - n;
    if (z & 16) { memset(d + i, 0, 16 * sizeof(float)); i += 16; }
    if (z & 8) { memset(d + i, 0, 8 * sizeof(float)); i += 8; }
    if (z & 4) { memset(d + i, 0, 4 * sizeof(float)); i += 4; }
    if (z & 2) { memset(d + i, 0, 2 * sizeof(float)); i += 2; }
    if (z & 1) d[i] = 0.0f;
}

/* One row of an edge micro-panel: n < r floats, zero-padded to r. */
static inline __attribute__((always_inline)) void copy_pad(float *d, const float *s, size_t n,
                                                           size_t r)
{
    if (r <= 32) {
        copy_pad_small(d, s, n, r);
        return;
    }
    memcpy(d, s, n * sizeof(float));
    memset(d + n, 0, (r - n) * sizeof(float));
}

/* The portable transposing pack of one panel: d[p·r + i] = src[i·ld + p]
 * for i < n, p < kc (row i of src contiguous in p), and 0 for n ≤ i < r. */
static void pack_panel_transposed(float *d, const float *src, size_t ld, size_t n, size_t kc,
                                  size_t r)
{
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < kc; p++)
            d[p * r + i] = src[i * ld + p];
    for (size_t p = 0; p < kc; p++)
        for (size_t i = n; i < r; i++)
            d[p * r + i] = 0.0f;
}

/* Panels of width r cut from kc stored rows ld apart: panel j's row p is
 * src[p·ld + j·r ..] (n columns in all, the last panel zero-padded to r).
 * Why PACK_ROWS rows at a time across every panel, not one panel at a
 * time: a panel alone reads 48–128 bytes from each of kc rows, and at a
 * stride that is a multiple of 4 KiB (2048 floats) those rows fall into
 * the same few L1 sets; all panels of one row at a time write as many
 * streams as there are panels.  8 rows of every panel: each source line is
 * read whole while it is in L1, and 8 rows × panels stay few streams.
 * Packing B of a 2048³ product, 1 thread: 3.3–4.0 → 9.4 Gfloat/s; Aᵀ for the
 * 12-row kernel 2.9 → 9.6 (dev loop over the driver's blocks).
 * Written once for a constant r (pack_rows picks the instance): a full
 * panel's row is then a fixed-size memcpy, a few inline vector moves; with
 * r known only at run time each row of 6 or 12 floats paid a call and a
 * branch on its width, and a 64³ TN product of the avx2 set (A packed
 * 6 rows wide) spent 21% of its time packing. */
enum { PACK_ROWS = 8 };
static inline __attribute__((always_inline)) void
pack_rows_r(const float *src, size_t ld, size_t n, size_t kc, const size_t r, float *dst)
{
    const size_t n_full = n / r * r;
    for (size_t pb = 0; pb < kc; pb += PACK_ROWS) {
        const size_t pe = kc - pb < PACK_ROWS ? kc : pb + PACK_ROWS;
        for (size_t j = 0; j < n_full; j += r) {
            float *d = dst + j * kc;
            for (size_t p = pb; p < pe; p++)
                memcpy(d + p * r, src + p * ld + j, r * sizeof(float));
        }
        if (n_full < n) { /* the last panel, zero-padded */
            float *d = dst + n_full * kc;
            for (size_t p = pb; p < pe; p++)
                copy_pad(d + p * r, src + p * ld + n_full, n - n_full, r);
        }
    }
}

/* The panel widths of every set (MR and NR: 4, 6, 8, 12, 16, 32) as
 * constants; any other width through the generic instance. */
static void pack_rows(const float *src, size_t ld, size_t n, size_t kc, size_t r, float *dst)
{
    switch (r) {
    case 4: pack_rows_r(src, ld, n, kc, 4, dst); return;
    case 6: pack_rows_r(src, ld, n, kc, 6, dst); return;
    case 8: pack_rows_r(src, ld, n, kc, 8, dst); return;
    case 12: pack_rows_r(src, ld, n, kc, 12, dst); return;
    case 16: pack_rows_r(src, ld, n, kc, 16, dst); return;
    case 32: pack_rows_r(src, ld, n, kc, 32, dst); return;
    default: pack_rows_r(src, ld, n, kc, r, dst); return;
    }
}

void aek_pack_a(aek_pack_t_fn pack_t, aek_trans ta, const float *A, size_t lda, size_t i0,
                size_t p0, size_t mc, size_t kc, size_t mr, float *dst)
{
    if (ta == AEK_T) {
        /* op(A) = Aᵀ: column i of op(A) is row (p0+p) of A. */
        pack_rows(A + p0 * lda + i0, lda, mc, kc, mr, dst);
        return;
    }
    for (size_t ir = 0; ir < mc; ir += mr) {
        size_t rows = mc - ir < mr ? mc - ir : mr;
        float *d = dst + ir * kc;
        if (pack_t) {
            pack_t(A + (i0 + ir) * lda + p0, lda, rows, kc, mr, d); /* pads itself */
        } else {
            /* op(A) = A: row i of the panel is contiguous in memory. */
            pack_panel_transposed(d, A + (i0 + ir) * lda + p0, lda, rows, kc, mr);
        }
    }
}

void aek_pack_b(aek_pack_t_fn pack_t, aek_trans tb, const float *B, size_t ldb, size_t p0,
                size_t j0, size_t kc, size_t nc, size_t nr, float *dst)
{
    if (tb == AEK_N) {
        pack_rows(B + p0 * ldb + j0, ldb, nc, kc, nr, dst);
        return;
    }
    for (size_t jr = 0; jr < nc; jr += nr) {
        size_t cols = nc - jr < nr ? nc - jr : nr;
        float *d = dst + jr * kc;
        if (pack_t) {
            pack_t(B + (j0 + jr) * ldb + p0, ldb, cols, kc, nr, d); /* pads itself */
        } else {
            /* op(B) = Bᵀ: column j of op(B) is row j of B. */
            pack_panel_transposed(d, B + (j0 + jr) * ldb + p0, ldb, cols, kc, nr);
        }
    }
}
