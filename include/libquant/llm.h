/* libquant llm: the weight formats of LLM tooling, byte-compatible with the
 * references they come from:
 *  - bitsandbytes 4-bit blockwise NF4 / FP4 with optional double
 *    quantization of the absmax (8-bit dynamic map, blocks of 256);
 *  - OCP FP8 (E4M3, E5M2), OCP E2M1 / E2M3 / E3M2 element codecs and the OCP
 *    MX v1.0 block formats (MXFP4, MXFP6, MXFP8, MXINT8);
 *  - ggml block formats (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K..Q6_K, IQ4_NL)
 *    equal to ggml's quantize_row_*_ref / dequantize_row_* byte for byte;
 *  - fast quantized dot products (Q4_0.Q8_0, Q8_0.Q8_0);
 *  - weight-only int2..8 with GPTQ's / AWQ's rules and AutoGPTQ packing.
 * Included by <libquant.h>; do not include directly. docs/llm.md describes
 * every layout. All functions are reentrant and thread-safe; none allocates
 * unless it says so; inputs and outputs must not overlap. */
#ifndef LIBQUANT_LLM_H_7F3A91C2
#define LIBQUANT_LLM_H_7F3A91C2

/* ================================================ bitsandbytes 4-bit === */

/*! lq_bnb4_type : bitsandbytes' two 4-bit data types. FP4 is bitsandbytes'
 *  own table, NOT OCP E2M1 (see lq_e2m1_*). */
typedef enum lq_bnb4_type { LQ_BNB4_NF4 = 0, LQ_BNB4_FP4 = 1 } lq_bnb4_type;

/*! lq_bnb4_code() : the 16-entry decode table (index = 4-bit code), NF4
 *  verbatim from bitsandbytes, FP4 = {0, .0625, 8, 12, 4, 6, 2, 3, -0, ...}/12.
 *  Writes 16 floats. LQ_ERR_INVALID_ARG for a bad type or NULL. */
LQ_API lq_status lq_bnb4_code(lq_bnb4_type type, float code_out[16]);

/*! lq_bnb4_num_blocks() : ceil(n / blocksize), the length of the absmax array. */
LQ_API lq_status lq_bnb4_num_blocks(size_t n, size_t blocksize, size_t* nblocks_out);

/*! lq_bnb4_quantize() : bitsandbytes quantize_4bit of the flat x[0..n):
 *  blocks of `blocksize` consecutive elements (the last may be short),
 *  absmax[b] = max |x| (float32), scaled = clamp(x * (1/max(absmax,1e-38)),
 *  -1, 1) (the short tail block divides: x / max(absmax,1e-38), and stores
 *  the clamped absmax, as bitsandbytes does), code = number of midpoints of
 *  adjacent sorted table entries strictly below `scaled` (ties go to the
 *  lower code). Two codes per byte: element 2k in the HIGH nibble, 2k+1 in
 *  the LOW nibble; an odd n pads one zero element. FP4 encodes the sign from
 *  x < 0 (bitsandbytes' CUDA dQuantizeFP4), so +0 and tiny positives are 0x0.
 *  blocksize: a power of two in [32, 4096] (bitsandbytes' valid sizes; 64 is
 *  its default). packed_out: (n+1)/2 bytes; absmax_out: num_blocks floats.
 *  Errors: NULL, bad type/blocksize (LQ_ERR_INVALID_ARG); NaN or Inf in x
 *  (LQ_ERR_NUMERIC; blocks before the offending one may
 *  have been written). n == 0 is a no-op. */
LQ_API lq_status lq_bnb4_quantize(lq_bnb4_type type, const float* x, size_t n, size_t blocksize,
                                  uint8_t* packed_out, float* absmax_out);

/*! lq_bnb4_dequantize() : y[i] = code[nibble(i)] * absmax[i / blocksize]
 *  (float32, as bitsandbytes' dequantize_4bit). Any absmax value is used as
 *  is. Same nibble order and sizes as lq_bnb4_quantize. */
