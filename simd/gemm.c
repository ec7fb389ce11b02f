/*
 * gemm.c — the portable SGEMM driver: argument checks, cache blocking, packing
 * and the five loops around a per-ISA micro-kernel (BLIS's ic/pc/jc/ir/jr,
 * written for row-major C where the vector dimension runs along n).
 *
 *   for ic (mc rows of op(A): the A block lives in L3)
 *     for pc (kc deep)               pack A[ic.., pc..]           (mc×kc)
 *       for jc (nc columns)          pack B[pc.., jc..]           (kc×nc, L2)
 *         for ir (MR rows)           A micro-panel MR×kc stays in L1
 *           for jr (NR columns)      B micro-panels stream from L2
 *             micro-kernel: one MR×NR tile of C in registers
 *
 * Why these choices:
 *  - For batch-sized m, row-major operands are read in place instead of
 *    packed (a_direct_ok, b_direct_ok): packing B is then a read and a write
 *    of k·n floats reused by only m rows, ~7% of a 128-row product.  A is
 *    read in place at any m whose rows spread over the L1 sets.  Edge
 *    panels are still packed, so the kernels see full tiles only — except
 *    in a set whose direct kernels take edge row panels (direct_edges).
 *  - A batch product with a large Bᵀ (a layer's forward, C = X·Wᵀ) would
 *    pack all of W transposed per call; it is computed as Cᵀ = W·Xᵀ with W
 *    in place and transposed after (transposed_ok), with the same bits.
 *  - beta is applied on the first k-block only, bias+activation on the last,
 *    so the epilogue costs nothing extra and beta = 0 never reads C.
 *  - C is split into rectangles aligned to MR/NR (about three per thread),
 *    claimed dynamically by whichever threads are running (threadpool.c), so
 *    a descheduled worker delays no one; each packs its own blocks into its
 *    own buffers (no barriers inside a call).  The split never touches k, and
 *    kc does not depend on the thread count, so every element of C sees the
 *    same sequence of operations for any thread count or schedule: results
 *    are bitwise identical (verify/test_gemm.c checks it).
 *  - Pack buffers are per OS thread, page-aligned, grown on demand and kept:
 *    a training loop calling GEMM thousands of times allocates nothing.  A
 *    buffer that cannot be grown costs speed, not the result: the block is
 *    computed tile by tile in small per-thread spares (gemm_block), the
 *    same bits (verify/steps/alloc_faults.sh fails each allocation).
 */
#define _GNU_SOURCE
#include "cpu.h"
#include "kernels.h"
#include "pack.h"
#include "threadpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int aek_threads_for_work(double flops); /* dispatch.c */

/* ---- blocking ------------------------------------------------------------ */

static size_t clampz(size_t v, size_t lo, size_t hi) { return v < lo ? lo : v > hi ? hi : v; }
static size_t round_down(size_t v, size_t q) { return v / q * q; }

aek_blocking aek_blocking_for(const aek_kernel_set *ks)
{
    const aek_cpu_info *c = aek_cpu();
    aek_blocking b;
    /* An A micro-panel (MR×kc floats) should fill about half of L1, leaving
     * room for the B micro-panel streaming past it. */
    b.kc = clampz(round_down(c->l1d / 2 / (ks->mr * sizeof(float)), 16), 64, 512);
    /* The packed B block (kc×nc) takes about half of this core's L2. */
    /* (rounded after the clamp: the blocks stay whole tiles) */
    b.nc = round_down(clampz(c->l2 / 2 / (b.kc * sizeof(float)), ks->nr, 4096), ks->nr);
    /* The packed A block (mc×kc) takes a share of L3 (4 MiB if unknown):
     * half of it split among the CPUs that share it — those of one CCX or
     * die, not every CPU online (a 96-core EPYC has 32 MiB of L3 per
     * 8-core CCX: split over 96 CPUs, 170 KiB each would make mc 120 rows
     * and pack all of B 18 times for 2048 rows). */
    int sharers = c->online_cpus > 0 ? c->online_cpus : 1;
    if (c->l3_sharing > 0 && c->l3_sharing < sharers)
        sharers = c->l3_sharing;
    size_t l3_share = c->l3 ? c->l3 / (size_t)(2 * sharers) : (4u << 20);
    b.mc = round_down(clampz(l3_share / (b.kc * sizeof(float)), ks->mr, 2048), ks->mr);
    return b;
}

/* ---- per-thread pack buffers --------------------------------------------- */

typedef struct {
    float *a, *b;
    size_t acap, bcap; /* in floats */
    float *t; /* Cᵀ of a transposed product (run_transposed), on the calling thread */
    size_t tcap;
    /* what `a` holds: the A block (ic, pc) of GEMM call `serial`, so a thread
     * that runs several column parts of one product packs A only once */
    unsigned long long a_serial;
    size_t a_ic, a_pc;
} pack_bufs;

static pthread_key_t g_pack_key;
static pthread_once_t g_pack_once = PTHREAD_ONCE_INIT;

static void pack_bufs_free(void *p)
{
    pack_bufs *pb = p;
    if (!pb)
        return;
    free(pb->a);
    free(pb->b);
    free(pb->t);
    free(pb);
}

