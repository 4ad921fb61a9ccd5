// Benchmarks of the llm module: every kernel of llm_kernels.inc (per ISA,
// skipped where the CPU lacks it) and the public quantize/dequantize of each
// format. items = elements; compare with BM_memcpy_f32 in the same run.
#include "bench_util.h"

extern "C" {
#include "llm/llm_kernels.h"
}

#include <string>

namespace {
#define LQ_UKERNEL LQB_KERNEL_ROW
const lqb::Kernel kKernels[] = {
#include "llm/llm_kernels.inc"
};
#undef LQ_UKERNEL

void run_kernel(benchmark::State& st, const lqb::Kernel* k) {
  if (!lqb::isa_ok(k->isa)) {
    st.SkipWithError("ISA not available");
    return;
  }
  const size_t n = st.range(0), nb = n / 32;
  float* x = lqb::alloc<float>(n);
  float* y = lqb::alloc<float>(n);
  uint8_t* q = lqb::alloc<uint8_t>(nb * 34);
  uint8_t* q8 = lqb::alloc<uint8_t>(nb * 34);
  lqb::fill(x, n, 7, 3.0f);
  lq_ggml_quantize(LQ_GGML_Q8_0, x, n, q8);
  std::string slot = k->slot;
  if (slot == "llm_q4_0_dequant" || slot == "llm_dot_q4_0_q8_0") lq_ggml_quantize(LQ_GGML_Q4_0, x, n, q);
  else if (slot == "llm_q8_0_dequant" || slot == "llm_dot_q8_0_q8_0") lq_ggml_quantize(LQ_GGML_Q8_0, x, n, q);
  else for (size_t i = 0; i < nb * 34; i++) q[i] = (uint8_t)lq_rng_u32(3, i);
  float code[16];
  lq_bnb4_code(LQ_BNB4_NF4, code);
  const lq_mf_params mfp = lq_mf_params_of(LQ_FP8_E4M3, 1);
  const lq_mx_params mxp = lq_mx_params_of(LQ_MXFP8_E4M3);  // the _quant rows write n/32 * 33 bytes
  if (slot == "llm_mx_dequant") lq_uk_llm_mx_quant__ref(&mxp, nb, x, q);
  for (auto _ : st) {
    if (slot == "llm_mf_encode") {  // FP8 E4M3, saturating
      benchmark::DoNotOptimize(((lq_uk_llm_mf_encode_fn)k->fn)(&mfp, n, x, 1.0f, q));
    } else if (slot == "llm_mf_decode") {
      ((lq_uk_llm_mf_decode_fn)k->fn)(&mfp, n, q, 1.0f, y);
    } else if (slot == "llm_mx_quant") {  // MXFP8 E4M3
      benchmark::DoNotOptimize(((lq_uk_llm_mx_quant_fn)k->fn)(&mxp, nb, x, q));
    } else if (slot == "llm_mx_dequant") {
      ((lq_uk_llm_mx_dequant_fn)k->fn)(&mxp, nb, q, y);
    } else if (slot == "llm_bnb4_dequant") {
      for (size_t b = 0; b < n / 64; b++)
        ((lq_uk_llm_bnb4_dequant_fn)k->fn)(32, q + 32 * b, code, 0.5f, y + 64 * b);
    } else if (slot == "llm_nf4_quant") {
      float* am = reinterpret_cast<float*>(y);  // n/64 absmax values
      benchmark::DoNotOptimize(((lq_uk_llm_nf4_quant_fn)k->fn)(n / 64, 64, x, q, am));
    } else if (slot == "llm_bnb4_gemv") {  // n weights as [n / 4096, 4096], bs 64
      float* am = reinterpret_cast<float*>(y);
      for (size_t b = 0; b < n / 64; b++) am[b] = 0.5f;
      ((lq_uk_llm_bnb4_gemv_fn)k->fn)(n / 4096, 4096, 64, q, am, code, x, y + n / 64);
    } else if (slot.find("_dequant") != std::string::npos) {
      ((lq_uk_llm_ggml_dequant_fn)k->fn)(nb, q, y);
    } else if (slot.find("_quant") != std::string::npos) {
      ((lq_uk_llm_ggml_quant_fn)k->fn)(nb, x, q);
    } else {
      float s;
      ((lq_uk_llm_vec_dot_fn)k->fn)(nb, q, q8, &s);
      benchmark::DoNotOptimize(s);
    }
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
  std::free(x);
  std::free(y);
  std::free(q);
  std::free(q8);
}

// Public API (dispatched) per format: quantize and dequantize a row.
void run_api(benchmark::State& st, int fmt, bool quant) {
  const size_t n = st.range(0);
  float* x = lqb::alloc<float>(n);
  float* y = lqb::alloc<float>(n);
  uint8_t* q = lqb::alloc<uint8_t>(n * 2);
  float* am = lqb::alloc<float>(n / 32 + 1);
  lqb::fill(x, n, 7, 3.0f);
  lq_status s = LQ_OK;
  auto do_quant = [&]() {
    if (fmt < 0) return lq_nf4_quantize(x, n, 64, q, am);
    if (fmt >= 2000) return lq_minifloat_encode((lq_minifloat)(fmt - 2000), 1, x, n, q);
    if (fmt >= 1000) return lq_mx_quantize((lq_mx_type)(fmt - 1000), x, n, q);
    return lq_ggml_quantize((lq_ggml_type)fmt, x, n, q);
  };
  auto do_dequant = [&]() {
    if (fmt < 0) return lq_nf4_dequantize(q, am, n, 64, y);
    if (fmt >= 2000) return lq_minifloat_decode((lq_minifloat)(fmt - 2000), q, n, y);
    if (fmt >= 1000) return lq_mx_dequantize((lq_mx_type)(fmt - 1000), q, n, y);
    return lq_ggml_dequantize((lq_ggml_type)fmt, q, n, y);
  };
  s = do_quant();
  for (auto _ : st) {
    s = quant ? do_quant() : do_dequant();
    benchmark::ClobberMemory();
  }
  if (s != LQ_OK) st.SkipWithError(lq_last_error());
  st.SetItemsProcessed(st.iterations() * n);
  std::free(x);
  std::free(y);
  std::free(q);
  std::free(am);
}

// GEMV y = W x for a square W [n, n]: NF4 (bs 64, bitsandbytes layout,
// lq_nf4_gemv) and int8 x int8 -> int32 (lq_int8_gemm_s8 with m = 1).
// items = multiply-adds; x_memcpy_w = time of a memcpy of the weight bytes
// (codes + absmax) / time of the GEMV, measured in the same process.
void report_weight_bytes(benchmark::State& st, size_t wbytes) {
  const double copy_bytes_per_s = 4.0 * lqb::memcpy_f32_rate(wbytes / 4);
  st.counters["x_memcpy_w"] = benchmark::Counter((double)wbytes / copy_bytes_per_s,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

void BM_llm_gemv_nf4(benchmark::State& st) {
  const size_t n = st.range(0), bs = 64;
  float* w = lqb::alloc<float>(n * n);
  float* x = lqb::alloc<float>(n);
  float* y = lqb::alloc<float>(n);
  float* am = lqb::alloc<float>(n * n / bs);
  uint8_t* p = lqb::alloc<uint8_t>(n * n / 2);
  lqb::fill(w, n * n, 5, 0.05f);
  lqb::fill(x, n, 6, 1.0f);
  lq_status s = lq_nf4_quantize(w, n * n, bs, p, am);
  std::free(w);
  for (auto _ : st) {
    if (s == LQ_OK) s = lq_nf4_gemv(p, am, n, n, bs, x, y);
    benchmark::ClobberMemory();
  }
  if (s != LQ_OK) st.SkipWithError(lq_last_error());
  st.SetItemsProcessed(st.iterations() * n * n);
  report_weight_bytes(st, n * n / 2 + n * n / bs * 4);
  std::free(x);
  std::free(y);
  std::free(am);
  std::free(p);
}
BENCHMARK(BM_llm_gemv_nf4)->Arg(4096)->Unit(benchmark::kMicrosecond);

void BM_llm_gemv_s8(benchmark::State& st) {
  const size_t n = st.range(0);
  int8_t* w = lqb::alloc<int8_t>(n * n);
  int8_t* x = lqb::alloc<int8_t>(n);
  int32_t* y = lqb::alloc<int32_t>(n);
  for (size_t i = 0; i < n * n; i++) w[i] = (int8_t)lq_rng_u32(8, i);
  for (size_t i = 0; i < n; i++) x[i] = (int8_t)lq_rng_u32(9, i);
  lq_status s = LQ_OK;
  for (auto _ : st) {
    if (s == LQ_OK) s = lq_int8_gemm_s8(x, w, 1, n, n, y);
    benchmark::ClobberMemory();
  }
  if (s != LQ_OK) st.SkipWithError(lq_last_error());
  st.SetItemsProcessed(st.iterations() * n * n);
  report_weight_bytes(st, n * n);
  std::free(w);
  std::free(x);
  std::free(y);
}
BENCHMARK(BM_llm_gemv_s8)->Arg(4096)->Unit(benchmark::kMicrosecond);

int register_all() {
  for (const auto& k : kKernels) benchmark::RegisterBenchmark(k.name, run_kernel, &k)->Arg(1 << 16)->Arg(1 << 22);
  static const struct { const char* name; int fmt; } fmts[] = {
      {"nf4_bs64", -1}, {"q4_0", 2}, {"q4_1", 3}, {"q5_0", 6}, {"q5_1", 7}, {"q8_0", 8}, {"q2_K", 10},
      {"q3_K", 11}, {"q4_K", 12}, {"q5_K", 13}, {"q6_K", 14}, {"mxfp4", 1000}, {"mxfp8_e4m3", 1003},
      {"mxfp6_e2m3", 1001}, {"mxint8", 1005}, {"fp8_e4m3", 2000}, {"fp8_e5m2", 2001}, {"e2m1", 2004}};
  for (const auto& f : fmts) {
    benchmark::RegisterBenchmark((std::string("BM_llm_quantize_") + f.name).c_str(), run_api, f.fmt, true)
        ->Arg(1 << 22);
    benchmark::RegisterBenchmark((std::string("BM_llm_dequantize_") + f.name).c_str(), run_api, f.fmt, false)
        ->Arg(1 << 22);
  }
  return 0;
}
int dummy = register_all();
}  // namespace
