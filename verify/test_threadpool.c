/*
 * test_threadpool.c — the pool runs every part of a job exactly once,
 * whatever the number of parts and threads.
 *
 * Threads claim their own range of parts first, then steal the others'
 * (threadpool.c); parts are tracked as a bit mask in the claim word up to
 * 32 parts and by a counter beyond, so both ways are run: n = 1..40 parts
 * on 1..4 threads, many rounds each, so that claims race.  A part that ran
 * twice or never, or a call that returned before its parts finished, shows
 * as a count ≠ 1.  Nested calls (from inside a part) must run serially on
 * the calling thread.
 *
 * A job of T parts on T threads runs them at once (each part waits for
 * the others), also after aek_pool_shutdown (the pool starts again).
 * An idle pool uses no CPU (threadpool.c: workers spin briefly, then
 * sleep): the process's CPU time over 200 ms of sleep after a job.
 *
 * Also the AEKIT_NUM_THREADS variable, read once at start-up (dispatch.c):
 * this binary re-run as a child with it set reports what aek_init made of
 * it; 1..256 is taken as given, anything else refused.
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "../simd/threadpool.h"

#include "../src/aekit.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXN 40

typedef struct {
    atomic_int count[MAXN];
    atomic_int finished; /* parts whose work was complete at return */
    atomic_int nested_bad;
} job;

static void part(void *arg, int t, int n)
{
    job *j = arg;
    (void)n;
    /* a little work, so parts overlap and the threads contend */
    volatile double x = 0;
    for (int i = 0; i < 200 * (t % 5 + 1); i++)
        x += i;
    (void)x; /* the loop is the point (clang: set but not used) */
    atomic_fetch_add(&j->count[t], 1);
    atomic_fetch_add(&j->finished, 1);
}

static void count_part(void *arg, int t, int n)
{
    (void)n;
    atomic_fetch_add(&((job *)arg)->count[t], 1);
}

typedef struct {
    atomic_int c[3];
    pthread_t caller;
    atomic_int elsewhere; /* parts that ran on another thread than the caller */
} nested;

static void inner(void *arg, int t, int n)
{
    nested *s = arg;
    (void)n;
    atomic_fetch_add(&s->c[t], 1);
    if (!pthread_equal(pthread_self(), s->caller))
        atomic_fetch_add(&s->elsewhere, 1);
}

static void outer(void *arg, int t, int n)
{
    job *j = arg;
    (void)t;
    (void)n;
    nested s;
    for (int i = 0; i < 3; i++)
        atomic_init(&s.c[i], 0);
    atomic_init(&s.elsewhere, 0);
    s.caller = pthread_self();
    aek_parallel_parts(3, 2, inner, &s); /* nested: serial, on this thread */
    if (atomic_load(&s.c[0]) != 1 || atomic_load(&s.c[1]) != 1 || atomic_load(&s.c[2]) != 1 ||
        atomic_load(&s.elsewhere) != 0)
        atomic_fetch_add(&j->nested_bad, 1);
}

/* The child: "ok <threads>" or "err", as aek_init saw the environment. */
static int env_child(void)
{
    if (aek_init() != AEK_OK)
        printf("err\n");
    else
        printf("ok %d\n", aek_num_threads());
    return 0;
}

/* AEKIT_NUM_THREADS values and what the child must report: the bounds of
 * 1..256 and one past each, and strings that are not a whole integer. */
static void check_threads_env(const char *self)
{
    static const struct { const char *val, *want; } cases[] = {
        {"1", "ok 1"}, {"256", "ok 256"}, {"3", "ok 3"}, {"257", "err"},
        {"0", "err"},  {"-1", "err"},     {"4x", "err"}, {" ", "err"},
    };
    const int n = (int)(sizeof cases / sizeof cases[0]);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        char cmd[1024], got[64] = "";
        snprintf(cmd, sizeof cmd, "AEKIT_NUM_THREADS='%s' '%s' --env-child 2>/dev/null", cases[i].val,
                 self);
        FILE *f = popen(cmd, "r");
        if (!f || !fgets(got, sizeof got, f))
            got[0] = '\0';
        if (f)
            pclose(f);
        got[strcspn(got, "\n")] = '\0';
        if (strcmp(got, cases[i].want) != 0) {
            printf("# AEKIT_NUM_THREADS='%s': \"%s\", expected \"%s\"\n", cases[i].val, got,
                   cases[i].want);
            bad++;
        }
    }
    chk_le("AEKIT_NUM_THREADS: 1..256 taken, the rest refused by aek_init", bad, 0,
           "%d values (bounds ±1, not integers); figure = wrong outcomes", n);
}

static double wall_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
    atomic_int started, together;
    int parts;
} meet;

/* Each part waits (up to 5 s) until every part of the job has started: they
 * all meet only if T threads run them at the same time. */
static void meet_part(void *arg, int t, int n)
{
    meet *m = arg;
    (void)t;
    (void)n;
    atomic_fetch_add(&m->started, 1);
    double t0 = wall_seconds();
    while (atomic_load(&m->started) < m->parts && wall_seconds() - t0 < 5)
        ;
    if (atomic_load(&m->started) == m->parts)
        atomic_fetch_add(&m->together, 1);
}

/* aek_parallel_parts(T, T, ·) promises T threads (the caller and T − 1
 * workers): a job whose parts wait for each other finishes with every part
 * having seen all T started.  A pool that wakes one worker fewer, or that
 * after aek_pool_shutdown believes its joined workers still exist, leaves a
 * part unstarted until the others give up (5 s): figure = parts that did not
 * meet.  (The caller cannot take a second part while its first waits, so a
 * correct pool has nobody else to wait for.) */