static void pack_key_init(void) { pthread_key_create(&g_pack_key, pack_bufs_free); }

/* The buffer, grown to `need` floats; NULL when that allocation fails (the
 * old buffer is kept): the callers fall back to buffers that need none. */
static float *grow(float **buf, size_t *cap, size_t need)
{
    if (*cap >= need)
        return *buf;
    void *p = NULL;
    if (posix_memalign(&p, 4096, need * sizeof(float)) != 0)
        return NULL;
    free(*buf);
    *buf = p;
    *cap = need;
    return *buf;
}

/* A thread whose pack_bufs cannot be allocated uses this one for good (it
 * is not the key's value, so the key's destructor never frees it). */
static _Thread_local pack_bufs g_spare_pb;
static _Thread_local int g_spare_pb_used;

static pack_bufs *thread_pack_bufs(void)
{
    if (g_spare_pb_used)
        return &g_spare_pb;
    pthread_once(&g_pack_once, pack_key_init);
    pack_bufs *pb = pthread_getspecific(g_pack_key);
    if (!pb) {
        pb = calloc(1, sizeof *pb);
        if (!pb || pthread_setspecific(g_pack_key, pb) != 0) {
            free(pb);
            g_spare_pb_used = 1;
            return &g_spare_pb;
        }
    }
    return pb;
}

/* When a pack buffer cannot be grown, a block is computed one MR×NR tile at
 * a time in these per-thread buffers, which need no allocation: one A
 * micro-panel and one B micro-panel of the largest tile and kc of any set
 * (avx512's 12×32, aek_blocking_for's kc ≤ 512).  A finer split of C
 * changes no bits (each element's operations are the same; threads split C
 * the same way), so a shortage costs speed, never a different result or a
 * crash (before, a failed pack buffer aborted the process). */
#define SPARE_MR 12
#define SPARE_NR 32
#define SPARE_KC 512
static _Thread_local _Alignas(64) float g_spare_a[SPARE_MR * SPARE_KC];
static _Thread_local _Alignas(64) float g_spare_b[SPARE_NR * SPARE_KC];

/* ---- the job ------------------------------------------------------------- */

typedef struct gemm_job {
    const aek_kernel_set *ks;
    aek_blocking blk;
    aek_trans ta, tb;
    size_t m, n, k;
    float alpha, beta;
    const float *A, *B;
    size_t lda, ldb;
    float *C;
    size_t ldc;
    const float *bias;
    aek_act act;
    const float *row_c; /* the row term (aek_sgemm_rows_with), or NULL */
    int a_direct; /* op(A) = A read in place by the direct micro-kernel (a_direct_ok) */
    int a_tdirect; /* op(A) = Aᵀ read in place by the atdirect micro-kernel (a_tdirect_ok) */
    int b_direct; /* op(B) = B read in place by the micro-kernels (b_direct_ok) */
    int tm, tn; /* parts: tm row slabs × tn column slabs */
    unsigned long long serial; /* unique per call (pack cache key) */
    /* a transposed product's Cᵀ (run_transposed): the caller's job, whose C
     * each part fills from the block of Cᵀ it has just computed */
    const struct gemm_job *final;
} gemm_job;

static atomic_ullong g_serial;

/* The step of ⌈len/blk⌉ blocks of equal size, rounded up to whole tiles
 * (≤ blk when blk is a multiple of tile), instead of blk-sized blocks and a
 * thin last one.  Rows: 2048 as 2040 + 8 would pack all of B again for an
 * 8-row sliver.  Columns: 784 as 256·3 + 16 ran each A micro-panel against
 * one 16-column sliver, its load from L2 shared by a single tile (avx2,
 * 1 thread, 256×784×1000 TN 1.023, NN 1.015 with equal blocks,
 * interleaved best-of-7). */
static size_t equal_block(size_t len, size_t blk, size_t tile)
{
    const size_t nblk = (len + blk - 1) / blk;
    return ((len + nblk - 1) / nblk + tile - 1) / tile * tile;
}

/* The row panels of an mc-row block: `whole` rows in MR-row tiles, then up
 * to two edge panels of tail[0] and tail[1] rows (0: none).  Normally one
 * edge panel holds the mc mod MR rows left over.  A set whose edge kernel
 * computes fewer than E = edge_split_rows rows at the cost of E (the avx2
 * 6×16 tile: 2 rows are 4 FMA chains of latency 4, a step costs as much
 * as 4 rows) runs the last MR + r rows, when MR + r ≤ 2E, as two panels of
 * E and MR + r − E rows: 128 = 20·6 + 4 + 4, not 21·6 + 2 (Zen 4, a tile
 * step of 16 columns: 6 rows 6.1 cycles, 4 rows 4.5, 2 rows 4.0; so 8.96
 * cycles for the last 8 rows instead of 10.1; 1 thread, interleaved
 * best-of-7, 5-7 rounds: 128³ NN 1.018 (7/7), 128×784×256 NN 1.013 (5/5),
 * TN 1.008 (6/7); with k = 784, two k-blocks, 128×256×784 NN and TN
 * 0.998 and 0.999 (3/7)).  Each element's operations are the same in
 * every kernel, so the split changes no bits. */
