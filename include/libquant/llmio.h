/* libquant llmio: model file formats from the LLM world.
 *  - GGUF v3 (ggml/llama.cpp): reader (memory-mapped) and writer;
 *  - safetensors (Hugging Face): reader (memory-mapped) and writer;
 *  - the size table of every ggml tensor type.
 * Included by <libquant.h>; do not include directly. docs/llmio.md.
 *
 * Model files come from strangers: the readers validate every count, length,
 * offset and size against the file (overflow-checked) before using it, reject
 * duplicate names and unknown types with LQ_ERR_FORMAT and a sentence naming
 * the problem, and never crash on any input. An open file object is
 * read-only and may be shared by threads; writers must not be shared. */
#ifndef LIBQUANT_LLMIO_H_7F3A91C2
#define LIBQUANT_LLMIO_H_7F3A91C2

/* ========================================================= ggml types === */

/*! lq_ggml_type_size() : block size (elements) and bytes per block of the
 *  ggml type id `type` (F32 0, F16 1, Q4_0 2, ... BF16 30, MXFP4 39: every
 *  id of include/ggml.h libquant knows the layout of, whether or not it can
 *  quantize it), and its ggml name ("f32", "q4_0", "iq2_xxs", ...). Any
 *  output may be NULL. Unknown or removed ids: LQ_ERR_INVALID_ARG. */
LQ_API lq_status lq_ggml_type_size(uint32_t type, size_t* block_out, size_t* bytes_out, const char** name_out);

/* ================================================================ GGUF === */

/*! lq_gguf_type : GGUF metadata value types (the values are the file's). */
typedef enum lq_gguf_type {
  LQ_GGUF_UINT8 = 0,
  LQ_GGUF_INT8 = 1,
  LQ_GGUF_UINT16 = 2,
  LQ_GGUF_INT16 = 3,
  LQ_GGUF_UINT32 = 4,
  LQ_GGUF_INT32 = 5,
  LQ_GGUF_FLOAT32 = 6,
  LQ_GGUF_BOOL = 7,
  LQ_GGUF_STRING = 8,
  LQ_GGUF_ARRAY = 9,
  LQ_GGUF_UINT64 = 10,
  LQ_GGUF_INT64 = 11,
  LQ_GGUF_FLOAT64 = 12,
  LQ_GGUF_TYPE_COUNT_ = 13
} lq_gguf_type;

#define LQ_GGUF_DEFAULT_ALIGNMENT 32
#define LQ_GGUF_MAX_DIMS 4
#define LQ_GGUF_MAX_NAME 63          /* tensor name bytes (ggml's GGML_MAX_NAME 64 with the NUL) */
#define LQ_GGUF_MAX_KEY 65535        /* metadata key bytes */
#define LQ_GGUF_MAX_ARRAY_DEPTH 8    /* arrays of arrays nest at most this deep */

/*! lq_gguf_value : a view of one metadata value inside the file (or inside
 *  a writer). Scalars: `data` points at the little-endian bytes (any
 *  alignment; read them with lq_gguf_value_int/_uint/_float). Strings:
 *  `data` points at `len` bytes of UTF-8, not NUL-terminated. Arrays:
 *  `elem_type`, `count` elements, `data`/`len` the encoded elements (walk
 *  them with lq_gguf_array_next). Valid while the file object lives. */
typedef struct lq_gguf_value {
  lq_gguf_type type;
  lq_gguf_type elem_type; /* arrays only */
  uint64_t count;         /* arrays: number of elements; others 1 */
  const void* data;
  uint64_t len;           /* bytes at data */
} lq_gguf_value;

/*! lq_gguf_value_int() / _uint() / _float() : a scalar as int64 / uint64 /
 *  double. Integer types and BOOL convert exactly (LQ_ERR_OVERFLOW when the
 *  value does not fit: a negative into _uint, a UINT64 above INT64_MAX into
 *  _int); _float also takes FLOAT32/FLOAT64 (integers convert to the
 *  nearest double). Strings and arrays: LQ_ERR_INVALID_ARG. */
