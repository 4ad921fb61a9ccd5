// Benchmark driver plus the memcpy baselines: a memory-bound kernel reports
// its bytes/s next to memcpy of the same bytes measured in the same run.
#include "bench_util.h"

static void BM_memcpy_f32(benchmark::State& st) {
  size_t n = st.range(0);
  float* a = lqb::alloc<float>(n);
  float* b = lqb::alloc<float>(n);
  lqb::fill(a, n, 1, 1.0f);
  for (auto _ : st) {
    std::memcpy(b, a, n * sizeof(float));
    benchmark::DoNotOptimize(b);
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
  st.SetBytesProcessed(st.iterations() * n * 8);  // read + write
  std::free(a);
  std::free(b);
}
BENCHMARK(BM_memcpy_f32)->Arg(1 << 12)->Arg(1 << 24);

BENCHMARK_MAIN();
