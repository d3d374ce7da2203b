// Micro-benchmarks of the v2 store: set, get, watch notification, save, recover; and the
// store's memory per key (heap bytes and RSS) for 100k and 1M keys of 64 bytes under
// /bench/<n>, the shape of the server benchmark's load.
//
//   build/store_bench                         all benchmarks, then the bytes-per-key report
//   build/store_bench --benchmark_filter=Set  some of them

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace arbor::store {
namespace {

constexpr int64_t kNow = 1'800'000'000LL * 1'000'000'000LL;
const std::string kValue(64, 'v');

std::string key(size_t i) { return "/1/bench/" + std::to_string(i); }

std::unique_ptr<Store> loaded(size_t n) {
  auto s = std::make_unique<Store>();
  for (size_t i = 0; i < n; ++i) (void)s->set(key(i), false, kValue, {}, kNow);
  return s;
}

void BM_SetNew(benchmark::State& state) {
  Store s;
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(s.set(key(i++), false, kValue, {}, kNow));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SetNew);

void BM_SetExisting10k(benchmark::State& state) {
  auto s = loaded(10000);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(s->set(key(i++ % 10000), false, kValue, {}, kNow));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SetExisting10k);

void BM_Get(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  auto s = loaded(n);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(s->get(key(i++ % n), false, false, kNow));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Get)->Arg(10000)->Arg(1000000);

// One write notifying W parked one-shot watchers on the written key (the watch fan-out shape).
void BM_WatchNotify(benchmark::State& state) {
  const auto watchers = static_cast<size_t>(state.range(0));
  Store s;
  size_t delivered = 0;
  auto cb = [&delivered](const EventPtr&) {
    ++delivered;
    return true;
  };
  for (auto _ : state) {
    state.PauseTiming();
    for (size_t w = 0; w < watchers; ++w) (void)s.watch("/1/watched", false, false, 0, cb);
    state.ResumeTiming();
    benchmark::DoNotOptimize(s.set("/1/watched", false, kValue, {}, kNow));
  }
  state.SetItemsProcessed(static_cast<int64_t>(delivered));
}
BENCHMARK(BM_WatchNotify)->Arg(1)->Arg(1000);

void BM_Save(benchmark::State& state) {
  auto s = loaded(static_cast<size_t>(state.range(0)));
  struct Null : util::ByteSink {
    size_t bytes = 0;
    util::Status append(std::string_view d) override {
      bytes += d.size();
      return util::Status();
    }
  } sink;
  for (auto _ : state) benchmark::DoNotOptimize(s->save(sink));
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(static_cast<int64_t>(sink.bytes));
}
BENCHMARK(BM_Save)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_Recover(benchmark::State& state) {
  const std::string bytes = loaded(static_cast<size_t>(state.range(0)))->save_to_string();
  for (auto _ : state) benchmark::DoNotOptimize(Store::recover_from_string(bytes));
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}
BENCHMARK(BM_Recover)->Arg(100000)->Unit(benchmark::kMillisecond);

long rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

void report_bytes_per_key() {
  for (size_t n : {100000u, 1000000u}) {
    malloc_trim(0);
    const size_t heap0 = mallinfo2().uordblks;
    const long rss0 = rss_kb();
    auto s = loaded(n);
    const size_t heap1 = mallinfo2().uordblks;
    const long rss1 = rss_kb();
    const size_t snapshot = s->save_to_string().size();
    std::printf("store bytes/key, %zu keys of 64 B: heap %.1f, RSS %.1f, snapshot %.1f\n", n,
                static_cast<double>(heap1 - heap0) / static_cast<double>(n),
                static_cast<double>(rss1 - rss0) * 1024.0 / static_cast<double>(n),
                static_cast<double>(snapshot) / static_cast<double>(n));
  }
}

}  // namespace
}  // namespace arbor::store

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  arbor::store::report_bytes_per_key();
  return 0;
}
