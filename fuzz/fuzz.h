/*
 * fuzz.h — what the fuzz targets share.
 *
 * Every target is one function  int aek_fuzz_<name>(const uint8_t *, size_t)
 * that feeds one input to one parser through its public entry point and
 * returns 0.  A target must never crash, hang, leak or trip a sanitizer on
 * any input; a rejected input is a normal outcome (the parser returns a
 * status with a message).
 *
 * Built two ways from the same source:
 *   - fuzz/fuzz.mk (clang, -fsanitize=fuzzer): with AEK_LIBFUZZER defined,
 *     FUZZ_TARGET also emits LLVMFuzzerTestOneInput, one binary per target;
 *   - the Makefile ($(CC), sanitizers under SANITIZE=1): all targets linked
 *     into verify/test_regress, which replays fuzz/corpus/<name>/ and the
 *     crash reproducers under verify/regress/<name>/ in `make verify`.
 */
#ifndef AEKIT_FUZZ_H
#define AEKIT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef AEK_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#define FUZZ_TARGET(name)                                                         \
    int aek_fuzz_##name(const uint8_t *data, size_t size);                        \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                  \
    {                                                                             \
        return aek_fuzz_##name(data, size);                                       \
    }                                                                             \
    int aek_fuzz_##name(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name) int aek_fuzz_##name(const uint8_t *data, size_t size)
#endif

/* The targets (fuzz/fuzz_<name>.c). */
int aek_fuzz_idx(const uint8_t *data, size_t size);
int aek_fuzz_npy(const uint8_t *data, size_t size);
int aek_fuzz_csv(const uint8_t *data, size_t size);
int aek_fuzz_model(const uint8_t *data, size_t size);
int aek_fuzz_cli(const uint8_t *data, size_t size);
int aek_fuzz_gzip(const uint8_t *data, size_t size);

/* The readers take a path: the input is written to an anonymous in-memory
 * file (memfd) and this returns "/proc/self/fd/<n>" naming it.  The same
 * file is reused by every call; the path stays valid until the next call.
 * Aborts if the file cannot be written (a broken harness, not a finding). */
const char *fuzz_file(const uint8_t *data, size_t size);

/* Every input: a small memory cap for the readers (so a header that asks
 * for gigabytes is refused, as it must be, instead of being allocated);
 * once per process: the scalar-or-best kernel set, one thread. */
void fuzz_setup(void);

/* Send the library's and the CLI's messages (stdio stdout/stderr) to
 * /dev/null; sanitizer reports still go to file descriptor 2. */
void fuzz_quiet(void);

/* Cap used by fuzz_setup (bytes). */
#define FUZZ_MEMORY_CAP ((size_t)64 << 20)

/* The memory cap for one input of a data reader's target: FUZZ_MEMORY_CAP,
 * or, when the input's last byte is odd, a small one picked by that byte
 * (1 .. 78 KiB): below and above the readers' first buffers (4 KiB in
 * gunzip, 64 KiB for a file), as a user's AEKIT_MAX_DATA_BYTES may be.
 * The gunzip output ran past such a cap once (verify/regress/gzip/). */
void fuzz_input_cap(const uint8_t *data, size_t size);

#endif
