/*
 * threadpool.c — fork/join over persistent pthreads, with parts claimed
 * dynamically, each thread's own parts first.
 *
 * aek_parallel_parts(n, T, fn, arg) publishes a job of n parts for T
 * threads; the caller (thread 0) and the workers (1..T−1) each claim first
 * the parts of their own range [t·n/T, (t+1)·n/T), lowest first, then any
 * part still unclaimed, highest first, and the call returns when every part
 * has finished.  Part t computes the same thing whichever thread runs it, so
 * results never depend on the schedule.
 *
 * Why own ranges: the products of a training step hand the same slabs of
 * the weights and activations to the same part index (the fused SGD step
 * writes rows of W that the next forward reads), so a thread that runs its
 * own part finds them in its own cache.  Claimed in ticket order, parts went
 * to whichever thread came first, and the data crossed between the cores on
 * every product: the two threads of a 2-thread epoch did 29% more work in
 * total than one thread (a 784-256-784 epoch, timed per product).  Why
 * stealing: a worker that the OS has descheduled (a shared, loaded machine)
 * delays nothing; the others take its parts.
 *
 * The claim word packs (job generation << 32 | claimed parts as a bit mask)
 * for n ≤ 32, or (generation << 32 | next part) claimed in order for more
 * parts.  A thread claims by compare-and-swap with the generation it read,
 * so a worker that wakes late can never claim a part of a newer job with
 * the fields of an older one; the caller only returns (and may publish the
 * next job) after every part of its job has been claimed and finished, and
 * it closes the claim word under the next generation before it writes the
 * next job's fields, so the fields a successful claimer reads are its
 * job's.
 *
 * Workers spin briefly on the generation (a GEMM of an autoencoder batch
 * takes tens of microseconds, so sleeping every time would cost more than
 * the work), then sleep on a condition variable, so an idle pool uses no CPU.
 */
#define _GNU_SOURCE
#include "threadpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
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
    pthread_mutex_t submit;         /* one job at a time                        */
    pthread_mutex_t m;              /* sleeping on `start`                      */
    pthread_cond_t start;
    pthread_t tid[AEK_MAX_THREADS];
    int nworkers;                   /* workers created (tids 1..nworkers)       */
    atomic_uint gen;                /* generation of the published job          */
    atomic_uint_fast64_t ticket;    /* gen << 32 | claimed-part mask (n ≤ 32),  */
                                    /* or gen << 32 | next part (n > 32)         */
    atomic_int threads;             /* threads of the current job (own ranges)  */
    atomic_size_t done;             /* parts finished of the current job        */
    atomic_int helpers;             /* workers wanted for the current job       */
    atomic_int quit;
    /* the job, written before gen is bumped; atomic because a late worker
     * may read them while the next job is being published (it then fails
     * every claim, see claim_parts) */
    _Atomic(aek_task_fn) fn;
    _Atomic(void *) arg;
    atomic_int n;
    int atexit_done;
} P = {
    .submit = PTHREAD_MUTEX_INITIALIZER,
    .m = PTHREAD_MUTEX_INITIALIZER,
    .start = PTHREAD_COND_INITIALIZER,
};

static _Thread_local int in_task; /* nested calls run serially */

#define MASK_PARTS 32 /* parts tracked by a bit mask in the claim word */

/* The next part thread `tid` of `T` claims from claim word w of a job of n
 * parts: its own range first (lowest first), then the others' (highest
 * first, so a thread still working through its range keeps its next part);
 * −1 when every part is claimed. */
static int next_part(uint_fast64_t w, int n, int tid, int T)
{
    if (n > MASK_PARTS) {
        int p = (int)(w & 0xffffffffu);
        return p < n ? p : -1;
    }
    uint32_t all = n == 32 ? 0xffffffffu : (1u << n) - 1u;
    uint32_t unclaimed = ~(uint32_t)w & all;
    if (!unclaimed)
        return -1;
    int lo = tid * n / T, hi = (tid + 1) * n / T; /* own range [lo, hi) */
    uint32_t own = unclaimed & (hi >= 32 ? 0xffffffffu : (1u << hi) - 1u) & ~((1u << lo) - 1u);
    if (tid >= T)
        own = 0;
    return own ? __builtin_ctz(own) : 31 - __builtin_clz(unclaimed);
}

