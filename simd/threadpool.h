/*
 * threadpool.h — a persistent pool of worker threads (created once, reused by
 * every call; no thread creation per GEMM).
 *
 * aek_parallel_run(n, fn, arg) calls fn(arg, t, n) for t = 0..n-1 on up to n
 * threads (the caller and workers claim the parts as they come free) and
 * returns when all have finished.  Work must be
 * partitioned by t alone, so that results never depend on which OS thread ran
 * which part.  Calls from inside a task, or while another thread holds the
 * pool, run the n parts one after another on the caller (same results).
 */
#ifndef AEKIT_SIMD_THREADPOOL_H
#define AEKIT_SIMD_THREADPOOL_H

#include <stddef.h>

#define AEK_MAX_THREADS 256

typedef void (*aek_task_fn)(void *arg, int tid, int nthreads);

void aek_parallel_run(int nthreads, aek_task_fn fn, void *arg);

/* The same with more parts than threads: fn(arg, t, parts) for t < parts,
 * claimed by the caller and up to threads − 1 workers. */
void aek_parallel_parts(int parts, int threads, aek_task_fn fn, void *arg);

/* Part t of T of n items starts here (and ends where part t + 1 starts):
 * the even split every task uses, a function of (n, t, T) alone. */
static inline size_t aek_part_begin(size_t n, int t, int T)
{
    return n * (size_t)t / (size_t)T;
}

/* Join the workers (registered with atexit; harmless to call twice). */
void aek_pool_shutdown(void);

#endif
