/* libquant vq: k-means vector quantization and product quantization, with
 * FAISS 1.7.3's defaults and code layout, behind one opaque codec interface.
 * Included by <libquant.h>; do not include directly. docs/vq.md has the
 * algorithms, formulas and the FAISS correspondence. */
#ifndef LIBQUANT_VQ_H_7F3A91C2
#define LIBQUANT_VQ_H_7F3A91C2

/* ---------------------------------------------------------------- k-means -- */

/*! Centroid initialisation. RANDOM reproduces FAISS 1.7.3 exactly: centroid i
 *  of redo r is training row perm[i], perm = rand_perm(n', seed + 1 + r*15486557)
 *  with FAISS's MT19937 Fisher-Yates. KMEANSPP is k-means++ (Arthur &
 *  Vassilvitskii 2007: first centre uniform, next ones drawn with probability
 *  proportional to the squared distance to the nearest chosen centre), drawn
 *  from the same MT19937 stream. */
typedef enum lq_kmeans_init {
  LQ_KMEANS_INIT_RANDOM = 0,
  LQ_KMEANS_INIT_KMEANSPP = 1
} lq_kmeans_init;

/*! k-means parameters; a zero-initialised struct means FAISS 1.7.3's
 *  ClusteringParameters defaults. */
typedef struct lq_kmeans_config {
  int niter;                   /* Lloyd iterations; 0 → 25. Negative → 0 iterations (init only). */
  int nredo;                   /* restarts, the lowest final objective is kept; 0 → 1 */
  int max_points_per_centroid; /* train on a FAISS-identical random subsample of k*this rows
                                  when n is larger; 0 → 256; negative → never subsample */
  uint64_t seed;               /* 0 → 1234 (FAISS truncates seeds to 32 bits, so do we) */
  lq_kmeans_init init;         /* 0 → LQ_KMEANS_INIT_RANDOM */
  int spherical;               /* non-zero: L2-normalise centroids after every update */
  int nthreads;                /* worker threads; 0 → all online CPUs. Results do not depend on it. */
  lq_progress_fn progress;     /* optional: called after every iteration (see core.h); a non-zero
                                  return cancels with LQ_ERR_CANCELLED */
  void* progress_user;         /* passed to progress */
} lq_kmeans_config;

/*! Per-run statistics. obj[t] is FAISS's iteration_stats[t].obj: the sum of
 *  squared distances of the training rows to the centroids they were
 *  assigned to in iteration t (i.e. before that iteration's update). */
typedef struct lq_kmeans_stats {
  double objective;  /* obj of the last iteration of the kept restart (0 if niter == 0) */
  size_t n_train;    /* rows actually used (after subsampling) */
  int niter;         /* iterations run per restart */
  int best_redo;     /* index of the kept restart */
  long nsplit;       /* empty-cluster splits in the kept restart */
} lq_kmeans_stats;

/*! lq_kmeans_train() : clusters n rows of dimension d (row-major x, n*d
 *  floats) into k centroids written to centroids_out (k*d floats). If
 *  iter_obj is not NULL it receives niter objectives (see lq_kmeans_stats) of
 *  the kept restart; stats may be NULL. Follows FAISS 1.7.3 Clustering::train:
 *  subsampling, init, assignment via sgemm (|x|^2 - 2x.c + |c|^2, first
 *  minimum wins), mean update, empty-cluster splitting (FAISS's RNG and
 *  1/1024 perturbation). n == k copies x. Errors: LQ_ERR_INVALID_ARG
 *  (NULL, d == 0, k == 0, n == 0, k > n, k or n above INT32_MAX),
 *  LQ_ERR_NUMERIC (a NaN/Inf in x, zero-variance data with k > 1),
 *  LQ_ERR_OUT_OF_MEMORY, LQ_ERR_OVERFLOW. Thread-safe; x and the outputs must
 *  not overlap. */
LQ_API lq_status lq_kmeans_train(const lq_kmeans_config* cfg, size_t n, size_t d, const float* x, size_t k,
                                 float* centroids_out, double* iter_obj, lq_kmeans_stats* stats);

/*! lq_kmeans_assign() : nearest centroid (squared L2, FAISS's BLAS formula,
 *  clamped at 0, first minimum wins) of each of the n rows. assign_out (n
 *  int32) and dist_out (n floats) may each be NULL. nthreads as above. */
LQ_API lq_status lq_kmeans_assign(size_t n, size_t d, const float* x, size_t k, const float* centroids,
                                  int nthreads, int32_t* assign_out, float* dist_out);