LQ_API lq_status lq_gguf_value_int(const lq_gguf_value* v, int64_t* out);
LQ_API lq_status lq_gguf_value_uint(const lq_gguf_value* v, uint64_t* out);
LQ_API lq_status lq_gguf_value_float(const lq_gguf_value* v, double* out);

/*! lq_gguf_iter : position inside an array value; zero-initialise it. */
typedef struct lq_gguf_iter {
  uint64_t index;  /* elements returned so far */
  uint64_t offset; /* bytes consumed */
} lq_gguf_iter;

/*! lq_gguf_array_next() : the next element of array `arr` into *elem.
 *  Returns LQ_OK, or LQ_ERR_INVALID_ARG past the end (or when arr is not an
 *  array). O(1) per element for every element type (strings, arrays). */
LQ_API lq_status lq_gguf_array_next(const lq_gguf_value* arr, lq_gguf_iter* it, lq_gguf_value* elem);

/*! lq_gguf_kv : one metadata pair. `key` is NUL-terminated and owned by the
 *  file object. */
typedef struct lq_gguf_kv {
  const char* key;
  lq_gguf_value value;
} lq_gguf_kv;

/*! lq_gguf_tensor : one tensor info. Dimensions are in ggml order: ne[0] is
 *  the innermost (contiguous) one, so a row-major [rows, cols] matrix has
 *  ne = {cols, rows}; unused entries are 1. data points at nbytes bytes in
 *  the mapping (aligned to the file's alignment relative to the mapping). */
typedef struct lq_gguf_tensor {
  const char* name; /* NUL-terminated, owned by the file object */
  uint32_t n_dims;
  uint64_t ne[LQ_GGUF_MAX_DIMS];
  uint32_t type;    /* ggml type id */
  uint64_t offset;  /* from the start of the data section */
  uint64_t nbytes;
  const void* data;
} lq_gguf_tensor;

typedef struct lq_gguf lq_gguf;

/*! lq_gguf_open() : maps path read-only and parses it. Validates: magic
 *  "GGUF", version 2 or 3, little-endian; counts against the file size;
 *  string lengths; value and array element types; array nesting (at most
 *  LQ_GGUF_MAX_ARRAY_DEPTH); BOOL values 0/1; keys non-empty without NUL,
 *  at most LQ_GGUF_MAX_KEY bytes, unique; general.alignment a UINT32 power of
 *  two; tensor names 1..LQ_GGUF_MAX_NAME bytes without NUL, unique; n_dims <=
 *  4; known ggml types; ne[0] a multiple of the block size; element and byte
 *  counts without int64 overflow; offsets aligned; every tensor inside the
 *  file; tensors not overlapping. Errors: LQ_ERR_IO (cannot open or map),
 *  LQ_ERR_FORMAT (anything malformed), LQ_ERR_OUT_OF_MEMORY. *out is NULL on
 *  failure. Close with lq_gguf_close(). */
LQ_API lq_status lq_gguf_open(const char* path, lq_gguf** out);
/*! lq_gguf_open_mem() : the same over a caller's buffer, which must stay
 *  valid and unchanged until lq_gguf_close() (nothing is copied). */
LQ_API lq_status lq_gguf_open_mem(const void* buf, size_t len, lq_gguf** out);
/*! lq_gguf_close() : unmaps and frees; NULL is a no-op. */
LQ_API void lq_gguf_close(lq_gguf* g);

