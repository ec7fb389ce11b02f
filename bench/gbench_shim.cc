// gbench_shim.cc — the C API of gbench_shim.h over Google Benchmark (the only
// C++ in the bench), plus a progress display.  With random interleaving,
// Google Benchmark 1.7 hands a benchmark to its reporters only after its last
// repetition, which for most of them comes near the end; so progress is
// counted here, as the benchmark bodies return.

#include "gbench_shim.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Entry {
    std::string name;
    int reps;
    double min_time;
    double weight = 0;      // expected seconds of one repetition
    int done = 0;           // repetitions seen to finish (capped at reps)
    bool error_shown = false;
};

// One line per repetition would be ~2000 lines in full mode: on a terminal a
// single status line is redrawn; into a log a line is printed every 10 s.
struct Progress {
    std::vector<Entry> entries;
    int total = 0;          // registered repetitions
    double weight = 0;      // Σ repetitions·min_time, for the time estimate
    int done = 0;
    double done_w = 0;
    Clock::time_point start = Clock::now();
    double last_print = 0;
    bool tty = isatty(2);
    bool drawn = false;

    double elapsed() const { return std::chrono::duration<double>(Clock::now() - start).count(); }

    void line(bool permanent, const std::string &what)
    {
        const double t = elapsed();
        const double left = done_w > 0 && weight > done_w ? t * (weight - done_w) / done_w : 0;
        char head[96];
        std::snprintf(head, sizeof head, "[%4d/%d %3d%%  %s, ~%s left]", done, total,
                      total ? 100 * done / total : 100, mmss(t).c_str(), mmss(left).c_str());
        if (tty) {
            std::fprintf(stderr, "\r\033[K%s %s%s", head, what.c_str(), permanent ? "\n" : "");
            drawn = !permanent;
        } else if (permanent || t - last_print >= 10.0 || done == total) {
            std::fprintf(stderr, "%s %s\n", head, what.c_str());
            last_print = t;
        }
        std::fflush(stderr);
    }

    // A body returned after `seconds` of wall time.  Google Benchmark calls a
    // body several times in the first repetition while it sizes the
    // iteration count (each call up to 10x longer); the call that reaches
    // the minimum time is the one it keeps, so a call of at least half of it
    // is counted as a finished repetition.
    void note(size_t idx, benchmark::State &st, double seconds)
    {
        Entry &e = entries[idx];
        if (st.error_occurred()) {
            if (!e.error_shown)
                line(true, e.name + ": not measured (or a repetition aborted)");
            e.error_shown = true;
        } else if (seconds < 0.5 * e.min_time) {
            return;
        }
        if (e.done >= e.reps)
            return;
        e.done++;
        done++;
        done_w += e.weight;
        if (st.error_occurred())
            return;
        line(false, e.name + "  " + rate_text(st, seconds));
    }

    // The headline figure of a finished call, for the status line.  A rate
    // counter still holds its per-iteration value here (Google Benchmark
    // divides by the time only when it reports).
    static std::string rate_text(benchmark::State &st, double seconds)
    {
        static const struct {
            const char *counter, *unit;
        } rates[] = {{"flops", "FLOP/s"}, {"bytes", "B/s"}, {"items", "items/s"}};
        char b[96] = "";
        const double it = static_cast<double>(st.iterations());
        for (const auto &r : rates) {
            auto f = st.counters.find(r.counter);
            if (f != st.counters.end() && seconds > 0) {
                const double v = f->second.value * it / seconds;
                const char *p = v >= 1e9 ? "G" : v >= 1e6 ? "M" : "k";
                std::snprintf(b, sizeof b, "%.1f %s%s", v / (v >= 1e9 ? 1e9 : v >= 1e6 ? 1e6 : 1e3),
                              p, r.unit);
                return b;
            }
        }
        auto v = st.counters.find("ratio");
        if (v != st.counters.end())
            std::snprintf(b, sizeof b, "aekit/peer %.2f", v->second.value);
        return b;
    }

    static std::string mmss(double s)
    {
        char b[32];
        long t = s < 0 ? 0 : static_cast<long>(s + 0.5);
        std::snprintf(b, sizeof b, "%ld:%02ld", t / 60, t % 60);
        return b;
    }
};

Progress &progress()
{
    static Progress p;
    return p;
}

// Google Benchmark fixes a benchmark's iteration count in its first
// repetition.  If the machine then gets busy, a library whose threads meet
// at spin barriers can slow down a hundredfold (seen with BLIS at 2 threads
// while other processes held a core), and one repetition would run for
// minutes.  A repetition that overruns its budget is therefore stopped and
// reported as an error: Google Benchmark leaves it out of the statistics, and
// the report counts it.
struct CallBudget {
    Clock::time_point start;
    double budget;   // seconds
    long calls;
};
thread_local CallBudget g_call;

benchmark::State &S(aeb_state *st) { return *reinterpret_cast<benchmark::State *>(st); }

std::string json_safe(const char *s)
{
    std::string out;
    for (; s && *s; s++) {
        unsigned char c = static_cast<unsigned char>(*s);
        out += (c < 0x20 || c == '"' || c == '\\') ? '?' : static_cast<char>(c);
    }
    return out;
}