/* ------------------------------------------------------- codec interface -- */

/*! Kinds of vector codec. LQ_VQ_PQ with M == 1 is plain k-means VQ. */
typedef enum lq_vq_kind {
  LQ_VQ_PQ = 1, /* product quantizer: M sub-spaces of d/M dims, 2^nbits centroids each */
  LQ_VQ_OPQ = 2 /* orthogonal rotation R (non-parametric OPQ, FAISS OPQMatrix) then PQ */
} lq_vq_kind;

/*! Codec parameters; zero fields take defaults where noted. */
typedef struct lq_vq_params {
  lq_vq_kind kind;
  size_t d;              /* vector dimension, > 0 */
  size_t M;              /* PQ: sub-spaces; must divide d */
  int nbits;             /* PQ: bits per sub-code, 1..16 */
  lq_kmeans_config km;   /* training k-means (FAISS defaults when zero) */
  int nthreads;          /* threads for train/encode/decode/scan; 0 → all CPUs */
  /* OPQ (FAISS OPQMatrix defaults when 0): outer iterations (50), k-means
   * iterations per outer iteration (4) and in the first one (40), training
   * rows for the rotation (65536, FAISS-identical subsample). */
  int opq_niter, opq_niter_pq, opq_niter_pq0;
  size_t opq_max_train;
  size_t nsplits;        /* LQ_VQ_PRQ / LQ_VQ_PLSQ only: sub-vectors (must divide d);
                            M is then the codebooks per split (FAISS Msub) */
} lq_vq_params;

typedef struct lq_vq_codec lq_vq_codec; /* opaque */

/*! lq_vq_codec_new() : validates params and allocates an untrained codec
 *  (*out owned by the caller; free with lq_vq_codec_free). Errors:
 *  LQ_ERR_INVALID_ARG (bad kind, d == 0, M == 0, d % M != 0, nbits out of
 *  1..16), LQ_ERR_OVERFLOW, LQ_ERR_OUT_OF_MEMORY. */
LQ_API lq_status lq_vq_codec_new(const lq_vq_params* p, lq_vq_codec** out);
/*! lq_vq_codec_free() : NULL is a no-op. */
LQ_API void lq_vq_codec_free(lq_vq_codec* c);

/*! Geometry: d, bytes per code (ceil(M*nbits/8)), floats of one distance
 *  table (M * 2^nbits), and whether train/set_centroids/load has run. */
LQ_API size_t lq_vq_codec_dim(const lq_vq_codec* c);
LQ_API size_t lq_vq_code_size(const lq_vq_codec* c);
LQ_API size_t lq_vq_table_size(const lq_vq_codec* c);
LQ_API int lq_vq_is_trained(const lq_vq_codec* c);

/*! lq_vq_train() : PQ: one k-means (params.km) per sub-space slice, as FAISS
 *  ProductQuantizer::train (Train_default). stats, if not NULL, receives the
 *  sum of the M sub-space final objectives in .objective. Errors as
 *  lq_kmeans_train (e.g. n < 2^nbits). Not thread-safe on the same codec. */
LQ_API lq_status lq_vq_train(lq_vq_codec* c, size_t n, const float* x, lq_kmeans_stats* stats);

/*! Centroids in FAISS's layout (M, 2^nbits, d/M): set (copies, marks the
 *  codec trained; must be finite) and get (copies out; LQ_ERR_STATE if
 *  untrained). n_floats must equal M * 2^nbits * d/M. */
LQ_API lq_status lq_vq_set_centroids(lq_vq_codec* c, const float* centroids, size_t n_floats);
LQ_API lq_status lq_vq_get_centroids(const lq_vq_codec* c, float* centroids_out, size_t n_floats);

/*! lq_vq_get_rotation() : OPQ's d x d rotation R (row-major; codes are the
 *  PQ of x R^T, decode returns y R). An OPQ codec whose centroids were set
 *  with lq_vq_set_centroids has R = identity. LQ_ERR_INVALID_ARG for PQ. */
LQ_API lq_status lq_vq_get_rotation(const lq_vq_codec* c, float* r_out, size_t n_floats);

