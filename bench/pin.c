/* pin.c — see pin.h. */
#define _GNU_SOURCE
#include "pin.h"
#include "util.h"
#include "../simd/cpu.h"
#include "../simd/threadpool.h"
#include "../src/aekit.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    atomic_int started, pinned, failed, next_cpu;
    pthread_t caller;
    int ncpu;
    double deadline;
} pin_job;

static void pin_part(void *arg, int t, int n)
{
    pin_job *j = arg;
    (void)t; /* the CPU follows the thread, not the part */
    atomic_fetch_add(&j->started, 1);
    /* wait for every part to be held by its own thread (a second of grace:
     * a pool that runs parts one after another never gets there) */
    while (atomic_load(&j->started) < n && aeb_now() < j->deadline)
        ;
    if (atomic_load(&j->started) < n) {
        atomic_fetch_add(&j->failed, 1);
        return;
    }
    /* the caller takes CPU 0 whichever part it claimed (the pool deals
     * parts dynamically): the peak and bandwidth benchmarks run their
     * helper i on CPU i and their own share on the caller, so a caller that
     * had landed on CPU 1 shared it with helper 1 — a 2-thread peak of one
     * CPU (228 GFLOP/s against 443, the run of 30644d1) */
    int cpu = pthread_equal(pthread_self(), j->caller) ? 0 : 1 + atomic_fetch_add(&j->next_cpu, 1);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu % j->ncpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) == 0) {
        atomic_fetch_add(&j->pinned, 1);
    } else {
        atomic_fetch_add(&j->failed, 1);
    }
}

int aeb_pin_threads(int n, char *what, size_t len)
{
    static pin_job j;
    j.ncpu = aek_cpu()->online_cpus > 0 ? aek_cpu()->online_cpus : 1;
    if (n > AEK_MAX_THREADS)
        n = AEK_MAX_THREADS;
    atomic_store(&j.started, 0);
    atomic_store(&j.pinned, 0);
    atomic_store(&j.failed, 0);
    atomic_store(&j.next_cpu, 0);
    j.caller = pthread_self();
    j.deadline = aeb_now() + 1.0;
    aek_set_num_threads(n);
    aek_parallel_run(n, pin_part, &j);
    if (atomic_load(&j.pinned) != n) {
        snprintf(what, len, "not pinned: %d of %d of aekit's threads could be pinned", 
                 atomic_load(&j.pinned), n);
        /* undo a partial pinning: every CPU again */
        cpu_set_t all;
        CPU_ZERO(&all);
        for (int c = 0; c < j.ncpu; c++)
            CPU_SET(c, &all);
        sched_setaffinity(0, sizeof all, &all);
        return 0;
    }
    snprintf(what, len, "aekit's %d threads pinned one per CPU (sched_setaffinity; the "
             "main thread, which also calls the peers, is one of them)", n);
    return 1;
}

int aeb_thread_create_on(pthread_t *tid, int i, void *(*fn)(void *), void *arg)
{
    int ncpu = aek_cpu()->online_cpus > 0 ? aek_cpu()->online_cpus : 1;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return -1;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(i % ncpu, &set);
    pthread_attr_setaffinity_np(&attr, sizeof set, &set);
    int rc = pthread_create(tid, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    return rc;
}
