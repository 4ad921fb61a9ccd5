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

/* Granularity of the tensor API: see lq_uniform_config below. */
typedef enum lq_granularity {
  LQ_GRAN_TENSOR = 0,
  LQ_GRAN_CHANNEL = 1,
  LQ_GRAN_GROUP = 2,
  LQ_GRAN_ROW = 3,
  LQ_GRAN_COLUMN = 4
} lq_granularity;

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


/* ------------------------------------------------------- code types --- */
/*! lq_dtype : how integer codes are stored.
 *  Unpacked: one code per element, LQ_DTYPE_S8/U8 (int8_t/uint8_t) for
 *  bits <= 8, LQ_DTYPE_S16/U16 (int16_t/uint16_t) for bits 9..16.
 *  Packed (sub-byte): S4/U4 two codes per byte, S2/U2 four, S1/B1 eight,
 *  LSB-first: element i sits in byte i / k at bit offset (i % k) * bits
 *  (k = 8 / bits); signed fields are two's complement of that width; unused
 *  high bits of the last byte are zero. B1 is an unsigned bit {0, 1}; S1 is
 *  a signed bit {-1, 0}. */
typedef enum lq_dtype {
  LQ_DTYPE_S8 = 0,
  LQ_DTYPE_U8 = 1,
  LQ_DTYPE_S16 = 2,
  LQ_DTYPE_U16 = 3,
  LQ_DTYPE_S4 = 4,
  LQ_DTYPE_U4 = 5,
  LQ_DTYPE_S2 = 6,
  LQ_DTYPE_U2 = 7,
  LQ_DTYPE_S1 = 8,
  LQ_DTYPE_B1 = 9,
  LQ_DTYPE_COUNT_ = 10
} lq_dtype;

/*! lq_dtype_name() : "s8", "u8", "s16", "u16", "s4", "u4", "s2", "u2", "s1",
 *  "b1"; "unknown" otherwise. lq_dtype_bits() : field width (8, 16, 4, 2, 1),
 *  0 for a bad value. lq_dtype_is_signed() : 1 for S*, 0 otherwise.
 *  lq_dtype_is_packed() : 1 for the sub-byte types. Pure, thread-safe. */
LQ_API const char* lq_dtype_name(lq_dtype dt);
LQ_API int32_t lq_dtype_bits(lq_dtype dt);
LQ_API int lq_dtype_is_signed(lq_dtype dt);
LQ_API int lq_dtype_is_packed(lq_dtype dt);

/*! lq_pack_size() : bytes that n codes of dtype dt occupy (n, 2n for S16/U16,
 *  ceil(n * bits / 8) for packed types). LQ_ERR_OVERFLOW past SIZE_MAX,
 *  LQ_ERR_INVALID_ARG for a bad dtype. */
LQ_API lq_status lq_pack_size(lq_dtype dt, size_t n, size_t* bytes_out);

/*! lq_pack() : packs n codes, one per byte (int8_t for S4/S2/S1, uint8_t for
 *  U4/U2/B1), into lq_pack_size(dt, n) bytes LSB-first. Every code must lie
 *  in the dtype's range ([-8,7], [0,15], [-2,1], [0,3], [-1,0], [0,1]),
 *  otherwise LQ_ERR_INVALID_ARG (error names the first bad index) and packed
 *  is unspecified. dt must be a packed dtype. No aliasing. Thread-safe. */
LQ_API lq_status lq_pack(lq_dtype dt, const void* codes, size_t n, uint8_t* packed);

/*! lq_unpack() : the inverse: n codes from packed into one byte each,
 *  sign-extended for signed dtypes. Bits past element n are ignored. */
LQ_API lq_status lq_unpack(lq_dtype dt, const uint8_t* packed, size_t n, void* codes);

/* ---------------------------------------------------------- rounding --- */
/*! lq_rounding : rounding of every quantizer. Zero-initialised = half_even
 *  (PyTorch). For LQ_ROUND_STOCHASTIC, element i of a call draws
 *  u = lq_rng_uniform_f32(seed, index0 + i) (i is the flat C-order index for
 *  the tensor API), so splitting a call into chunks with index0 advanced by
 *  the chunk offset gives the same codes as one call, on every ISA. A NULL
 *  `const lq_rounding*` means half_even. */