/*! lq_vq_encode() : n vectors → n*code_size bytes. PQ codes use FAISS's
 *  LSB-first bitstream (sub-code m at bits [m*nbits, (m+1)*nbits)); unused
 *  high bits of the last byte are 0. The nearest centroid is found by exact
 *  squared L2 (first minimum wins), like FAISS for d/M < 16.
 *  lq_vq_decode() : codes → n*d floats (centroid concatenation). Sub-codes
 *  are taken modulo 2^nbits (every bit pattern is valid). Thread-safe for
 *  concurrent calls on a trained codec. LQ_ERR_NUMERIC on NaN/Inf input. */
LQ_API lq_status lq_vq_encode(const lq_vq_codec* c, size_t n, const float* x, uint8_t* codes);
LQ_API lq_status lq_vq_decode(const lq_vq_codec* c, size_t n, const uint8_t* codes, float* x);

/*! lq_vq_compute_distance_table() : the ADC table of one query q (d floats):
 *  table[m*2^nbits + j] = |q_m - c_{m,j}|^2 (M * 2^nbits floats). */
LQ_API lq_status lq_vq_compute_distance_table(const lq_vq_codec* c, const float* q, float* table);

/*! lq_vq_adc_scan() : dist[i] = sum_m table[m*2^nbits + code_i,m] for n codes,
 *  summed in m order (so every ISA and thread count gives the same bits).
 *  The nbits == 8 path is a dispatched SIMD kernel. */
LQ_API lq_status lq_vq_adc_scan(const lq_vq_codec* c, const float* table, size_t n, const uint8_t* codes,
                                float* dist);

/*! lq_vq_adc_scan_many() : nq queries at once (one thread team for all):
 *  tables holds nq tables of lq_vq_table_size() floats, dist nq rows of n. */
LQ_API lq_status lq_vq_adc_scan_many(const lq_vq_codec* c, size_t nq, const float* tables, size_t n,
                                     const uint8_t* codes, float* dist);

/*! SDC: lq_vq_sdc_table() fills M * 2^nbits * 2^nbits floats with
 *  |c_{m,a} - c_{m,b}|^2 at [(m*K + a)*K + b] (K = 2^nbits; 8 bits → 256 KiB
 *  per sub-space, so only for nbits <= 12). lq_vq_sdc_distances(): dist[i] =
 *  sum_m sdc[m][qcode_m][code_i,m] in m order. */
LQ_API lq_status lq_vq_sdc_table(const lq_vq_codec* c, float* sdc, size_t n_floats);
LQ_API lq_status lq_vq_sdc_distances(const lq_vq_codec* c, const float* sdc, const uint8_t* qcode, size_t n,
                                     const uint8_t* codes, float* dist);

/*! LSB-first bit packing of sub-codes (FAISS's PQEncoderGeneric /
 *  BitstringWriter layout). unpack: n*M int32 from n*code_size bytes; pack:
 *  the reverse (LQ_ERR_INVALID_ARG if a sub-code is outside 0..2^nbits-1). */
LQ_API lq_status lq_vq_unpack_codes(const lq_vq_codec* c, size_t n, const uint8_t* codes, int32_t* idx);
LQ_API lq_status lq_vq_pack_codes(const lq_vq_codec* c, size_t n, const int32_t* idx, uint8_t* codes);

/*! Serialisation in a versioned, CRC-32-checked little-endian container
 *  (docs/vq.md "File format"). lq_vq_save(): with buf == NULL only *size_out
 *  is set; otherwise LQ_ERR_BUFFER_TOO_SMALL if cap is short. LQ_ERR_STATE if
 *  untrained. lq_vq_load(): parses a buffer into a new codec; truncated,
 *  corrupt (bad magic, version, checksum, geometry, non-finite centroids) or
 *  trailing-garbage input is LQ_ERR_FORMAT. The _file variants use stdio
 *  (LQ_ERR_IO when the file cannot be opened/read/written). */
LQ_API lq_status lq_vq_save(const lq_vq_codec* c, void* buf, size_t cap, size_t* size_out);
LQ_API lq_status lq_vq_load(const void* buf, size_t size, lq_vq_codec** out);
LQ_API lq_status lq_vq_save_file(const lq_vq_codec* c, const char* path);
LQ_API lq_status lq_vq_load_file(const char* path, lq_vq_codec** out);

/* ============================================================================
 * Residual quantization (RQ, multi-stage residual VQ) and tree-structured VQ
 * (TSVQ / hierarchical k-means): further kinds of the same opaque codec.
 * Every lq_vq_* function above accepts them, except the PQ-only ADC/SDC
 * functions (lq_vq_compute_distance_table, lq_vq_adc_scan[_many],
 * lq_vq_sdc_*), which return LQ_ERR_UNSUPPORTED: an additive code has no
 * per-sub-space distance table of the form above (FAISS's RQ LUT is
 * <q, c_mj> plus a norm term), and lq_vq_table_size() returns 0.
 * ========================================================================== */

