/*
 * threadpool.c — fork/join over persistent pthreads.
 *
 * A job is published by bumping a generation counter; workers spin briefly on
 * it (a GEMM of an autoencoder batch takes tens of microseconds, so sleeping
 * on a condition variable every time would cost more than the work) and then
 * sleep on a condition variable, so an idle pool uses no CPU.
 */
#define _GNU_SOURCE
#include "threadpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ volatile("yield")
#else
#define cpu_relax() ((void)0)
#endif

/* ~tens of microseconds of spinning before a worker sleeps. */
#define SPIN_ITERS 20000

static struct {
    pthread_mutex_t submit;   /* one job at a time                         */
    pthread_mutex_t m;        /* protects sleeping on the condition vars  */
    pthread_cond_t start, done;
    pthread_t tid[AEK_MAX_THREADS];
    unsigned long gen0[AEK_MAX_THREADS]; /* generation when worker was made */
    int nworkers;             /* workers created (tids 1..nworkers)        */
    atomic_ulong gen;         /* bumped once per job                       */
    atomic_int pending;       /* workers still running the current job     */
    atomic_int quit;
    aek_task_fn fn;
    void *arg;
    int n;
    int atexit_done;
} P = {
    .submit = PTHREAD_MUTEX_INITIALIZER,
    .m = PTHREAD_MUTEX_INITIALIZER,
    .start = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
};

static _Thread_local int in_task; /* nested calls run serially */

static void *worker(void *p)
{
    int tid = (int)(size_t)p;
    /* Not atomic_load(&P.gen): the job that created this worker may already
     * be published by the time the thread starts. */
    unsigned long seen = P.gen0[tid];
    in_task = 1;
    for (;;) {
        for (int i = 0; i < SPIN_ITERS && atomic_load(&P.gen) == seen && !atomic_load(&P.quit); i++)
            cpu_relax();
        if (atomic_load(&P.gen) == seen && !atomic_load(&P.quit)) {
            pthread_mutex_lock(&P.m);
            while (atomic_load(&P.gen) == seen && !atomic_load(&P.quit))
                pthread_cond_wait(&P.start, &P.m);
            pthread_mutex_unlock(&P.m);
        }
        if (atomic_load(&P.quit))
            break;
        seen = atomic_load(&P.gen);
        if (tid < P.n)
            P.fn(P.arg, tid, P.n);
        /* Every worker acknowledges every job, so the next job cannot be
         * published while a worker still reads this one's fields. */
        if (atomic_fetch_sub(&P.pending, 1) == 1) {
            pthread_mutex_lock(&P.m);
            pthread_cond_broadcast(&P.done);
            pthread_mutex_unlock(&P.m);
        }
    }
    return NULL;
}

static void run_serial(int n, aek_task_fn fn, void *arg)
{
    for (int t = 0; t < n; t++)
        fn(arg, t, n);
}

void aek_parallel_run(int n, aek_task_fn fn, void *arg)
{
    if (n > AEK_MAX_THREADS)
        n = AEK_MAX_THREADS;
    if (n <= 1 || in_task || pthread_mutex_trylock(&P.submit) != 0) {
        run_serial(n < 1 ? 1 : n, fn, arg);
        return;
    }
    while (P.nworkers < n - 1) {
        int t = P.nworkers + 1;
        P.gen0[t] = atomic_load(&P.gen);
        if (pthread_create(&P.tid[t], NULL, worker, (void *)(size_t)t) != 0)
            break; /* fewer workers: the rest runs on the caller below */
        P.nworkers++;
        if (!P.atexit_done) {
            atexit(aek_pool_shutdown);
            P.atexit_done = 1;
        }
    }
    int parallel = n - 1 <= P.nworkers ? n : 1;
    if (parallel == 1) {
        pthread_mutex_unlock(&P.submit);
        run_serial(n, fn, arg);
        return;
    }
    P.fn = fn;
    P.arg = arg;
    P.n = n;
    atomic_store(&P.pending, P.nworkers);
    pthread_mutex_lock(&P.m);
    atomic_fetch_add(&P.gen, 1);
    pthread_cond_broadcast(&P.start);
    pthread_mutex_unlock(&P.m);

    in_task = 1;
    fn(arg, 0, n);
    in_task = 0;

    for (int i = 0; i < SPIN_ITERS && atomic_load(&P.pending) > 0; i++)
        cpu_relax();
    if (atomic_load(&P.pending) > 0) {
        pthread_mutex_lock(&P.m);
        while (atomic_load(&P.pending) > 0)
            pthread_cond_wait(&P.done, &P.m);
        pthread_mutex_unlock(&P.m);
    }
    pthread_mutex_unlock(&P.submit);
}

void aek_pool_shutdown(void)
{
    pthread_mutex_lock(&P.submit);
    pthread_mutex_lock(&P.m);
    atomic_store(&P.quit, 1);
    pthread_cond_broadcast(&P.start);
    pthread_mutex_unlock(&P.m);
    for (int t = 1; t <= P.nworkers; t++)
        pthread_join(P.tid[t], NULL);
    P.nworkers = 0;
    atomic_store(&P.quit, 0);
    pthread_mutex_unlock(&P.submit);
}
