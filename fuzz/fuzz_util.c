/* fuzz_util.c — the in-memory input file and the one-time setup (fuzz.h). */
#define _GNU_SOURCE
#include "fuzz.h"
#include "../src/aekit.h"
#include "../src/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static int g_fd = -1;
static char g_path[64];

const char *fuzz_file(const uint8_t *data, size_t size)
{
    if (g_fd < 0) {
        g_fd = memfd_create("aekit-fuzz-input", MFD_CLOEXEC);
        if (g_fd < 0) {
            perror("fuzz_file: memfd_create");
            abort();
        }
        snprintf(g_path, sizeof g_path, "/proc/self/fd/%d", g_fd);
    }
    if (ftruncate(g_fd, 0) != 0) {
        perror("fuzz_file: ftruncate");
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(g_fd, data + done, size - done, (off_t)done);
        if (w <= 0) {
            perror("fuzz_file: pwrite");
            abort();
        }
        done += (size_t)w;
    }
    return g_path;
}

void fuzz_setup(void)
{
    static int done;
    /* every input: a data target may have set a small cap for the last one
     * (fuzz_input_cap), and verify/test_regress runs all targets in one
     * process */
    aek_data_set_memory_cap(FUZZ_MEMORY_CAP);
    if (done)
        return;
    done = 1;
    if (aek_init() != AEK_OK) {
        fprintf(stderr, "fuzz_setup: %s\n", aek_last_error());
        abort();
    }
    aek_set_num_threads(1);
}

void fuzz_input_cap(const uint8_t *data, size_t size)
{
    const unsigned last = size ? data[size - 1] : 0;
    aek_data_set_memory_cap(last & 1u ? 1 + (size_t)(last >> 1) * 613 : FUZZ_MEMORY_CAP);
}

void fuzz_quiet(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    /* glibc: stdout and stderr are assignable FILE pointers.  The sanitizers
     * write their reports to descriptor 2 directly, so they still show. */
    FILE *null = fopen("/dev/null", "w");
    if (!null) {
        perror("fuzz_quiet: /dev/null");
        abort();
    }
    stdout = null;
    stderr = null;
}