/*! Extra lq_vq_kind values (lq_vq_params.kind / the codec file's kind). */
enum {
  LQ_VQ_RQ = 3,  /* residual quantizer: x ~ sum_m C_m[i_m], FAISS ResidualQuantizer */
  LQ_VQ_TSVQ = 4 /* tree-structured VQ: depth levels of branch-way k-means */
};

/*! RQ parameters (zero fields take defaults). lq_vq_codec_new with
 *  kind = LQ_VQ_RQ, M, nbits is the same as this with stage_nbits = NULL. */
typedef struct lq_vq_rq_params {
  size_t d;               /* vector dimension, > 0 */
  size_t M;               /* stages, > 0 */
  int nbits;              /* bits of every stage (1..16) when stage_nbits is NULL */
  const int* stage_nbits; /* optional M per-stage widths (1..16 each; copied), e.g.
                             SoundStream/EnCodec-style levels of different sizes */
  int max_beam_size;      /* beam width of encode and training; 0 → 5 (FAISS), 1 = greedy */
  lq_kmeans_config km;    /* per-stage k-means; niter 0 → 10 per progressive step
                             (FAISS ProgressiveDimClusteringParameters), other
                             fields as lq_kmeans_config (FAISS defaults) */
  int train_plain;        /* 0: FAISS's default Train_progressive_dim (PCA, 10 k-means
                             steps on growing leading dimensions); non-zero: one plain
                             k-means per stage (FAISS Train_default; niter 0 → 25) */
  int nthreads;           /* 0 → all CPUs; results do not depend on it */
  int refine_iters;       /* least-squares codebook refinement after the greedy stages
                             (FAISS Train_refine_codebook, niter_codebook_refine): 0 →
                             none, FAISS 1.7.3's default train_type; k > 0 → k rounds of
                             {beam-encode the training set, jointly re-fit all codebooks
                             by ridge least squares (lambda 1e-2)}; FAISS's value when
                             the flag is set is 5 */
} lq_vq_rq_params;

/*! lq_vq_rq_new() : an untrained RQ codec (*out owned by the caller). Codes
 *  are FAISS's LSB-first bitstream with stage m at bits [sum_{j<m} nbits_j,
 *  +nbits_m); code_size = ceil(sum nbits / 8). Centroids (set/get) are the
 *  stage codebooks concatenated: sum_m 2^nbits_m rows of d floats (FAISS's
 *  AdditiveQuantizer::codebooks). Errors: LQ_ERR_INVALID_ARG (NULL, d == 0,
 *  M == 0, a width outside 1..16, max_beam_size < 0), LQ_ERR_OVERFLOW,
 *  LQ_ERR_OUT_OF_MEMORY. */
LQ_API lq_status lq_vq_rq_new(const lq_vq_rq_params* p, lq_vq_codec** out);

/*! lq_vq_rq_set_beam() : changes the encode beam width (>= 1) of an RQ
 *  codec, or of every split of a PRQ codec (not thread-safe against
 *  concurrent encodes). LQ_ERR_INVALID_ARG for other kinds or beam < 1. */
LQ_API lq_status lq_vq_rq_set_beam(lq_vq_codec* c, int max_beam_size);

/* ----------------------- additive quantization: LSQ++ (src/vq/lsq.c) --- */

/*! Extra lq_vq_kind value: LSQ++ additive quantizer, x ~ sum_m C_m[i_m] with
 *  full-dimensional codebooks (FAISS LocalSearchQuantizer). */
enum { LQ_VQ_LSQ = 5 };

/*! LSQ++ parameters (Martinez et al., ECCV 2018, as FAISS 1.7.3
 *  LocalSearchQuantizer). Zero fields take FAISS's defaults. */
