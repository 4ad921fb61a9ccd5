// Benchmarks of the llmrt module: the int8 GEMM kernel per ISA and the
// LLM.int8() matmul against a naive float32 matmul of the same size
// (items = multiply-adds, so items/s x 2 = OPS), KIVI append and attention
// throughput (items = tokens).
#include "bench_util.h"

#include <cmath>
#include <string>

extern "C" {
#include "llmrt/llmrt_kernels.h"
}

namespace {
#define LQ_UKERNEL LQB_KERNEL_ROW
const lqb::Kernel kKernels[] = {
#include "llmrt/llmrt_kernels.inc"
};
#undef LQ_UKERNEL

void run_gemm_kernel(benchmark::State& st, const lqb::Kernel* k) {
  if (!lqb::isa_ok(k->isa)) {
    st.SkipWithError("ISA not available");
    return;
  }
  const size_t n = st.range(0);
  int8_t* a = lqb::alloc<int8_t>(n * n);
  int8_t* b = lqb::alloc<int8_t>(n * n);
  int32_t* c = lqb::alloc<int32_t>(n * n);
  for (size_t i = 0; i < n * n; i++) a[i] = (int8_t)lq_rng_u32(1, i), b[i] = (int8_t)lq_rng_u32(2, i);
  for (auto _ : st) {
    ((lq_uk_llmrt_gemm_s8_fn)k->fn)(n, n, n, a, b, c);
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n * n * n);
  std::free(a);
  std::free(b);
  std::free(c);
}

// Naive f32 Y = X Wᵀ (i, j, k loops; the inner loop is a dot product).
void BM_f32_matmul_naive(benchmark::State& st) {
  const size_t n = st.range(0);
  float* x = lqb::alloc<float>(n * n);
  float* w = lqb::alloc<float>(n * n);
  float* y = lqb::alloc<float>(n * n);
  lqb::fill(x, n * n, 1, 1.0f);
  lqb::fill(w, n * n, 2, 1.0f);
  for (auto _ : st) {
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++) {
        float s = 0.0f;
        for (size_t t = 0; t < n; t++) s += x[i * n + t] * w[j * n + t];
        y[i * n + j] = s;
      }
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n * n * n);
  std::free(x);
  std::free(w);
  std::free(y);
}
BENCHMARK(BM_f32_matmul_naive)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);

// LLM.int8() end to end: activation quantization (with outlier columns) +
// mixed matmul, weights pre-quantized.
void BM_int8_llm_matmul(benchmark::State& st) {
  const size_t n = st.range(0);
  float* x = lqb::alloc<float>(n * n);
  float* w = lqb::alloc<float>(n * n);
  float* y = lqb::alloc<float>(n * n);
  int8_t* xq = lqb::alloc<int8_t>(n * n);
  int8_t* wq = lqb::alloc<int8_t>(n * n);
  float* xs = lqb::alloc<float>(n);
  float* ws = lqb::alloc<float>(n);
  uint32_t* cols = lqb::alloc<uint32_t>(n);
  uint16_t* xh = lqb::alloc<uint16_t>(n * 8);
  lqb::fill(x, n * n, 1, 2.0f);
  lqb::fill(w, n * n, 2, 0.05f);
  for (size_t i = 0; i < n; i += 3) x[i * n + 5] = 20.0f, x[i * n + 77] = -9.0f;  // 2 outlier columns
  lq_int8_quantize_rows(w, n, n, wq, ws);
  size_t nout = 0;
  for (auto _ : st) {
    lq_int8_quantize_act(nullptr, x, n, n, xq, xs, 8, cols, xh, &nout);
    lq_int8_act xa = {xq, xs, n, n, cols, nout, xh, LQ_HALF_F16};
    lq_int8_weight wa = {wq, ws, n, n, nullptr, LQ_HALF_F16};
    lq_int8_matmul(&xa, &wa, y, nullptr);
    benchmark::ClobberMemory();
  }
  st.counters["outlier_cols"] = (double)nout;
  st.SetItemsProcessed(st.iterations() * n * n * n);
  for (void* p : {(void*)x, (void*)w, (void*)y, (void*)xq, (void*)wq, (void*)xs, (void*)ws, (void*)cols, (void*)xh})
    std::free(p);
}
BENCHMARK(BM_int8_llm_matmul)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);

