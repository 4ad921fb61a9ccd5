// Shared helpers for the benchmarks: aligned buffers, deterministic data, and
// the memcpy baseline every memory-bound kernel is compared with.
#pragma once
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" {
#include "libquant.h"
}

namespace lqb {

struct Kernel {
  const char* slot;
  uint64_t isa;
  void (*fn)(void);
  const char* name;
};
#define LQB_KERNEL_ROW(slot, bits, fn) lqb::Kernel{#slot, (uint64_t)(bits), (void (*)(void))(fn), #fn},

inline bool isa_ok(uint64_t isa) { return (lq_isa_detected() & isa) == isa; }

template <class T>
T* alloc(size_t n) {
  size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
  return static_cast<T*>(std::aligned_alloc(64, bytes ? bytes : 64));
}

inline void fill(float* x, size_t n, uint64_t seed, float scale) {
  for (size_t i = 0; i < n; i++) x[i] = (2.0f * lq_rng_uniform_f32(seed, i) - 1.0f) * scale;
}

// Elements per second of a memcpy of n floats (median of 7 runs), measured
// in the same process so a kernel's rate can be reported as a fraction of it.
inline double memcpy_f32_rate(size_t n) {
  static size_t cached_n = 0;
  static double cached = 0.0;
  if (n == cached_n) return cached;
  float* a = alloc<float>(n);
  float* b = alloc<float>(n);
  fill(a, n, 3, 1.0f);
  std::memcpy(b, a, n * sizeof(float));  // fault the pages in
  double t[7];
  for (int r = 0; r < 7; r++) {
    auto t0 = std::chrono::steady_clock::now();
    std::memcpy(b, a, n * sizeof(float));
    benchmark::DoNotOptimize(b);
    benchmark::ClobberMemory();
    t[r] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  std::sort(t, t + 7);
  double best = t[3];  // median, comparable with BM_memcpy_f32's mean
  std::free(a);
  std::free(b);
  cached_n = n;
  cached = (double)n / best;
  return cached;
}

// Adds the "x_memcpy" counter: this kernel's elements/s over memcpy's for the same n.
inline void report_vs_memcpy(benchmark::State& st, size_t n) {
  st.counters["x_memcpy"] = benchmark::Counter((double)n / memcpy_f32_rate(n),
                                               benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace lqb