LQ_API lq_status lq_bnb4_dequantize(lq_bnb4_type type, const uint8_t* packed, const float* absmax, size_t n,
                                    size_t blocksize, float* y_out);

/*! NF4 shorthands (bitsandbytes quant_type="nf4"). */
LQ_API lq_status lq_nf4_quantize(const float* x, size_t n, size_t blocksize, uint8_t* packed_out,
                                 float* absmax_out);
LQ_API lq_status lq_nf4_dequantize(const uint8_t* packed, const float* absmax, size_t n, size_t blocksize,
                                   float* y_out);

/*! lq_bnb4_gemv() : y[r] = sum_c deq(W)[r, c] * x[c] for W [rows, cols]
 *  stored as lq_bnb4_quantize wrote the flat row-major W (bitsandbytes'
 *  layout: blocks of `blocksize` along the flattened index, element 2k in
 *  the high nibble), without materialising W: per block absmax[b] *
 *  sum(code * x). cols must be a multiple of blocksize, so no block spans
 *  two rows. Not bitwise equal to dequantize + dot, and ISAs sum in
 *  different orders: each y[r] is within (cols + 2) * 2^-24 * sum_c
 *  |w[r,c] * x[c]| of the exact value, w = code * absmax taken exactly
 *  (tests/test_llm_gemv.c checks this against a double reference). NaN/Inf
 *  in x or absmax propagate. y_out must not overlap the inputs.
 *  Errors: NULL, bad type/blocksize, cols % blocksize != 0
 *  (LQ_ERR_INVALID_ARG), rows * cols overflow (LQ_ERR_OVERFLOW). rows or
 *  cols 0: y is zero-filled (rows entries). */
LQ_API lq_status lq_bnb4_gemv(lq_bnb4_type type, const uint8_t* packed, const float* absmax, size_t rows,
                              size_t cols, size_t blocksize, const float* x, float* y_out);
/*! lq_nf4_gemv() : lq_bnb4_gemv(LQ_BNB4_NF4, ...). */
LQ_API lq_status lq_nf4_gemv(const uint8_t* packed, const float* absmax, size_t rows, size_t cols, size_t blocksize,
                             const float* x, float* y_out);

/*! lq_bnb_dynamic_map() : bitsandbytes create_dynamic_map(signed=True,
 *  max_exponent_bits=7, total_bits=8), the 256 sorted float32 values (as
 *  torch computes them) used for the double-quantized absmax. */
LQ_API lq_status lq_bnb_dynamic_map(float code_out[256]);

/*! lq_bnb_quantize_blockwise8() : bitsandbytes quantize_blockwise (default
 *  backend): per block absmax, scaled as in lq_bnb4_quantize, code = number
 *  of midpoints (code[i]+code[i+1])/2 strictly below `scaled`. code: 256
 *  sorted floats (NULL = lq_bnb_dynamic_map). blocksize: any value >= 1.
 *  q_out: n bytes, absmax_out: ceil(n/blocksize) floats. NaN/Inf:
 *  LQ_ERR_NUMERIC. An unsorted code table: LQ_ERR_INVALID_ARG. */
LQ_API lq_status lq_bnb_quantize_blockwise8(const float* x, size_t n, size_t blocksize, const float* code,
                                            uint8_t* q_out, float* absmax_out);
/*! lq_bnb_dequantize_blockwise8() : y[i] = code[q[i]] * absmax[i/blocksize]. */
LQ_API lq_status lq_bnb_dequantize_blockwise8(const uint8_t* q, const float* absmax, size_t n, size_t blocksize,
                                              const float* code, float* y_out);

#define LQ_BNB_NESTED_BLOCKSIZE 256

/*! lq_bnb_double_quant() : bitsandbytes' compress_statistics: offset =
 *  mean(absmax), then lq_bnb_quantize_blockwise8(absmax - offset, 256,
 *  dynamic map). offset_in NULL: the mean is the float32 rounding of the
 *  exactly accumulated sum / nblocks (torch's float32 mean can differ from it
 *  by 1 ulp); non-NULL: that offset is used as is (pass bitsandbytes'
 *  nested_offset to reproduce its bytes exactly). qabsmax_out: nblocks
 *  bytes; nested_absmax_out: ceil(nblocks/256) floats; *offset_out gets the
 *  offset used. */