typedef struct lq_vq_lsq_params {
  size_t d;             /* vector dimension, > 0 */
  size_t M;             /* codebooks, > 0 */
  int nbits;            /* bits per codebook, 1..16 (K = 2^nbits); M*K <= 8192 */
  int train_iters;      /* 0 → 25: {least squares, SR-D noise, ILS encode} rounds */
  int encode_ils_iters; /* 0 → 16: iterated-local-search rounds of lq_vq_encode */
  int train_ils_iters;  /* 0 → 8: ILS rounds per training round */
  int icm_iters;        /* 0 → 4: ICM sweeps over the M codebooks per ILS round */
  int nperts;           /* 0 → min(4, M): sub-codes randomised per ILS round (<= M) */
  float p;              /* 0 → 0.5: SR-D temperature exponent, T = (1 - (t+1)/iters)^p */
  float lambd;          /* 0 → 1e-2: ridge term of the codebook update */
  uint32_t seed;        /* 0 → 0x12345 (FAISS random_seed) */
  int nthreads;         /* 0 → all CPUs; results do not depend on it */
  lq_progress_fn progress; /* optional: called after every training round (core.h); non-zero cancels */
  void* progress_user;     /* passed to progress */
} lq_vq_lsq_params;

/*! lq_vq_lsq_new() : an untrained LSQ++ codec (*out owned by the caller;
 *  lq_vq_codec_new with kind LQ_VQ_LSQ gives the defaults). Codes are FAISS's
 *  AdditiveQuantizer layout without a norm (ST_decompress): M sub-codes of
 *  nbits, LSB-first, code_size = ceil(M*nbits/8). Centroids (set/get) are
 *  the M codebooks of 2^nbits rows of d floats, concatenated. Training,
 *  encoding and the saved file (which keeps the encode parameters) go
 *  through the lq_vq_* functions above; the ADC/SDC ones return
 *  LQ_ERR_UNSUPPORTED. Encoding starts from random codes (seeded; the same
 *  codes for any thread count) and improves them by ILS, so it is not the
 *  exact nearest sum of codewords. Errors: LQ_ERR_INVALID_ARG (NULL,
 *  d == 0, M == 0, nbits outside 1..16, M*2^nbits > 8192, a negative
 *  count, nperts > M, p or lambd negative or not finite), LQ_ERR_OVERFLOW,
 *  LQ_ERR_OUT_OF_MEMORY. lq_vq_train additionally needs n >= 2^nbits and
 *  data that is not constant (LQ_ERR_NUMERIC). */
LQ_API lq_status lq_vq_lsq_new(const lq_vq_lsq_params* p, lq_vq_codec** out);

/*! lq_vq_lsq_refine_codes() : ils_iters rounds of iterated local search
 *  (perturb nperts sub-codes, icm_iters ICM sweeps, keep the result if its
 *  error is lower) starting from the n*M sub-codes in idx (in/out, each in
 *  0..2^nbits-1), as FAISS's icm_encode. No vector's error increases.
 *  Errors: LQ_ERR_INVALID_ARG (not an LSQ codec, NULL, a sub-code out of
 *  range, ils_iters < 0), LQ_ERR_STATE (untrained), LQ_ERR_NUMERIC. */
LQ_API lq_status lq_vq_lsq_refine_codes(const lq_vq_codec* c, size_t n, const float* x, int32_t* idx,
                                        int ils_iters);

/* ------------ product-additive quantizers PRQ / PLSQ (src/vq/product.c) -- */

/*! Extra lq_vq_kind values: FAISS 1.7.3 ProductResidualQuantizer and
 *  ProductLocalSearchQuantizer (ProductAdditiveQuantizer): the vector is cut
 *  into nsplits sub-vectors of d/nsplits dims (split s = dims
 *  [s*d/nsplits, (s+1)*d/nsplits)), each quantized by its own RQ / LSQ++
 *  codec trained independently on its slice. lq_vq_codec_new accepts them
 *  with params.nsplits, M = codebooks per split (Msub), nbits, the sub-kind's
 *  defaults (RQ: beam 5, progressive-dim k-means with params.km; LSQ: FAISS
 *  defaults) and params.nthreads. */
enum { LQ_VQ_PRQ = 6, LQ_VQ_PLSQ = 7 };

/*! PRQ parameters: rq applies to every split (rq.M = Msub stages, rq.nbits
 *  or rq.stage_nbits, beam, k-means, train_plain, refine_iters, nthreads; zero
 *  fields take lq_vq_rq_params's defaults). rq.d must be 0 or d/nsplits. */
typedef struct lq_vq_prq_params {
  size_t d;           /* full vector dimension, > 0, divisible by nsplits */
  size_t nsplits;     /* sub-vectors, > 0 */
  lq_vq_rq_params rq; /* per-split residual quantizer */
} lq_vq_prq_params;

