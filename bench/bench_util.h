// Shared helpers for the benchmarks: aligned buffers, deterministic data, and
// the memcpy baseline every memory-bound kernel is compared with.
#pragma once
#include <benchmark/benchmark.h>

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

}  // namespace lqb
