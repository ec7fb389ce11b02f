/* check.c — the verify report protocol (check.h). */
#include "check.h"
#include "../simd/kernels.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int n_pass, n_fail, n_skip;

#if defined(__GNUC__)
__attribute__((format(printf, 5, 0)))
#endif
static void emit(const char *name, double figure, double bound, const char *verdict,
                 const char *fmt, va_list ap)
{
    char note[512];
    if (fmt)
        vsnprintf(note, sizeof note, fmt, ap);
    else
        note[0] = '\0';
    printf("CHECK\t%s\t%.3g\t%.3g\t%s\t%s\n", name, figure, bound, verdict, note);
    fflush(stdout);
}

int chk_le(const char *name, double figure, double bound, const char *fmt, ...)
{
    int pass = figure <= bound; /* false for NaN */
    va_list ap;
    va_start(ap, fmt);
    emit(name, figure, bound, pass ? "PASS" : "FAIL", fmt, ap);
    va_end(ap);
    pass ? n_pass++ : n_fail++;
    return pass;
}

int chk_verdict(const char *name, double figure, double bound, int pass, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(name, figure, bound, pass ? "PASS" : "FAIL", fmt, ap);
    va_end(ap);
    pass ? n_pass++ : n_fail++;
    return pass;
}

void chk_skip(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(name, NAN, NAN, "SKIP", fmt, ap);
    va_end(ap);
    n_skip++;
}

int chk_finish(void)
{
    printf("# %d passed, %d failed, %d skipped\n", n_pass, n_fail, n_skip);
    return n_fail ? 1 : 0;
}

unsigned long long chk_next(chk_rng *r)
{
    unsigned long long z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double chk_uniform(chk_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * (double)(chk_next(r) >> 11) * 0x1.0p-53;
}

const aek_kernel_set *chk_kernel_set(int isa)
{
    const aek_kernel_set *ks = aek_kernels_for((aek_isa)isa);
    if (!ks)
        chk_skip(aek_isa_name((aek_isa)isa), "kernel set not executable on this CPU/binary");
    return ks;
}