typedef struct {
    size_t whole, tail[2];
} row_panels;

static row_panels row_panels_of(size_t mc, size_t MR, size_t E)
{
    row_panels rp = {mc / MR * MR, {mc % MR, 0}};
    if (E && rp.tail[0] && rp.whole >= MR && MR + rp.tail[0] <= 2 * E && E < MR) {
        rp.whole -= MR;
        rp.tail[1] = MR + rp.tail[0] - E;
        rp.tail[0] = E;
    }
    return rp;
}

/* Pack the edge panels of rp (rows ic + rp.whole on) into dst, panel q at
 * dst + q·MR·kc, each zero-padded to MR rows. */
static void pack_tail_panels(const gemm_job *j, size_t ic, size_t pc, size_t kc, row_panels rp,
                             float *dst)
{
    const size_t MR = j->ks->mr;
    size_t row = ic + rp.whole;
    for (int q = 0; q < 2 && rp.tail[q]; q++) {
        aek_pack_a(j->ks->pack_t, j->ta, j->A, j->lda, row, pc, rp.tail[q], kc, MR,
                   dst + (size_t)q * MR * kc);
        row += rp.tail[q];
    }
}

static void block_in(const gemm_job *j, size_t r0, size_t r1, size_t c0, size_t c1, float *Ap,
                     float *Bp, pack_bufs *pb);

/* The serial algorithm on C[r0:r1, c0:c1]. */
static void gemm_block(const gemm_job *j, size_t r0, size_t r1, size_t c0, size_t c1)
{
    const size_t MR = j->ks->mr, NR = j->ks->nr;
    const size_t MC = j->blk.mc, KC = j->blk.kc, NC = j->blk.nc;
    pack_bufs *pb = thread_pack_bufs();
    const size_t mc_step = equal_block(r1 - r0, MC, MR), nc_step = equal_block(c1 - c0, NC, NR);
    size_t mc_max = r1 - r0 < mc_step ? r1 - r0 : mc_step;
    size_t nc_max = c1 - c0 < nc_step ? c1 - c0 : nc_step;
    size_t kc_max = j->k < KC ? j->k : KC;
    size_t acap = pb->acap;
    float *Ap = grow(&pb->a, &pb->acap, ((mc_max + MR - 1) / MR) * MR * (kc_max ? kc_max : 1));
    if (pb->acap != acap)
        pb->a_serial = 0; /* a new buffer holds nothing */
    float *Bp = Ap ? grow(&pb->b, &pb->bcap, ((nc_max + NR - 1) / NR) * NR * (kc_max ? kc_max : 1))
                   : NULL;
    if (Ap && Bp) {
        block_in(j, r0, r1, c0, c1, Ap, Bp, pb);
        return;
    }
    if (MR > SPARE_MR || NR > SPARE_NR || KC > SPARE_KC) { /* a new set outgrew the spares */
        fprintf(stderr, "aekit: out of memory allocating a GEMM pack buffer\n");
        abort();
    }
    for (size_t r = r0; r < r1; r += MR)
        for (size_t c = c0; c < c1; c += NR) {
            pack_bufs none = {0}; /* the spare A panel caches no block */
            block_in(j, r, r1 - r < MR ? r1 : r + MR, c, c1 - c < NR ? c1 : c + NR, g_spare_a,
                     g_spare_b, &none);
        }
}

/* gemm_block on C[r0:r1, c0:c1] with pack buffers Ap and Bp large enough
 * for it; pb's a_* fields say which A block Ap holds. */