LQ_API lq_status lq_bnb_double_quant(const float* absmax, size_t nblocks, const float* offset_in,
                                     uint8_t* qabsmax_out, float* nested_absmax_out, float* offset_out);
/*! lq_bnb_double_dequant() : absmax[i] = code[q[i]] * nested[i/256] + offset
 *  (float32; code NULL = dynamic map, else the stored nested_quant_map). */
LQ_API lq_status lq_bnb_double_dequant(const uint8_t* qabsmax, const float* nested_absmax, size_t nblocks,
                                       float offset, const float* code, float* absmax_out);

/* ================================================== OCP small floats === */

/*! lq_minifloat : OCP element formats. E4M3 (bias 7, max 448, no Inf, NaN =
 *  S.1111.111), E5M2 (IEEE-like, bias 15, max 57344, Inf/NaN), E2M3 (MXFP6,
 *  max 7.5), E3M2 (MXFP6, max 28), E2M1 (MXFP4, max 6). The last three have
 *  no Inf/NaN encodings. */
typedef enum lq_minifloat {
  LQ_FP8_E4M3 = 0,
  LQ_FP8_E5M2 = 1,
  LQ_FP6_E2M3 = 2,
  LQ_FP6_E3M2 = 3,
  LQ_FP4_E2M1 = 4,
  LQ_MINIFLOAT_COUNT_ = 5
} lq_minifloat;

/*! lq_minifloat_encode() : f32 -> code, round to nearest even. saturate=1:
 *  finite overflow and +-Inf give +-max; NaN gives the NaN code (E4M3 0x7F,
 *  E5M2 0x7E; formats without NaN: LQ_ERR_NUMERIC). saturate=0 (OCP
 *  non-saturating): values that round past max become NaN (E4M3) or +-Inf
 *  (E5M2); formats without Inf/NaN always saturate. Codes occupy the low
 *  4/6/8 bits of each output byte (sign in the top bit of the field).
 *  -0 encodes with the sign bit set. */
LQ_API lq_status lq_minifloat_encode(lq_minifloat fmt, int saturate, const float* x, size_t n, uint8_t* out);
/*! lq_minifloat_decode() : code -> f32 (exact). Bits above the field are
 *  ignored. */
LQ_API lq_status lq_minifloat_decode(lq_minifloat fmt, const uint8_t* codes, size_t n, float* y_out);
/*! lq_minifloat_encode_scaled() : per-tensor scaled cast: out[i] = code of
 *  x[i] / scale (one IEEE float division, then as lq_minifloat_encode; the
 *  same codes as dividing into a buffer first). scale must be finite and
 *  nonzero (LQ_ERR_INVALID_ARG). On LQ_ERR_NUMERIC (NaN in a format without
 *  NaN) out's contents are unspecified (also for lq_minifloat_encode). */
LQ_API lq_status lq_minifloat_encode_scaled(lq_minifloat fmt, int saturate, const float* x, size_t n, float scale,
                                            uint8_t* out);
/*! lq_minifloat_decode_scaled() : y[i] = decode(codes[i]) * scale (one IEEE
 *  float multiply; any scale value is accepted). */
LQ_API lq_status lq_minifloat_decode_scaled(lq_minifloat fmt, const uint8_t* codes, size_t n, float scale,
                                            float* y_out);
/*! Scalar forms (no validation: a bad fmt gives 0 / NaN). */
LQ_API uint8_t lq_minifloat_from_f32(lq_minifloat fmt, int saturate, float x);
LQ_API float lq_minifloat_to_f32(lq_minifloat fmt, uint8_t code);

/* ====================================================== OCP MX blocks === */

