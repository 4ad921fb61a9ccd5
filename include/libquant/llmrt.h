/* libquant llmrt: run-time quantization for LLM inference and fine-tuning:
 *  - LLM.int8() (Dettmers et al. 2022, bitsandbytes' default backend):
 *    per-token int8 activations with outlier feature columns kept in
 *    f16/bf16, per-row int8 weights, and the mixed int8 x int8 -> int32 +
 *    16-bit outlier matmul;
 *  - KIVI (Liu et al. 2024) KV cache: keys per-channel, values per-token,
 *    asymmetric 2/4-bit in groups of 32 with a full-precision residual
 *    window, attention computed against the quantized cache;
 *  - QLoRA (Dettmers et al. 2023): a frozen NF4 (+ double quantization)
 *    base weight with LoRA adapters, forward and backward computed tile by
 *    tile without materialising the dequantized weight.
 * Included by <libquant.h>; do not include directly. docs/llmrt.md has the
 * formulas, defaults and deviations. Inputs and outputs must not overlap. */
#ifndef LIBQUANT_LLMRT_H_7F3A91C2
#define LIBQUANT_LLMRT_H_7F3A91C2

/* ========================================================= LLM.int8() === */

/*! lq_half_kind : the 16-bit float used for outlier columns. */
typedef enum lq_half_kind { LQ_HALF_F16 = 0, LQ_HALF_BF16 = 1 } lq_half_kind;

#define LQ_INT8_DEFAULT_THRESHOLD 6.0f
/*! Largest inner dimension k of lq_int8_matmul: every product is at most
 *  (-128)^2 = 2^14 in magnitude, so k * 2^14 <= 2^31 - 1 keeps the int32
 *  accumulators exact. */
#define LQ_INT8_MAX_K ((size_t)131071)

/*! lq_int8_config : zero-initialised = threshold 6.0, outliers in f16.
 *  threshold: |x| >= threshold marks an element an outlier (0 means 6.0;
 *  otherwise finite and > 0). no_outliers = 1: plain per-token int8, no
 *  decomposition (bitsandbytes' threshold = 0). */
typedef struct lq_int8_config {
  float threshold;
  int32_t no_outliers;
  lq_half_kind outlier_type;
} lq_int8_config;

/*! lq_int8_quantize_rows() : row-wise absmax int8 of x [rows, cols]
 *  (bitsandbytes int8_vectorwise_quant with threshold 0, used for weights):
 *  absmax[i] = max_j |x[i,j]| (float32), q[i,j] = rne(x[i,j] * (127 /
 *  absmax[i])) computed in float32, a row of zeros gives q = 0.
 *  q_out: rows*cols bytes, absmax_out: rows floats. NaN/Inf: LQ_ERR_NUMERIC.
 *  rows or cols 0 is a no-op. */
LQ_API lq_status lq_int8_quantize_rows(const float* x, size_t rows, size_t cols, int8_t* q_out, float* absmax_out);

/*! lq_int8_quantize_act() : LLM.int8() activation quantization of x [rows,
 *  cols] (rows = tokens), bitsandbytes int8_vectorwise_quant(threshold):
 *  a column is an outlier column if any of its elements has |x| >= threshold;
 *  absmax[i] is the row max of |x| over the elements that are NOT outliers
 *  themselves (other elements of outlier columns still count, as in
 *  bitsandbytes); q = rne(x * (127 / absmax)) with the whole outlier columns
 *  set to 0; outliers_out [rows, n_outliers] holds x of the outlier columns
 *  rounded to cfg->outlier_type (RNE), outlier_cols_out the ascending column
 *  indices. cfg NULL means defaults.
 *  Buffers: q_out rows*cols, absmax_out rows, outlier_cols_out cols entries
 *  (also used as scratch), outliers_out rows*max_outliers values (may be NULL
 *  when max_outliers is 0). More than max_outliers outlier columns:
 *  LQ_ERR_BUFFER_TOO_SMALL with *n_outliers_out = the number needed, q_out,
 *  absmax_out and outliers_out untouched. NaN/Inf: LQ_ERR_NUMERIC. */