static void block_in(const gemm_job *j, size_t r0, size_t r1, size_t c0, size_t c1, float *Ap,
                     float *Bp, pack_bufs *pb)
{
    const size_t MR = j->ks->mr, NR = j->ks->nr;
    const size_t MC = j->blk.mc, KC = j->blk.kc, NC = j->blk.nc;
    const aek_gemm_ukr_fn ukr = j->ks->gemm_ukr;
    const size_t mc_step = equal_block(r1 - r0, MC, MR), nc_step = equal_block(c1 - c0, NC, NR);

    for (size_t ic = r0; ic < r1; ic += mc_step) {
        size_t mc = r1 - ic < mc_step ? r1 - ic : mc_step;
        /* A (or Aᵀ) read in place by a direct kernel: no packing; only the
         * edge row panels (m_eff < MR) are packed, once per k-block, unless
         * the set's direct kernels take them too (direct_edges) */
        const int direct = j->a_direct || j->a_tdirect;
        const row_panels rp = row_panels_of(mc, MR, j->ks->edge_split_rows);
        const size_t whole_tiles = rp.whole / MR;
        const size_t panels = whole_tiles + (rp.tail[0] > 0) + (rp.tail[1] > 0);
        /* k == 0 (or alpha == 0) still runs one empty k-block for beta and
         * the epilogue. */
        for (size_t pc = 0; pc == 0 || pc < j->k; pc += KC) {
            size_t kc = j->k - pc < KC ? j->k - pc : KC;
            int first = pc == 0, last = pc + kc >= j->k;
            if (kc && !direct &&
                !(pb->a_serial == j->serial && pb->a_ic == ic && pb->a_pc == pc)) {
                if (rp.tail[1]) { /* split: the whole tiles, then each edge panel */
                    aek_pack_a(j->ks->pack_t, j->ta, j->A, j->lda, ic, pc, rp.whole, kc, MR, Ap);
                    pack_tail_panels(j, ic, pc, kc, rp, Ap + rp.whole * kc);
                } else {
                    aek_pack_a(j->ks->pack_t, j->ta, j->A, j->lda, ic, pc, mc, kc, MR, Ap);
                }
                pb->a_serial = j->serial;
                pb->a_ic = ic;
                pb->a_pc = pc;
            }
            if (kc && direct && !j->ks->direct_edges && rp.whole < mc) {
                pack_tail_panels(j, ic, pc, kc, rp, Ap);
                pb->a_serial = 0; /* Ap no longer holds a cached block */
            }
            aek_ukr_epi epi = {
                .alpha = j->alpha,
                .beta = first ? j->beta : 1.0f,
                .bias = NULL,
                .act = last ? j->act : AEK_ACT_IDENTITY,
                .row_c = NULL,
            };
            for (size_t jc = c0; jc < c1; jc += nc_step) {
                size_t nc = c1 - jc < nc_step ? c1 - jc : nc_step;
                const size_t nc_full = nc / NR * NR;
                /* B read in place (see b_direct); its edge panel is packed */
                if (kc && !j->b_direct)
                    aek_pack_b(j->ks->pack_t, j->tb, j->B, j->ldb, pc, jc, kc, nc, NR, Bp);
                if (kc && j->b_direct && nc_full < nc)
                    aek_pack_b(j->ks->pack_t, j->tb, j->B, j->ldb, pc, jc + nc_full, kc,
                               nc - nc_full, NR, Bp);
                for (size_t t = 0; t < panels; t++) {
                    /* rows ir.. (m_eff of them) of the block; slot: the
                     * panel's place in the packed buffer */
                    size_t ir = t * MR, m_eff = MR, slot = t;
                    if (t >= whole_tiles) {
                        const size_t q = t - whole_tiles;
                        ir = rp.whole + (q ? rp.tail[0] : 0);
                        m_eff = rp.tail[q];
                        slot = direct ? q : t; /* direct: only edge panels are packed */
                    }
                    epi.row_c = first && j->row_c ? j->row_c + ic + ir : NULL;
                    for (size_t jr = 0; jr < nc; jr += NR) {
                        size_t n_eff = nc - jr < NR ? nc - jr : NR;
                        const float *bt = Bp + jr * kc;
                        size_t ldbt = NR;
                        if (j->b_direct) {
                            bt = n_eff == NR ? j->B + pc * j->ldb + jc + jr : Bp;
                            ldbt = n_eff == NR ? j->ldb : NR;
                        }
                        epi.bias = last && j->bias ? j->bias + jc + jr : NULL;
                        float *Ct = j->C + (ic + ir) * j->ldc + jc + jr;
                        const float *at = Ap + slot * MR * kc; /* packed A panel */
                        const int in_place = m_eff == MR || j->ks->direct_edges;
                        if (j->a_direct && in_place)
                            j->ks->gemm_ukr_adirect(kc, j->A + (ic + ir) * j->lda + pc, j->lda,
                                                    bt, ldbt, Ct, j->ldc, m_eff, n_eff, &epi);
                        else if (j->a_tdirect && in_place)
                            j->ks->gemm_ukr_atdirect(kc, j->A + pc * j->lda + ic + ir, j->lda,
                                                     bt, ldbt, Ct, j->ldc, m_eff, n_eff, &epi);
                        else if (m_eff < MR && j->ks->gemm_ukr_edge)
                            j->ks->gemm_ukr_edge(kc, at, bt, ldbt, Ct, j->ldc, m_eff, n_eff, &epi);
                        else
                            ukr(kc, at, bt, ldbt, Ct, j->ldc, m_eff, n_eff, &epi);
                    }
                }
            }
            if (j->k == 0)
                break;
        }
    }
}

/* Slab `part` of `parts` of a dimension of `len` in whole tiles of `tile`:
 * [*lo, *hi). */
static void slab(size_t len, size_t tile, size_t part, size_t parts, size_t *lo, size_t *hi)
{
    const size_t tiles = (len + tile - 1) / tile;
    *lo = part * tiles / parts * tile;
    *hi = (part + 1) * tiles / parts * tile;
    if (*hi > len)
        *hi = len;
}

static void transpose_block(const gemm_job *f, const float *t, size_t r0, size_t r1, size_t c0,
                            size_t c1);

static void gemm_task(void *arg, int tid, int nthreads)
{
    const gemm_job *j = arg;
    (void)nthreads;
    size_t r0, r1, c0, c1;
    slab(j->m, j->ks->mr, (size_t)tid / (size_t)j->tn, (size_t)j->tm, &r0, &r1);
    slab(j->n, j->ks->nr, (size_t)tid % (size_t)j->tn, (size_t)j->tn, &c0, &c1);
    if (r0 < r1 && c0 < c1) {
        gemm_block(j, r0, r1, c0, c1);
        if (j->final)
            transpose_block(j->final, j->C, r0, r1, c0, c1);
    }
}

