/*
 * pin.h — pinning aekit's threads, one per CPU (sched_setaffinity).
 *
 * aekit's thread pool has no affinity option, so the bench pins from the
 * outside: it runs one pool job of n parts in which every part waits until
 * all n have started (so n distinct threads hold them — the caller and n−1
 * workers) and then pins its own thread: the caller to CPU 0, the workers
 * to CPUs 1, 2, … (mod online CPUs).  The
 * pool's threads are persistent, so the pinning holds for the whole run.
 * The main thread is one of them, so the peers' calling threads are pinned
 * too; their own worker threads (OpenBLAS, BLIS, PyTorch) are left to their
 * libraries (Debian's OpenBLAS is built NO_AFFINITY).
 */
#ifndef AEKIT_BENCH_PIN_H
#define AEKIT_BENCH_PIN_H

#include <pthread.h>
#include <stddef.h>

/* Pin the pool's first n threads; returns 1 on success and describes what
 * was done in `what`. */
int aeb_pin_threads(int n, char *what, size_t len);

/* pthread_create with thread i on CPU (i mod online CPUs).  The bench's own
 * short-lived threads (peak, bandwidth) need it: a new thread inherits the
 * affinity of its creator, and once the main thread is pinned to one CPU,
 * every thread it starts would share that CPU with it. */
int aeb_thread_create_on(pthread_t *tid, int i, void *(*fn)(void *), void *arg);

#endif
