// Benchmarks of the observers module: MinMax observe (per tensor and per
// channel with the channel axis innermost or outermost) against memcpy of the
// same input, and histogram observe (torch HistogramObserver semantics and
// the NVIDIA |x| histogram); the kernels of observers_kernels.inc directly.
#include "bench_util.h"

#include <cmath>

extern "C" {
#include "observers/observers_kernels.h"
}

namespace {

lq_observer* make(lq_observer_method m, int per_channel, int axis) {
  lq_observer_config c = {};
  c.method = m;
  if (per_channel) {
    c.granularity = LQ_GRAN_CHANNEL;
    c.axis = axis;
  }
  lq_observer* o = nullptr;
  lq_observer_create(&c, &o);
  return o;
}

// args: n, per_channel (0: tensor, 1: channel axis last, 2: channel axis 0), method
void BM_observe(benchmark::State& st) {
  size_t n = st.range(0);
  int mode = (int)st.range(1);
  lq_observer_method m = (lq_observer_method)st.range(2);
  float* x = lqb::alloc<float>(n);
  lqb::fill(x, n, 11, 3.0f);
  lq_shape sh = {2, {(int64_t)(n / 64), 64}};
  lq_observer* o = make(m, mode != 0, mode == 1 ? -1 : 0);
  for (auto _ : st) {
    lq_observer_observe(o, x, &sh);
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
  st.SetBytesProcessed(st.iterations() * n * 4);
  lqb::report_vs_memcpy(st, n);
  lq_observer_destroy(o);
  std::free(x);
}

void BM_kernel(benchmark::State& st, const lqb::Kernel* k) {
  if (!lqb::isa_ok(k->isa)) {
    st.SkipWithError("ISA not available");
    return;
  }
  size_t n = st.range(0);
  float* x = lqb::alloc<float>(n);
  lqb::fill(x, n, 5, 3.0f);
  std::vector<float> mn(64, INFINITY), mx(64, -INFINITY);
  std::vector<uint32_t> counts(2048);
  bool rows = std::strcmp(k->slot, "obs_minmax_rows_f32") == 0;
  for (auto _ : st) {
    if (rows) ((lq_uk_obs_minmax_rows_f32_fn)k->fn)(n / 64, 64, x, mn.data(), mx.data());
    else ((lq_uk_obs_hist_f32_fn)k->fn)(n, x, -3.0f, 3.0f, 2048, 0, counts.data());
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
  st.SetBytesProcessed(st.iterations() * n * 4);
  std::free(x);
}

#define LQ_UKERNEL LQB_KERNEL_ROW
const lqb::Kernel kKernels[] = {
#include "observers/observers_kernels.inc"
};
#undef LQ_UKERNEL

int register_all() {
  for (const auto& k : kKernels)
    benchmark::RegisterBenchmark((std::string("BM_obs_kernel/") + k.name).c_str(), BM_kernel, &k)
        ->Arg(1 << 16)->Arg(1 << 22);
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK(BM_observe)
    ->ArgNames({"n", "gran", "method"})
    ->Args({1 << 22, 0, LQ_OBSERVER_MINMAX})
    ->Args({1 << 22, 1, LQ_OBSERVER_MINMAX})
    ->Args({1 << 22, 2, LQ_OBSERVER_MINMAX})
    ->Args({1 << 22, 0, LQ_OBSERVER_MOVING_AVERAGE})
    ->Args({1 << 20, 0, LQ_OBSERVER_HISTOGRAM})
    ->Args({1 << 20, 0, LQ_OBSERVER_KL});
