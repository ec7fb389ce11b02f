// gbench_shim.cc — the C API of gbench_shim.h over Google Benchmark (the only
// C++ in the bench).  It adds a progress display: with random interleaving
// Google Benchmark reports a benchmark only after its last repetition, which
// for most of them comes near the end, so the default console output would
// stay silent for minutes.

#include "gbench_shim.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

struct Totals {
    int repetitions = 0;  // registered repetitions (progress denominator)
    double weight = 0;    // Σ repetitions·min_time, for the time estimate
    std::map<std::string, double> min_time;  // by registered name
};

Totals &totals()
{
    static Totals t;
    return t;
}

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

std::string mmss(double s)
{
    char b[32];
    long t = s < 0 ? 0 : static_cast<long>(s + 0.5);
    std::snprintf(b, sizeof b, "%ld:%02ld", t / 60, t % 60);
    return b;
}

// One line per repetition would be ~2000 lines in full mode: on a terminal we
// redraw a single status line; into a log we print one every few seconds.
class Progress : public benchmark::BenchmarkReporter {
  public:
    bool ReportContext(const Context &) override
    {
        start_ = std::chrono::steady_clock::now();
        std::fprintf(stderr, "bench: %zu benchmarks, %d repetitions\n", totals().min_time.size(),
                     totals().repetitions);
        return true;
    }

    void ReportRuns(const std::vector<Run> &runs) override
    {
        for (const Run &r : runs) {
            if (r.run_type != Run::RT_Iteration)
                continue;
            const std::string name = r.run_name.function_name;
            done_++;
            auto it = totals().min_time.find(name);
            done_w_ += it != totals().min_time.end() ? it->second : 0;
            if (r.error_occurred) {
                if (r.repetition_index <= 0)
                    line(true, name + ": not measured: " + r.error_message);
                continue;
            }
            char what[256];
            auto f = r.counters.find("flops");
            if (f != r.counters.end())
                std::snprintf(what, sizeof what, "%s  %.1f GFLOP/s", name.c_str(), f->second.value / 1e9);
            else
                std::snprintf(what, sizeof what, "%s", name.c_str());
            line(false, what);
        }
    }

    void Finalize() override
    {
        if (tty_ && drawn_)
            std::fprintf(stderr, "\n");
        std::fprintf(stderr, "bench: %d repetitions in %s\n", done_, mmss(elapsed()).c_str());
    }

    int done() const { return done_; }

  private:
    double elapsed() const
    {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

    void line(bool permanent, const std::string &what)
    {
        const double t = elapsed();
        const double w = totals().weight;
        const double left = done_w_ > 0 && w > done_w_ ? t * (w - done_w_) / done_w_ : 0;
        char head[96];
        std::snprintf(head, sizeof head, "[%4d/%d %3d%%  %s, ~%s left]", done_, totals().repetitions,
                      totals().repetitions ? 100 * done_ / totals().repetitions : 100,
                      mmss(t).c_str(), mmss(left).c_str());
        if (tty_) {
            std::fprintf(stderr, "\r\033[K%s %s%s", head, what.c_str(), permanent ? "\n" : "");
            drawn_ = !permanent;
        } else if (permanent || t - last_print_ >= 5.0 || done_ == totals().repetitions) {
            std::fprintf(stderr, "%s %s\n", head, what.c_str());
            last_print_ = t;
        }
        std::fflush(stderr);
    }

    std::chrono::steady_clock::time_point start_;
    const bool tty_ = isatty(2);
    bool drawn_ = false;
    int done_ = 0;
    double done_w_ = 0;
    double last_print_ = 0;
};

}  // namespace

extern "C" {

int aeb_register(const char *name, aeb_fn fn, void *arg, const aeb_opts *o)
{
    if (!name || !*name)
        return -1;
    benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(
        name, [fn, arg](benchmark::State &st) { fn(reinterpret_cast<aeb_state *>(&st), arg); });
    b->UseRealTime()->Unit(benchmark::kMillisecond);
    const int reps = o && o->repetitions > 0 ? o->repetitions : 1;
    const double mt = o && o->min_time > 0 ? o->min_time : 0.1;
    b->Repetitions(reps)->MinTime(mt);
    totals().repetitions += reps;
    totals().weight += reps * mt;
    totals().min_time[name] = mt;
    return 0;
}

int aeb_keep_running(aeb_state *st) { return S(st).KeepRunning() ? 1 : 0; }

void aeb_set_flops(aeb_state *st, double flops_per_iteration)
{
    S(st).counters["flops"] =
        benchmark::Counter(flops_per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

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
    Progress progress;
    benchmark::RunSpecifiedBenchmarks(&progress);
    benchmark::Shutdown();
    return progress.done();
}

}  // extern "C"