typedef struct lq_rounding {
  lq_round mode;
  uint64_t seed;
  uint64_t index0;
} lq_rounding;

/* ------------------------------------------------ flat fast paths ------- */
/* Per-tensor quantize of n contiguous floats, PyTorch's arithmetic:
 *   v = x * (1.0f / scale);  q = clamp(round(v) + zero_point, qmin, qmax)
 * with round = r->mode, [qmin, qmax] = the output type's full range (as
 * torch.quantize_per_tensor clamps to the dtype). NaN -> zero_point,
 * +Inf -> qmax, -Inf -> qmin, finite overflow saturates.
 * Errors: NULL x/out with n > 0, scale not finite or <= 0, 1/scale not
 * finite, zero_point outside the output range, bad rounding mode.
 * n == 0 is a no-op. x and out must not overlap. Thread-safe. SIMD
 * dispatched; results are identical on every ISA. */
LQ_API lq_status lq_quantize_f32_s8(const float* x, size_t n, float scale, int32_t zero_point, const lq_rounding* r,
                                    int8_t* out);
LQ_API lq_status lq_quantize_f32_u8(const float* x, size_t n, float scale, int32_t zero_point, const lq_rounding* r,
                                    uint8_t* out);
LQ_API lq_status lq_quantize_f32_s16(const float* x, size_t n, float scale, int32_t zero_point, const lq_rounding* r,
                                     int16_t* out);
LQ_API lq_status lq_quantize_f32_u16(const float* x, size_t n, float scale, int32_t zero_point, const lq_rounding* r,
                                     uint16_t* out);

/* Per-tensor dequantize: out[i] = (float)(q[i] - zero_point) * scale (one
 * float rounding, PyTorch's dequantize). Errors as above (scale must be
 * finite; it may be any finite value). */
LQ_API lq_status lq_dequantize_s8_f32(const int8_t* q, size_t n, float scale, int32_t zero_point, float* out);
LQ_API lq_status lq_dequantize_u8_f32(const uint8_t* q, size_t n, float scale, int32_t zero_point, float* out);
LQ_API lq_status lq_dequantize_s16_f32(const int16_t* q, size_t n, float scale, int32_t zero_point, float* out);
LQ_API lq_status lq_dequantize_u16_f32(const uint16_t* q, size_t n, float scale, int32_t zero_point, float* out);

/*! lq_fake_quantize_f32() : torch.fake_quantize_per_tensor_affine:
 *  out[i] = (clamp(round(x[i] * (1/scale)) + zero_point, qmin, qmax) - zero_point) * scale.
 *  Needs qmin <= zero_point <= qmax, qmin < qmax, both within [-2^31+1, 2^31-1]
 *  and qmax - qmin <= 2^24. out may equal x (in place); no other overlap. */
LQ_API lq_status lq_fake_quantize_f32(const float* x, size_t n, float scale, int32_t zero_point, int32_t qmin,
                                      int32_t qmax, const lq_rounding* r, float* out);

/* ------------------------------------------------ affine quantizer ----- */
/*! lq_affine : a fully specified affine quantizer, the building block other
 *  modules use: codes clamp to [qmin, qmax] (a sub-range of the dtype's) and
 *  are stored as dtype (packed when dtype is sub-byte). */
typedef struct lq_affine {
  float scale;
  int32_t zero_point;
  int32_t qmin, qmax;
  lq_dtype dtype;
} lq_affine;

/*! lq_affine_init() : fills *out from a range config and (scale, zp):
 *  qmin/qmax from lq_range_qlimits(), dtype = the unpacked storage type
 *  (S8/U8 for bits <= 8, S16/U16 above; signedness from qmin < 0), or the
 *  packed type when `packed` is 1 (bits 1, 2, 4 only, else LQ_ERR_INVALID_ARG).
 *  Checks scale finite > 0 and qmin <= zero_point <= qmax. */
LQ_API lq_status lq_affine_init(const lq_range_config* cfg, float scale, int32_t zero_point, int packed,
                                lq_affine* out);