/* Split C into at most T parts on a tm×tn grid, one part per thread.  The
 * cost of a part counts micro-tiles and packing: each row slab packs the B
 * panels of its columns once per row block of mt_blk tiles (mc rows), each
 * column slab the A panels of its rows, a
 * packed panel costing about pack_b (pack_a) tiles (a tile is MR·NR·k
 * multiply-adds, a panel NR·k (MR·k) floats read and written; measured on
 * Zen 5, packing a float takes about as long as 28 flops, so a B panel of a
 * 12×32 tile set costs ~1.2 tiles, an A panel ~0.45).  With one part per
 * thread the product takes as long as its largest part: the grid with the
 * smallest largest part wins, ties going to fewer parts, then to more
 * column slabs (to more row slabs for a product of several row blocks).
 * (Three parts per thread rated by Graham's bound, total/T + largest part,
 * cut a 128×784 batch product into 5 equal parts for 2 threads, so one
 * thread waited a whole part; counting tiles alone split a 128-row batch
 * product 3×2 and packed its B three times.) */
static void thread_grid(int T, size_t mt, size_t nt, size_t mt_blk, double pack_a, double pack_b,
                        int *tm, int *tn)
{
    double best = 1e300;
    /* the tie-break between row and column slabs: a batch-sized product
     * (one row block) keeps its columns split, so each thread meets the
     * same slab of W in every product of a training step; a tall one
     * splits its rows, so each thread reads only its own rows of A and C
     * (4096³ at 2 threads, a tie by this count: the row split was faster
     * in 13 of 16 interleaved pairs, by up to 5%) */
    const int tall = mt > mt_blk;
    *tm = 1;
    *tn = 1;
    for (int a = 1; a <= T && (size_t)a <= mt; a++) {
        for (int b = 1; a * b <= T && (size_t)b <= nt; b++) {
            /* the largest part: the largest row slab × the largest column slab */
            const size_t rows = (mt + (size_t)a - 1) / (size_t)a;
            const size_t cols = (nt + (size_t)b - 1) / (size_t)b;
            const size_t blocks = (rows + mt_blk - 1) / mt_blk;
            double largest = (double)(rows * cols) + pack_a * (double)rows +
                             pack_b * (double)(cols * blocks);
            int better = largest < best * (1 - 1e-9) ||
                         (largest <= best * (1 + 1e-9) &&
                          (a * b < *tm * *tn ||
                           (a * b == *tm * *tn && (tall ? a > *tm : b > *tn))));
            if (better) {
                best = largest;
                *tm = a;
                *tn = b;
            }
        }
    }
}

/* Read op(B) = B in place instead of packing it?  Packing B costs a read and
 * a write of k·n floats per row block of C and pays off only when that is
 * small against the 2·mc·k·n flops that reuse it; for a training batch
 * (m ≈ 128) it is ~7% of the product.  In place, the micro-kernel reads NR
 * floats from each of kc rows ldb apart; a stride that is a multiple of
 * 2 KiB would map those rows to few cache sets (L1: 64 sets × 64 B), so such
 * B is packed.  Rows that do not start on a 64-byte line (B not 64-byte
 * aligned, or ldb·4 not a multiple of 64: n = 1000, 500, 250) take one line
 * more per k-step than a packed panel, in each of the m/MR row tiles, against
 * one pack of B.  Where the kernels prefetch it (prefetches_b_in_place), in
 * place wins up to m = 256 and ties above (Zen 4, 1 thread, m×1000×784 NN,
 * packed → in place, GFLOP/s, medians of 5 interleaved best-of-7: AVX2
 * m = 128 99 → 105, 256 102 → 104.5, 384 105 both; AVX-512 128 100 → 111,
 * 256 103 → 111, 384 106 both).  The scalar and NEON kernels do not
 * prefetch, and such B stays packed for them (unmeasured on ARM). */
static int b_direct_ok(const aek_kernel_set *ks, aek_trans tb, size_t m, const float *B,
                       size_t ldb)
{
    const size_t row_bytes = ldb * sizeof(float);
    const int line_aligned = row_bytes % 64 == 0 && (uintptr_t)B % 64 == 0;
    return tb == AEK_N && m <= 512 && row_bytes % 2048 != 0 &&
           (line_aligned || (ks->prefetches_b_in_place && m <= 256));
}

/* The L1 sets that rows lda floats apart fall into: rows 2^z·q lines apart
 * (q odd) share 64/2^z of the 64 sets a VIPT L1 has (page / line). */
static size_t l1_sets_touched(size_t lda)
{
    const size_t bytes = lda * sizeof(float);
    size_t sets = 64;
    if (bytes % 64 == 0)
        for (size_t lines = bytes / 64; sets > 1 && lines % 2 == 0; lines /= 2)
            sets /= 2;
    return sets; /* a stride that is not a whole number of lines spreads */
}