// The display reporter only frames the run; results go to the JSON file.
class Display : public benchmark::BenchmarkReporter {
  public:
    bool ReportContext(const Context &) override
    {
        Progress &p = progress();
        p.start = Clock::now();
        std::fprintf(stderr, "bench: %zu benchmarks, %d repetitions (registered)\n",
                     p.entries.size(), p.total);
        return true;
    }
    void ReportRuns(const std::vector<Run> &) override {}
    void Finalize() override
    {
        Progress &p = progress();
        if (p.tty && p.drawn)
            std::fprintf(stderr, "\n");
        std::fprintf(stderr, "bench: done in %s\n", Progress::mmss(p.elapsed()).c_str());
    }
};

}  // namespace

extern "C" {

int aeb_register(const char *name, aeb_fn fn, void *arg, const aeb_opts *o)
{
    if (!name || !*name)
        return -1;
    Progress &p = progress();
    const size_t idx = p.entries.size();
    benchmark::internal::Benchmark *b =
        benchmark::RegisterBenchmark(name, [fn, arg, idx](benchmark::State &st) {
            const Clock::time_point t0 = Clock::now();
            g_call = CallBudget{t0, std::max(5 * progress().entries[idx].min_time, 0.5), 0};
            fn(reinterpret_cast<aeb_state *>(&st), arg);
            progress().note(idx, st,
                            std::chrono::duration<double>(Clock::now() - t0).count());
        });
    if (o && o->manual_time)
        b->UseManualTime();
    else
        b->UseRealTime();
    b->Unit(benchmark::kMillisecond);
    Entry e;
    e.name = name;
    e.reps = o && o->repetitions > 0 ? o->repetitions : 1;
    e.min_time = o && o->min_time > 0 ? o->min_time : 0.1;
    b->Repetitions(e.reps);
    if (o && o->iterations > 0) {
        b->Iterations(o->iterations);
        // a fixed-iteration repetition is one long call: count it however long
        e.min_time = 0;
    } else {
        // Warm-up before the first repetition (caches, page faults, the
        // libraries' thread pools): 40% of a repetition, untimed.  Below
        // half a repetition, so the progress count does not take it for one.
        b->MinTime(e.min_time)->MinWarmUpTime(0.4 * e.min_time);
    }
    const double est = o && o->est_time > 0 ? o->est_time : e.min_time;
    e.weight = est;
    p.total += e.reps;
    p.weight += e.reps * est;
    p.entries.push_back(e);
    return 0;
}

int aeb_keep_running(aeb_state *st)
{
    benchmark::State &state = S(st);
    const Clock::time_point now = Clock::now();
    // The budget is 5x the minimum time, at least 0.5 s, and at least 5x the
    // first iteration (a single call may legitimately take long).
    if (g_call.calls == 1) {
        const double first = std::chrono::duration<double>(now - g_call.start).count();
        g_call.budget = std::max(g_call.budget, 5 * first);
    }
    if (g_call.calls++ > 0 && !state.error_occurred() &&
        std::chrono::duration<double>(now - g_call.start).count() > g_call.budget)
        state.SkipWithError("aborted: repetition over its time budget (machine overloaded?)");
    return state.KeepRunning() ? 1 : 0;
}

void aeb_set_flops(aeb_state *st, double flops_per_iteration)
{
    S(st).counters["flops"] =
        benchmark::Counter(flops_per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

void aeb_set_rate(aeb_state *st, const char *name, double value_per_iteration)
{
    S(st).counters[name] =
        benchmark::Counter(value_per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

void aeb_set_iteration_time(aeb_state *st, double seconds) { S(st).SetIterationTime(seconds); }

void aeb_set_counter(aeb_state *st, const char *name, double value)
{
    S(st).counters[name] = benchmark::Counter(value);
}

void aeb_set_label(aeb_state *st, const char *label) { S(st).SetLabel(label); }

void aeb_skip_with_error(aeb_state *st, const char *msg) { S(st).SkipWithError(msg); }

void aeb_add_context(const char *key, const char *value)
{
    benchmark::AddCustomContext(json_safe(key), json_safe(value));
}

int aeb_run(const char *json_path, int interleave, int extra_argc, char **extra_argv)
{
    std::vector<std::string> args = {"aekit_bench", std::string("--benchmark_out=") + json_path,
                                     "--benchmark_out_format=json"};
    if (interleave)
        args.push_back("--benchmark_enable_random_interleaving=true");
    for (int i = 0; i < extra_argc; i++)
        args.push_back(extra_argv[i]);
    std::vector<char *> argv;
    for (std::string &a : args)
        argv.push_back(&a[0]);
    argv.push_back(nullptr);
    int argc = static_cast<int>(args.size());
    benchmark::Initialize(&argc, argv.data());
    if (benchmark::ReportUnrecognizedArguments(argc, argv.data()))
        return -1;
    Display display;
    const size_t ran = benchmark::RunSpecifiedBenchmarks(&display);
    benchmark::Shutdown();
    return static_cast<int>(ran);
}

}  // extern "C"