/*! lq_mx_type : OCP Microscaling v1.0 formats, 32 elements + one E8M0 scale. */
typedef enum lq_mx_type {
  LQ_MXFP4 = 0,      /* E2M1 elements, 16 bytes: element 2k low nibble, 2k+1 high nibble */
  LQ_MXFP6_E2M3 = 1, /* 24 bytes: 4 elements per 3 bytes, little-endian bit stream, element 0 in the LSBs */
  LQ_MXFP6_E3M2 = 2,
  LQ_MXFP8_E4M3 = 3, /* 32 bytes */
  LQ_MXFP8_E5M2 = 4,
  LQ_MXINT8 = 5,     /* int8 two's complement, value = q * 2^-6, clamped to [-127, 127] */
  LQ_MX_TYPE_COUNT_ = 6
} lq_mx_type;
#define LQ_MX_BLOCK 32

/*! lq_mx_block_bytes() : bytes of one block: 1 (E8M0 scale first) + payload. */
LQ_API lq_status lq_mx_block_bytes(lq_mx_type type, size_t* bytes_out);

/*! lq_mx_quantize() : per 32-block: shared_exp = floor(log2(amax)) - emax_elem
 *  clamped to [-127, 127] (all-zero block: -127), scale byte = shared_exp+127;
 *  elements = round-to-nearest-even(x / 2^shared_exp), saturating at the
 *  element max (OCP MX v1.0 section 6.3). n must be a multiple of 32.
 *  NaN/Inf: LQ_ERR_NUMERIC. out: n/32 * block_bytes bytes. */
LQ_API lq_status lq_mx_quantize(lq_mx_type type, const float* x, size_t n, uint8_t* out);
/*! lq_mx_dequantize() : element * 2^(scale-127); scale byte 0xFF (NaN)
 *  gives NaN for the whole block. */
LQ_API lq_status lq_mx_dequantize(lq_mx_type type, const uint8_t* blocks, size_t n, float* y_out);

/* ======================================================= ggml blocks === */

/*! lq_ggml_type : ggml's type ids (include/ggml.h), for the block types
 *  libquant implements. */
typedef enum lq_ggml_type {
  LQ_GGML_Q4_0 = 2,
  LQ_GGML_Q4_1 = 3,
  LQ_GGML_Q5_0 = 6,
  LQ_GGML_Q5_1 = 7,
  LQ_GGML_Q8_0 = 8,
  LQ_GGML_Q2_K = 10,
  LQ_GGML_Q3_K = 11,
  LQ_GGML_Q4_K = 12,
  LQ_GGML_Q5_K = 13,
  LQ_GGML_Q6_K = 14,
  LQ_GGML_IQ4_NL = 20 /* quantize = ggml quantize_iq4_nl without imatrix (ntry 7), see lq_ggml_quantize */
} lq_ggml_type;

/*! lq_ggml_traits : one row of the traits table. */
typedef struct lq_ggml_traits {
  lq_ggml_type type;
  const char* name;       /* "q4_0", ... (ggml's type_name) */
  size_t block_size;      /* elements per block (32 or 256) */
  size_t block_bytes;     /* bytes per block */
} lq_ggml_traits;

/*! lq_ggml_type_traits() : the traits of `type`; LQ_ERR_INVALID_ARG for an
 *  id libquant does not implement. */
LQ_API lq_status lq_ggml_type_traits(lq_ggml_type type, lq_ggml_traits* traits_out);
/*! lq_ggml_type_from_name() : "q4_0" etc. (case-insensitive). */
LQ_API lq_status lq_ggml_type_from_name(const char* name, lq_ggml_type* type_out);
/*! lq_ggml_row_bytes() : n / block_size * block_bytes; n must be a multiple
 *  of the block size (LQ_ERR_INVALID_ARG), LQ_ERR_OVERFLOW past SIZE_MAX. */
LQ_API lq_status lq_ggml_row_bytes(lq_ggml_type type, size_t n, size_t* bytes_out);

/*! lq_ggml_quantize() : ggml's quantize_row_<type>_ref(x, out, n), byte for
 *  byte (compiled without FMA contraction: Q4_0/Q5_0's x*id + 8.5f rounds
 *  the product first; see docs/llm.md). IQ4_NL: ggml's quantize_iq4_nl
 *  with no importance matrix (the weighted scale search over 15 candidate
 *  scales, ntry = 7, that llama-quantize uses), not quantize_row_iq4_nl_ref
 *  (ntry = -1: no search). n a multiple of the block size.
 *  NaN/Inf in x: LQ_ERR_NUMERIC (ggml's result would be garbage; for Q4_0
 *  and Q8_0 out may have been written, its contents unspecified). */