LQ_API uint32_t lq_gguf_version(const lq_gguf* g);
LQ_API uint32_t lq_gguf_alignment(const lq_gguf* g);
/*! lq_gguf_data_offset() : file offset of the data section. */
LQ_API uint64_t lq_gguf_data_offset(const lq_gguf* g);
LQ_API size_t lq_gguf_kv_count(const lq_gguf* g);
/*! lq_gguf_kv_at() : pair i in file order; NULL past the end. */
LQ_API const lq_gguf_kv* lq_gguf_kv_at(const lq_gguf* g, size_t i);
/*! lq_gguf_find_kv() : the pair with this key, or NULL. */
LQ_API const lq_gguf_kv* lq_gguf_find_kv(const lq_gguf* g, const char* key);
LQ_API size_t lq_gguf_tensor_count(const lq_gguf* g);
LQ_API const lq_gguf_tensor* lq_gguf_tensor_at(const lq_gguf* g, size_t i);
LQ_API const lq_gguf_tensor* lq_gguf_find_tensor(const lq_gguf* g, const char* name);

/* -------------------------------------------------------------- writer -- */

typedef struct lq_gguf_writer lq_gguf_writer;

/*! lq_gguf_writer_create() : an empty GGUF v3 file (alignment 32). */
LQ_API lq_status lq_gguf_writer_create(lq_gguf_writer** out);
LQ_API void lq_gguf_writer_destroy(lq_gguf_writer* w);

/*! lq_gguf_writer_set_kv() : appends key = *v (copied; v may come from a
 *  reader or be built by hand: scalars `data` -> little-endian bytes of the
 *  type, strings -> len bytes, arrays -> elem_type, count and the encoded
 *  elements, which are validated as the reader does). Keys are kept in call
 *  order. Errors: LQ_ERR_INVALID_ARG for a duplicate or invalid key, a bad
 *  type or a malformed value; "general.alignment" must be a UINT32 power of
 *  two and sets the alignment. */
LQ_API lq_status lq_gguf_writer_set_kv(lq_gguf_writer* w, const char* key, const lq_gguf_value* v);
/*! Shorthands for scalar and string values. */
LQ_API lq_status lq_gguf_writer_set_uint(lq_gguf_writer* w, const char* key, lq_gguf_type type, uint64_t v);
LQ_API lq_status lq_gguf_writer_set_int(lq_gguf_writer* w, const char* key, lq_gguf_type type, int64_t v);
LQ_API lq_status lq_gguf_writer_set_float(lq_gguf_writer* w, const char* key, lq_gguf_type type, double v);
LQ_API lq_status lq_gguf_writer_set_string(lq_gguf_writer* w, const char* key, const char* s);

/*! lq_gguf_writer_add_tensor() : appends a tensor info; `data` (nbytes
 *  bytes) is borrowed and must stay valid until the file is written. data
 *  may be NULL to declare the tensor only: its bytes are then given later
 *  with lq_gguf_writer_begin/_put/_finish (write_mem/write_file refuse such
 *  a writer with LQ_ERR_STATE).
 *  ne is in ggml order (ne[0] innermost), n_dims 1..4. nbytes must equal
 *  the type's size for ne (LQ_ERR_INVALID_ARG otherwise, or for a duplicate
 *  or too long name, an unknown type, ne[0] not a multiple of the block). */
LQ_API lq_status lq_gguf_writer_add_tensor(lq_gguf_writer* w, const char* name, uint32_t n_dims,
                                           const uint64_t* ne, uint32_t type, const void* data, uint64_t nbytes);

/*! lq_gguf_writer_write_mem() : the file bytes into buf (cap bytes); buf
 *  NULL: only *len_out. cap too small: LQ_ERR_BUFFER_TOO_SMALL, *len_out =
 *  the size. Tensor data is laid out in call order, each at the next
 *  multiple of the alignment, zero padding. */
LQ_API lq_status lq_gguf_writer_write_mem(const lq_gguf_writer* w, void* buf, size_t cap, size_t* len_out);
/*! lq_gguf_writer_write_file() : streams the file to path atomically (a
 *  temporary file beside it, flushed, renamed over path); on failure path
 *  is untouched. LQ_ERR_IO names the path. */
LQ_API lq_status lq_gguf_writer_write_file(const lq_gguf_writer* w, const char* path);

