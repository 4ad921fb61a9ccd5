/* Integer ranges and PyTorch-exact (scale, zero_point) from a min/max range. */
#include <math.h>

#include "common/lq_internal.h"

#define LQ_TORCH_EPS 1.1920928955078125e-07f /* torch.finfo(torch.float32).eps = 2^-23 */

lq_status lq_shape_numel(const lq_shape* shape, size_t* numel_out) {
  LQ_REQUIRE_PTR(shape);
  LQ_REQUIRE_PTR(numel_out);
  if (shape->ndim < 0 || shape->ndim > LQ_MAX_DIMS)
    return lq_fail(LQ_ERR_INVALID_ARG, "ndim %d outside [0, %d]", (int)shape->ndim, LQ_MAX_DIMS);
  size_t n = 1;
  for (int32_t d = 0; d < shape->ndim; d++) {
    if (shape->dims[d] < 0) return lq_fail(LQ_ERR_INVALID_ARG, "dimension %d is negative (%lld)", (int)d, (long long)shape->dims[d]);
    if ((uint64_t)shape->dims[d] > SIZE_MAX || lq_mul_overflows(n, (size_t)shape->dims[d], &n))
      return lq_fail(LQ_ERR_OVERFLOW, "shape's element count overflows size_t");
  }
  *numel_out = n;
  return LQ_OK;
}

lq_status lq_range_qlimits(const lq_range_config* cfg, int32_t* qmin_out, int32_t* qmax_out) {
  LQ_REQUIRE_PTR(cfg);
  LQ_REQUIRE_PTR(qmin_out);
  LQ_REQUIRE_PTR(qmax_out);
  int32_t qmin, qmax;
  if (cfg->qmin < cfg->qmax) {
    /* PyTorch: a custom range must include 0. */
    if (cfg->qmin > 0 || cfg->qmax < 0)
      return lq_fail(LQ_ERR_INVALID_ARG, "custom range [%d, %d] must contain 0", (int)cfg->qmin, (int)cfg->qmax);
    qmin = cfg->qmin;
    qmax = cfg->qmax;
  } else {
    if (cfg->qmin != 0 || cfg->qmax != 0)
      return lq_fail(LQ_ERR_INVALID_ARG, "custom range needs qmin < qmax (got [%d, %d])", (int)cfg->qmin, (int)cfg->qmax);
    int32_t bits = cfg->bits ? cfg->bits : 8;
    if (bits < 1 || bits > 16) return lq_fail(LQ_ERR_INVALID_ARG, "bits %d outside 1..16", (int)bits);
    if (cfg->signedness == LQ_UNSIGNED) {
      qmin = 0;
      qmax = (int32_t)((1u << bits) - 1u);
    } else if (cfg->signedness == LQ_SIGNED) {
      qmin = -(int32_t)(1u << (bits - 1));
      qmax = (int32_t)(1u << (bits - 1)) - 1;
    } else {
      return lq_fail(LQ_ERR_INVALID_ARG, "signedness %d is neither LQ_SIGNED nor LQ_UNSIGNED", (int)cfg->signedness);
    }
    if (cfg->narrow) {
      if (bits == 1) return lq_fail(LQ_ERR_INVALID_ARG, "narrow range needs at least 2 bits");
      if (cfg->signedness == LQ_UNSIGNED) qmax -= 1;
      else qmin += 1;
    }
  }
  if (cfg->reduce_range) {
    /* floor division, as Python's // in torch.ao.quantization.utils */
    qmin = (int32_t)floor(qmin / 2.0);
    qmax = (int32_t)floor(qmax / 2.0);
    if (qmin == qmax) return lq_fail(LQ_ERR_INVALID_ARG, "reduce_range leaves a single code");
  }
  *qmin_out = qmin;
  *qmax_out = qmax;
  return LQ_OK;
}

lq_status lq_qparams_from_minmax(const lq_range_config* cfg, float min, float max, float* scale_out,
                                 int32_t* zero_point_out) {
  LQ_REQUIRE_PTR(cfg);
  LQ_REQUIRE_PTR(scale_out);
  LQ_REQUIRE_PTR(zero_point_out);
  int32_t qmin, qmax;
  LQ_CHECK(lq_range_qlimits(cfg, &qmin, &qmax));
  if (cfg->mapping != LQ_AFFINE && cfg->mapping != LQ_SYMMETRIC)
    return lq_fail(LQ_ERR_INVALID_ARG, "mapping %d is neither LQ_AFFINE nor LQ_SYMMETRIC", (int)cfg->mapping);
  if (min == INFINITY && max == -INFINITY) { /* never observed: PyTorch returns (1.0, 0) */
    *scale_out = 1.0f;
    *zero_point_out = 0;
    return LQ_OK;
  }
  if (!isfinite(min) || !isfinite(max))
    return lq_fail(LQ_ERR_NUMERIC, "range [%g, %g] is not finite", (double)min, (double)max);
  if (min > max) return lq_fail(LQ_ERR_NUMERIC, "min %g is greater than max %g", (double)min, (double)max);
  const float eps = cfg->eps > 0.0f ? cfg->eps : LQ_TORCH_EPS;
  const float min_neg = min < 0.0f ? min : 0.0f;
  const float max_pos = max > 0.0f ? max : 0.0f;
  float scale;
  int32_t zp;
  if (cfg->mapping == LQ_SYMMETRIC) {
    float amax = -min_neg > max_pos ? -min_neg : max_pos;
    float denom = cfg->sym_scale == LQ_SYM_SCALE_QMAX ? (float)qmax : (float)(qmax - qmin) / 2.0f;
    if (!(denom > 0.0f)) return lq_fail(LQ_ERR_INVALID_ARG, "symmetric range with qmax %d has no positive codes", (int)qmax);
    scale = amax / denom;
    if (!isfinite(scale)) return lq_fail(LQ_ERR_NUMERIC, "scale for amax %g overflows float", (double)amax);
    scale = scale > eps ? scale : eps;
    /* PyTorch: quint8 symmetric centres the zero point (128, or
     * (qmin + qmax) // 2 for a custom range); qint8 uses 0. */
    if (cfg->signedness == LQ_UNSIGNED) zp = (cfg->qmin < cfg->qmax) ? (qmin + qmax) / 2 : (qmax + 1) / 2;
    else zp = 0;
  } else {
    /* float arithmetic throughout, like torch's float32 tensors; the
     * difference may overflow to Inf near FLT_MAX: reject rather than wrap. */
    float range = max_pos - min_neg;
    if (!isfinite(range)) return lq_fail(LQ_ERR_NUMERIC, "range %g - (%g) overflows float", (double)max_pos, (double)min_neg);
    scale = range / (float)(qmax - qmin);
    scale = scale > eps ? scale : eps;
    float zf = (float)qmin - nearbyintf(min_neg / scale);
    if (zf < (float)qmin) zf = (float)qmin;
    if (zf > (float)qmax) zf = (float)qmax;
    zp = (int32_t)zf;
  }
  *scale_out = scale;
  *zero_point_out = zp;
  return LQ_OK;
}
