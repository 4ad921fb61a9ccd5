/* libquant hw: hardware- and telephony-style integer quantizers.
 *  - ITU-T G.711 µ-law / A-law 8-bit codecs (bit-exact),
 *  - IMA/DVI ADPCM (bit-exact with CPython audioop) and its WAV block layout,
 *  - a minimal WAV reader/writer (PCM16, G.711, IMA-ADPCM),
 *  - integer-only requantization (TFLite / gemmlowp fixed point).
 * Included by <libquant.h>; do not include directly. All functions are pure or
 * act only on caller buffers: reentrant and thread-safe. */
#ifndef LIBQUANT_HW_H_7F3A91C2
#define LIBQUANT_HW_H_7F3A91C2

/* ------------------------------------------------------------- G.711 -- */

/*! lq_g711_variant : which µ-law encoder. A-law encoding and both decoders
 *  are identical in the two references.
 *  LQ_G711_G191 (0, default): ITU-T G.191 STL g711.c ulaw_compress — negative
 *    inputs use the one's complement (~x), so -1..-4 give 0x7F.
 *  LQ_G711_SUN: Sun g711.c as in CPython audioop.lin2ulaw / sox — negative
 *    inputs are negated, -1..-4 give 0x7E. The two differ on exactly 508 of
 *    the 65536 16-bit inputs, all negative. */
typedef enum lq_g711_variant { LQ_G711_G191 = 0, LQ_G711_SUN = 1, LQ_G711_VARIANT_COUNT_ = 2 } lq_g711_variant;

/*! Scalar single-sample codecs (the definitions the bulk functions follow). */
LQ_API uint8_t lq_g711_ulaw_encode1(int16_t x, lq_g711_variant variant);
LQ_API int16_t lq_g711_ulaw_decode1(uint8_t code);
LQ_API uint8_t lq_g711_alaw_encode1(int16_t x);
LQ_API int16_t lq_g711_alaw_decode1(uint8_t code);

/*! Bulk codecs (dispatched SIMD, bit-identical to the scalar ones). n == 0 is
 *  a no-op; NULL with n > 0 or a bad variant is LQ_ERR_INVALID_ARG. Input and
 *  output must not overlap. Any alignment. */
LQ_API lq_status lq_g711_ulaw_encode(const int16_t* x, size_t n, lq_g711_variant variant, uint8_t* codes);
LQ_API lq_status lq_g711_ulaw_decode(const uint8_t* codes, size_t n, int16_t* y);
LQ_API lq_status lq_g711_alaw_encode(const int16_t* x, size_t n, uint8_t* codes);
LQ_API lq_status lq_g711_alaw_decode(const uint8_t* codes, size_t n, int16_t* y);

/* ---------------------------------------------------------- IMA-ADPCM -- */

/*! lq_adpcm_state : the IMA-ADPCM coder state, the (valpred, index) tuple of
 *  audioop. Zero-initialised = audioop's `None` state. valpred must lie in
 *  [-32768, 32767] and index in [0, 88]. */
typedef struct lq_adpcm_state {
  int32_t valpred;
  int32_t index;
} lq_adpcm_state;

/*! lq_nibble_order : how two 4-bit codes share a byte.
 *  LQ_NIBBLE_HIGH_FIRST (0): the first sample in the high nibble (audioop).
 *  LQ_NIBBLE_LOW_FIRST: the first sample in the low nibble (Microsoft WAV). */
typedef enum lq_nibble_order { LQ_NIBBLE_HIGH_FIRST = 0, LQ_NIBBLE_LOW_FIRST = 1 } lq_nibble_order;

/*! lq_ima_adpcm_encode_codes() : encodes n samples into n codes (0..15, one
 *  per byte), updating *state (closed loop: state->valpred is always what the
 *  decoder reconstructs). A bad state is LQ_ERR_INVALID_ARG. */
LQ_API lq_status lq_ima_adpcm_encode_codes(const int16_t* x, size_t n, lq_adpcm_state* state, uint8_t* codes);

/*! lq_ima_adpcm_decode_codes() : decodes n codes (only the low 4 bits of
 *  each byte are read) into n samples, updating *state. */
LQ_API lq_status lq_ima_adpcm_decode_codes(const uint8_t* codes, size_t n, lq_adpcm_state* state, int16_t* y);

