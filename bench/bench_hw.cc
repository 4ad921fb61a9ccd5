// Benchmarks of every kernel in src/hw/hw_kernels.inc (G.711 encode/decode),
// registered per kernel and skipped on ISAs the CPU lacks, plus the
// sequential IMA-ADPCM coder through the public API.
#include <cmath>
#include <string>

#include "bench_util.h"

extern "C" {
#include "hw/hw_kernels.h"
}

namespace {
#define LQ_UKERNEL LQB_KERNEL_ROW
const lqb::Kernel kKernels[] = {
#include "hw/hw_kernels.inc"
};
#undef LQ_UKERNEL

// Audio-like int16 samples (two tones + noise), the data the codecs see.
void fill_audio(int16_t* x, size_t n) {
  for (size_t i = 0; i < n; i++) {
    double v = 9000.0 * std::sin((double)i * 0.01) + 3000.0 * std::sin((double)i * 0.37) +
               500.0 * (2.0 * lq_rng_uniform_f32(11, i) - 1.0);
    x[i] = (int16_t)std::lround(v);
  }
}

void run_kernel(benchmark::State& st, const lqb::Kernel* k) {
  if (!lqb::isa_ok(k->isa)) {
    st.SkipWithError("ISA not available");
    return;
  }
  size_t n = st.range(0);
  int16_t* x = lqb::alloc<int16_t>(n);
  uint8_t* c = lqb::alloc<uint8_t>(n);
  int16_t* y = lqb::alloc<int16_t>(n);
  fill_audio(x, n);
  lq_g711_ulaw_encode(x, n, LQ_G711_G191, c);
  const bool enc = std::string(k->slot).find("_enc_") != std::string::npos;
  for (auto _ : st) {
    if (enc)
      ((lq_uk_g711_enc_fn)k->fn)(n, x, c);
    else
      ((lq_uk_g711_dec_fn)k->fn)(n, c, y);
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
  st.SetBytesProcessed(st.iterations() * n * 3);
  lqb::report_vs_memcpy(st, n);
  std::free(x);
  std::free(c);
  std::free(y);
}

// IMA-ADPCM is one dependency chain per stream: no SIMD kernel, timed via the API.
void BM_ima_adpcm_encode(benchmark::State& st) {
  size_t n = st.range(0);
  int16_t* x = lqb::alloc<int16_t>(n);
  uint8_t* b = lqb::alloc<uint8_t>(n / 2 + 1);
  fill_audio(x, n);
  for (auto _ : st) {
    lq_adpcm_state s = {0, 0};
    lq_ima_adpcm_encode(x, n, LQ_NIBBLE_HIGH_FIRST, &s, b);
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
  lqb::report_vs_memcpy(st, n);
  std::free(x);
  std::free(b);
}

void BM_ima_adpcm_decode(benchmark::State& st) {
  size_t n = st.range(0);
  int16_t* x = lqb::alloc<int16_t>(n);
  uint8_t* b = lqb::alloc<uint8_t>(n / 2 + 1);
  fill_audio(x, n);
  lq_adpcm_state s0 = {0, 0};
  lq_ima_adpcm_encode(x, n, LQ_NIBBLE_HIGH_FIRST, &s0, b);
  for (auto _ : st) {
    lq_adpcm_state s = {0, 0};
    lq_ima_adpcm_decode(b, n, LQ_NIBBLE_HIGH_FIRST, &s, x);
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
  lqb::report_vs_memcpy(st, n);
  std::free(x);
  std::free(b);
}

int register_all() {
  for (const auto& k : kKernels)
    benchmark::RegisterBenchmark(k.name, run_kernel, &k)->Arg(1 << 12)->Arg(1 << 20);
  benchmark::RegisterBenchmark("lq_ima_adpcm_encode", BM_ima_adpcm_encode)->Arg(1 << 12)->Arg(1 << 20);
  benchmark::RegisterBenchmark("lq_ima_adpcm_decode", BM_ima_adpcm_decode)->Arg(1 << 12)->Arg(1 << 20);
  return 0;
}
int dummy = register_all();
}  // namespace