static void check_meet(const char *when)
{
    size_t missed = 0;
    for (int T = 2; T <= 4; T++) {
        meet m;
        atomic_init(&m.started, 0);
        atomic_init(&m.together, 0);
        m.parts = T;
        aek_parallel_parts(T, T, meet_part, &m);
        missed += (size_t)(T - atomic_load(&m.together));
    }
    char name[128];
    snprintf(name, sizeof name, "threadpool: T parts on T threads run at once (%s)", when);
    chk_le(name, (double)missed, 0, "T = 2, 3, 4; each part waits for all T; figure = parts that "
           "waited 5 s in vain");
}

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* After a job on 4 threads the 3 workers spin for at most SPIN_ITERS = 20000
 * iterations (threadpool.c) and then sleep on the condition variable.  An
 * iteration is a pause (≤ 200 cycles on the x86 cores we know; Skylake's
 * 140 is the longest) and two atomic loads: ≤ 250 cycles, so at ≥ 1 GHz a
 * worker spins ≤ 20000 × 250 ns = 5 ms, the 3 of them ≤ 15 ms, and 20 ms
 * leaves 5 ms for the main thread's own wake-ups around the sleep.  A worker that never sleeps (it loses track of the generation it
 * has seen) burns the whole 200 ms: 600 ms for 3. */
static void check_idle(void)
{
    job j;
    for (int p = 0; p < MAXN; p++)
        atomic_init(&j.count[p], 0);
    atomic_init(&j.finished, 0);
    aek_parallel_parts(8, 4, part, &j);
    double c0 = cpu_seconds();
    struct timespec ts = {0, 200000000};
    while (nanosleep(&ts, &ts) != 0)
        ;
    double used = cpu_seconds() - c0;
    chk_le("threadpool: an idle pool uses no CPU (s of CPU over 200 ms asleep)", used, 0.020,
           "after a job on 4 threads; bound 3 workers × 20000 pauses (≤ 5 ms each) + 5 ms");
}

/* A pool that loses a part waits for it forever (aek_parallel_parts returns
 * when every part has finished): after 120 s — the test takes a few — say so
 * and exit non-zero instead of hanging the whole verify run. */
static void on_alarm(int sig)
{
    static const char msg[] = "test_threadpool: no progress in 120 s (a job lost a part?)\n";
    (void)sig;
    ssize_t w = write(2, msg, sizeof msg - 1); /* async-signal-safe, unlike stdio */
    (void)w;
    _exit(3);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--env-child") == 0)
        return env_child();
    signal(SIGALRM, on_alarm);
    alarm(120);
    size_t bad = 0, jobs = 0;
    for (int T = 1; T <= 4; T++)
        for (int n = 1; n <= MAXN; n++)
            for (int round = 0; round < 25; round++) {
                job j;
                for (int p = 0; p < MAXN; p++)
                    atomic_init(&j.count[p], 0);
                atomic_init(&j.finished, 0);
                aek_parallel_parts(n, T, part, &j);
                for (int p = 0; p < n; p++)
                    bad += atomic_load(&j.count[p]) != 1;
                bad += atomic_load(&j.finished) != n;
                jobs++;
            }
    chk_le("threadpool: every part runs exactly once, before the call returns", (double)bad, 0,
           "%zu jobs: 1..%d parts (bit mask ≤ 32, counter beyond) on 1..4 threads; "
           "figure = wrong counts", jobs, MAXN);

    /* Jobs of changing size back to back: a worker still in the previous
     * job that read the new job's fields (n larger than the old one) while
     * the old claim word was still open would run a part of the new job
     * before it is published, twice (threadpool.c closes the word under the
     * new generation first), or, holding the previous job's fn and arg,
     * claim a part of the new one (claims check the generation); the
     * window is short, hence many jobs. */
    size_t bad2 = 0;
    static job js[2]; /* alternate: a part run with the previous job's arg shows */
    for (int r = 0; r < 600000; r++) {
        int n = (r * 7) % MAXN + 1;
        job *jj = &js[r & 1];
        for (int p = 0; p < MAXN; p++)
            atomic_init(&jj->count[p], 0);
        atomic_init(&jj->finished, 0);
        aek_parallel_parts(n, 4, count_part, jj);
        for (int p = 0; p < MAXN; p++)
            bad2 += atomic_load(&jj->count[p]) != (p < n);
    }
    chk_le("threadpool: 600000 jobs of changing size back to back, each part once", (double)bad2, 0,
           "n = 7r mod 40 + 1 parts on 4 threads, two job structs in turn, no work in a part; "
           "figure = wrong counts");

    job j;
    atomic_init(&j.nested_bad, 0);
    for (int round = 0; round < 50; round++)
        aek_parallel_parts(4, 2, outer, &j);
    chk_le("threadpool: a call from inside a part runs its parts serially", (double)atomic_load(&j.nested_bad),
           0, "50 jobs of 4 parts, each calling a 3-part job; figure = nested jobs with a wrong count "
           "or a part run on another thread than its caller");
    check_idle();
    check_meet("first start");
    aek_pool_shutdown();
    check_meet("after aek_pool_shutdown");
    aek_pool_shutdown();
    check_threads_env(argv[0]);
    return chk_finish();
}
