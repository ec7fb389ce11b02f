/*
 * data.h — datasets in and out: readers for IDX (MNIST layout), NumPy .npy
 * and CSV, gzip read transparently; preprocessing; the synthetic generators
 * that are the default when no data is given; the .npy writer.
 *
 * A dataset is a rows × cols float32 matrix, row-major, 64-byte aligned
 * (one row = one sample), with an optional image shape (h × w = cols) and
 * optional uint8 labels.
 *
 * Readers are for untrusted files.  Every failure returns a status with a
 * message that names the file and the problem (aek_last_error()):
 *   AEK_ERR_IO       cannot open/read the file
 *   AEK_ERR_FORMAT   wrong magic, malformed header, header dims whose
 *                    product overflows or disagrees with the data size,
 *                    truncated or extra data, unsupported dtype/layout,
 *                    ragged CSV, empty file, corrupt gzip data
 *   AEK_ERR_NUMERIC  NaN or ±Inf in the data (message names row and column,
 *                    0-based) or a float64 value outside float32 range
 *   AEK_ERR_NOMEM    a file or a matrix above the memory cap, refused before
 *                    allocating; allocation failures
 * On failure the output dataset is left empty (aek_dataset_free is safe).
 * Any input file may be gzip-compressed: detected by its magic bytes.
 */
#ifndef AEKIT_DATA_H
#define AEKIT_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "aekit.h"
#include "rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the dataset ---------------------------------------------------------- */

/* Where the values came from: uint8 data (IDX, u1 .npy) are raw 0..255 until
 * scaled; that decides what aek_data_scale_unit does. */
typedef enum { AEK_ORIGIN_FLOAT = 0, AEK_ORIGIN_U8 = 1 } aek_data_origin;

typedef struct {
    float *x;               /* rows × cols, row-major, 64-byte aligned     */
    size_t rows, cols;
    size_t h, w;            /* image shape with h·w = cols, or 0, 0         */
    uint8_t *labels;        /* rows labels, or NULL                         */
    aek_data_origin origin;
    float *mean;            /* cols column means removed by centering, or NULL */
    float *std;             /* cols divisors used by standardizing, or NULL    */
} aek_dataset;

/* An empty, zeroed dataset of rows × cols (AEK_ERR_NOMEM on overflow, above
 * the memory cap, or when allocation fails; rows and cols ≥ 1). */
aek_status aek_dataset_alloc(aek_dataset *d, size_t rows, size_t cols);

/* Frees everything and zeroes the struct; safe on a zeroed struct. */
void aek_dataset_free(aek_dataset *d);

/* 64-byte aligned float buffer of n ≥ 1 floats (free with free()); NULL on
 * overflow or failure. */
float *aek_alloc_floats(size_t n);

/* Largest allocation and largest file the readers accept, in bytes (default
 * 16 GiB or half the physical memory, whichever is less; AEKIT_MAX_DATA_BYTES
 * from the environment at first use replaces it).  Headers asking for more
 * are refused before anything is allocated.  Setting 0 restores the
 * default. */
size_t aek_data_memory_cap(void);
/* AEKIT_MAX_DATA_BYTES: 1 and *bytes when it is a whole number of bytes in
 * 1..SIZE_MAX, 0 when unset or empty, −1 when it is anything else (the
 * cap then keeps its default; the aekit command refuses such a value). */
int aek_data_cap_from_env(size_t *bytes);
/* b bytes in the largest binary unit that keeps it ≥ 1 ("2.93 KiB", "228
 * GiB"), for messages that compare sizes with the cap. */
void aek_human_bytes(double b, char *out, size_t n);
void aek_data_set_memory_cap(size_t bytes);

/* The index of the first x[i] outside [lo, hi] (NaN is outside every
 * range), or n when there is none. */
size_t aek_first_outside(const float *x, size_t n, float lo, float hi);

/* First NaN/Inf of the matrix: AEK_ERR_NUMERIC "<name>: row r, column c
 * (0-based) is NaN", else AEK_OK. */
aek_status aek_data_check_finite(const char *name, const float *x, size_t rows, size_t cols);

/* ---- readers ----------------------------------------------------------------- */