// KIVI: appending tokens (includes the group quantizations) and one
// decode-step attention over a cache of range(0) tokens, head_dim 128.
void BM_kivi_append(benchmark::State& st) {
  const size_t n = st.range(0), d = 128;
  float* k = lqb::alloc<float>(n * d);
  float* v = lqb::alloc<float>(n * d);
  lqb::fill(k, n * d, 3, 1.0f);
  lqb::fill(v, n * d, 4, 1.0f);
  lq_kivi_config cfg = {d, n, (int32_t)st.range(1), 0, 0};
  for (auto _ : st) {
    lq_kivi_cache* c;
    lq_kivi_create(&cfg, &c);
    for (size_t t = 0; t < n; t++) lq_kivi_append(c, k + t * d, v + t * d);
    lq_kivi_destroy(c);
  }
  st.SetItemsProcessed(st.iterations() * n);
  std::free(k);
  std::free(v);
}
BENCHMARK(BM_kivi_append)->Args({4096, 2})->Args({4096, 4})->Unit(benchmark::kMillisecond);

void BM_kivi_attention(benchmark::State& st) {
  const size_t n = st.range(0), d = 128;
  float* k = lqb::alloc<float>(n * d);
  float* v = lqb::alloc<float>(n * d);
  float* p = lqb::alloc<float>(n);
  float q[128], out[128];
  lqb::fill(k, n * d, 3, 1.0f);
  lqb::fill(v, n * d, 4, 1.0f);
  lqb::fill(q, d, 5, 1.0f);
  lq_kivi_config cfg = {d, n, (int32_t)st.range(1), 0, 0};
  lq_kivi_cache* c;
  lq_kivi_create(&cfg, &c);
  for (size_t t = 0; t < n; t++) lq_kivi_append(c, k + t * d, v + t * d);
  for (auto _ : st) {
    lq_kivi_attention(c, q, 0.0f, p, out);
    benchmark::DoNotOptimize(out[0]);
  }
  st.SetItemsProcessed(st.iterations() * n);
  lq_kivi_destroy(c);
  std::free(k);
  std::free(v);
  std::free(p);
}
BENCHMARK(BM_kivi_attention)->Args({4096, 2})->Args({4096, 4})->Unit(benchmark::kMicrosecond);

// Full-precision reference: the same attention over float32 K, V.
void BM_f32_attention(benchmark::State& st) {
  const size_t n = st.range(0), d = 128;
  float* k = lqb::alloc<float>(n * d);
  float* v = lqb::alloc<float>(n * d);
  float* p = lqb::alloc<float>(n);
  float q[128], out[128];
  lqb::fill(k, n * d, 3, 1.0f);
  lqb::fill(v, n * d, 4, 1.0f);
  lqb::fill(q, d, 5, 1.0f);
  for (auto _ : st) {
    float mx = -INFINITY, sum = 0.0f;
    for (size_t t = 0; t < n; t++) {
      float s = 0.0f;
      for (size_t c = 0; c < d; c++) s += q[c] * k[t * d + c];
      p[t] = s * 0.08838835f;
      mx = p[t] > mx ? p[t] : mx;
    }
    for (size_t t = 0; t < n; t++) sum += (p[t] = std::exp(p[t] - mx));
    for (size_t c = 0; c < d; c++) out[c] = 0.0f;
    for (size_t t = 0; t < n; t++)
      for (size_t c = 0; c < d; c++) out[c] += p[t] / sum * v[t * d + c];
    benchmark::DoNotOptimize(out[0]);
  }
  st.SetItemsProcessed(st.iterations() * n);
  std::free(k);
  std::free(v);
  std::free(p);
}
BENCHMARK(BM_f32_attention)->Arg(4096)->Unit(benchmark::kMicrosecond);

int register_kernels() {
  for (const auto& k : kKernels)
    benchmark::RegisterBenchmark((std::string("BM_llmrt_kernel/") + k.name).c_str(), run_gemm_kernel, &k)
        ->Arg(256)
        ->Arg(1024)
        ->Unit(benchmark::kMillisecond);
  return 0;
}
const int kRegistered = register_kernels();
}  // namespace
