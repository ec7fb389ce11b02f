/*
 * bigmem.h — large buffers on transparent huge pages where the OS offers
 * them (Linux THP in "madvise" mode, Debian's default).
 *
 * Why: Fashion-MNIST as floats is 188 MB; in 4 KiB pages its first touch is
 * 46k page faults, more than half of the 1.7-2.2 s it took to load on our
 * Zen 5 VM.  In 2 MiB pages it is under a hundred.  Random rows gathered
 * into a training batch also miss the TLB less.  A hint only: where it is
 * refused the buffer works the same.
 */
#ifndef AEKIT_BIGMEM_H
#define AEKIT_BIGMEM_H

#include <stddef.h>

/* At least `bytes` (> 0), aligned to `align` (a power of two, ≥ 8, and
 * rounded up to a multiple of it as aligned_alloc wants); buffers of 8 MiB
 * and more start on a 2 MiB boundary and are advised for huge pages.  NULL
 * when out of memory.  Release with free(). */
void *aek_alloc_big(size_t bytes, size_t align);

/* Advise the whole 2 MiB pages inside [p, p + bytes) for huge pages (for a
 * buffer that grows by realloc); a no-op for small buffers. */
void aek_advise_huge(void *p, size_t bytes);

#endif