LQ_API lq_status lq_ggml_quantize(lq_ggml_type type, const float* x, size_t n, void* out);
/*! lq_ggml_dequantize() : ggml's dequantize_row_<type>. */
LQ_API lq_status lq_ggml_dequantize(lq_ggml_type type, const void* blocks, size_t n, float* y_out);

/*! lq_ggml_vec_dot() : dot product of two quantized rows of n elements,
 *  supported pairs (x, y): (Q4_0, Q8_0) and (Q8_0, Q8_0), as ggml's
 *  ggml_vec_dot_q4_0_q8_0 / q8_0_q8_0: per block the exact integer sum
 *  sumi, then sum += (float)sumi * (fp16(dx) * fp16(dy)) in block order, in
 *  float. Every ISA gives the same bits. */
LQ_API lq_status lq_ggml_vec_dot(lq_ggml_type x_type, const void* x, lq_ggml_type y_type, const void* y,
                                 size_t n, float* result_out);

/* ============================================ weight-only int (GPTQ/AWQ) === */

/*! lq_wq_rule : how a group's (scale, zero) are chosen.
 *  LQ_WQ_GPTQ (gptq quant.py find_params, perchannel, mse off): xmin =
 *    min(min x, 0), xmax = max(max x, 0); symmetric: xmax = max(|xmin|, xmax)
 *    and xmin = -xmax if xmin < 0; both 0 -> [-1, 1]; scale = (xmax - xmin) /
 *    maxq; zero = symmetric ? (maxq + 1) / 2 : rne(-xmin / scale).
 *  LQ_WQ_AWQ (llm-awq pseudo_quantize_tensor, zero_point=True): scale =
 *    max(max - min, 1e-5) / maxq, zero = clamp(-rne(min / scale), 0, maxq).
 *  Both: q = clamp(rne(x / scale) + zero, 0, maxq), x^ = scale * (q - zero),
 *  maxq = 2^bits - 1, float32 arithmetic as torch does it. */
typedef enum lq_wq_rule { LQ_WQ_GPTQ = 0, LQ_WQ_AWQ = 1 } lq_wq_rule;

/*! lq_wq_config : zero-initialised = 4-bit GPTQ asymmetric, per row.
 *  group_size > 0: contiguous groups of that many input columns (must divide
 *  cols); 0: per row (the whole input dimension is one group, GPTQ's -1);
 *  -1: per column (one group per input column, across the output rows). */
typedef struct lq_wq_config {
  int32_t bits;       /* 2..8; 0 means 4 */
  int32_t group_size;
  int32_t symmetric;  /* GPTQ only; AWQ is always asymmetric */
  lq_wq_rule rule;
} lq_wq_config;

/*! lq_wq_num_groups() : groups per row (per-row/group layouts: scales and
 *  zeros are [rows, ngroups]); per column: cols (scales/zeros are [cols]). */
LQ_API lq_status lq_wq_num_groups(const lq_wq_config* cfg, size_t rows, size_t cols, size_t* ngroups_out);

/*! lq_wq_quantize() : w is [rows = out, cols = in] row-major. q_out: rows*cols
 *  codes in [0, 2^bits - 1]; scales_out / zeros_out as lq_wq_num_groups says.
 *  NaN/Inf: LQ_ERR_NUMERIC. cfg NULL means defaults. */
LQ_API lq_status lq_wq_quantize(const lq_wq_config* cfg, const float* w, size_t rows, size_t cols, uint8_t* q_out,
                                float* scales_out, int32_t* zeros_out);
/*! lq_wq_dequantize() : w^ = scale * (q - zero) (float32). */
LQ_API lq_status lq_wq_dequantize(const lq_wq_config* cfg, const uint8_t* q, const float* scales,
                                  const int32_t* zeros, size_t rows, size_t cols, float* w_out);