/*! lq_affine_quantize() : n floats to codes of a->dtype (codes holds
 *  lq_pack_size(a->dtype, n) bytes), rounding r (NULL = half_even); same
 *  arithmetic and special values as lq_quantize_f32_s8 with the clamp to
 *  [a->qmin, a->qmax]. lq_affine_dequantize() : codes -> floats (codes are
 *  not range-checked). lq_affine_fake_quantize() : both at once, out may
 *  equal x. Thread-safe; no allocation. */
LQ_API lq_status lq_affine_quantize(const lq_affine* a, const float* x, size_t n, const lq_rounding* r, void* codes);
LQ_API lq_status lq_affine_dequantize(const lq_affine* a, const void* codes, size_t n, float* out);
LQ_API lq_status lq_affine_fake_quantize(const lq_affine* a, const float* x, size_t n, const lq_rounding* r,
                                         float* out);

/* -------------------------------------------------- tensor API --------- */
/*! Granularity of the tensor API (one (scale, zero_point) per unit):
 *  LQ_GRAN_TENSOR  : 1 parameter pair.
 *  LQ_GRAN_CHANNEL : one pair per index of `axis` (dims[axis] pairs), like
 *                    torch.quantize_per_channel(axis) / PerChannelMinMaxObserver(ch_axis).
 *  LQ_GRAN_GROUP   : `axis` is cut into groups of group_size consecutive
 *                    indices; every group of every other index combination
 *                    has its own pair. Parameters are laid out C-order over
 *                    the shape with dims[axis] replaced by
 *                    ngroups = ceil(dims[axis] / group_size). TAIL GROUP: when
 *                    group_size does not divide dims[axis], the last group is
 *                    shorter (dims[axis] % group_size elements) and gets its
 *                    own parameters from its own elements.
 *  LQ_GRAN_ROW     : one pair per row, a row being a run along the LAST axis
 *                    (numel / dims[ndim-1] pairs; for a 2-D [R, C] matrix = R
 *                    pairs = CHANNEL with axis 0). Same as GROUP with
 *                    axis = -1 and group_size = dims[ndim-1]. `axis` ignored.
 *  LQ_GRAN_COLUMN  : one pair per index of the last axis (dims[ndim-1] pairs;
 *                    = CHANNEL with axis -1). `axis` ignored.
 *  A scalar (ndim 0) counts as shape [1] for CHANNEL/GROUP/ROW/COLUMN. */

/*! lq_uniform_config : zero-initialised = per-tensor signed 8-bit affine,
 *  half_even, PyTorch defaults. */
typedef struct lq_uniform_config {
  lq_range_config range;
  lq_granularity granularity;
  int32_t axis;        /* CHANNEL/GROUP axis; negative counts from the end (-1 = last) */
  int64_t group_size;  /* GROUP: >= 1 */
  lq_rounding rounding;
} lq_uniform_config;

/*! lq_uniform_param_count() : number of (scale, zero_point) pairs the
 *  granularity needs for shape. Errors: bad granularity, axis out of range,
 *  group_size < 1, bad shape. */
LQ_API lq_status lq_uniform_param_count(const lq_uniform_config* cfg, const lq_shape* shape, size_t* count_out);

/*! lq_uniform_code_dtype() : the storage type of codes for cfg: S8/U8 for
 *  bits <= 8, S16/U16 for 9..16 (signed when qmin < 0) when packed == 0;
 *  S4/U4/S2/U2/S1/B1 when packed == 1 (bits must be 1, 2 or 4). */
LQ_API lq_status lq_uniform_code_dtype(const lq_uniform_config* cfg, int packed, lq_dtype* dtype_out);

/*! lq_uniform_calibrate_minmax() : per-unit min/max of x, then
 *  lq_qparams_from_minmax() per unit: PyTorch MinMaxObserver (TENSOR) and
 *  PerChannelMinMaxObserver (CHANNEL, any axis) bit for bit. scales_out and
 *  zero_points_out hold lq_uniform_param_count() entries. NaN/Inf in a unit
 *  gives LQ_ERR_NUMERIC (PyTorch asserts). An empty tensor gives the
 *  "never observed" (1.0, 0) for every unit. */