/*! PLSQ parameters: lsq applies to every split (lsq.M = Msub, nbits, the
 *  LSQ++ iteration counts, seed (the same for every split, as FAISS),
 *  nthreads, progress). lsq.d must be 0 or d/nsplits. */
typedef struct lq_vq_plsq_params {
  size_t d;              /* full vector dimension, > 0, divisible by nsplits */
  size_t nsplits;        /* sub-vectors, > 0 */
  lq_vq_lsq_params lsq;  /* per-split LSQ++ quantizer */
} lq_vq_plsq_params;

/*! lq_vq_prq_new() / lq_vq_plsq_new() : an untrained product codec (*out
 *  owned by the caller). Codes are FAISS's layout without a norm
 *  (ST_decompress): the nsplits*Msub sub-codes, split 0's first, in one
 *  LSB-first bitstream (sub-code j at bits [sum_{i<j} nbits_i, +nbits_j)),
 *  code_size = ceil(nsplits * Msub * nbits / 8) -- the bits of the splits are
 *  concatenated, not their bytes. Centroids (set/get) are FAISS's
 *  ProductAdditiveQuantizer::codebooks: the splits' codebooks in split order,
 *  nsplits*Msub*2^nbits rows of d/nsplits floats. Decode of split s is
 *  C_{s,0}[i_0] + C_{s,1}[i_1] + ... Training (lq_vq_train) trains the splits
 *  one after another on their slices (stats.objective is the summed squared
 *  error); encode encodes every split with its sub-codec. The ADC/SDC
 *  functions return LQ_ERR_UNSUPPORTED; lq_vq_rq_set_beam works on PRQ.
 *  Errors: LQ_ERR_INVALID_ARG (NULL, d == 0, nsplits == 0, d % nsplits != 0,
 *  a sub-dimension that disagrees with d/nsplits, and every error of
 *  lq_vq_rq_new / lq_vq_lsq_new for the per-split parameters, e.g. nbits
 *  outside 1..16), LQ_ERR_OVERFLOW, LQ_ERR_OUT_OF_MEMORY. */
LQ_API lq_status lq_vq_prq_new(const lq_vq_prq_params* p, lq_vq_codec** out);
LQ_API lq_status lq_vq_plsq_new(const lq_vq_plsq_params* p, lq_vq_codec** out);

/*! TSVQ parameters. The tree has branch^depth leaves; each level's code is
 *  ceil(log2(branch)) bits (LSB-first, root level first). */
typedef struct lq_vq_tsvq_params {
  size_t d;            /* vector dimension, > 0 */
  int depth;           /* levels, >= 1 */
  int branch;          /* children per node, 2..65536 */
  lq_kmeans_config km; /* k-means of every node (FAISS defaults when zero) */
  int nthreads;        /* 0 → all CPUs; results do not depend on it */
} lq_vq_tsvq_params;

/*! lq_vq_tsvq_new() : an untrained TSVQ codec. Centroids (set/get) are all
 *  tree nodes level by level (level 1 first); the children of node p of
 *  level l are nodes p*branch .. p*branch+branch-1 of level l+1, so there
 *  are sum_{l=1..depth} branch^l rows of d floats. Encode is greedy descent
 *  (exact squared L2, first minimum wins): O(depth*branch*d) per vector.
 *  Decode returns the leaf. Errors: LQ_ERR_INVALID_ARG (NULL, d == 0,
 *  depth < 1, branch outside 2..65536, more than 2^26 nodes),
 *  LQ_ERR_OVERFLOW, LQ_ERR_OUT_OF_MEMORY. */
LQ_API lq_status lq_vq_tsvq_new(const lq_vq_tsvq_params* p, lq_vq_codec** out);
/* ------------------------------------------------------------------------ */
/* ------------------------ lattice quantizers (src/vq/lattice.c) --------- */

/*! Lattices with Conway & Sloane's fast nearest-point rules (docs/vq.md
 *  "Lattice quantizers"). dim is the number of coordinates of one vector:
 *  ZN, DN: dim >= 1 (D_1 = 2Z); AN: dim = n + 1 >= 2 coordinates (A_n is the
 *  integer points with coordinate sum 0); E8: dim = 8 (E8 = D8 U D8 + 1/2). */
typedef enum lq_lattice_type {
  LQ_LATTICE_ZN = 1,
  LQ_LATTICE_DN = 2,
  LQ_LATTICE_AN = 3,
  LQ_LATTICE_E8 = 4
} lq_lattice_type;