/* IDX images: magic 0x00000803 (N×H×W unsigned bytes: cols = H·W, image
 * shape H×W) or 0x00000802 (N×D: no image shape); dims big-endian uint32.
 * Values become floats 0..255 (origin AEK_ORIGIN_U8). */
aek_status aek_load_idx_images(const char *path, aek_dataset *out);

/* IDX labels: magic 0x00000801, N unsigned bytes.  *labels freed with free(). */
aek_status aek_load_idx_labels(const char *path, uint8_t **labels, size_t *n);

/* NumPy .npy version 1.0, 2.0 or 3.0; dtype '<f4', '<f8' or '|u1'; C order.
 * Shape (N,) → N×1; (N, D) → N×D; (N, H, W) → N×(H·W) with image shape H×W.
 * float64 values must fit float32. */
aek_status aek_load_npy(const char *path, aek_dataset *out);

/* 1-D .npy labels: any unsigned or signed integer dtype up to 8 bytes, little-
 * endian, values in 0..255. */
aek_status aek_load_npy_labels(const char *path, uint8_t **labels, size_t *n);

/* The data bytes a .npy header dict (the len bytes after the preamble)
 * declares: 1 and *bytes, or 0 for a dict the reader refuses. */
int aek_npy_declared_bytes(const char *dict, size_t len, size_t *bytes);
/* The shape the dict declares (dims[ ≥ 3], *ndim): 1, or 0 for a dict the
 * reader refuses. */
int aek_npy_declared_shape(const char *dict, size_t len, size_t *dims, int *ndim);

/* CSV: comma-separated numbers, one sample per line, every line the same
 * number of fields; blank lines and lines starting with '#' are skipped.
 * Header line: AEK_CSV_HEADER_AUTO treats the first line as a header when none
 * of its fields is a number, and refuses a first line that mixes names and
 * numbers (AEK_ERR_FORMAT: a guess would drop a data row or read a name). */
typedef enum { AEK_CSV_HEADER_AUTO = -1, AEK_CSV_NO_HEADER = 0, AEK_CSV_HEADER = 1 } aek_csv_header;
aek_status aek_load_csv(const char *path, aek_csv_header header, aek_dataset *out);

/* The readers above over bytes already read (and decompressed) by
 * aek_file_read_data, which ends them with a NUL byte at buf[len] (the CSV
 * parser stops there); path names the source in messages; buf stays the
 * caller's. */
aek_status aek_parse_idx_images(const char *path, const unsigned char *buf, size_t len,
                                aek_dataset *out);
aek_status aek_parse_idx_labels(const char *path, const unsigned char *buf, size_t len,
                                uint8_t **labels, size_t *n);
aek_status aek_parse_npy(const char *path, const unsigned char *buf, size_t len, aek_dataset *out);
aek_status aek_parse_npy_labels(const char *path, const unsigned char *buf, size_t len,
                                uint8_t **labels, size_t *n);
aek_status aek_parse_csv(const char *path, aek_csv_header header, const unsigned char *buf,
                         size_t len, aek_dataset *out);

/* Chooses the reader from the name after removing a ".gz" suffix: ".npy",
 * ".csv".  Any other name (MNIST's files have none; a pipe such as
 * <(zcat x.npy.gz) is /dev/fd/N) is told by its content: the .npy magic
 * bytes, IDX's two zero bytes, or text (CSV); anything else gets the IDX
 * reader's message about its magic bytes. */
aek_status aek_load_data(const char *path, aek_dataset *out);

/* Labels from an IDX label file or a 1-D .npy, attached to d (count must be
 * d->rows: AEK_ERR_SHAPE otherwise).  Replaces labels already there.  A
 * name other than ".npy" (after ".gz") is IDX unless its content starts
 * with the .npy magic bytes. */
aek_status aek_data_attach_labels(aek_dataset *d, const char *path);

/* ---- preprocessing (in place) -------------------------------------------------- */

/* x / 255 (data of uint8 origin; AEK_ERR_ARG for other data). */
aek_status aek_data_scale_u8(aek_dataset *d);

/* (x − min) / (max − min) over the whole dataset, into [0, 1]; a constant
 * dataset becomes all 0.  *lo, *hi (may be NULL) receive min and max. */
aek_status aek_data_scale_minmax(aek_dataset *d, float *lo, float *hi);

