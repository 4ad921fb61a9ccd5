// Benchmarks of every kernel in src/uniform/uniform_kernels.inc at 4K and
// 16M elements (x_memcpy = rate over a memcpy of the f32 input, same run),
// plus the public per-tensor quantize under every rounding mode.
#include "bench_util.h"

extern "C" {
#include "uniform/uniform_kernels.h"
}

namespace {
#define LQ_UKERNEL LQB_KERNEL_ROW
const lqb::Kernel kKernels[] = {
#include "uniform/uniform_kernels.inc"
};
#undef LQ_UKERNEL

void run(benchmark::State& st, const lqb::Kernel* k) {
  if (!lqb::isa_ok(k->isa)) {
    st.SkipWithError("ISA not available");
    return;
  }
  size_t n = st.range(0);
  float* x = lqb::alloc<float>(n);
  float* y = lqb::alloc<float>(n);
  float* sc = lqb::alloc<float>(n);
  int32_t* zp = lqb::alloc<int32_t>(n);
  uint8_t* q = lqb::alloc<uint8_t>(2 * n);
  lqb::fill(x, n, 7, 4.0f);
  for (size_t i = 0; i < n; i++) {
    sc[i] = 0.03f;
    zp[i] = 0;
    q[i] = (uint8_t)i;
    q[n + i] = (uint8_t)(i >> 3);
  }
  lq_uq_args a = {};
  a.inv_scale = 1.0f / 0.03f;
  a.scale = 0.03f;
  a.qmin = -128.0f;
  a.qmax = 127.0f;
  std::string slot = k->slot;
  for (auto _ : st) {
    if (slot == "uniform_quant_f32_s8") ((lq_uk_uq_f32_s8_fn)k->fn)(n, x, &a, (int8_t*)q);
    else if (slot == "uniform_quant_f32_u8") ((lq_uk_uq_f32_u8_fn)k->fn)(n, x, &a, q);
    else if (slot == "uniform_quant_f32_s16") ((lq_uk_uq_f32_s16_fn)k->fn)(n, x, &a, (int16_t*)q);
    else if (slot == "uniform_quant_f32_u16") ((lq_uk_uq_f32_u16_fn)k->fn)(n, x, &a, (uint16_t*)q);
    else if (slot == "uniform_quant_pe_f32_s8") ((lq_uk_uq_pe_f32_s8_fn)k->fn)(n, x, sc, zp, &a, (int8_t*)q);
    else if (slot == "uniform_quant_pe_f32_u8") ((lq_uk_uq_pe_f32_u8_fn)k->fn)(n, x, sc, zp, &a, q);
    else if (slot == "uniform_fake_quant_f32") ((lq_uk_uq_fake_f32_fn)k->fn)(n, x, &a, y);
    else if (slot == "uniform_dequant_s8_f32") ((lq_uk_udq_s8_f32_fn)k->fn)(n, (int8_t*)q, 0.03f, 1, y);
    else if (slot == "uniform_dequant_u8_f32") ((lq_uk_udq_u8_f32_fn)k->fn)(n, q, 0.03f, 1, y);
    else if (slot == "uniform_dequant_s16_f32") ((lq_uk_udq_s16_f32_fn)k->fn)(n, (int16_t*)q, 0.03f, 1, y);
    else if (slot == "uniform_dequant_u16_f32") ((lq_uk_udq_u16_f32_fn)k->fn)(n, (uint16_t*)q, 0.03f, 1, y);
    else if (slot == "uniform_dequant_pe_s8_f32") ((lq_uk_udq_pe_s8_f32_fn)k->fn)(n, (int8_t*)q, sc, zp, y);
    else if (slot == "uniform_dequant_pe_u8_f32") ((lq_uk_udq_pe_u8_f32_fn)k->fn)(n, q, sc, zp, y);
    else if (slot.rfind("uniform_pack", 0) == 0) ((lq_uk_pack_fn)k->fn)(n, q, q + n);
    else ((lq_uk_unpack_fn)k->fn)(n / 2, q + n, 1, q);
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
  lqb::report_vs_memcpy(st, n);
  std::free(x);
  std::free(y);
  std::free(sc);
  std::free(zp);
  std::free(q);
}

void BM_lq_quantize_f32_s8(benchmark::State& st) {
  size_t n = 1 << 24;
  float* x = lqb::alloc<float>(n);
  int8_t* q = lqb::alloc<int8_t>(n);
  lqb::fill(x, n, 7, 4.0f);
  lq_rounding r = {(lq_round)st.range(0), 1, 0};
  for (auto _ : st) {
    lq_quantize_f32_s8(x, n, 0.03f, 0, &r, q);
    benchmark::ClobberMemory();
  }
  st.SetLabel(lq_round_name(r.mode));
  st.SetItemsProcessed(st.iterations() * n);
  lqb::report_vs_memcpy(st, n);
  std::free(x);
  std::free(q);
}
BENCHMARK(BM_lq_quantize_f32_s8)->DenseRange(0, LQ_ROUND_COUNT_ - 1)->Unit(benchmark::kMillisecond);

int register_all() {
  for (const auto& k : kKernels)
    benchmark::RegisterBenchmark(k.name, run, &k)->Arg(1 << 12)->Arg(1 << 24);
  return 0;
}
int dummy = register_all();
}  // namespace