/*! lq_ima_adpcm_encode() : encodes n samples into (n+1)/2 packed bytes. With
 *  odd n the last byte holds the last code and a zero nibble. audioop's
 *  lin2adpcm drops that last code (it returns n/2 bytes) but still advances
 *  its state, as this function does. */
LQ_API lq_status lq_ima_adpcm_encode(const int16_t* x, size_t n, lq_nibble_order order, lq_adpcm_state* state,
                                     uint8_t* bytes);

/*! lq_ima_adpcm_decode() : decodes n samples from (n+1)/2 packed bytes
 *  (audioop.adpcm2lin decodes n = 2*len(bytes)). */
LQ_API lq_status lq_ima_adpcm_decode(const uint8_t* bytes, size_t n, lq_nibble_order order, lq_adpcm_state* state,
                                     int16_t* y);

/* ---------------------------------------------------------------- WAV -- */

/*! WAV format tags libquant reads and writes. */
typedef enum lq_wav_format {
  LQ_WAV_PCM16 = 1,
  LQ_WAV_ALAW = 6,
  LQ_WAV_ULAW = 7,
  LQ_WAV_IMA_ADPCM = 0x11
} lq_wav_format;

/*! lq_wav_info : what lq_wav_parse() found. frames = samples per channel
 *  (for IMA-ADPCM: the fact chunk's count when present, else every sample
 *  of every block). data_offset/data_bytes locate the data chunk payload. */
typedef struct lq_wav_info {
  lq_wav_format format;
  uint32_t channels;         /* 1..8 */
  uint32_t sample_rate;      /* > 0 */
  uint32_t block_align;      /* bytes per block (frame for PCM/G.711) */
  uint32_t samples_per_block; /* 1 for PCM/G.711 */
  uint64_t frames;
  size_t data_offset, data_bytes;
} lq_wav_info;

/*! lq_wav_parse() : validates a whole WAV file held in memory (RIFF/WAVE
 *  header, chunk sizes within the buffer, fmt before data, supported format:
 *  PCM 16-bit, A-law/µ-law 8-bit, IMA-ADPCM 4-bit with consistent block
 *  sizes; channels 1..8). Malformed data: LQ_ERR_FORMAT; well-formed but
 *  other formats: LQ_ERR_UNSUPPORTED; lq_last_error() says which field. */
LQ_API lq_status lq_wav_parse(const uint8_t* buf, size_t len, lq_wav_info* info);

/*! lq_wav_decode() : decodes the data of a parsed WAV into interleaved PCM16
 *  (info->frames * info->channels samples; cap is the capacity of pcm in
 *  samples, LQ_ERR_BUFFER_TOO_SMALL if short). µ-law decodes with the (shared)
 *  G.711 expander. */
LQ_API lq_status lq_wav_decode(const uint8_t* buf, size_t len, const lq_wav_info* info, int16_t* pcm, size_t cap);

/*! lq_wav_encoded_size() : bytes lq_wav_encode() writes for this layout.
 *  block_align is used by IMA-ADPCM only (0 = 256 bytes per channel); it must
 *  be a multiple of 4*channels and larger than 4*channels. */
LQ_API lq_status lq_wav_encoded_size(lq_wav_format format, uint32_t channels, uint64_t frames, uint32_t block_align,
                                     size_t* bytes_out);

/*! lq_wav_encode() : writes a complete WAV file (RIFF header, fmt, a fact
 *  chunk for non-PCM formats, data) from interleaved PCM16 into out (cap
 *  bytes). µ-law uses ulaw_variant. IMA-ADPCM: per channel a 4-byte block
 *  header (first sample as int16 LE, step index, 0), then codes low nibble
 *  first, channels interleaved every 8 samples; the last block is padded by
 *  repeating the last sample (the fact chunk holds the true frame count). */
LQ_API lq_status lq_wav_encode(const int16_t* pcm, uint64_t frames, uint32_t channels, uint32_t sample_rate,
                               lq_wav_format format, lq_g711_variant ulaw_variant, uint32_t block_align,
                               uint8_t* out, size_t cap, size_t* written_out);

/* ------------------------------------------- fixed-point requantization -- */