/* Read op(A) = A in place?  A micro-panel is then MR rows lda apart, read
 * one line of each at a time; packing A is a read and a write of every
 * float of it.  For a batch-sized m that saves a pack the few row tiles
 * cannot repay.  For a larger m only when those MR lines spread over the
 * L1 sets (l1_sets_touched): rows a multiple of 4 KiB apart put all MR in
 * one set, and more than 6 in a set (of Zen 4's 8 ways) evict each other
 * while the B stream passes.  Zen 4, 1 thread, packed → in place,
 * interleaved best-of-7, 5 rounds: avx512 1000×784×256 NN 1.007 (5/5),
 * 1000×784×512 1.012 (lda = 512: 2 sets, 6 rows each), 2000×784×256 1.012,
 * 1000×784×784 1.012, 1000³ 1.005; avx2 1000×784×256 1.020, 1000³ 1.021,
 * 1000×784×512 1.023 (all 5/5); 2 threads, avx512 1000³ 1.034, 1000×784×784
 * 1.015.  Not taken: avx512 1024³ 0.936 and 2048³ 0.930 (lda·4 = 4 and
 * 8 KiB: 12 rows in one set), avx2 2048³ 0.989 (6 rows, one set). */
static int a_direct_ok(const aek_kernel_set *ks, aek_trans ta, size_t m, size_t lda)
{
    if (ta != AEK_N || ks->gemm_ukr_adirect == NULL)
        return 0;
    const size_t sets = l1_sets_touched(lda);
    return m <= 512 || (sets >= 2 && ks->mr <= 6 * sets);
}

/* Read op(A) = Aᵀ in place?  Then column p of a tile is MR consecutive
 * floats of row p of A, and a micro-panel spans kc rows of A, lda apart:
 * for a batch-deep product (the weight gradients Dᵀ·In, k = batch) that
 * is a few hundred lines, which must stay in L1 while every B panel of the
 * block passes, and packing A (a copy) is saved.  Not for deep k (a panel
 * would span k pages), nor when the rows crowd into few L1 sets
 * (l1_sets_touched): more than 4 lines a set (a third of 12 ways, the rest
 * for the B stream) evict each other (lda = 256, 4 sets: 256×784×128 TN
 * fell from 78% to 74% of peak in place); so k ≤ 4·64 = 256 at most.  A
 * small product still qualifies (64³ TN, lda = 64: 16 sets × 4 lines;
 * 176 → 199 GFLOP/s in place). */
static int a_tdirect_ok(const aek_kernel_set *ks, aek_trans ta, size_t k, size_t lda)
{
    return ta == AEK_T && ks->gemm_ukr_atdirect != NULL && k <= 4 * l1_sets_touched(lda);
}

static int bad_args(aek_trans ta, aek_trans tb, size_t m, size_t n, size_t k,
                    const float *A, size_t lda, const float *B, size_t ldb,
                    const float *C, size_t ldc)
{
    const char *why = NULL;
    char buf[160];
    if ((ta != AEK_N && ta != AEK_T) || (tb != AEK_N && tb != AEK_T))
        why = "transpose flag is neither AEK_N nor AEK_T";
    else if (lda < (ta == AEK_N ? k : m) && (ta == AEK_N ? k : m) > 0)
        snprintf(buf, sizeof buf, "lda = %zu is smaller than the stored row length %zu", lda,
                 ta == AEK_N ? k : m), why = buf;
    else if (ldb < (tb == AEK_N ? n : k) && (tb == AEK_N ? n : k) > 0)
        snprintf(buf, sizeof buf, "ldb = %zu is smaller than the stored row length %zu", ldb,
                 tb == AEK_N ? n : k), why = buf;
    else if (ldc < n)
        snprintf(buf, sizeof buf, "ldc = %zu is smaller than n = %zu", ldc, n), why = buf;
    else if (m && n && !C)
        why = "C is NULL";
    else if (m && n && k && (!A || !B))
        why = "A or B is NULL";
    if (!why)
        return 0;
    fprintf(stderr, "aek_sgemm: illegal arguments: %s; C left unchanged\n", why);
    return 1;
}

static void run_job(const gemm_job *jp);

/* ---- the transposed product ------------------------------------------------
 * C = A·Bᵀ with a batch-sized m and a large B — a layer's forward, B = W
 * (n_out × n_in): the kernels want op(B) = Wᵀ packed, a transposing copy of
 * all n·k floats of W per call, and a deep AE's W comes from L3.  Computed
 * instead as Cᵀ = W·Aᵀ into a scratch T (n×m) with W read in place as the
 * A operand (the direct kernel; each thread reads the slab of W rows its
 * fused SGD step wrote), only A packed (m·k floats, from L2, by every
 * thread), then C = act(Tᵀ + bias): a transpose of m·n floats, split
 * among the threads.  Per thread, m·k + m·n/T floats moved against n·k/T:
 * taken when T·m·k + m·n < n·k (and at 2+ threads when k > kc: transposed_ok).
 *
 * The same bits as the untransposed product: each element is the same
 * chain of FMAs over the same k-blocks (kc depends on the set only), the
 * operands of each product swapped (exact before the one rounding), and
 * with alpha = 1 and beta = 0 the blocks combine as they do in C (the first
 * block's 1·acc is exact), then + bias and act as in the epilogue.  So the
 * choice may depend on the thread count (verify/test_gemm.c checks the
 * bits against the untransposed product, ldc = n + 1, on every set that
 * has it).
 *
 * Zen 4, 1 thread, C = A·Wᵀ + bias, sigmoid, medians of 5-7 interleaved
 * best-of-7, untransposed → transposed: 128×1000×784 104.0 → 109.9 GFLOP/s,
 * 128×784×1000 103.0 → 109.3, 128×256×784 105.1 → 107.7; 2 threads
 * 128×1000×784 194.9 → 210.1.  Not taken, and slower when forced:
 * 128×30×250 (0.82), 128×64×2000 (0.96), 256³ (0.98), 512³ (0.95). */