/*! lq_gptq_pack() : AutoGPTQ's qweight layout: int32 [cols * bits / 32, rows],
 *  input (column) index j of output row r goes to word (j / (32/bits), r) at
 *  bit bits * (j % (32/bits)) (LSB-first along the input dimension). bits in
 *  {2, 3, 4, 8}; cols a multiple of 32/bits. bits 3: every 32 inputs fill 3
 *  words as one LSB-first bit stream (input k of the 32 at stream bit 3k, so
 *  inputs 10 and 21 straddle words; AutoGPTQ's pack), cols a multiple of 32.
 *  Codes above 2^bits - 1: LQ_ERR_INVALID_ARG. */
LQ_API lq_status lq_gptq_pack(int32_t bits, const uint8_t* q, size_t rows, size_t cols, uint32_t* qweight_out);
/*! lq_gptq_unpack() : the inverse of lq_gptq_pack. */
LQ_API lq_status lq_gptq_unpack(int32_t bits, const uint32_t* qweight, size_t rows, size_t cols, uint8_t* q_out);
/*! lq_gptq_pack_zeros() : AutoGPTQ v1 qzeros: int32 [ngroups, rows * bits / 32]
 *  holding zero - 1 (the "gptq" format's off-by-one), LSB-first along the
 *  output dimension; zeros is [rows, ngroups] as lq_wq_quantize writes it.
 *  bits 3 packs the same 96-bit streams as lq_gptq_pack (rows a multiple of
 *  32). A zero of 0 is stored as 2^bits - 1 (masked; AutoGPTQ's unmasked -1
 *  would also set its neighbours' bits). */
LQ_API lq_status lq_gptq_pack_zeros(int32_t bits, const int32_t* zeros, size_t rows, size_t ngroups,
                                    uint32_t* qzeros_out);

/*! lq_awq_pack() : AutoAWQ's WQLinear_GEMM qweight (4-bit only): int32
 *  [cols (= in), rows (= out) / 8], packed along the OUTPUT dimension:
 *  bits 4s..4s+3 of word (i, w) hold q[8w + AWQ_ORDER[s]][i], AWQ_ORDER =
 *  {0, 2, 4, 6, 1, 3, 5, 7} (AutoAWQ gemm.py from_linear / packing_utils).
 *  q: [rows, cols] codes as lq_wq_quantize writes them. rows a multiple of
 *  8; codes above 15: LQ_ERR_INVALID_ARG. */
LQ_API lq_status lq_awq_pack(const uint8_t* q, size_t rows, size_t cols, uint32_t* qweight_out);
/*! lq_awq_unpack() : the inverse of lq_awq_pack (AWQ_REVERSE_ORDER). */
LQ_API lq_status lq_awq_unpack(const uint32_t* qweight, size_t rows, size_t cols, uint8_t* q_out);
/*! lq_awq_pack_zeros() : AutoAWQ qzeros int32 [ngroups, rows / 8] from
 *  zeros [rows, ngroups] (lq_wq_quantize's layout), same packing as
 *  lq_awq_pack, zeros stored as they are (no -1 as in GPTQ v1). Zeros
 *  outside 0..15: LQ_ERR_INVALID_ARG. */
LQ_API lq_status lq_awq_pack_zeros(const int32_t* zeros, size_t rows, size_t ngroups, uint32_t* qzeros_out);
/*! lq_awq_unpack_zeros() : the inverse of lq_awq_pack_zeros. */
LQ_API lq_status lq_awq_unpack_zeros(const uint32_t* qzeros, size_t rows, size_t ngroups, int32_t* zeros_out);
/*! lq_awq_pack_scales() : AutoAWQ scales: fp16 (IEEE bits, round to nearest
 *  even) [ngroups, rows] from float scales [rows, ngroups]. */
LQ_API lq_status lq_awq_pack_scales(const float* scales, size_t rows, size_t ngroups, uint16_t* scales_f16_out);

#endif /* LIBQUANT_LLM_H_7F3A91C2 */
