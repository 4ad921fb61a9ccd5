/* Scalar stand-ins for the uniform module's tensor API (include/libquant/
 * uniform.h, branch `uniform`), with the same contracts, used by the scheme
 * adapters until that branch's implementation is merged. When it is, define
 * LQ_SCHEME_USE_UNIFORM_API (or replace LQ_U) and delete uniform_compat.c:
 * the adapters then call lq_uniform_* / lq_sp_* / lq_pack_size directly. */
#ifndef LQ_SCHEME_UNIFORM_COMPAT_H
#define LQ_SCHEME_UNIFORM_COMPAT_H

#include "common/lq_internal.h"

#ifdef LQ_SCHEME_USE_UNIFORM_API
#define LQ_U(name) lq_##name
#else
#define LQ_U(name) lqs_##name
LQ_INTERNAL lq_status lqs_uniform_param_count(const lq_uniform_config* cfg, const lq_shape* shape, size_t* count_out);
LQ_INTERNAL lq_status lqs_uniform_code_dtype(const lq_uniform_config* cfg, int packed, lq_dtype* dtype_out);
LQ_INTERNAL lq_status lqs_uniform_calibrate_minmax(const lq_uniform_config* cfg, const float* x,
                                                   const lq_shape* shape, float* scales_out,
                                                   int32_t* zero_points_out);
LQ_INTERNAL lq_status lqs_uniform_quantize(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                           const float* scales, const int32_t* zero_points, void* codes_out);
LQ_INTERNAL lq_status lqs_uniform_dequantize(const lq_uniform_config* cfg, const void* codes, const lq_shape* shape,
                                             const float* scales, const int32_t* zero_points, float* out);
LQ_INTERNAL lq_status lqs_uniform_fake_quantize(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                                const float* scales, const int32_t* zero_points, float* out);
LQ_INTERNAL lq_status lqs_uniform_quantize_packed(const lq_uniform_config* cfg, const float* x,
                                                  const lq_shape* shape, const float* scales,
                                                  const int32_t* zero_points, uint8_t* packed_out);
LQ_INTERNAL lq_status lqs_uniform_dequantize_packed(const lq_uniform_config* cfg, const uint8_t* packed,
                                                    const lq_shape* shape, const float* scales,
                                                    const int32_t* zero_points, float* out);
LQ_INTERNAL lq_status lqs_pack_size(lq_dtype dt, size_t n, size_t* bytes_out);
LQ_INTERNAL int32_t lqs_dtype_bits(lq_dtype dt);
LQ_INTERNAL const char* lqs_dtype_name(lq_dtype dt);
LQ_INTERNAL lq_status lqs_sp_code_range(const lq_sp_config* cfg, int32_t* qmin_out, int32_t* qmax_out,
                                        lq_dtype* dtype_out);
LQ_INTERNAL lq_status lqs_sp_quantize(const lq_sp_config* cfg, const float* x, size_t n, void* codes);
LQ_INTERNAL lq_status lqs_sp_dequantize(const lq_sp_config* cfg, const void* codes, size_t n, float* out);
#endif

#endif