LQ_API lq_status lq_uniform_calibrate_minmax(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                             float* scales_out, int32_t* zero_points_out);

/*! lq_uniform_quantize() : codes (unpacked, lq_uniform_code_dtype(cfg, 0),
 *  one per element, C order) of x with the given per-unit parameters, the
 *  clamp to cfg's [qmin, qmax], rounding cfg->rounding (stochastic index =
 *  index0 + flat element index). Every scale must be finite and > 0 and every
 *  zero point inside [qmin, qmax] (LQ_ERR_INVALID_ARG otherwise). CHANNEL
 *  equals torch.quantize_per_channel(...).int_repr() bit for bit.
 *  lq_uniform_dequantize() : out = (float)(code - zp) * scale per unit.
 *  lq_uniform_fake_quantize() : both (out may equal x).
 *  Thread-safe; no allocation; no aliasing except as stated. */
LQ_API lq_status lq_uniform_quantize(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                     const float* scales, const int32_t* zero_points, void* codes_out);
LQ_API lq_status lq_uniform_dequantize(const lq_uniform_config* cfg, const void* codes, const lq_shape* shape,
                                       const float* scales, const int32_t* zero_points, float* out);
LQ_API lq_status lq_uniform_fake_quantize(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                          const float* scales, const int32_t* zero_points, float* out);

/*! Packed variants for bits 1, 2, 4: codes go straight to / come straight
 *  from the packed LSB-first layout of lq_uniform_code_dtype(cfg, 1), in C
 *  order over the whole tensor (packed_out holds lq_pack_size(dtype, numel)
 *  bytes). No allocation (a fixed stack tile is used). */
LQ_API lq_status lq_uniform_quantize_packed(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                            const float* scales, const int32_t* zero_points, uint8_t* packed_out);
LQ_API lq_status lq_uniform_dequantize_packed(const lq_uniform_config* cfg, const uint8_t* packed,
                                              const lq_shape* shape, const float* scales,
                                              const int32_t* zero_points, float* out);

/* ------------------------- signal-processing quantizers (classic A.7/A.8) */
/*! lq_sp_kind : step-size (Δ) quantizers with no zero point.
 *  LQ_SP_MIDTREAD : q = clamp(R(x / Δ), -L, L), L = 2^(bits-1) - 1 (odd
 *                   number of levels, 0 is a level); x^ = q Δ. R = rounding
 *                   (classic definition Δ floor(x/Δ + 1/2) = LQ_ROUND_HALF_UP).
 *  LQ_SP_MIDRISE  : levels (k + 1/2) Δ, k in [-2^(bits-1), 2^(bits-1) - 1];
 *                   k = the level index R picks among the two levels around
 *                   x/Δ (nearest modes: nearest level; ties at multiples of Δ
 *                   go up under half_up/half_away(x >= 0), to even k under
 *                   half_even; floor/ceil/trunc/away pick the level below/
 *                   above/toward 0/away from 0; stochastic is unbiased).
 *                   Code = k + 2^(bits-1) (unsigned, so 1 bit is {0, 1}:
 *                   x >= 0 -> 1, the BinaryConnect sign convention);
 *                   x^ = (code - 2^(bits-1) + 1/2) Δ.
 *  LQ_SP_DEADZONE : q = sign(x) min(floor(|x| / Δ + f), L), f = rounding
 *                   offset in [0, 1) (f = 1/2: round half away; JPEG 2000:
 *                   f = 0; H.264: 1/3 intra, 1/6 inter); the zero bin is
 *                   |x| < (1 - f) Δ. x^ = sign(q) (|q| + r) Δ for q != 0, 0
 *                   for q = 0, r = reconstruction offset in [0, 1) (JPEG 2000
 *                   customary 1/2). The rounding field is not used: f is the
 *                   rounding rule.
 *  x / Δ is a true float division here (no reciprocal); floor(|x|/Δ + f) is
 *  evaluated exactly. NaN -> code of 0 (midrise: code 2^(bits-1)), ±Inf saturate. */