/*! lq_lattice_nearest() : y = scale * (the lattice point nearest to x/scale)
 *  for n vectors of dim floats. Ties: coordinates round half up
 *  (floor(v + 1/2)); D_n flips the first coordinate of largest rounding
 *  error; A_n adjusts the coordinates of smallest (Delta > 0) or largest
 *  (Delta < 0) rounding error, lower index first among equal errors; E8 keeps
 *  the integer (D8) point when both cosets are equally near. For A_n, x need
 *  not sum to zero (the nearest A_n point of x is that of its projection).
 *  y may equal x. Errors: LQ_ERR_INVALID_ARG (NULL, bad type or dim, scale
 *  not finite and > 0), LQ_ERR_NUMERIC (non-finite x, or x/scale beyond
 *  2^30 in magnitude). Thread-safe. */
LQ_API lq_status lq_lattice_nearest(lq_lattice_type type, size_t dim, size_t n, const float* x, float scale,
                                    float* y);

/*! lq_lattice_quantize() : the storable (saturating) lattice quantizer: x/scale
 *  is clipped to [-c, c] per coordinate, c = lq_lattice_clip_bound(type,
 *  bits), then mapped to its nearest lattice point. coords (n*dim int32, may be
 *  NULL) receive the point's coordinates, for E8 in units of 1/2 (2y), all
 *  within the signed range [-2^(bits-1), 2^(bits-1)-1]; y (may be NULL, may
 *  equal x) receives scale * point. bits: 2..16 (ZN), 3..16 (DN, AN), 4..16
 *  (E8), where the clip bound c is >= 1. Errors as lq_lattice_nearest plus LQ_ERR_INVALID_ARG for bits. */
LQ_API lq_status lq_lattice_quantize(lq_lattice_type type, size_t dim, size_t n, const float* x, float scale,
                                     int bits, float* y, int32_t* coords);

/*! lq_lattice_dequantize() : y = scale * coords (E8: scale * coords / 2). */
LQ_API lq_status lq_lattice_dequantize(lq_lattice_type type, size_t dim, size_t n, const int32_t* coords,
                                       float scale, float* y);

/*! lq_lattice_clip_bound() : the clipping bound c of lq_lattice_quantize, in
 *  lattice units: Q = 2^(bits-1) - 1; ZN: Q; DN: Q - 1 (the parity fix moves
 *  a coordinate by at most 1); AN: floor((Q - 1) / 2) (the projection onto
 *  sum 0 can double a coordinate, the sum fix adds 1); E8: floor((Q - 3) / 2)
 *  (coset shift and parity fix add at most 3/2). Returns -1 for an invalid
 *  type, bits outside 1..16, or c < 1. */
LQ_API int lq_lattice_clip_bound(lq_lattice_type type, int bits);

/*! lq_lattice_fit_scale() : the scale minimising the mean squared error of
 *  lq_lattice_quantize(type, dim, n, x, scale, bits) (docs/vq.md): a grid of
 *  41 scales s0 * 2^(-k/4), k = 0..40, from the naive s0 = max|x| / c (no
 *  clipping), then 40 golden-section steps between the grid neighbours of the
 *  best grid point; the best scale evaluated is returned (so its MSE is never
 *  above the naive scale's). Above 16384 vectors the search evaluates every
 *  (n/16384)-th vector; *mse_out (may be NULL) is the MSE per element over all
 *  n vectors. All-zero data gives scale 1. Errors as lq_lattice_quantize, and
 *  LQ_ERR_INVALID_ARG for n == 0. Thread-safe. */
LQ_API lq_status lq_lattice_fit_scale(lq_lattice_type type, size_t dim, size_t n, const float* x, int bits,
                                      float* scale_out, double* mse_out);

/*! A finite E8 code: every E8 point of squared norm <= max_norm2 (2, 4, 6 or
 *  8: 241, 2401, 9121, 26641 codewords; the shells of E8 hold 240, 2160,
 *  6720, 17520 points), ordered by squared norm, then lexicographically on
 *  the coordinates. An index is stored in lq_e8_shell_code_bits() =
 *  ceil(log2(size)) bits per 8 values. Immutable after creation, so
 *  thread-safe to share. */
typedef struct lq_e8_shell lq_e8_shell;

/*! lq_e8_shell_new() : enumerates the code (*out owned by the caller).
 *  LQ_ERR_INVALID_ARG for another max_norm2, LQ_ERR_OUT_OF_MEMORY. */
