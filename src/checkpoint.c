/*
 * checkpoint.c — model files (format in checkpoint.h).  Values are encoded
 * byte by byte in little-endian order, so a file means the same on every
 * host; the reader trusts nothing: every length is checked against what is
 * left before it is used.
 */
#define _GNU_SOURCE
#include "checkpoint.h"
#include "data.h"
#include "fileio.h"
#include "inflate.h"
#include "../simd/error.h"
#include "../simd/kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char MAGIC[8] = {'A', 'E', 'K', 'I', 'T', 'M', 'D', 'L'};
#define HEADER_BYTES 24u

/* ---- writing -------------------------------------------------------------- */

typedef struct {
    unsigned char *p;
    size_t len, cap;
    int oom;
} bytebuf;

static void put(bytebuf *b, const void *src, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put_u64(bytebuf *b, uint64_t v)
{
    unsigned char x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    put(b, x, 8);
}
static void put_u32(bytebuf *b, uint32_t v)
{
    unsigned char x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    put(b, x, 4);
}
static void put_i32(bytebuf *b, int v) { put_u32(b, (uint32_t)v); }
static void put_f64(bytebuf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    put_u64(b, u);
}
static void put_f32s(bytebuf *b, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        put_u32(b, u);
    }
}

/* The tensors of M in order, without the alignment padding. */
static void put_tensors(bytebuf *b, const aek_model *M, const float *block)
{
    for (size_t t = 0; t < M->ntensors; t++)
        put_f32s(b, block + M->tensors[t].offset, M->tensors[t].rows * M->tensors[t].cols);
}

static size_t compact_params(const aek_model *M)
{
    size_t n = 0;
    for (size_t t = 0; t < M->ntensors; t++)
        n += M->tensors[t].rows * M->tensors[t].cols;
    return n;
}

static void put_config(bytebuf *b, const aek_config *c)
{
    put_i32(b, c->n_layers);
    for (int l = 0; l <= AEK_MAX_LAYERS; l++)
        put_u64(b, c->sizes[l]);
    for (int l = 0; l < AEK_MAX_LAYERS; l++)
        put_i32(b, (int)c->act[l]);
    put_i32(b, (int)c->out_act);
    put_i32(b, (int)c->loss);
    put_i32(b, c->tied);
    put_f64(b, c->l2);
    put_i32(b, (int)c->noise);
    put_f64(b, c->noise_level);
    put_f64(b, c->sparse_rho);
    put_f64(b, c->sparse_beta);
    put_u64(b, c->ksparse_k);
    put_f64(b, c->ksparse_alpha);
    put_f64(b, c->contractive);
    put_f64(b, c->cae_h_gamma);
    put_f64(b, c->cae_h_sigma);
    put_i32(b, c->cae_h_copies);
}

static void put_preproc(bytebuf *b, const aek_preproc *p, size_t cols)
{
    put_u32(b, p ? (uint32_t)p->scale : 0u);
    uint32_t lo, hi;
    float flo = p ? p->lo : 0.0f, fhi = p ? p->hi : 0.0f;
    memcpy(&lo, &flo, 4);
    memcpy(&hi, &fhi, 4);
    put_u32(b, lo);
    put_u32(b, hi);
    /* bit 2: trained on uint8 values without /255 (--scale none or minmax);
     * without it a /255 model is uint8-trained and any other float-trained,
     * so the files of all other models keep the bytes older readers know */
    int u8_kept = p && p->origin == AEK_ORIGIN_U8 && p->scale != AEK_SCALE_U8;
    put_u32(b, (p && p->mean ? 1u : 0u) | (p && p->std ? 2u : 0u) | (u8_kept ? 4u : 0u));
    if (p && p->mean)
        put_f32s(b, p->mean, cols);
    if (p && p->std)
        put_f32s(b, p->std, cols);
}