LQ_API lq_status lq_int8_quantize_act(const lq_int8_config* cfg, const float* x, size_t rows, size_t cols,
                                      int8_t* q_out, float* absmax_out, size_t max_outliers,
                                      uint32_t* outlier_cols_out, uint16_t* outliers_out, size_t* n_outliers_out);

/*! lq_int8_act : views of a quantized activation matrix [rows, cols] as
 *  lq_int8_quantize_act wrote it (the caller owns every buffer). */
typedef struct lq_int8_act {
  const int8_t* q;             /* [rows, cols] */
  const float* absmax;         /* [rows] */
  size_t rows, cols;
  const uint32_t* outlier_cols; /* [n_outliers], ascending, < cols */
  size_t n_outliers;
  const uint16_t* outliers;    /* [rows, n_outliers] f16/bf16 bits */
  lq_half_kind outlier_type;
} lq_int8_act;

/*! lq_int8_weight : a weight [rows = out, cols = in] quantized by
 *  lq_int8_quantize_rows. half: optional 16-bit copy of the weight [rows,
 *  cols] for the outlier columns (LLM.int8() with fp16 weights); NULL: the
 *  outlier columns use the int8 weight dequantized as q * absmax / 127
 *  (bitsandbytes without fp16 weights). */
typedef struct lq_int8_weight {
  const int8_t* q;
  const float* absmax;
  size_t rows, cols;
  const uint16_t* half;
  lq_half_kind half_type;
} lq_int8_weight;

/*! lq_int8_matmul() : Y [x.rows, w.rows] = X Wᵀ by the LLM.int8()
 *  decomposition (float32 output):
 *    acc[i,j] = sum_c xq[i,c] * wq[j,c]                   (exact int32)
 *    y[i,j]   = (float)acc * (absmax_x[i] * absmax_w[j]) / 16129
 *             + sum_{o} f32(xh[i,o]) * w_o[j, outlier_cols[o]]  (float32, o ascending)
 *  with w_o = f32(w.half) or (float)wq * absmax_w / 127. The int8 product
 *  runs on the dispatched SIMD kernel; acc is identical on every ISA.
 *  acc_out: optional [x.rows, w.rows] int32 copy of acc. Errors: NULL,
 *  x.cols != w.cols, cols > LQ_INT8_MAX_K, an outlier column out of range
 *  or not ascending (LQ_ERR_INVALID_ARG). Zero rows is a no-op. */
LQ_API lq_status lq_int8_matmul(const lq_int8_act* x, const lq_int8_weight* w, float* y_out, int32_t* acc_out);

/*! lq_int8_gemm_s8() : c [m, n] = a [m, k] · b [n, k]ᵀ with exact int32
 *  accumulation (the kernel inside lq_int8_matmul). k <= LQ_INT8_MAX_K. */
LQ_API lq_status lq_int8_gemm_s8(const int8_t* a, const int8_t* b, size_t m, size_t n, size_t k, int32_t* c_out);

/* =================================================== KIVI KV cache === */

#define LQ_KIVI_DEFAULT_BITS 2
#define LQ_KIVI_DEFAULT_GROUP 32
#define LQ_KIVI_DEFAULT_RESIDUAL 128

/*! lq_kivi_config : head_dim and max_tokens are required; the rest
 *  zero-initialised means 2-bit, groups of 32, residual 128.
 *  residual: tokens always kept in float32 (0 means 128, -1 means none).
 *  head_dim must be a multiple of group. */
typedef struct lq_kivi_config {
  size_t head_dim;
  size_t max_tokens;  /* capacity; append past it is LQ_ERR_BUFFER_TOO_SMALL */
  int32_t bits;       /* 2 or 4 */
  int32_t group;      /* tokens per key group and channels per value group */
  int32_t residual;
} lq_kivi_config;

/*! lq_kivi_cache : one attention head's quantized K/V cache (opaque). Not
 *  safe for concurrent use of one cache; distinct caches are independent. */
typedef struct lq_kivi_cache lq_kivi_cache;

/*! lq_kivi_create() : allocates a cache for max_tokens tokens (all memory is
 *  allocated here; append and attention never allocate). *cache_out owned by
 *  the caller, release with lq_kivi_destroy. Bad config: LQ_ERR_INVALID_ARG;
 *  sizes past SIZE_MAX: LQ_ERR_OVERFLOW. */