LQ_API lq_status lq_e8_shell_new(int max_norm2, lq_e8_shell** out);
/*! lq_e8_shell_free() : NULL is a no-op. */
LQ_API void lq_e8_shell_free(lq_e8_shell* c);
/*! Number of codewords, and bits per stored index (0 for NULL). */
LQ_API size_t lq_e8_shell_size(const lq_e8_shell* c);
LQ_API int lq_e8_shell_code_bits(const lq_e8_shell* c);
/*! lq_e8_shell_codeword() : the 8 coordinates of codeword idx (unscaled).
 *  LQ_ERR_INVALID_ARG when idx >= size. */
LQ_API lq_status lq_e8_shell_codeword(const lq_e8_shell* c, uint32_t idx, float* out8);
/*! lq_e8_shell_encode() : idx[i] = the codeword nearest to x_i/scale (n
 *  vectors of 8). When the nearest E8 point lies in the code it is the
 *  answer; otherwise the code is searched exhaustively (first minimum
 *  wins), so among equidistant codewords the index is not always the lowest.
 *  Errors: LQ_ERR_INVALID_ARG (NULL, scale not finite and > 0),
 *  LQ_ERR_NUMERIC (non-finite x or x/scale beyond 2^30). */
LQ_API lq_status lq_e8_shell_encode(const lq_e8_shell* c, size_t n, const float* x, float scale, uint32_t* idx);
/*! lq_e8_shell_decode() : y = scale * codeword(idx[i]); LQ_ERR_INVALID_ARG
 *  for an index >= size. */
LQ_API lq_status lq_e8_shell_decode(const lq_e8_shell* c, size_t n, const uint32_t* idx, float scale, float* y);
/*! lq_e8_shell_fit_scale() : the scale minimising the MSE of
 *  encode + decode, with the search of lq_lattice_fit_scale (naive scale
 *  s0 = max_i ||x_i|| / sqrt(max_norm2): the longest vector lands on the
 *  outer shell). Errors as lq_e8_shell_encode, and n == 0. */
LQ_API lq_status lq_e8_shell_fit_scale(const lq_e8_shell* c, size_t n, const float* x, float* scale_out,
                                       double* mse_out);

/* ============================================================================
 * Top-k ADC search over PQ / OPQ codes (src/vq/search.c)
 * ========================================================================== */

/*! lq_vq_search() : for each of the nq queries (nq*d floats, row-major) the k
 *  codes (of n, n*code_size bytes) with the smallest ADC distance, i.e. the
 *  sums lq_vq_adc_scan() returns for the query's lq_vq_compute_distance_table()
 *  (bit for bit: same table, same summation order). Row q of distances and
 *  labels (nq*k each, caller-owned) lists them by ascending distance, equal
 *  distances by ascending label (code index): exactly the first k of a stable
 *  sort of the adc_scan row, whatever the thread count. When n < k the row is
 *  padded with (+Inf, -1), as FAISS does. The n distances are never stored:
 *  a fused scan keeps each query's k best (8-bit codes: eight queries per pass
 *  over the codes). Threads (codec's nthreads): over groups of queries, and
 *  the codes are split into chunks (merged after) when there are fewer groups
 *  than threads. Thread-safe for concurrent calls on a trained codec. Outputs
 *  must not alias the inputs. Errors: LQ_ERR_INVALID_ARG (NULL pointer, k == 0;
 *  codes may be NULL only if n == 0), LQ_ERR_STATE (untrained),
 *  LQ_ERR_UNSUPPORTED (a kind other than PQ / OPQ), LQ_ERR_NUMERIC (NaN/Inf in
 *  a query), LQ_ERR_OVERFLOW (nq*k, nq*d or n*code_size), LQ_ERR_OUT_OF_MEMORY.
 *  nq == 0 does nothing. */
LQ_API lq_status lq_vq_search(const lq_vq_codec* c, size_t nq, const float* queries, size_t n,
                              const uint8_t* codes, size_t k, float* distances, int64_t* labels);

/*! lq_vq_search_tables() : lq_vq_search() from precomputed tables (nq tables of
 *  lq_vq_table_size() floats, e.g. from lq_vq_compute_distance_table(), or any
 *  caller values: a code whose sum is NaN is never returned). */
LQ_API lq_status lq_vq_search_tables(const lq_vq_codec* c, size_t nq, const float* tables, size_t n,
                                     const uint8_t* codes, size_t k, float* distances, int64_t* labels);

#include "libquant/vq_learned.h"

#endif /* LIBQUANT_VQ_H_7F3A91C2 */