aek_status aek_model_save(const char *path, const aek_model *M, const aek_preproc *prep,
                          const aek_train_state *st)
{
    if (prep && (prep->mean || prep->std) && prep->cols != M->cfg.sizes[0])
        return aek_error(AEK_ERR_SHAPE, "%s: preprocessing has %zu columns, the model %zu inputs",
                         path, prep->cols, M->cfg.sizes[0]);
    bytebuf b = {0};
    put(&b, MAGIC, 8);
    put_u32(&b, AEK_MODEL_VERSION);
    put_u32(&b, st ? 1u : 0u);
    put_u64(&b, 0); /* payload length, patched below */
    put_config(&b, &M->cfg);
    char isa[16] = {0};
    snprintf(isa, sizeof isa, "%s", aek_kernels()->name);
    put(&b, isa, 16);
    put_u64(&b, compact_params(M));
    put_tensors(&b, M, M->params);
    put_preproc(&b, prep, M->cfg.sizes[0]);
    if (st) {
        put_i32(&b, (int)st->opt.kind);
        put_f64(&b, st->opt.lr);
        put_f64(&b, st->opt.lr_final);
        put_f64(&b, st->opt.momentum);
        put_f64(&b, st->opt.beta1);
        put_f64(&b, st->opt.beta2);
        put_f64(&b, st->opt.eps);
        put_u64(&b, st->step);
        put_i32(&b, st->epoch);
        put_u64(&b, st->next_batch);
        put_u64(&b, st->seed);
        put_u64(&b, st->batch);
        put_i32(&b, st->epochs);
        put_i32(&b, st->shuffle);
        put_u64(&b, st->ksparse_target);
        put_u64(&b, st->ksparse_start);
        put_i32(&b, st->ksparse_anneal);
        put_f64(&b, st->loss_sum);
        put_f64(&b, st->recon_sum);
        put_u64(&b, st->rows_done);
        put_u64(&b, st->data_rows);
        put_u64(&b, st->data_cols);
        put_u64(&b, st->data_crc);
        char sisa[16] = {0};
        snprintf(sisa, sizeof sisa, "%s", st->isa);
        put(&b, sisa, 16);
        put_u32(&b, (st->m1 ? 1u : 0u) | (st->m2 ? 2u : 0u));
        if (st->m1)
            put_tensors(&b, M, st->m1);
        if (st->m2)
            put_tensors(&b, M, st->m2);
    }
    if (b.oom) {
        free(b.p);
        return aek_error(AEK_ERR_NOMEM, "%s: out of memory encoding the model", path);
    }
    uint64_t payload = b.len - HEADER_BYTES;
    for (int i = 0; i < 8; i++)
        b.p[16 + i] = (unsigned char)(payload >> (8 * i));
    put_u32(&b, aek_crc32(0, b.p, b.len));
    aek_status s = b.oom ? aek_error(AEK_ERR_NOMEM, "%s: out of memory", path)
                         : aek_file_write_bytes(path, b.p, b.len);
    free(b.p);
    return s;
}

/* ---- reading -------------------------------------------------------------- */

typedef struct {
    const unsigned char *p;
    size_t left;
    const char *path;
    aek_status st;
} cursor;

static int take(cursor *c, void *dst, size_t n, const char *what)
{
    if (c->st != AEK_OK)
        return 0;
    if (n > c->left) {
        c->st = aek_error(AEK_ERR_FORMAT, "%s: truncated while reading %s", c->path, what);
        return 0;
    }
    if (dst)
        memcpy(dst, c->p, n);
    c->p += n;
    c->left -= n;
    return 1;
}

static uint64_t get_u64(cursor *c, const char *what)
{
    unsigned char x[8] = {0};
    take(c, x, 8, what);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | x[i];
    return v;
}
static uint32_t get_u32(cursor *c, const char *what)
{
    unsigned char x[4] = {0};
    take(c, x, 4, what);
    return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}