LQ_API lq_status lq_kivi_create(const lq_kivi_config* cfg, lq_kivi_cache** cache_out);
LQ_API void lq_kivi_destroy(lq_kivi_cache* cache);

/*! lq_kivi_append() : appends one token's key and value (head_dim floats
 *  each) to the float32 residual. When the residual holds residual + group
 *  tokens, its oldest `group` tokens are quantized, asymmetric b-bit
 *  (maxq = 2^b - 1): for each group of values v,
 *    mn = min v, scale = (max v - mn) / maxq,
 *    code = rne(clamp((v - mn) / scale, 0, maxq))   (0 when scale == 0),
 *    v^ = code * scale + mn                           (float32)
 *  keys per channel (a group = one channel over those `group` tokens),
 *  values per token (a group = `group` consecutive channels of one token).
 *  NaN/Inf: LQ_ERR_NUMERIC; full: LQ_ERR_BUFFER_TOO_SMALL (cache unchanged). */
LQ_API lq_status lq_kivi_append(lq_kivi_cache* cache, const float* k, const float* v);

/*! lq_kivi_length() : tokens appended so far. */
LQ_API size_t lq_kivi_length(const lq_kivi_cache* cache);

/*! lq_kivi_scores() : scores[t] = q · k^_t for every token t in append
 *  order (quantized tokens use the dequantized values, computed from the
 *  codes without forming k^). q: head_dim floats, scores_out: length
 *  floats. Empty cache: no-op. */
LQ_API lq_status lq_kivi_scores(const lq_kivi_cache* cache, const float* q, float* scores_out);

/*! lq_kivi_weighted_values() : out[c] = sum_t p[t] * v^_t[c] (head_dim
 *  floats), from the codes without forming v^. */
LQ_API lq_status lq_kivi_weighted_values(const lq_kivi_cache* cache, const float* p, float* out);

/*! lq_kivi_attention() : single-query attention against the cache:
 *  p = softmax(scale * q·K^ᵀ) (max-subtracted, float32 expf), out = p·V^.
 *  scale 0 means 1/sqrt(head_dim). probs_out: length floats (receives p).
 *  Empty cache: LQ_ERR_STATE. Non-finite q or scale: LQ_ERR_NUMERIC. */
LQ_API lq_status lq_kivi_attention(const lq_kivi_cache* cache, const float* q, float scale, float* probs_out,
                                   float* out);

/*! lq_kivi_dequantize() : k_out and v_out [length, head_dim]: the keys and
 *  values the cache represents (quantized tokens dequantized, residual
 *  tokens as stored). For inspection and tests; either pointer may be NULL. */
LQ_API lq_status lq_kivi_dequantize(const lq_kivi_cache* cache, float* k_out, float* v_out);

/*! lq_kivi_stats : memory accounting (bytes). */
typedef struct lq_kivi_stats {
  size_t n_tokens, n_quantized, n_residual;
  size_t quantized_bytes; /* K and V codes + float32 scale/min of quantized tokens */
  size_t residual_bytes;  /* float32 K and V of residual tokens */
  size_t fp16_bytes;      /* K and V of n_tokens in fp16, for comparison */
  size_t allocated_bytes; /* everything the cache owns */
} lq_kivi_stats;
LQ_API lq_status lq_kivi_get_stats(const lq_kivi_cache* cache, lq_kivi_stats* stats_out);

/* ========================================================== QLoRA === */

#define LQ_QLORA_DEFAULT_RANK 64
#define LQ_QLORA_DEFAULT_ALPHA 16.0f

/*! lq_qlora_config : zero-initialised = qlora.py's defaults: NF4, blocksize
 *  64, double quantization on, rank 64, alpha 16, A seeded with 0. */
typedef struct lq_qlora_config {
  size_t blocksize;        /* 0 means 64; a power of two in [32, 4096] */
  int32_t no_double_quant; /* 1: keep the float32 absmax */
  int32_t rank;            /* 0 means 64 */
  float alpha;             /* 0 means 16; scaling = alpha / rank */
  uint64_t seed;           /* A = Kaiming-uniform(a = sqrt 5): U(-1/sqrt(in), 1/sqrt(in)) from lq_rng; B = 0 */
} lq_qlora_config;

