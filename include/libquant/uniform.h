/* libquant uniform (affine) quantization: the affine quantizer every other
 * module builds on, PyTorch-exact parameter computation, granularities,
 * sub-byte packing. Included by <libquant.h>; do not include directly.
 *
 * Affine convention (PyTorch's, bit-exact):
 *   q  = clamp(round(x * (1/scale)) + zero_point, qmin, qmax)   in float
 *   x^ = (float)(q - zero_point) * scale
 * Rounding happens before the zero point is added; x is multiplied by the
 * float reciprocal of the scale, not divided. NaN -> zero_point, +Inf -> qmax,
 * -Inf -> qmin (PyTorch leaves these undefined; docs/NUMERICS.md). */
#ifndef LIBQUANT_UNIFORM_H_7F3A91C2
#define LIBQUANT_UNIFORM_H_7F3A91C2

/* ------------------------------------------------------------ shapes --- */
#define LQ_MAX_DIMS 8

/*! lq_shape : a dense C-order (row-major) tensor shape. ndim 0 is a scalar. */
typedef struct lq_shape {
  int32_t ndim;
  int64_t dims[LQ_MAX_DIMS];
} lq_shape;

/*! lq_shape_numel() : product of dims; LQ_ERR_INVALID_ARG for a negative dim
 *  or ndim outside [0, LQ_MAX_DIMS]; LQ_ERR_OVERFLOW past SIZE_MAX. */
LQ_API lq_status lq_shape_numel(const lq_shape* shape, size_t* numel_out);

/* -------------------------------------------------------- parameters --- */
typedef enum lq_signedness { LQ_SIGNED = 0, LQ_UNSIGNED = 1 } lq_signedness;
typedef enum lq_mapping { LQ_AFFINE = 0, LQ_SYMMETRIC = 1 } lq_mapping;

/*! lq_sym_scale : how a symmetric scale is derived from amax = max(|min|, |max|).
 *  LQ_SYM_SCALE_TORCH : amax / ((qmax - qmin) / 2)   (PyTorch observers: 127.5 for 8 bits)
 *  LQ_SYM_SCALE_QMAX  : amax / qmax                  (TensorRT, most papers: 127) */
typedef enum lq_sym_scale { LQ_SYM_SCALE_TORCH = 0, LQ_SYM_SCALE_QMAX = 1 } lq_sym_scale;

typedef enum lq_granularity { LQ_GRAN_TENSOR = 0, LQ_GRAN_CHANNEL = 1, LQ_GRAN_GROUP = 2 } lq_granularity;

/*! lq_range_config : how the integer range and the (scale, zero_point) are
 *  chosen. Zero-initialised = PyTorch's default: signed 8-bit affine.
 *  Unsigned symmetric follows PyTorch: zero_point = (qmin + qmax + 1) / 2 (128
 *  for 8 bits). */
typedef struct lq_range_config {
  int32_t bits;              /* 1..16; 0 means 8 */
  lq_signedness signedness;  /* LQ_SIGNED: [-2^(b-1), 2^(b-1)-1]; LQ_UNSIGNED: [0, 2^b-1] */
  lq_mapping mapping;        /* LQ_AFFINE or LQ_SYMMETRIC (zero_point fixed) */
  int32_t narrow;            /* 1: drop the lowest code (signed: [-(2^(b-1)-1), 2^(b-1)-1]; unsigned: [0, 2^b-2]) */
  int32_t reduce_range;      /* 1: PyTorch reduce_range, qmin/2 .. qmax/2 (floor division) */
  lq_sym_scale sym_scale;    /* symmetric scale rule */
  float eps;                 /* minimum scale; 0 means 2^-23 (torch.finfo(float32).eps) */
  int32_t qmin, qmax;        /* custom range when qmin < qmax (must contain 0); else derived from bits */
} lq_range_config;

/*! lq_range_qlimits() : the [qmin, qmax] cfg selects. Errors: bits outside
 *  1..16, a custom range that does not contain 0, narrow 1-bit. */
LQ_API lq_status lq_range_qlimits(const lq_range_config* cfg, int32_t* qmin_out, int32_t* qmax_out);

/*! lq_qparams_from_minmax() : PyTorch's _calculate_qparams, bit-exact, in
 *  float arithmetic: the range is widened to include 0; affine scale =
 *  (max_pos - min_neg) / (qmax - qmin), zero_point = qmin - rne(min_neg /
 *  scale) clamped to [qmin, qmax]; scale = max(scale, eps).
 *  min > max or non-finite min/max: LQ_ERR_NUMERIC (PyTorch asserts). The
 *  "never observed" state (min = +Inf and max = -Inf) gives (1.0, 0) like
 *  PyTorch. Thread-safe, pure. */
LQ_API lq_status lq_qparams_from_minmax(const lq_range_config* cfg, float min, float max, float* scale_out,
                                        int32_t* zero_point_out);

#endif /* LIBQUANT_UNIFORM_H_7F3A91C2 */