/* To [0, 1]: / 255 for uint8-origin data, min–max otherwise. */
aek_status aek_data_scale_unit(aek_dataset *d);

/* Subtracts the column means and keeps them in d->mean (AEK_ERR_ARG if the
 * data are already centered). */
aek_status aek_data_center(aek_dataset *d);

/* Subtracts given column means (e.g. the training set's from a test set);
 * keeps a copy in d->mean. */
aek_status aek_data_center_with(aek_dataset *d, const float *mean);

/* Centers (if not yet) and divides each column by its standard deviation
 * (1/N convention); kept in d->std.  A column whose std is below 1e-6 times
 * the largest column std is constant up to rounding: it is divided by 1. */
aek_status aek_data_standardize(aek_dataset *d);

/* Centers with the given means (if not yet centered) and divides by the given
 * std (entries must be > 0, e.g. d->std of the training set). */
aek_status aek_data_standardize_with(aek_dataset *d, const float *mean, const float *std);

/* Keeps rows [first, first + count) (and their labels). */
aek_status aek_data_select_rows(aek_dataset *d, size_t first, size_t count);

/* Keeps the first min(n, rows) rows (n ≥ 1). */
aek_status aek_data_take_first(aek_dataset *d, size_t n);

/* ---- synthetic data -------------------------------------------------------------- */

/* Data near a latent_dim-dimensional manifold in [0,1]^cols:
 *   z ~ N(0, I_d),   u = tanh(A z + a),   x = sigmoid(B u + b + noise·ε),
 * A (hidden × d), B (cols × hidden), a, b fixed by the seed, ε ~ N(0, I).
 * The noise enters before the squash (in logit units), so every value lies
 * in (0, 1).  hidden = 0 chooses max(16, 4·d).  When cols is a perfect square
 * the image shape is set (784 → 28 × 28).  Same seed, same bits. */
typedef struct {
    size_t rows, cols, latent_dim, hidden;
    float noise;
    uint64_t seed;
} aek_synth_manifold_config;

aek_status aek_synth_manifold(const aek_synth_manifold_config *cfg, aek_dataset *out);

/* The planted spectrum of the linear variant: the true orthonormal basis and
 * the eigenvalues (double precision, for the PCA proofs). */
typedef struct {
    size_t dim, rank;
    double *basis;     /* dim × rank, row-major: column j is eigenvector j */
    double *eigvals;   /* rank, as given                                  */
} aek_planted_spectrum;

void aek_planted_spectrum_free(aek_planted_spectrum *p);

/* Linear data with a planted spectrum: x = Q diag(√λ) z, Q (cols × rank)
 * a random orthonormal basis (Gram–Schmidt of a Gaussian matrix, seeded),
 * z ~ N(0, I_rank).  The covariance is Q Λ Qᵀ.  With exact = 1 the rows×rank
 * latent matrix Z is made exactly centered with orthogonal columns of squared
 * norm rows (needs rows > rank), so the sample covariance (1/rows) XᵀX equals
 * Q Λ Qᵀ up to rounding and the column means are 0: the planted basis is
 * then the eigenbasis of this very sample.  eigvals ≥ 0, rank ≤ cols. */
aek_status aek_synth_linear(size_t rows, size_t cols, const double *eigvals, size_t rank,
                            uint64_t seed, int exact, aek_dataset *out,
                            aek_planted_spectrum *truth);

/* ---- writers --------------------------------------------------------------------- */

typedef enum { AEK_NPY_F32 = 0, AEK_NPY_F64 = 1, AEK_NPY_U8 = 2 } aek_npy_dtype;

/* A .npy (version 1.0, C order, little-endian) of ndim 1..3 dims, written
 * atomically (fileio.h). */
aek_status aek_npy_write(const char *path, aek_npy_dtype dtype, const void *data, int ndim,
                         const size_t *shape);

/* float32 2-D (rows × cols) and 1-D (n) shorthands. */
aek_status aek_npy_write_f32(const char *path, const float *x, size_t rows, size_t cols);
aek_status aek_npy_write_f32_1d(const char *path, const float *x, size_t n);

/* A dataset as float32: (N, H, W) when it has an image shape, else (N, D). */
aek_status aek_data_save_npy(const char *path, const aek_dataset *d);

#ifdef __cplusplus
}
#endif

#endif /* AEKIT_DATA_H */