/*! lq_quantize_multiplier() : TFLite QuantizeMultiplier. Writes qm and shift
 *  with m ≈ qm·2^(shift-31), qm in [2^30, 2^31) for m > 0 (negative m gives
 *  the negated qm). q = frexp(m), qm = round-half-away(q·2^31); qm == 2^31 is
 *  halved with ++shift; shift < -31 flushes to (0, 0); m == 0 gives (0, 0).
 *  Non-finite m: LQ_ERR_NUMERIC. */
LQ_API lq_status lq_quantize_multiplier(double m, int32_t* qm_out, int* shift_out);

/*! gemmlowp SaturatingRoundingDoublingHighMul: round(a·b / 2^31), ties toward
 *  +inf; a == b == INT32_MIN saturates to INT32_MAX. */
LQ_API int32_t lq_srdhm(int32_t a, int32_t b);

/*! gemmlowp RoundingDivideByPOT: x / 2^e rounded to nearest, ties away from
 *  zero, for e in [0, 31] (e outside is clamped to that range). */
LQ_API int32_t lq_rdbpot(int32_t x, int e);

/*! TFLite MultiplyByQuantizedMultiplier (double rounding, the default build):
 *  RDBPOT(SRDHM(x·2^max(shift,0), qm), max(-shift,0)). shift is clamped to
 *  [-31, 30]. Deviation: x·2^left_shift is saturated to int32 where TFLite
 *  would overflow. */
LQ_API int32_t lq_mbqm(int32_t x, int32_t qm, int shift);

/*! Saturating helpers. */
LQ_API int8_t lq_sat_i8(int32_t x);
LQ_API int16_t lq_sat_i16(int32_t x);
LQ_API int32_t lq_sat_add_i32(int32_t a, int32_t b);

/*! lq_requantize_i32_i8() : y[i] = clamp(lq_mbqm(acc[i], qm, shift) + zp,
 *  act_min, act_max) for i < n. Requires -128 <= act_min <= act_max <= 127.
 *  acc and y must not overlap. */
LQ_API lq_status lq_requantize_i32_i8(const int32_t* acc, size_t n, int32_t qm, int shift, int32_t zp,
                                      int32_t act_min, int32_t act_max, int8_t* y);

/*! lq_requantize_per_channel_i32_i8() : acc is [rows][channels] row-major;
 *  channel c uses qm[c], shift[c]. Same clamping rules. */
LQ_API lq_status lq_requantize_per_channel_i32_i8(const int32_t* acc, size_t rows, size_t channels, const int32_t* qm,
                                                  const int* shift, int32_t zp, int32_t act_min, int32_t act_max,
                                                  int8_t* y);

/*! lq_requantize_shift_i32_i8() : shift-only (power-of-two scale) hardware:
 *  y = clamp(RDBPOT(acc, shift[c]) + zp, act_min, act_max), shift[c] in
 *  [0, 31], acc [rows][channels]. */
LQ_API lq_status lq_requantize_shift_i32_i8(const int32_t* acc, size_t rows, size_t channels, const int* shift,
                                            int32_t zp, int32_t act_min, int32_t act_max, int8_t* y);

/*! lq_pot_scale_exponent() : the power-of-two restriction of a positive finite
 *  scale s: returns e with 2^e the chosen scale: ceil (never clips more:
 *  e = ceil(log2 s), Brevitas CeilSte / TVM) when ceil_mode != 0, else the
 *  nearest power in the log domain (e = rne(log2 s)). Exact for powers of
 *  two. Bad s: LQ_ERR_NUMERIC / LQ_ERR_INVALID_ARG. */
LQ_API lq_status lq_pot_scale_exponent(double s, int ceil_mode, int* e_out);

/*! Saturating accumulations: *acc += sum x[i]·w[i] with every partial sum
 *  saturated to the accumulator width (as fixed-width MAC hardware does;
 *  order: i = 0..n-1). */
LQ_API lq_status lq_sat_dot_i8_i16(const int8_t* x, const int8_t* w, size_t n, int16_t* acc);
LQ_API lq_status lq_sat_dot_i8_i32(const int8_t* x, const int8_t* w, size_t n, int32_t* acc);
LQ_API lq_status lq_sat_accumulate_i8(const int8_t* x, size_t n, int8_t* acc);

#endif /* LIBQUANT_HW_H_7F3A91C2 */
