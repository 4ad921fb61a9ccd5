/* libquant scheme strings: one grammar, shared by C users and the `quant`
 * tool, that names a quantization method and its parameters (like FAISS's
 * index factory strings). Included by <libquant.h>; do not include directly.
 *
 *   SPEC  := NAME (':' KEY '=' VALUE)*
 *   NAME, KEY := [a-z0-9_]+        VALUE := one or more characters other than ':' and ','
 *
 * Examples: "int8", "int:bits=4:gran=group:group=128:axis=1",
 * "int:bits=8:sym=1:gran=channel:round=stochastic:seed=7", "deadzone:bits=4:f=0.25".
 * docs/scheme.md lists every family and key. Each key may appear once; keys
 * an alias fixes (bits for int8) cannot be given again. */
#ifndef LIBQUANT_SCHEME_H_7F3A91C2
#define LIBQUANT_SCHEME_H_7F3A91C2

/*! lq_scheme : an opaque parsed scheme. It also holds the parameters (scales,
 *  zero points) computed by the last lq_scheme_roundtrip()/lq_scheme_calibrate(),
 *  so one object must not be used by two threads at once; distinct objects
 *  are independent. */
typedef struct lq_scheme lq_scheme;

/*! lq_scheme_parse() : parses spec and creates *out (NULL on failure).
 *  Errors: LQ_ERR_INVALID_ARG for a syntax error, an unknown name or key, a
 *  duplicate key or a bad value; lq_last_error() names the problem (e.g.
 *  "int: bits=17 is not an integer in [1, 16]"). Thread-safe. */
LQ_API lq_status lq_scheme_parse(const char* spec, lq_scheme** out);

/*! lq_scheme_destroy() : frees s; NULL is a no-op. */
LQ_API void lq_scheme_destroy(lq_scheme* s);

/*! lq_scheme_spec() : the spec string s was parsed from (owned by s). */
LQ_API const char* lq_scheme_spec(const lq_scheme* s);

/*! lq_scheme_family() : the family name after alias expansion ("int" for "int8"). */
LQ_API const char* lq_scheme_family(const lq_scheme* s);

/*! lq_scheme_roundtrip() : computes the parameters from x (unless the spec
 *  fixes them), quantizes and dequantizes: y[i] is the reconstruction of
 *  x[i]. shape is C-order; numel(shape) elements are read and written. y may
 *  be x (in place); otherwise they must not overlap. codes, if not NULL,
 *  receives the integer code of every element (requires lq_scheme_code_range()
 *  to succeed; else LQ_ERR_UNSUPPORTED). Errors: LQ_ERR_INVALID_ARG (NULL,
 *  bad shape, axis out of range for this shape), LQ_ERR_NUMERIC (parameters
 *  cannot be computed, e.g. NaN or Inf in x with a data-driven range). */
LQ_API lq_status lq_scheme_roundtrip(lq_scheme* s, const lq_shape* shape, const float* x, float* y,
                                     int32_t* codes);

/*! lq_scheme_calibrate() : only computes the parameters from x (what
 *  lq_scheme_roundtrip does first); lq_scheme_encode() then uses them. */
LQ_API lq_status lq_scheme_calibrate(lq_scheme* s, const lq_shape* shape, const float* x);

/*! lq_scheme_encoded_size() : bytes lq_scheme_encode() writes for shape (the
 *  storage format: e.g. one int8 per element for 8-bit signed, LSB-first
 *  packed nibbles for 4-bit when the family packs). LQ_ERR_UNSUPPORTED when
 *  the family has no separate encode/decode. */
LQ_API lq_status lq_scheme_encoded_size(const lq_scheme* s, const lq_shape* shape, size_t* bytes_out);

/*! lq_scheme_encode() / lq_scheme_decode() : quantize x to the storage format
 *  and back, with the parameters of the last calibrate/roundtrip for the same
 *  shape (LQ_ERR_STATE otherwise). cap / len must be at least
 *  lq_scheme_encoded_size(). These are the fast paths `quant bench` times. */
LQ_API lq_status lq_scheme_encode(lq_scheme* s, const lq_shape* shape, const float* x, void* codes, size_t cap);
LQ_API lq_status lq_scheme_decode(lq_scheme* s, const lq_shape* shape, const void* codes, size_t len, float* y);

/*! lq_scheme_bits_per_element() : storage cost for a tensor of this shape,
 *  including parameter overhead (docs/scheme.md gives each family's rule;
 *  e.g. int 4-bit per group of 128 affine: 4 + (32 + 4) / 128). */
LQ_API lq_status lq_scheme_bits_per_element(const lq_scheme* s, const lq_shape* shape, double* bpe_out);

/*! lq_scheme_code_range() : the integer codes roundtrip() writes lie in
 *  [*qmin_out, *qmax_out]. LQ_ERR_UNSUPPORTED for families without codes. */
LQ_API lq_status lq_scheme_code_range(const lq_scheme* s, int32_t* qmin_out, int32_t* qmax_out);

/*! lq_scheme_params_json() : a JSON object describing the parameters of the
 *  last roundtrip/calibrate (for int: "scale" and "zero_point" arrays, "qmin",
 *  "qmax", "bits", ...), NUL-terminated in buf. *len_out gets the length
 *  without the NUL; buf == NULL or cap <= length: LQ_ERR_BUFFER_TOO_SMALL
 *  (except buf == NULL with cap == 0, a size query returning LQ_OK).
 *  LQ_ERR_STATE before any calibration. */
LQ_API lq_status lq_scheme_params_json(const lq_scheme* s, char* buf, size_t cap, size_t* len_out);

/*! lq_scheme_count() / lq_scheme_info() : the registered names (families and
 *  aliases) for listing. *name_out, *module_out ("uniform", ...), and
 *  *summary_out are static strings; any may be NULL. i past the end:
 *  LQ_ERR_INVALID_ARG. */
LQ_API size_t lq_scheme_count(void);
LQ_API lq_status lq_scheme_info(size_t i, const char** name_out, const char** module_out, const char** summary_out);

#endif /* LIBQUANT_SCHEME_H_7F3A91C2 */
