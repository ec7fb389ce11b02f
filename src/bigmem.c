/* bigmem.c — large buffers on transparent huge pages (bigmem.h). */
#define _GNU_SOURCE
#include "bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)
#define BIG_ENOUGH (4 * HUGE_PAGE)

void aek_advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    if (!p || bytes < BIG_ENOUGH)
        return;
    uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t hi = ((uintptr_t)p + bytes) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* a hint: refusal is harmless */
#else
    (void)p;
    (void)bytes;
#endif
}

void *aek_alloc_big(size_t bytes, size_t align)
{
    if (bytes == 0 || align == 0 || (align & (align - 1)) != 0 || bytes > SIZE_MAX - HUGE_PAGE)
        return NULL;
    const size_t a = bytes >= BIG_ENOUGH && align < HUGE_PAGE ? HUGE_PAGE : align;
    const size_t rounded = (bytes + a - 1) & ~(a - 1);
    void *p = aligned_alloc(a, rounded);
    if (p && a == HUGE_PAGE)
        aek_advise_huge(p, rounded);
    return p;
}