typedef enum lq_sp_kind { LQ_SP_MIDTREAD = 0, LQ_SP_MIDRISE = 1, LQ_SP_DEADZONE = 2 } lq_sp_kind;

typedef struct lq_sp_config {
  lq_sp_kind kind;
  int32_t bits;         /* 0 means 8; midtread/deadzone 2..16, midrise 1..16 */
  float step;           /* Δ: finite, > 0 */
  float deadzone_offset; /* f, DEADZONE only */
  float recon_offset;    /* r, DEADZONE only */
  lq_rounding rounding;  /* MIDTREAD/MIDRISE; NULL-like zero = half_even */
} lq_sp_config;

/*! lq_sp_code_range() : [qmin, qmax] of the codes and their storage dtype
 *  (S8/S16 for midtread/deadzone, U8/U16 for midrise). */
LQ_API lq_status lq_sp_code_range(const lq_sp_config* cfg, int32_t* qmin_out, int32_t* qmax_out, lq_dtype* dtype_out);

/*! lq_sp_quantize() / lq_sp_dequantize() : n elements; codes in the dtype of
 *  lq_sp_code_range(). Thread-safe, no allocation, no aliasing. */
LQ_API lq_status lq_sp_quantize(const lq_sp_config* cfg, const float* x, size_t n, void* codes);
LQ_API lq_status lq_sp_dequantize(const lq_sp_config* cfg, const void* codes, size_t n, float* out);

/* ------------------------------------------------- mixed precision ----- */
/*! lq_mixed_config : bit-width per unit (the units of base.granularity:
 *  tensor, channel, group, row, column) under an average-bits budget.
 *  base.range gives signedness/mapping/narrow etc.; its bits is ignored and
 *  a custom qmin/qmax is refused.
 *  Allocation (greedy): every unit starts at min_bits; while some unit can
 *  take one more bit within the budget (sum over units of bits * unit
 *  elements <= avg_bits * numel), the unit with the largest
 *  weight * (E(b) - E(b+1)) / unit_elements gains a bit, E(b) being the sum
 *  of squared errors of a min/max-calibrated b-bit quantization of the unit
 *  and weight = sensitivity[unit] (1 when sensitivity is NULL). Ties go to
 *  the lowest unit index. Parameter overhead is not charged to the budget. */
typedef struct lq_mixed_config {
  lq_uniform_config base;
  int32_t min_bits;          /* 0 means 2 */
  int32_t max_bits;          /* 0 means 8; <= 16 */
  double avg_bits;           /* budget, >= min_bits */
  const float* sensitivity;  /* NULL or one finite weight >= 0 per unit */
} lq_mixed_config;

/*! lq_mixed_allocate() : bits_out[unit] (lq_uniform_param_count entries).
 *  Allocates O(units * (max_bits - min_bits + 1)) scratch. x must be finite. */
LQ_API lq_status lq_mixed_allocate(const lq_mixed_config* cfg, const float* x, const lq_shape* shape,
                                   int32_t* bits_out);

/*! lq_mixed_packed_size() : bytes of the mixed-width bit stream: every
 *  element in C order stores (code - qmin) in its unit's bit count,
 *  LSB-first, concatenated without padding. */
LQ_API lq_status lq_mixed_packed_size(const lq_mixed_config* cfg, const lq_shape* shape, const int32_t* bits,
                                      size_t* bytes_out);

/*! lq_mixed_quantize() : calibrates every unit with min/max at its width
 *  (scales_out, zero_points_out per unit, as lq_uniform_calibrate_minmax
 *  with range.bits = bits[unit]) and writes the bit stream.
 *  lq_mixed_dequantize() : reads it back. */
LQ_API lq_status lq_mixed_quantize(const lq_mixed_config* cfg, const float* x, const lq_shape* shape,
                                   const int32_t* bits, float* scales_out, int32_t* zero_points_out,
                                   uint8_t* stream_out);
LQ_API lq_status lq_mixed_dequantize(const lq_mixed_config* cfg, const uint8_t* stream, const lq_shape* shape,
                                     const int32_t* bits, const float* scales, const int32_t* zero_points,
                                     float* out);

#endif /* LIBQUANT_UNIFORM_H_7F3A91C2 */