/* Claims and runs parts of job generation g until none is left. */
static void claim_parts(unsigned g, aek_task_fn fn, void *arg, int n, int tid, int T)
{
    for (;;) {
        uint_fast64_t w = atomic_load(&P.ticket);
        if ((unsigned)(w >> 32) != g)
            return;
        int p = next_part(w, n, tid, T);
        if (p < 0)
            return;
        uint_fast64_t claimed = n > MASK_PARTS ? w + 1 : w | ((uint_fast64_t)1 << p);
        if (!atomic_compare_exchange_weak(&P.ticket, &w, claimed))
            continue;
        fn(arg, p, n);
        atomic_fetch_add(&P.done, 1);
    }
}

static void *worker(void *p)
{
    int tid = (int)(size_t)p;
    unsigned seen = 0;
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
        unsigned g = atomic_load(&P.gen);
        seen = g;
        if (tid > atomic_load(&P.helpers))
            continue; /* this job wants fewer threads */
        /* possibly a newer job's fields if one is already being published:
         * the generation check in claim_parts then refuses every claim */
        claim_parts(g, atomic_load(&P.fn), atomic_load(&P.arg), atomic_load(&P.n), tid,
                    atomic_load(&P.threads));
    }
    return NULL;
}

static void run_serial(int n, aek_task_fn fn, void *arg)
{
    for (int t = 0; t < n; t++)
        fn(arg, t, n);
}

void aek_parallel_run(int n, aek_task_fn fn, void *arg) { aek_parallel_parts(n, n, fn, arg); }

void aek_parallel_parts(int n, int threads, aek_task_fn fn, void *arg)
{
    if (threads > AEK_MAX_THREADS)
        threads = AEK_MAX_THREADS;
    if (threads > n)
        threads = n;
    if (n <= 1 || threads <= 1 || in_task || pthread_mutex_trylock(&P.submit) != 0) {
        run_serial(n < 1 ? 1 : n, fn, arg);
        return;
    }
    while (P.nworkers < threads - 1) {
        int t = P.nworkers + 1;
        if (pthread_create(&P.tid[t], NULL, worker, (void *)(size_t)t) != 0)
            break; /* fewer workers: the caller claims more parts */
        P.nworkers++;
        if (!P.atexit_done) {
            atexit(aek_pool_shutdown);
            P.atexit_done = 1;
        }
    }
    unsigned g = atomic_load(&P.gen) + 1;
    if (g == 0)
        g = 1; /* 0 is every worker's "nothing seen yet" */
    /* Close the claim word under the new generation before the fields
     * change: a worker still holding the previous generation that reads
     * the new fields (n larger than the old one) would otherwise find
     * "unclaimed" parts in the old word and run one of the new job before
     * it is published — twice, and counted twice in `done`. */
    atomic_store(&P.ticket, (uint_fast64_t)g << 32 | 0xffffffffu);
    atomic_store(&P.fn, fn);
    atomic_store(&P.arg, arg);
    atomic_store(&P.n, n);
    atomic_store(&P.done, 0);
    atomic_store(&P.helpers, threads - 1);
    atomic_store(&P.threads, threads);
    atomic_store(&P.ticket, (uint_fast64_t)g << 32);
    pthread_mutex_lock(&P.m);
    atomic_store(&P.gen, g);
    pthread_cond_broadcast(&P.start);
    pthread_mutex_unlock(&P.m);

    in_task = 1;
    claim_parts(g, fn, arg, n, 0, threads);
    in_task = 0;

    /* Every part is claimed; wait for the ones still running elsewhere. */
    for (unsigned long i = 0; atomic_load(&P.done) < (size_t)n; i++) {
        if (i < SPIN_ITERS)
            cpu_relax();
        else
            sched_yield();
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
