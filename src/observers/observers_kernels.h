/* Kernel signatures of the observers module. Kernels assume valid arguments
 * (observers.c validates). Any alignment; counts may be 0. */
#ifndef LQ_OBSERVERS_KERNELS_H
#define LQ_OBSERVERS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "common/common_kernels.h" /* lq_min_f32, lq_max_f32 */
#include "common/lq_internal.h"

/* Column-wise running min/max over `rows` rows of `cols` contiguous floats
 * (channel axis innermost): mn[c] = min(mn[c], x[r*cols + c]) for every r,
 * likewise mx. NaN is sticky: a NaN element or a NaN accumulator gives the
 * canonical quiet NaN (0x7fc00000). -0/+0 follow lq_min_f32/lq_max_f32. */
typedef void (*lq_uk_obs_minmax_rows_f32_fn)(size_t rows, size_t cols, const float* x, float* mn, float* mx);

/* torch.histc's bin rule on finite x (or |x| when absval): elements with
 * lo <= v <= hi go to bin (int64)(((v - lo) * (float)nbins) / (hi - lo)),
 * the last bin also taking v == hi; counts[bin] += 1. Needs lo < hi finite,
 * 1 <= nbins <= 2^24, n < 2^32. Float arithmetic, no contraction. */
typedef void (*lq_uk_obs_hist_f32_fn)(size_t n, const float* x, float lo, float hi, uint32_t nbins, int absval,
                                      uint32_t* counts);

#define LQ_DECLARE_OBSERVERS_KERNELS(isa)                                                                    \
  LQ_INTERNAL void lq_uk_obs_minmax_rows_f32__##isa(size_t rows, size_t cols, const float* x, float* mn,    \
                                                    float* mx);                                              \
  LQ_INTERNAL void lq_uk_obs_hist_f32__##isa(size_t n, const float* x, float lo, float hi, uint32_t nbins, \
                                             int absval, uint32_t* counts);

LQ_DECLARE_OBSERVERS_KERNELS(ref)
LQ_DECLARE_OBSERVERS_KERNELS(avx2)
LQ_DECLARE_OBSERVERS_KERNELS(avx512)
LQ_DECLARE_OBSERVERS_KERNELS(neon)

#endif