static int get_i32(cursor *c, const char *what) { return (int)(int32_t)get_u32(c, what); }
static double get_f64(cursor *c, const char *what)
{
    uint64_t u = get_u64(c, what);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

/* n floats into the tensors of M inside block (padding stays 0). */
static void get_tensors(cursor *c, const aek_model *M, float *block, const char *what)
{
    for (size_t t = 0; t < M->ntensors && c->st == AEK_OK; t++) {
        size_t cnt = M->tensors[t].rows * M->tensors[t].cols;
        float *dst = block + M->tensors[t].offset;
        if (cnt > c->left / 4) {
            c->st = aek_error(AEK_ERR_FORMAT, "%s: truncated in %s (tensor %s)", c->path, what,
                              M->tensors[t].name);
            return;
        }
        for (size_t i = 0; i < cnt; i++) {
            uint32_t u = get_u32(c, what);
            memcpy(&dst[i], &u, 4);
            if (!isfinite(dst[i])) {
                c->st = aek_error(AEK_ERR_NUMERIC, "%s: %s tensor %s entry %zu is not finite",
                                  c->path, what, M->tensors[t].name, i);
                return;
            }
        }
    }
}

static void get_config(cursor *c, aek_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->n_layers = get_i32(c, "the configuration");
    for (int l = 0; l <= AEK_MAX_LAYERS; l++)
        cfg->sizes[l] = (size_t)get_u64(c, "the layer sizes");
    for (int l = 0; l < AEK_MAX_LAYERS; l++)
        cfg->act[l] = (aek_act)get_i32(c, "the activations");
    cfg->out_act = (aek_act)get_i32(c, "the configuration");
    cfg->loss = (aek_loss)get_i32(c, "the configuration");
    cfg->tied = get_i32(c, "the configuration");
    cfg->l2 = get_f64(c, "the configuration");
    cfg->noise = (aek_noise)get_i32(c, "the configuration");
    cfg->noise_level = get_f64(c, "the configuration");
    cfg->sparse_rho = get_f64(c, "the configuration");
    cfg->sparse_beta = get_f64(c, "the configuration");
    cfg->ksparse_k = (size_t)get_u64(c, "the configuration");
    cfg->ksparse_alpha = get_f64(c, "the configuration");
    cfg->contractive = get_f64(c, "the configuration");
    cfg->cae_h_gamma = get_f64(c, "the configuration");
    cfg->cae_h_sigma = get_f64(c, "the configuration");
    cfg->cae_h_copies = get_i32(c, "the configuration");
    /* the model's checks skip a setting its variant does not use (rho
     * with beta = 0), so a NaN there passed, and export wrote it into
     * config.json as the invalid token nan: every one must be finite */
    const struct { const char *name; double v; } f64[] = {
        {"l2", cfg->l2}, {"noise_level", cfg->noise_level}, {"sparse_rho", cfg->sparse_rho},
        {"sparse_beta", cfg->sparse_beta}, {"ksparse_alpha", cfg->ksparse_alpha},
        {"contractive", cfg->contractive}, {"cae_h_gamma", cfg->cae_h_gamma},
        {"cae_h_sigma", cfg->cae_h_sigma}};
    for (size_t i = 0; c->st == AEK_OK && i < sizeof f64 / sizeof f64[0]; i++)
        if (!isfinite(f64[i].v))
            c->st = aek_error(AEK_ERR_FORMAT, "%s: the configuration's %s is %g: the file is "
                              "corrupt", c->path, f64[i].name, f64[i].v);
}

/* n floats, each finite, into a new array */
static float *get_f32_vec(cursor *c, size_t n, const char *what)
{
    if (c->st != AEK_OK)
        return NULL;
    if (n > c->left / 4) {
        c->st = aek_error(AEK_ERR_FORMAT, "%s: truncated in %s", c->path, what);
        return NULL;
    }
    float *x = malloc(n * sizeof(float));
    if (!x) {
        c->st = aek_error(AEK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t u = get_u32(c, what);
        memcpy(&x[i], &u, 4);
        if (!isfinite(x[i])) {
            c->st = aek_error(AEK_ERR_NUMERIC, "%s: %s entry %zu is not finite", c->path, what, i);
            free(x);
            return NULL;
        }
    }
    return x;
}

static void get_preproc(cursor *c, aek_preproc *p, size_t cols)
{
    memset(p, 0, sizeof *p);
    p->cols = cols;
    uint32_t kind = get_u32(c, "the preprocessing"), lo = get_u32(c, "the preprocessing"),
             hi = get_u32(c, "the preprocessing"), which = get_u32(c, "the preprocessing");
    memcpy(&p->lo, &lo, 4);
    memcpy(&p->hi, &hi, 4);
    p->scale = (aek_scale_kind)kind;
    p->origin = kind == AEK_SCALE_U8 || (which & 4u) ? AEK_ORIGIN_U8 : AEK_ORIGIN_FLOAT;
    if (c->st == AEK_OK && (kind > AEK_SCALE_MINMAX || which > 7 || !isfinite(p->lo) ||
                            !isfinite(p->hi)))
        c->st = aek_error(AEK_ERR_FORMAT, "%s: the preprocessing section is invalid", c->path);
    if (which & 1u)
        p->mean = get_f32_vec(c, cols, "the preprocessing means");
    if (which & 2u)
        p->std = get_f32_vec(c, cols, "the preprocessing deviations");
    if (c->st == AEK_OK && p->std)
        for (size_t j = 0; j < cols; j++)
            if (!(p->std[j] > 0))
                c->st = aek_error(AEK_ERR_FORMAT, "%s: preprocessing deviation %zu is not > 0",
                                  c->path, j);
}

/* The largest model file worth reading: aek_model_create refuses a model
 * whose parameters and gradients (2 copies) pass the memory cap, and a file
 * holds at most 3 copies (parameters, Adam's two moments) plus a small
 * header and the preprocessing (2 floats per input): 2 caps are plenty. */
static size_t model_file_cap(void)
{
    size_t cap = aek_data_memory_cap();
    return cap > (SIZE_MAX - ((size_t)1 << 20)) / 2 ? SIZE_MAX : 2 * cap + ((size_t)1 << 20);
}

/* Refuses a file without the magic at its first 8 bytes, and reads a pipe
 * or device only as far as its header's length: `--model /dev/zero` was
 * read up to 16 GiB. */
static aek_status model_sniff(const char *path, const unsigned char *buf, size_t n, aek_sniff *sn)
{
    if (n >= 8 && memcmp(buf, MAGIC, 8) != 0)
        return aek_error(AEK_ERR_FORMAT, "%s: not an aekit model file (magic \"AEKITMDL\" "
                         "missing)", path);
    if (n < HEADER_BYTES)
        return AEK_OK;
    sn->done = 1;
    if (sn->regular) /* its size is known: aek_model_load compares it with the header */
        return AEK_OK;
    uint64_t payload = 0;
    for (int i = 7; i >= 0; i--)
        payload = payload << 8 | buf[16 + i];
    if (payload > model_file_cap() - HEADER_BYTES - 4)
        return aek_error(AEK_ERR_FORMAT, "%s: header says %llu payload bytes, more than any model "
                         "within the memory cap of %zu bytes (AEKIT_MAX_DATA_BYTES) can need",
                         path, (unsigned long long)payload, aek_data_memory_cap());
    sn->limit = HEADER_BYTES + 4 + (size_t)payload;
    sn->strict = 1;
    return AEK_OK;
}

aek_status aek_model_load(const char *path, size_t max_batch, aek_model **out, aek_preproc *prep,
                          aek_train_state *st, int *has_state)
{
    *out = NULL;
    aek_preproc pp;
    memset(&pp, 0, sizeof pp);
    int got_state = 0;
    if (prep)
        memset(prep, 0, sizeof *prep);
    if (has_state)
        *has_state = 0;
    if (st)
        memset(st, 0, sizeof *st);
    unsigned char *data = NULL;
    size_t len = 0;
    aek_status s = aek_file_read_sniffed(path, model_file_cap(), model_sniff, &data, &len);
    if (s != AEK_OK)
        return s;
    if (len < HEADER_BYTES + 4 || memcmp(data, MAGIC, 8) != 0) {
        free(data);
        return aek_error(AEK_ERR_FORMAT, "%s: not an aekit model file (magic \"AEKITMDL\" missing)",
                         path);
    }
    cursor c = {data + 8, len - 8, path, AEK_OK};
    uint32_t version = get_u32(&c, "the header");
    uint32_t flags = get_u32(&c, "the header");
    uint64_t payload = get_u64(&c, "the header");
    if (version != AEK_MODEL_VERSION) {
        free(data);
        return aek_error(AEK_ERR_FORMAT, "%s: model format version %u; this aekit reads version %u",
                         path, version, AEK_MODEL_VERSION);
    }
    if (payload != len - HEADER_BYTES - 4) {
        free(data);
        return aek_error(AEK_ERR_FORMAT, "%s: header says %llu payload bytes, the file holds %zu "
                         "(truncated or extended)", path, (unsigned long long)payload,
                         len >= HEADER_BYTES + 4 ? len - HEADER_BYTES - 4 : 0);
    }
    uint32_t want = aek_crc32(0, data, len - 4), got = 0;
    for (int i = 3; i >= 0; i--)
        got = got << 8 | data[len - 4 + (size_t)i];
    if (want != got) {
        free(data);
        return aek_error(AEK_ERR_FORMAT, "%s: checksum mismatch (stored %08x, computed %08x): the "
                         "file is corrupted", path, got, want);
    }
    c.left -= 4; /* the checksum is not payload */
    if (flags > 1u) { /* bit 0 is the only flag: other bits are a newer format's */
        free(data);
        return aek_error(AEK_ERR_FORMAT, "%s: unknown flags 0x%x in the header", path, flags);
    }

    aek_config cfg;
    get_config(&c, &cfg);
    char isa[17] = {0};
    take(&c, isa, 16, "the kernel set name");
    uint64_t np = get_u64(&c, "the parameter count");
    if (c.st == AEK_OK && (s = aek_config_check(&cfg)) != AEK_OK)
        c.st = aek_error_prefix(s, path);
    /* The parameter count must match the configuration and fit in the bytes
     * that are left before anything is allocated: a damaged header naming
     * layers of 2^24 units would otherwise have a file of a few hundred bytes
     * allocate and clear gigabytes (sizes are <= 2^24 here, so no overflow). */
    if (c.st == AEK_OK) {
        size_t need = 0;
        for (int l = 0; l < cfg.n_layers; l++)
            need += cfg.sizes[l + 1] * cfg.sizes[l] * (cfg.tied ? 1 : 2) + cfg.sizes[l + 1] +
                    cfg.sizes[l];
        if (np != need)
            c.st = aek_error(AEK_ERR_FORMAT, "%s: %llu parameters stored, the configuration needs "
                             "%zu", path, (unsigned long long)np, need);
        else if (need > c.left / 4)
            c.st = aek_error(AEK_ERR_FORMAT, "%s: truncated: %zu parameters need %zu bytes, %zu "
                             "are left", path, need, 4 * need, c.left);
    }
    aek_model *M = NULL;
    if (c.st == AEK_OK && (s = aek_model_create(&cfg, 1, 0, &M)) != AEK_OK)
        c.st = aek_error_prefix(s, path);
    if (c.st == AEK_OK && np != compact_params(M))
        c.st = aek_error(AEK_ERR_FORMAT, "%s: %llu parameters stored, the configuration needs %zu",
                         path, (unsigned long long)np, compact_params(M));
    if (c.st == AEK_OK) {
        memset(M->params, 0, M->nparams * sizeof(float));
        get_tensors(&c, M, M->params, "the parameters");
        get_preproc(&c, &pp, cfg.sizes[0]);
    }
    if (c.st == AEK_OK && (flags & 1u)) {
        aek_train_state t;
        memset(&t, 0, sizeof t);
        t.opt.kind = (aek_opt_kind)get_i32(&c, "the optimizer");
        t.opt.lr = get_f64(&c, "the optimizer");
        t.opt.lr_final = get_f64(&c, "the optimizer");
        t.opt.momentum = get_f64(&c, "the optimizer");
        t.opt.beta1 = get_f64(&c, "the optimizer");
        t.opt.beta2 = get_f64(&c, "the optimizer");
        t.opt.eps = get_f64(&c, "the optimizer");
        t.step = get_u64(&c, "the training state");
        t.epoch = get_i32(&c, "the training state");
        t.next_batch = (size_t)get_u64(&c, "the training state");
        t.seed = get_u64(&c, "the training state");
        t.batch = (size_t)get_u64(&c, "the training state");
        t.epochs = get_i32(&c, "the training state");
        t.shuffle = get_i32(&c, "the training state");
        t.ksparse_target = (size_t)get_u64(&c, "the training state");
        t.ksparse_start = (size_t)get_u64(&c, "the training state");
        t.ksparse_anneal = get_i32(&c, "the training state");
        t.loss_sum = get_f64(&c, "the training state");
        t.recon_sum = get_f64(&c, "the training state");
        t.rows_done = (size_t)get_u64(&c, "the training state");
        t.data_rows = (size_t)get_u64(&c, "the training state");
        t.data_cols = (size_t)get_u64(&c, "the training state");
        t.data_crc = get_u64(&c, "the training state");
        take(&c, t.isa, 16, "the training state");
        t.isa[15] = '\0';
        uint32_t moments = get_u32(&c, "the training state");
        /* each rule named, so a refused checkpoint says which field is wrong */
        const struct { int bad; const char *what; } rule[] = {
            {t.opt.kind < AEK_OPT_SGD || t.opt.kind > AEK_OPT_ADAM, "optimizer kind"},
            {t.epoch < 0 || t.epochs < 0 || t.epoch > t.epochs, "epoch (not in 0..epochs)"},
            {t.batch < 1, "batch size 0"},
            {moments > 3 || ((moments & 1u) != 0) != (t.opt.kind != AEK_OPT_SGD) ||
                 ((moments & 2u) != 0) != (t.opt.kind == AEK_OPT_ADAM),
             "optimizer moments (not those of its optimizer)"},
            {t.ksparse_target != cfg.ksparse_k || t.ksparse_anneal < 0 ||
                 (t.ksparse_target && (t.ksparse_start < t.ksparse_target ||
                                       t.ksparse_start > cfg.sizes[cfg.n_layers])),
             "k-sparse schedule"}};
        for (size_t i = 0; c.st == AEK_OK && i < sizeof rule / sizeof rule[0]; i++)
            if (rule[i].bad)
                c.st = aek_error(AEK_ERR_FORMAT, "%s: the training state is inconsistent: %s",
                                 path, rule[i].what);
        if (c.st == AEK_OK && (moments & 1u)) {
            t.m1 = calloc(M->nparams, sizeof(float));
            if (!t.m1) c.st = aek_error(AEK_ERR_NOMEM, "out of memory");
            else get_tensors(&c, M, t.m1, "the optimizer moments");
        }
        if (c.st == AEK_OK && (moments & 2u)) {
            t.m2 = calloc(M->nparams, sizeof(float));
            if (!t.m2) c.st = aek_error(AEK_ERR_NOMEM, "out of memory");
            else get_tensors(&c, M, t.m2, "the optimizer moments");
        }
        if (c.st == AEK_OK && st) {
            *st = t;
            got_state = 1;
        } else {
            aek_train_state_free(&t);
        }
    }
    if (c.st == AEK_OK && c.left != 0)
        c.st = aek_error(AEK_ERR_FORMAT, "%s: %zu unexpected bytes after the model", path, c.left);
    free(data);
    if (c.st != AEK_OK) {
        aek_model_free(M);
        aek_preproc_free(&pp);
        if (st)
            aek_train_state_free(st);
        return c.st;
    }
    /* The file was parsed into a one-row model; give the caller its batch
     * size (the checkpoint's own when max_batch is 0). */
    size_t batch_rows = max_batch ? max_batch : got_state && st ? st->batch : 1;
    if (batch_rows != 1) {
        aek_model *big = NULL;
        aek_status s2 = aek_model_create(&M->cfg, batch_rows, 0, &big);
        if (s2 != AEK_OK) {
            s2 = aek_error_prefix(s2, path);
            aek_model_free(M);
            aek_preproc_free(&pp);
            if (st)
                aek_train_state_free(st);
            return s2;
        }
        memcpy(big->params, M->params, M->nparams * sizeof(float));
        aek_model_free(M);
        M = big;
    }
    if (prep)
        *prep = pp;
    else
        aek_preproc_free(&pp);
    /* only now: a failure above must not leave *has_state = 1 beside a
     * freed state (found by fuzz/fuzz_model.c, verify/regress/model/) */
    if (has_state)
        *has_state = got_state;
    *out = M;
    return AEK_OK;
}
