/* Kernel signatures of the vq module. Kernels assume valid arguments (the
 * module code validates); any alignment; sizes may be 0 unless noted.
 *
 * Conventions every ISA reproduces bit for bit (built with -ffp-contract=off):
 *  - argmin: strict '<' against a running best that starts at +Inf with
 *    index 0, so the FIRST minimum wins, NaN never wins, and a row of only
 *    NaN/+Inf gives index 0 and +Inf.
 *  - argmin_l2: d_j = (xnorm + cnorm[j]) - 2*ip[j] (FAISS's BLAS formula),
 *    negative d_j clamped to +0 (NaN kept), then argmin as above.
 *  - l2sqr_ny: out[j] = sum_t (y[t*ldy + j] - x[t])^2, t ascending from 0.
 *  - adc_scan: out[i] = (((T_0[c_0] + T_1[c_1]) + T_2[c_2]) + ...), with
 *    T_m = table + m*256 and c_m = codes[i*M + m]; M >= 1.
 *  - adc_scan4: four adc_scans of the same codes (tables[q] -> outs[q]), each
 *    bit-identical to adc_scan with that table; the queries share every code
 *    byte load and index computation, which is what bounds a single scan. */
#ifndef LQ_VQ_KERNELS_H
#define LQ_VQ_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "common/lq_internal.h"

typedef void (*lq_uk_vq_argmin_l2_f32_i32_fn)(size_t k, const float* ip, const float* cnorm, float xnorm,
                                              int32_t* idx_out, float* dis_out);
typedef void (*lq_uk_vq_argmin_f32_i32_fn)(size_t n, const float* v, int32_t* idx_out, float* val_out);
typedef void (*lq_uk_vq_l2sqr_ny_f32_f32_fn)(size_t d, size_t ny, const float* x, const float* y, size_t ldy,
                                             float* out);
typedef void (*lq_uk_vq_adc_scan_u8_f32_fn)(size_t n, size_t M, const uint8_t* codes, const float* table,
                                            float* out);

typedef void (*lq_uk_vq_adc_scan4_u8_f32_fn)(size_t n, size_t M, const uint8_t* codes, const float* const* tables,
                                             float* const* outs);
/* Scalar only: on the development CPU (Zen 3) AVX2 gathers are no faster than
 * the four scalar table loads they replace. */
LQ_INTERNAL void lq_uk_vq_adc_scan4_u8_f32__ref(size_t n, size_t M, const uint8_t* codes, const float* const* tables,
                                                float* const* outs);

#define LQ_DECLARE_VQ_KERNELS(isa)                                                                          \
  LQ_INTERNAL void lq_uk_vq_argmin_l2_f32_i32__##isa(size_t k, const float* ip, const float* cnorm,         \
                                                     float xnorm, int32_t* idx_out, float* dis_out);        \
  LQ_INTERNAL void lq_uk_vq_argmin_f32_i32__##isa(size_t n, const float* v, int32_t* idx_out, float* val); \
  LQ_INTERNAL void lq_uk_vq_l2sqr_ny_f32_f32__##isa(size_t d, size_t ny, const float* x, const float* y,    \
                                                    size_t ldy, float* out);                                \
  LQ_INTERNAL void lq_uk_vq_adc_scan_u8_f32__##isa(size_t n, size_t M, const uint8_t* codes,               \
                                                   const float* table, float* out);

LQ_DECLARE_VQ_KERNELS(ref)
LQ_DECLARE_VQ_KERNELS(avx2)
LQ_DECLARE_VQ_KERNELS(neon)

/* adc_filter8 (top-k search, search.c): eight ADC scans of the same codes at
 * once from an interleaved table, tables8[(m*256 + j)*8 + q] = T_q[m*256 + j]
 * (8 floats per table entry, so one vector load and add serve all eight
 * queries). For code i in [0, n) and lane q, s = adc_scan's sum with T_q
 * (same order, bit-identical); every (i, q) with s <= thr[q] is appended as
 * cand[cnt] = i*8 + q, cand_dis[cnt] = s, i ascending then q ascending.
 * Returns cnt (<= 8n). n < 2^29. A lane with thr = -Inf never appends. */
typedef size_t (*lq_uk_vq_adc_filter8_u8_f32_fn)(size_t n, size_t M, const uint8_t* codes, const float* tables8,
                                                 const float* thr, uint32_t* cand, float* cand_dis);
#define LQ_DECLARE_VQ_SEARCH_KERNELS(isa)                                                                 \
  LQ_INTERNAL size_t lq_uk_vq_adc_filter8_u8_f32__##isa(size_t n, size_t M, const uint8_t* codes,       \
                                                        const float* tables8, const float* thr,          \
                                                        uint32_t* cand, float* cand_dis);
LQ_DECLARE_VQ_SEARCH_KERNELS(ref)
LQ_DECLARE_VQ_SEARCH_KERNELS(avx2)
LQ_DECLARE_VQ_SEARCH_KERNELS(neon)

#endif
