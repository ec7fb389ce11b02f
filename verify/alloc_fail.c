/*
 * alloc_fail.c — an LD_PRELOAD shim that makes one allocation fail, so that
 * verify/steps/alloc_faults.sh can walk every allocation of a command and
 * check what the command does when exactly that one returns NULL.
 *
 *   AEK_FAIL_ALLOC_AT=N    the N-th allocation call (1-based, counted over
 *                          malloc, calloc, realloc, posix_memalign,
 *                          aligned_alloc, memalign, valloc, pvalloc and
 *                          reallocarray, in every thread) fails with ENOMEM;
 *                          every other call succeeds.
 *   AEK_FAIL_THREAD_AT=N   the N-th pthread_create fails with EAGAIN.
 *   AEK_ALLOC_COUNT_FILE=F at exit, write "<allocations> <threads>\n" to F
 *                          (the counts a script walks N over).
 *   AEK_FAIL_ALLOC_TRACE=1 print a backtrace of the failed call to stderr
 *                          (for finding the code behind a failing N).
 *   AEK_ALLOC_PROG=name    act only in the program of that file name (the
 *                          basename of the path it was executed by): the
 *                          variables reach every process of a pipeline,
 *                          `timeout` included, whose allocations would
 *                          otherwise be counted and failed too.
 *
 * glibc routes its own internal allocations (stdio buffers, fdopen, strdup,
 * realpath, qsort) through the interposed malloc, so those fail too, which
 * is what a real shortage does.  The project takes no memory from mmap
 * itself (src/bigmem.c uses aligned_alloc and only madvises; glibc's malloc
 * maps large blocks with an internal mmap that LD_PRELOAD cannot see and
 * whose failure shows up as malloc returning NULL), so mmap is not
 * interposed.
 *
 * Forwarding goes to glibc's __libc_* entry points rather than dlsym: dlsym
 * itself allocates, which would recurse into this shim before the pointer
 * it looks up exists.  pthread_create has no such alias and is looked up
 * with dlsym(RTLD_NEXT) on first use (by then malloc works).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include <fcntl.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static atomic_ulong n_alloc, n_thread;
static unsigned long fail_alloc_at, fail_thread_at; /* 0: never */
static int trace, active;
static atomic_int ready;

/* Parses a decimal without strtoul (locale data) or anything that allocates. */
static unsigned long env_ulong(const char *name)
{
    const char *v = getenv(name);
    unsigned long n = 0;
    if (!v)
        return 0;
    for (; *v >= '0' && *v <= '9'; v++)
        n = n * 10 + (unsigned long)(*v - '0');
    return n;
}

/* 1 when this process is the one named by AEK_ALLOC_PROG (or none is).
 * AT_EXECFN is there from the first instruction, before libc has set
 * program_invocation_name, and reading it allocates nothing. */
static int is_target(void)
{
    const char *want = getenv("AEK_ALLOC_PROG");
    const char *exe = (const char *)getauxval(AT_EXECFN);
    if (!want || !*want)
        return 1;
    if (!exe)
        return 0;
    const char *base = strrchr(exe, '/');
    return strcmp(base ? base + 1 : exe, want) == 0;
}

/* getenv allocates nothing, so the first allocation (which may come from
 * the dynamic loader before any constructor) can read the settings.  Two
 * threads racing here compute the same values. */
static void init(void)
{
    if (atomic_load_explicit(&ready, memory_order_acquire))
        return;
    active = is_target();
    fail_alloc_at = env_ulong("AEK_FAIL_ALLOC_AT");
    fail_thread_at = env_ulong("AEK_FAIL_THREAD_AT");
    trace = env_ulong("AEK_FAIL_ALLOC_TRACE") != 0;
    atomic_store_explicit(&ready, 1, memory_order_release);
}

static void put(const char *s) { (void)!write(2, s, strlen(s)); }

/* 1 when this call is the one to fail.  The trace runs after the counter
 * moved, so the allocations backtrace() makes (it loads libgcc_s) do not
 * change which call failed. */
static int should_fail(const char *fn)
{
    init();
    if (!active)
        return 0;
    unsigned long k = atomic_fetch_add(&n_alloc, 1) + 1;
    if (fail_alloc_at == 0 || k != fail_alloc_at)
        return 0;
    if (trace) {
        void *bt[64];
        put("alloc_fail: failing ");
        put(fn);
        put("\n");
        backtrace_symbols_fd(bt, backtrace(bt, 64), 2);
    }
    return 1;
}

void *malloc(size_t n)
{
    if (should_fail("malloc")) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    if (should_fail("calloc")) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    if (should_fail("realloc")) {
        errno = ENOMEM;
        return NULL; /* p stays valid, as after a real failure */
    }
    return __libc_realloc(p, n);
}

void *reallocarray(void *p, size_t a, size_t b)
{
    if (b && a > (size_t)-1 / b) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, a * b);
}

void free(void *p) { __libc_free(p); }

void *memalign(size_t align, size_t n)
{
    if (should_fail("memalign")) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_memalign(align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    if (should_fail("aligned_alloc")) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    if (should_fail("posix_memalign"))
        return ENOMEM; /* *out untouched, as glibc leaves it */
    void *p = __libc_memalign(align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *valloc(size_t n)
{
    if (should_fail("valloc")) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), n);
}

void *pvalloc(size_t n)
{
    if (should_fail("pvalloc")) {
        errno = ENOMEM;
        return NULL;
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return __libc_memalign(page, (n + page - 1) / page * page);
}

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    static create_fn real;
    init();
    unsigned long k = active ? atomic_fetch_add(&n_thread, 1) + 1 : 0;
    if (fail_thread_at != 0 && k == fail_thread_at)
        return EAGAIN;
    if (!real) {
        /* dlsym returns void *; the cast through a union avoids the
         * object-to-function pointer conversion warning */
        union { void *p; create_fn f; } u = {dlsym(RTLD_NEXT, "pthread_create")};
        real = u.f;
        if (!real)
            return EAGAIN;
    }
    return real(t, attr, fn, arg);
}

/* Writes the decimal of v into b (no stdio: it would allocate). */
static size_t utoa(unsigned long v, char *b)
{
    char r[24];
    size_t n = 0, i = 0;
    do
        r[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        b[i++] = r[--n];
    return i;
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("AEK_ALLOC_COUNT_FILE");
    init();
    if (!active || !path || !*path)
        return;
    char b[64];
    size_t n = utoa(atomic_load(&n_alloc), b);
    b[n++] = ' ';
    n += utoa(atomic_load(&n_thread), b + n);
    b[n++] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        (void)!write(fd, b, n);
        close(fd);
    }
}
