// Benchmarks of every kernel in src/nonuniform/nonuniform_kernels.inc: the
// log/power-of-two encoder (base 2 and base sqrt(2)) and the LUT encoder
// (k = 16 levels: linear compares; k = 256: binary search), registered per
// kernel and skipped on ISAs the CPU lacks.
#include <string>

#include "bench_util.h"

extern "C" {
#include "nonuniform/nonuniform_kernels.h"
}

namespace {
#define LQ_UKERNEL LQB_KERNEL_ROW
const lqb::Kernel kKernels[] = {
#include "nonuniform/nonuniform_kernels.inc"
};
#undef LQ_UKERNEL

// range(1): log base (0 = 2, 1 = sqrt 2), or the LUT size k.
void run(benchmark::State& st, const lqb::Kernel* k) {
  if (!lqb::isa_ok(k->isa)) {
    st.SkipWithError("ISA not available");
    return;
  }
  size_t n = st.range(0);
  float* x = lqb::alloc<float>(n);
  uint8_t* c = lqb::alloc<uint8_t>(n);
  lqb::fill(x, n, 5, 1.0f);
  const bool lut = std::string(k->slot).find("lut_encode") != std::string::npos;
  // 8-bit signed codes: magnitudes 2^-127 .. 2^-1 (Miyashita fsr 0).
  lq_log_kparams p = {(int32_t)st.range(1), st.range(1) ? -254 : -127, 0, 7, 0};
  size_t m = lut ? (size_t)st.range(1) - 1 : 0;
  float t[255];
  for (size_t j = 0; j < m; j++) t[j] = -1.0f + 2.0f * ((float)j + 0.5f) / (float)m;
  for (auto _ : st) {
    if (lut)
      ((lq_uk_lut_encode_fn)k->fn)(n, x, t, m, c);
    else
      ((lq_uk_log_encode_fn)k->fn)(n, x, &p, c);
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
  st.SetBytesProcessed(st.iterations() * n * 5);
  lqb::report_vs_memcpy(st, n);
  std::free(x);
  std::free(c);
}

int register_all() {
  for (const auto& k : kKernels) {
    auto* b = benchmark::RegisterBenchmark(k.name, run, &k);
    if (std::string(k.slot).find("lut_encode") != std::string::npos)
      b->Args({1 << 12, 16})->Args({1 << 20, 16})->Args({1 << 12, 256})->Args({1 << 20, 256});
    else
      b->Args({1 << 12, 0})->Args({1 << 20, 0})->Args({1 << 20, 1});
  }
  return 0;
}
int dummy = register_all();
}  // namespace