#define TRANSPOSED_MAX_FLOATS ((size_t)1 << 22) /* the scratch T: 16 MiB at most */

static int transposed_ok(const gemm_job *j)
{
    const aek_kernel_set *ks = j->ks;
    if (!(j->ta == AEK_N && j->tb == AEK_T && j->alpha == 1.0f && j->beta == 0.0f && !j->row_c &&
          j->ldc == j->n && j->k > 0 && ks->gemm_ukr_adirect && ks->transpose && j->m <= 256 &&
          j->m * j->n <= TRANSPOSED_MAX_FLOATS))
        return 0;
    const double m = (double)j->m, n = (double)j->n, k = (double)j->k;
    const double T = aek_threads_for_work(2.0 * m * n * k);
    /* At 2+ threads only for k > kc, where the untransposed product runs
     * several k-blocks: 128×784×k at 2 threads, transposed against
     * untransposed (interleaved best-of-7, 5 rounds): k = 256 0.969, 320
     * 0.982 (0/5 each), then 352 1.051, 384 1.019, 448 1.027 (4-5/5) with
     * kc = 336; the untransposed product slowed from ~211 to ~200 GFLOP/s
     * past kc, the transposed one stayed at ~205.  128×1000×256: 0.928;
     * 256×784×1000: 1.032.  At 1 thread one k-block is no obstacle
     * (128×784×256 + bias, sigmoid: 1.021, 4/4). */
    if (T > 1 && j->k <= j->blk.kc)
        return 0;
    return T * m * k + m * n < n * k;
}

int aek_gemm_transposed(const aek_kernel_set *ks, aek_trans ta, aek_trans tb, size_t m, size_t n,
                        size_t k, float alpha, float beta, size_t ldc)
{
    gemm_job j = {.ks = ks, .blk = aek_blocking_for(ks), .ta = ta, .tb = tb, .m = m, .n = n,
                  .k = k, .alpha = alpha, .beta = beta, .ldc = ldc};
    return transposed_ok(&j);
}

/* The block Cᵀ[r0:r1, c0:c1] that a part of the Cᵀ job has just computed,
 * into C[c0:c1, r0:r1] — 16 rows of C at a time, transposed, then the bias
 * and the activation while they are in L1: what the kernels' epilogue does
 * after alpha·acc (alpha = 1 here: see transposed_ok), so the same bits as
 * the untransposed product.  In the part that computed the block, not in a
 * second parallel pass: a part needs no other part's result, and the second
 * fork and join cost a wait per product (128×784×256 + bias, sigmoid at 2
 * threads: 1.013× faster in one pass, 6 of 6 interleaved rounds). */
static void transpose_block(const gemm_job *f, const float *t, size_t r0, size_t r1, size_t c0,
                            size_t c1)
{
    /* C's columns from the first 64-byte line boundary on in whole lines
     * (tiles of 16), the ones before it apart: r0 is a multiple of MR (12),
     * and 16-float stores from there each straddled two lines (the second
     * thread's slab of 128×784×256 at 2 threads, r0 = 396: its part took
     * 9% longer than the first's) */
    size_t a = r0 + (16 - ((uintptr_t)(f->C + r0) / sizeof(float)) % 16) % 16;
    if (a > r1)
        a = r1;
    for (size_t r = c0; r < c1; r += 16) {
        const size_t rows = c1 - r < 16 ? c1 - r : 16;
        float *c = f->C + r * f->ldc + r0;
        if (a > r0)
            f->ks->transpose(t + r0 * f->m + r, f->m, a - r0, rows, c, f->ldc);
        if (r1 > a)
            f->ks->transpose(t + a * f->m + r, f->m, r1 - a, rows, c + (a - r0), f->ldc);
        if (f->bias || f->act != AEK_ACT_IDENTITY)
            for (size_t q = 0; q < rows; q++)
                f->ks->act(r1 - r0, f->act, f->bias ? f->bias + r0 : NULL, c + q * f->ldc,
                           c + q * f->ldc);
    }
}