/*! Streaming output, so memory stays near one tensor: declare every
 *  tensor (data NULL, or not), then
 *  lq_gguf_writer_begin() : creates a temporary file beside path and writes
 *    the header, the KVs and the tensor infos (offsets follow from the
 *    declared sizes) and the padding;
 *  lq_gguf_writer_put() : appends n data bytes, filling the tensors in
 *    declaration order (any chunking; the zero padding between tensors is
 *    written automatically; declared data pointers are ignored);
 *  lq_gguf_writer_finish() : checks every declared byte was put
 *    (LQ_ERR_STATE names the first tensor short of bytes, and the
 *    temporary is removed), flushes, fsyncs and renames over path.
 *  Destroying the writer mid-stream removes the temporary; path is never
 *  touched unless finish succeeds. After begin, set_kv/add_tensor return
 *  LQ_ERR_STATE. put past the last tensor: LQ_ERR_INVALID_ARG. I/O errors:
 *  LQ_ERR_IO. The bytes equal write_file's for the same data. */
LQ_API lq_status lq_gguf_writer_begin(lq_gguf_writer* w, const char* path);
LQ_API lq_status lq_gguf_writer_put(lq_gguf_writer* w, const void* data, size_t n);
LQ_API lq_status lq_gguf_writer_finish(lq_gguf_writer* w);

/* ========================================================= safetensors === */

/*! lq_st_dtype : safetensors dtypes libquant reads and writes. */
typedef enum lq_st_dtype {
  LQ_ST_F64 = 0,
  LQ_ST_F32 = 1,
  LQ_ST_F16 = 2,
  LQ_ST_BF16 = 3,
  LQ_ST_I64 = 4,
  LQ_ST_I32 = 5,
  LQ_ST_I16 = 6,
  LQ_ST_I8 = 7,
  LQ_ST_U8 = 8,
  LQ_ST_BOOL = 9,
  LQ_ST_F8_E4M3 = 10, /* "F8_E4M3" (torch float8_e4m3fn) */
  LQ_ST_F8_E5M2 = 11,
  LQ_ST_DTYPE_COUNT_ = 12
} lq_st_dtype;

/*! lq_st_dtype_name() : "F32" etc.; NULL for an unknown value.
 *  lq_st_dtype_size() : bytes per element, 0 for an unknown value. */
LQ_API const char* lq_st_dtype_name(lq_st_dtype t);
LQ_API size_t lq_st_dtype_size(lq_st_dtype t);

#define LQ_ST_MAX_HEADER (100u * 1024u * 1024u) /* the header limit of the safetensors crate */
#define LQ_ST_MAX_DIMS 8
#define LQ_ST_MAX_JSON_DEPTH 16

/*! lq_st_tensor : one tensor. shape is row-major (C order); data points at
 *  nbytes bytes inside the mapping (no alignment guarantee: the format has
 *  none; use memcpy or lq_st_to_f32). */
typedef struct lq_st_tensor {
  const char* name; /* NUL-terminated UTF-8, owned by the file object */
  lq_st_dtype dtype;
  int32_t ndim;
  int64_t shape[LQ_ST_MAX_DIMS];
  uint64_t numel;
  uint64_t begin, end; /* data_offsets, relative to the data section */
  const void* data;
} lq_st_tensor;

/*! lq_st_meta : one "__metadata__" entry (string to string). */
typedef struct lq_st_meta {
  const char* key;
  const char* value;
} lq_st_meta;

typedef struct lq_st_file lq_st_file;

