/* Internal helpers shared by the uniform module's C files. */
#ifndef LQ_UNIFORM_INTERNAL_H
#define LQ_UNIFORM_INTERNAL_H

#include "uniform/uniform_kernels.h"

/* Codes staged per tile when going to / from packed layouts (a multiple of
 * 8, so every tile starts on a byte boundary). */
#define LQ_UQ_TILE 1024

/* [lo, hi] of a dtype's codes. */
LQ_INTERNAL void lq_dtype_limits(lq_dtype dt, int32_t* lo, int32_t* hi);
/* Validates a rounding pointer (NULL = half_even) and fills mode/seed/index0. */
LQ_INTERNAL lq_status lq_uq_rounding(const lq_rounding* r, lq_uq_args* a);
/* Validates a (scale, zp) pair for quantization inside [qmin, qmax]. */
LQ_INTERNAL lq_status lq_uq_check_param(float scale, int32_t zp, int32_t qmin, int32_t qmax, size_t unit);
/* Per-tensor quantize of n elements into an unpacked dtype (S8/U8/S16/U16)
 * through the dispatch table. a must hold qmin/qmax/mode/seed/index0. */
LQ_INTERNAL void lq_uq_quant_pt(lq_dtype dt, size_t n, const float* x, float scale, int32_t zp, const lq_uq_args* a,
                                void* out);
LQ_INTERNAL void lq_uq_quant_pe(lq_dtype dt, size_t n, const float* x, const float* scale, const int32_t* zp,
                                const lq_uq_args* a, void* out);
LQ_INTERNAL void lq_uq_dequant_pt(lq_dtype dt, size_t n, const void* q, float scale, int32_t zp, float* out);
LQ_INTERNAL void lq_uq_dequant_pe(lq_dtype dt, size_t n, const void* q, const float* scale, const int32_t* zp,
                                  float* out);
LQ_INTERNAL void lq_uq_pack_kernel(lq_dtype dt, size_t n, const uint8_t* codes, uint8_t* packed);
LQ_INTERNAL void lq_uq_unpack_kernel(lq_dtype dt, size_t n, const uint8_t* packed, uint8_t* codes);
/* The unpacked byte dtype holding the codes of a packed dtype. */
static inline lq_dtype lq_dtype_byte_of(lq_dtype dt) { return lq_dtype_is_signed(dt) ? LQ_DTYPE_S8 : LQ_DTYPE_U8; }

/* The tensor viewed as [outer, D, inner] around the granularity's axis. */
typedef enum { LQ_L_TENSOR, LQ_L_CHANNEL, LQ_L_GROUP } lq_lkind;
typedef struct lq_layout {
  lq_lkind kind;
  size_t outer, D, inner, G, ngroups, numel, nparams;
} lq_layout;
LQ_INTERNAL lq_status lq_layout_make(const lq_uniform_config* cfg, const lq_shape* shape, lq_layout* L);

/* One segment of a flat element range: n elements sharing parameter p
 * (pe == 0), or with per-element parameters p, p+1, ... (pe == 1). */
typedef struct {
  size_t n, p;
  int pe;
} lq_seg;
LQ_INTERNAL lq_seg lq_next_seg(const lq_layout* L, size_t e, size_t e1);
/* The unit (parameter index) of flat element e. */
LQ_INTERNAL size_t lq_unit_of(const lq_layout* L, size_t e);
/* Per-unit min/max of x (nparams each); NaN in a unit makes both NaN;
 * units without elements get (+Inf, -Inf). */
LQ_INTERNAL lq_status lq_uniform_unit_minmax(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                             float* mn, float* mx);

#endif
