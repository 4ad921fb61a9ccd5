// Benchmarks of the vq kernels (every entry of src/vq/vq_kernels.inc) and of
// PQ encode through the public API.
#include "bench_util.h"

#include <cmath>

extern "C" {
#include "vq/vq_kernels.h"
}

namespace {
#define LQ_UKERNEL LQB_KERNEL_ROW
const lqb::Kernel kKernels[] = {
#include "vq/vq_kernels.inc"
};
#undef LQ_UKERNEL

void run(benchmark::State& st, const lqb::Kernel* k) {
  if (!lqb::isa_ok(k->isa)) {
    st.SkipWithError("ISA not available");
    return;
  }
  size_t n = st.range(0);
  const size_t M = st.range(1), d = 8;
  float* a = lqb::alloc<float>(n * d + 256 * M + 4096);
  float* b = lqb::alloc<float>(n * d + 256 * M + 4096);
  float* out = lqb::alloc<float>(n);
  uint8_t* codes = lqb::alloc<uint8_t>(n * M);
  lqb::fill(a, n * d + 256 * M + 4096, 3, 10.0f);
  lqb::fill(b, n * d + 256 * M + 4096, 4, 10.0f);
  for (size_t i = 0; i < n * M; i++) codes[i] = (uint8_t)(i * 2654435761u >> 13);
  std::string slot = k->slot;
  float* t8 = lqb::alloc<float>(2048 * M);
  lqb::fill(t8, 2048 * M, 5, 10.0f);
  uint32_t* cand = lqb::alloc<uint32_t>(8 * n);
  const float thr8[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
  for (auto _ : st) {
    int32_t idx;
    float v;
    if (slot == "vq_argmin_l2_f32_i32") {
      ((lq_uk_vq_argmin_l2_f32_i32_fn)k->fn)(n, a, b, 1.0f, &idx, &v);
      benchmark::DoNotOptimize(idx);
    } else if (slot == "vq_argmin_f32_i32") {
      ((lq_uk_vq_argmin_f32_i32_fn)k->fn)(n, a, &idx, &v);
      benchmark::DoNotOptimize(idx);
    } else if (slot == "vq_l2sqr_ny_f32_f32") {
      ((lq_uk_vq_l2sqr_ny_f32_f32_fn)k->fn)(d, n, a, b, n, out);
    } else if (slot == "vq_adc_scan4_u8_f32") { /* four queries; items = codes x queries */
      const float* tables[4] = {a, a + 256 * M, a + 512 * M, a + 768 * M};
      float* outs[4] = {out, b, b + n, b + 2 * n};
      ((lq_uk_vq_adc_scan4_u8_f32_fn)k->fn)(n, M, codes, tables, outs);
    } else if (slot == "vq_adc_filter8_u8_f32") { /* eight queries, nothing passes; items = codes x 8 */
      size_t cnt = ((lq_uk_vq_adc_filter8_u8_f32_fn)k->fn)(n, M, codes, t8, thr8, cand, out);
      benchmark::DoNotOptimize(cnt);
    } else {
      ((lq_uk_vq_adc_scan_u8_f32_fn)k->fn)(n, M, codes, a, out);
    }
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n *
                       (slot == "vq_adc_scan4_u8_f32" ? 4 : slot == "vq_adc_filter8_u8_f32" ? 8 : 1));
  std::free(t8);
  std::free(cand);
  std::free(a);
  std::free(b);
  std::free(out);
  std::free(codes);
}

int register_all() {
  for (const auto& k : kKernels)
    benchmark::RegisterBenchmark(k.name, run, &k)->Args({256, 8})->Args({65536, 8})->Args({65536, 16});
  return 0;
}
int dummy = register_all();
}  // namespace