/*! lq_st_open() : maps path read-only and parses it. Validates: an 8-byte
 *  little-endian header length <= LQ_ST_MAX_HEADER and inside the file; the
 *  header is strict JSON (RFC 8259, UTF-8, nesting at most
 *  LQ_ST_MAX_JSON_DEPTH, no duplicate names in any object) holding one
 *  object; each tensor entry has exactly "dtype" (a known name), "shape"
 *  (at most LQ_ST_MAX_DIMS non-negative integers) and "data_offsets" [begin,
 *  end] with end - begin = numel * dtype size (overflow-checked);
 *  "__metadata__" maps strings to strings; the tensors' byte ranges, sorted,
 *  cover the data section exactly with no gap or overlap (as the
 *  safetensors crate requires). Tensors are listed in file (data) order.
 *  Errors: LQ_ERR_IO, LQ_ERR_FORMAT, LQ_ERR_OUT_OF_MEMORY. */
LQ_API lq_status lq_st_open(const char* path, lq_st_file** out);
/*! lq_st_open_mem() : the same over a caller's buffer (kept, not copied). */
LQ_API lq_status lq_st_open_mem(const void* buf, size_t len, lq_st_file** out);
LQ_API void lq_st_close(lq_st_file* f);
LQ_API size_t lq_st_tensor_count(const lq_st_file* f);
LQ_API const lq_st_tensor* lq_st_tensor_at(const lq_st_file* f, size_t i);
LQ_API const lq_st_tensor* lq_st_find_tensor(const lq_st_file* f, const char* name);
LQ_API size_t lq_st_meta_count(const lq_st_file* f);
LQ_API const lq_st_meta* lq_st_meta_at(const lq_st_file* f, size_t i);

/*! lq_st_to_f32() : converts t's elements to float (F64 rounds to nearest,
 *  F16/BF16/F8 exact, integers to the nearest float, BOOL 0/1). n must equal
 *  t->numel. */
LQ_API lq_status lq_st_to_f32(const lq_st_tensor* t, float* dst, size_t n);

/* -------------------------------------------------------------- writer -- */

typedef struct lq_st_writer lq_st_writer;

LQ_API lq_status lq_st_writer_create(lq_st_writer** out);
LQ_API void lq_st_writer_destroy(lq_st_writer* w);
/*! lq_st_writer_set_meta() : a "__metadata__" string pair (copied; keys
 *  unique, any UTF-8 without NUL). */
LQ_API lq_status lq_st_writer_set_meta(lq_st_writer* w, const char* key, const char* value);
/*! lq_st_writer_add_tensor() : appends a tensor; data (numel * dtype size
 *  bytes, little-endian) is borrowed until the file is written; NULL
 *  declares it for streaming (below). */
LQ_API lq_status lq_st_writer_add_tensor(lq_st_writer* w, const char* name, lq_st_dtype dtype, int32_t ndim,
                                         const int64_t* shape, const void* data);
/*! lq_st_writer_write_mem() / _write_file() : header JSON
 *  {"__metadata__":{...},"NAME":{"dtype":"F32","shape":[..],"data_offsets":[b,e]},...}
 *  with the tensors in call order, no spaces, padded with spaces to a
 *  multiple of 8 bytes (as the safetensors package pads); data contiguous in
 *  call order. buf NULL: only *len_out; cap too small:
 *  LQ_ERR_BUFFER_TOO_SMALL. write_file is atomic and streamed. */
LQ_API lq_status lq_st_writer_write_mem(const lq_st_writer* w, void* buf, size_t cap, size_t* len_out);
LQ_API lq_status lq_st_writer_write_file(const lq_st_writer* w, const char* path);
/*! Streaming output with the same contract as lq_gguf_writer_begin/_put/
 *  _finish: begin writes the header (data offsets from the declared sizes)
 *  to a temporary beside path, put appends data bytes in declaration order,
 *  finish checks the byte count and renames atomically. */
LQ_API lq_status lq_st_writer_begin(lq_st_writer* w, const char* path);
LQ_API lq_status lq_st_writer_put(lq_st_writer* w, const void* data, size_t n);
LQ_API lq_status lq_st_writer_finish(lq_st_writer* w);

#endif /* LIBQUANT_LLMIO_H_7F3A91C2 */