/*! lq_qlora_nf4 : an existing NF4 weight [out, in] in bitsandbytes' layout
 *  (flat row-major blocks, element 2k in the high nibble). Either absmax
 *  (float32, no double quantization) or qabsmax + nested_absmax + offset
 *  (+ nested_code, NULL = lq_bnb_dynamic_map) is given. */
typedef struct lq_qlora_nf4 {
  size_t blocksize;
  const uint8_t* packed;       /* (out*in + 1) / 2 bytes */
  const float* absmax;         /* nblocks, or NULL with double quantization */
  const uint8_t* qabsmax;      /* nblocks */
  const float* nested_absmax;  /* ceil(nblocks / 256) */
  float offset;
  const float* nested_code;    /* 256 or NULL */
} lq_qlora_nf4;

/*! lq_qlora : a LoRA-adapted linear layer over a frozen NF4 weight
 *  (opaque). forward/backward use scratch inside it: not safe for
 *  concurrent calls on one layer. */
typedef struct lq_qlora lq_qlora;

/*! lq_qlora_create() : quantizes w [out, in] (float32, row-major) with
 *  lq_nf4_quantize (+ lq_bnb_double_quant with the exact mean offset) and
 *  initialises the adapters. cfg NULL means defaults. */
LQ_API lq_status lq_qlora_create(const lq_qlora_config* cfg, const float* w, size_t out, size_t in,
                                 lq_qlora** layer_out);
/*! lq_qlora_create_nf4() : the same over an existing NF4 weight (copied;
 *  cfg->blocksize and cfg->no_double_quant are ignored: base says). */
LQ_API lq_status lq_qlora_create_nf4(const lq_qlora_config* cfg, const lq_qlora_nf4* base, size_t out, size_t in,
                                     lq_qlora** layer_out);
LQ_API void lq_qlora_destroy(lq_qlora* layer);

/*! lq_qlora_adapters() : pointers to the layer's A [rank, in] and B [out,
 *  rank] (row-major float32, owned by the layer, valid until destroy; the
 *  caller may read and write them, e.g. for an optimizer step), the rank and
 *  the scaling alpha / rank. Any output pointer may be NULL. */
LQ_API lq_status lq_qlora_adapters(lq_qlora* layer, float** a_out, float** b_out, size_t* rank_out,
                                   float* scaling_out);

/*! lq_qlora_forward() : y [batch, out] = x deq(W)ᵀ + s (x Aᵀ) Bᵀ for x
 *  [batch, in], s = alpha / rank. deq(W) is formed a few rows at a time in
 *  scratch of about max(in, 16384) floats, reused across the batch. */
LQ_API lq_status lq_qlora_forward(lq_qlora* layer, const float* x, size_t batch, float* y_out);

/*! lq_qlora_backward() : given dy = dL/dy [batch, out]:
 *    dB = s dyᵀ (x Aᵀ)            [out, rank]
 *    dA = s (dy B)ᵀ x             [rank, in]
 *    dx = dy deq(W) + s (dy B) A  [batch, in]   (dx_out may be NULL)
 *  overwriting da_out / db_out (not accumulating); W is frozen and gets no
 *  gradient. deq(W) is formed tile by tile as in forward. */
LQ_API lq_status lq_qlora_backward(lq_qlora* layer, const float* x, const float* dy, size_t batch, float* da_out,
                                   float* db_out, float* dx_out);

/*! lq_qlora_dequantize_base() : writes deq(W) [out, in] (for inspection and
 *  tests; forward/backward never form it). */
LQ_API lq_status lq_qlora_dequantize_base(const lq_qlora* layer, float* w_out);

/*! lq_qlora_base_bytes() : bytes of the stored base weight (codes + absmax
 *  or its double-quantized form). */
LQ_API lq_status lq_qlora_base_bytes(const lq_qlora* layer, size_t* bytes_out);

#endif /* LIBQUANT_LLMRT_H_7F3A91C2 */
