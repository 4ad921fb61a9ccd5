// Benchmarks of every kernel in src/common/common_kernels.inc (reductions
// and f16/bf16 conversions), registered per kernel and skipped on ISAs the
// CPU lacks.
#include "bench_util.h"

extern "C" {
#include "common/common_kernels.h"
}

namespace {
#define LQ_UKERNEL LQB_KERNEL_ROW
const lqb::Kernel kKernels[] = {
#include "common/common_kernels.inc"
};
#undef LQ_UKERNEL

void run(benchmark::State& st, const lqb::Kernel* k) {
  if (!lqb::isa_ok(k->isa)) {
    st.SkipWithError("ISA not available");
    return;
  }
  size_t n = st.range(0);
  float* x = lqb::alloc<float>(n);
  uint16_t* h = lqb::alloc<uint16_t>(n);
  float* y = lqb::alloc<float>(n);
  lqb::fill(x, n, 7, 100.0f);
  for (size_t i = 0; i < n; i++) h[i] = lq_f32_to_f16(x[i]);
  std::string slot = k->slot;
  size_t bytes = n * 4;
  for (auto _ : st) {
    if (slot == "reduce_minmax_f32") {
      float a, b;
      ((lq_uk_reduce_minmax_f32_fn)k->fn)(n, x, &a, &b);
      benchmark::DoNotOptimize(a);
    } else if (slot == "reduce_absmax_f32") {
      float a;
      ((lq_uk_reduce_absmax_f32_fn)k->fn)(n, x, &a);
      benchmark::DoNotOptimize(a);
    } else if (slot.rfind("reduce_sum", 0) == 0) {
      double a;
      ((lq_uk_reduce_sum_f32_fn)k->fn)(n, x, &a);
      benchmark::DoNotOptimize(a);
    } else if (slot == "convert_f32_f16" || slot == "convert_f32_bf16") {
      ((lq_uk_convert_f32_u16_fn)k->fn)(n, x, h);
      bytes = n * 6;
    } else {
      ((lq_uk_convert_u16_f32_fn)k->fn)(n, h, y);
      bytes = n * 6;
    }
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
  st.SetBytesProcessed(st.iterations() * bytes);
  lqb::report_vs_memcpy(st, n);
  std::free(x);
  std::free(h);
  std::free(y);
}

int register_all() {
  for (const auto& k : kKernels)
    benchmark::RegisterBenchmark(k.name, run, &k)->Arg(1 << 12)->Arg(1 << 24);
  return 0;
}
int dummy = register_all();
}  // namespace