static void run_transposed(const gemm_job *j)
{
    pack_bufs *pb = thread_pack_bufs();
    float *t = grow(&pb->t, &pb->tcap, j->m * j->n);
    if (!t) { /* no scratch: the untransposed product, which has the same bits */
        run_job(j);
        return;
    }
    gemm_job jt = *j;
    jt.ta = AEK_N; /* op(B)ᵀ = B, stored n×k */
    jt.tb = AEK_T; /* op(A)ᵀ = Aᵀ */
    jt.m = j->n;
    jt.n = j->m;
    jt.A = j->B;
    jt.lda = j->ldb;
    jt.B = j->A;
    jt.ldb = j->lda;
    jt.alpha = 1.0f;
    jt.beta = 0.0f;
    jt.C = t;
    jt.ldc = j->m;
    jt.bias = NULL;
    jt.act = AEK_ACT_IDENTITY;
    jt.final = j;
    run_job(&jt);
}

static void sgemm_job(const aek_kernel_set *ks, aek_trans ta, aek_trans tb, size_t m, size_t n,
                      size_t k, float alpha, const float *A, size_t lda, const float *B,
                      size_t ldb, float beta, float *C, size_t ldc, const aek_epilogue *ep,
                      const float *row_c)
{
    if (m == 0 || n == 0)
        return;
    if (bad_args(ta, tb, m, n, k, A, lda, B, ldb, C, ldc))
        return;
    gemm_job j = {
        .ks = ks, .blk = aek_blocking_for(ks),
        .ta = ta, .tb = tb, .m = m, .n = n, .k = k,
        .alpha = alpha, .beta = beta, .A = A, .B = B, .lda = lda, .ldb = ldb,
        .C = C, .ldc = ldc,
        .bias = ep ? ep->bias : NULL,
        .act = ep ? ep->act : AEK_ACT_IDENTITY,
        .row_c = row_c,
    };
    /* BLAS semantics: alpha = 0 references neither A nor B. */
    if (alpha == 0.0f) {
        j.k = 0;
        j.alpha = 0.0f;
    } else if (k == 0) {
        j.alpha = 0.0f;
    }
    if (transposed_ok(&j)) {
        run_transposed(&j);
        return;
    }
    run_job(&j);
}

void aek_sgemm_with(const aek_kernel_set *ks, aek_trans ta, aek_trans tb, size_t m, size_t n,
                    size_t k, float alpha, const float *A, size_t lda, const float *B,
                    size_t ldb, float beta, float *C, size_t ldc, const aek_epilogue *ep)
{
    sgemm_job(ks, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, ep, NULL);
}

void aek_sgemm_rows_with(const aek_kernel_set *ks, aek_trans ta, aek_trans tb, size_t m,
                         size_t n, size_t k, float alpha, const float *A, size_t lda,
                         const float *B, size_t ldb, float beta, float *C, size_t ldc,
                         const float *row_c)
{
    sgemm_job(ks, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, NULL, row_c);
}

/* Plan and run a job: which operands are read in place, the thread grid.
 * With jp->final set it is the Cᵀ = W·Aᵀ of run_transposed, whose A
 * operand (W) is read in place at any height, and whose rows (W's) are
 * split among the threads, so each reads its own slab of W. */
static void run_job(const gemm_job *jp)
{
    gemm_job j = *jp;
    const int transposed = j.final != NULL;
    const aek_kernel_set *ks = j.ks;
    const size_t m = j.m, n = j.n;
    j.a_direct = transposed || a_direct_ok(ks, j.ta, m, j.lda);
    j.a_tdirect = a_tdirect_ok(ks, j.ta, j.k, j.lda);
    j.b_direct = b_direct_ok(ks, j.tb, m, j.B, j.ldb);
    j.serial = atomic_fetch_add(&g_serial, 1) + 1;
    size_t mt = (m + ks->mr - 1) / ks->mr, nt = (n + ks->nr - 1) / ks->nr;
    int T = aek_threads_for_work(2.0 * (double)m * (double)n * (double)(j.k ? j.k : 1));
    /* one part per thread: thread t keeps slab t of every product, so the
     * slabs of W its fused SGD step wrote are in its cache for the next
     * forward (threadpool.c); a late thread's part is taken by another */
    const size_t mt_blk = j.blk.mc / ks->mr > 0 ? j.blk.mc / ks->mr : 1;
    thread_grid(T, mt, nt, mt_blk, j.a_direct || j.a_tdirect ? 0.0 : 0.45 * (double)ks->mr / 12.0,
                j.b_direct ? 0.0 : 1.2 * (double)ks->nr / 32.0, &j.tm, &j.tn);
    if (transposed && (size_t)T <= mt) {
        j.tm = T;
        j.tn = 1;
    }
    aek_parallel_parts(j.tm * j.tn, T, gemm_task, &j);
}

void aek_sgemm_ex(aek_trans ta, aek_trans tb, size_t m, size_t n, size_t k,
                  float alpha, const float *A, size_t lda, const float *B,
                  size_t ldb, float beta, float *C, size_t ldc,
                  const aek_epilogue *ep)
{
    aek_sgemm_with(aek_kernels(), ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, ep);
}

void aek_sgemm(aek_trans ta, aek_trans tb, size_t m, size_t n, size_t k,
               float alpha, const float *A, size_t lda, const float *B,
               size_t ldb, float beta, float *C, size_t ldc)
{
    aek_sgemm_with(aek_kernels(), ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, NULL);
}
