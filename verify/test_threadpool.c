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
 * Also the AEKIT_NUM_THREADS variable, read once at start-up (dispatch.c):
 * this binary re-run as a child with it set reports what aek_init made of
 * it; 1..256 is taken as given, anything else refused.
 */
#include "check.h"
#include "../simd/threadpool.h"

#include "../src/aekit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

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
    atomic_fetch_add(&j->count[t], 1);
    atomic_fetch_add(&j->finished, 1);
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

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--env-child") == 0)
        return env_child();
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

    job j;
    atomic_init(&j.nested_bad, 0);
    for (int round = 0; round < 50; round++)
        aek_parallel_parts(4, 2, outer, &j);
    chk_le("threadpool: a call from inside a part runs its parts serially", (double)atomic_load(&j.nested_bad),
           0, "50 jobs of 4 parts, each calling a 3-part job; figure = nested jobs with a wrong count "
           "or a part run on another thread than its caller");
    aek_pool_shutdown();
    check_threads_env(argv[0]);
    return chk_finish();
}
