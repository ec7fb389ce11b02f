/*
 * gbench_shim.h — a C face on Google Benchmark, so every benchmark body in
 * bench/ is C.  gbench_shim.cc is the only C++ file of the bench.
 *
 * A body has the shape
 *
 *     static void bm_x(aeb_state *st, void *arg)
 *     {
 *         ...set-up (not timed)...
 *         while (aeb_keep_running(st))
 *             work(arg);
 *         aeb_set_flops(st, flops_of_one_call);
 *     }
 *
 * Every benchmark measures wall-clock time (the libraries under test run
 * their own worker threads, whose CPU time the calling thread does not see).
 */
#ifndef AEKIT_BENCH_GBENCH_SHIM_H
#define AEKIT_BENCH_GBENCH_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aeb_state aeb_state; /* a benchmark::State */
typedef void (*aeb_fn)(aeb_state *st, void *arg);

typedef struct {
    int repetitions;   /* >= 1 */
    double min_time;   /* seconds of timed iterations per repetition */
    /* > 0: exactly this many iterations per repetition (a body whose one
     * iteration is long, e.g. a training epoch), no sizing runs */
    int iterations;
    /* 1: the body reports each iteration's time with aeb_set_iteration_time
     * (it times a part of its work, or another process's) */
    int manual_time;
    /* expected seconds of one repetition, for the progress estimate
     * (0: min_time) */
    double est_time;
} aeb_opts;

/* Register a benchmark; arg must outlive aeb_run().  Returns 0, or -1 if the
 * name is empty. */
int aeb_register(const char *name, aeb_fn fn, void *arg, const aeb_opts *o);

/* 1 while the timed loop should go on. */
int aeb_keep_running(aeb_state *st);

/* FLOPs of one iteration; reported as the rate counter "flops" (FLOP/s). */
void aeb_set_flops(aeb_state *st, double flops_per_iteration);

/* A rate counter: value_per_iteration divided by the time per iteration
 * (e.g. "bytes" → bytes/s, "items" → elements/s). */
void aeb_set_rate(aeb_state *st, const char *name, double value_per_iteration);

/* The time of the current iteration, for benchmarks with manual_time. */
void aeb_set_iteration_time(aeb_state *st, double seconds);

/* A plain counter (reported as is, not as a rate). */
void aeb_set_counter(aeb_state *st, const char *name, double value);

void aeb_set_label(aeb_state *st, const char *label);

/* Mark this run as not measured (e.g. a peer library that is absent); the
 * body must then return without timing anything. */
void aeb_skip_with_error(aeb_state *st, const char *msg);

/* A key/value pair for the "context" object of the JSON output.  Characters
 * that need escaping in JSON are replaced by '?'. */
void aeb_add_context(const char *key, const char *value);

/* Run every registered benchmark (repetitions randomly interleaved across
 * all benchmarks when interleave != 0), write Google Benchmark JSON to
 * json_path and a progress display to stderr.  extra_argv holds further
 * --benchmark_* flags (may be NULL).  Returns the number of benchmarks
 * run, or -1 on a bad flag. */
int aeb_run(const char *json_path, int interleave, int extra_argc, char **extra_argv);

#ifdef __cplusplus
}
#endif

#endif
