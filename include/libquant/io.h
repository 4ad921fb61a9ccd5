/* libquant io: NumPy .npy files (format versions 1.0, 2.0 and 3.0).
 * Included by <libquant.h>; do not include directly.
 *
 * Files come from strangers: the reader validates the magic, the version, the
 * header length (at most LQ_NPY_MAX_HEADER bytes), the header dictionary
 * (exactly the keys 'descr', 'fortran_order', 'shape'), the dtype, every
 * dimension and the byte count (overflow-checked) against the file size before
 * it allocates anything, and fails with LQ_ERR_FORMAT and a sentence naming
 * the problem. It never crashes on any input. */
#ifndef LIBQUANT_IO_H_7F3A91C2
#define LIBQUANT_IO_H_7F3A91C2

/*! Largest header the reader accepts (numpy's own default limit is 10000). */
#define LQ_NPY_MAX_HEADER 65536
/*! Largest rank the reader accepts (numpy 2 allows 64). */
#define LQ_NPY_MAX_DIMS 64

/*! lq_npy_dtype : element types the reader and writer support. Values are
 *  pinned. Data in an lq_npy_array is always in native byte order. */
typedef enum lq_npy_dtype {
  LQ_NPY_F32 = 0, /* '<f4' */
  LQ_NPY_F64 = 1, /* '<f8' */
  LQ_NPY_F16 = 2, /* '<f2', carried as uint16_t IEEE binary16 bit patterns */
  LQ_NPY_S8 = 3,  /* '|i1' */
  LQ_NPY_U8 = 4,  /* '|u1' */
  LQ_NPY_S16 = 5, /* '<i2' */
  LQ_NPY_U16 = 6, /* '<u2' */
  LQ_NPY_S32 = 7, /* '<i4' */
  LQ_NPY_U32 = 8, /* '<u4' */
  LQ_NPY_S64 = 9, /* '<i8' */
  LQ_NPY_U64 = 10, /* '<u8' */
  LQ_NPY_BOOL = 11, /* '|b1', one byte 0 or 1 */
  LQ_NPY_DTYPE_COUNT_ = 12
} lq_npy_dtype;

/*! lq_npy_dtype_size() : bytes per element, 0 for an unknown value. */
LQ_API size_t lq_npy_dtype_size(lq_npy_dtype t);

/*! lq_npy_dtype_name() : numpy's name ("float32", "int8", ...), "unknown"
 *  for an unknown value. Static string. */
LQ_API const char* lq_npy_dtype_name(lq_npy_dtype t);

/*! lq_npy_array : a dense array in C (row-major) order and native byte order.
 *  ndim 0 is a scalar (numel 1). `data` is owned by the array when it came
 *  from lq_npy_read_*: release it with lq_npy_free(). */
typedef struct lq_npy_array {
  lq_npy_dtype dtype;
  int32_t ndim;
  int64_t dims[LQ_NPY_MAX_DIMS];
  size_t numel;
  void* data;
  int32_t was_fortran_order; /* 1: the file was Fortran-ordered and was transposed to C order on read */
} lq_npy_array;

/*! lq_npy_read_file() : reads a whole .npy file into *out (out is written
 *  only on success). Big-endian data is byte-swapped; fortran_order True is
 *  converted to C order (was_fortran_order = 1). Errors: LQ_ERR_IO (cannot
 *  open/read; the text names the path and errno), LQ_ERR_FORMAT (anything
 *  malformed: bad magic or version, header too long or not a valid dict,
 *  unsupported dtype such as complex, object or structured, negative or
 *  non-integer dimension, truncated data, trailing bytes), LQ_ERR_OVERFLOW
 *  (the byte count does not fit in size_t), LQ_ERR_OUT_OF_MEMORY.
 *  Thread-safe. */
LQ_API lq_status lq_npy_read_file(const char* path, lq_npy_array* out);

/*! lq_npy_read_mem() : the same from a memory buffer holding a whole file.
 *  The array owns a copy of the data. */
LQ_API lq_status lq_npy_read_mem(const void* buf, size_t len, lq_npy_array* out);

/*! lq_npy_free() : releases arr->data and sets it to NULL; NULL arr is a no-op. */
LQ_API void lq_npy_free(lq_npy_array* arr);

/*! lq_npy_to_f32() : converts arr's numel elements to float in dst (n must
 *  equal arr->numel). f64 rounds to nearest even (overflow to +-Inf), f16 is
 *  exact, integers convert to the nearest float. dst must not overlap data. */
LQ_API lq_status lq_npy_to_f32(const lq_npy_array* arr, float* dst, size_t n);

/*! lq_npy_encode() : serialises an array as a version 1.0 .npy file (version
 *  2.0 when the header would exceed 65535 bytes) with a little-endian descr,
 *  fortran_order False and the header padded to a multiple of 64 bytes, as
 *  numpy 1.24 writes it. `data` holds numel(dims) elements of dtype in native
 *  order (bytes are swapped on big-endian hosts). With buf == NULL only
 *  *len_out is set (the exact file size). cap < needed: LQ_ERR_BUFFER_TOO_SMALL
 *  with *len_out = needed. Negative dims, ndim outside [0, LQ_NPY_MAX_DIMS]:
 *  LQ_ERR_INVALID_ARG; sizes past SIZE_MAX: LQ_ERR_OVERFLOW. */
LQ_API lq_status lq_npy_encode(lq_npy_dtype dtype, int32_t ndim, const int64_t* dims, const void* data, void* buf,
                               size_t cap, size_t* len_out);

/*! lq_npy_write_file() : writes the lq_npy_encode() bytes to path atomically:
 *  into a new temporary file in the same directory, flushed, then renamed over
 *  path (POSIX rename), so readers see the old file or the whole new one and a
 *  failure leaves path untouched and no temporary behind. The new file gets
 *  mode 0666 & ~umask. LQ_ERR_IO names the path and errno. */
LQ_API lq_status lq_npy_write_file(const char* path, lq_npy_dtype dtype, int32_t ndim, const int64_t* dims,
                                   const void* data);

/*! lq_file_write_atomic() : the atomic write used above, for any bytes
 *  (the CLI writes its JSON parameter files with it). */
LQ_API lq_status lq_file_write_atomic(const char* path, const void* bytes, size_t len);

#endif /* LIBQUANT_IO_H_7F3A91C2 */
