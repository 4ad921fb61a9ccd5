/* quant vq: train a vector codec (k-means, PQ, OPQ, RQ, LSQ++, TSVQ, RVQ, PRQ, PLSQ) on the rows of a .npy
 * array and save it; encode rows to codes; decode codes back to rows. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void usage_vq(FILE* out) {
  fprintf(out,
          "usage: quant vq train SPEC X.npy -o CODEC.lqc [--threads N]\n"
          "       quant vq encode CODEC.lqc X.npy -o CODES.npy [--threads N]\n"
          "       quant vq decode CODEC.lqc CODES.npy -o Y.npy\n\n"
          "SPEC:  kmeans:k=K[,iters=25][,init=random|kmeans++][,seed=1234]  (K a power of two <= 65536)\n"
          "       pq:M=M,nbits=B[,iters=25][,init=...][,seed=...]          (B in 1..16, M divides the dimension)\n"
          "       opq:M=M,nbits=B[,niter=50][,iters=25]                     (rotation + PQ, FAISS OPQMatrix)\n"
          "       rq:M=M,nbits=B[,beam=5][,refine=0]                        (residual quantizer, FAISS defaults)\n"
          "       aq:M=M,nbits=B[,iters=25]                                 (LSQ++ additive quantizer, M*2^B <= 8192)\n"
          "       prq:nsplits=S,M=M,nbits=B[,beam=5]                        (product RQ: S sub-vectors, M stages each)\n"
          "       plsq:nsplits=S,M=M,nbits=B[,iters=25]                     (product LSQ++: S sub-vectors, M codebooks each)\n"
          "       tsvq:depth=L,branch=B                                     (tree-structured VQ, greedy descent)\n"
          "       rvq:levels=L,k=K                                          (greedy multi-level residual VQ)\n"
          "       every spec also takes dim=D to cut a 1-D array into D-sized rows.\n"
          "X.npy: a 2-D array (rows are vectors) of any numeric dtype; CODES.npy: uint8 (n, code_size).\n"
          "Codes use FAISS's LSB-first layout (PQ, RQ/LSQ additive codes).\n"
          "A truncated or corrupt codec file is rejected.\n"
          "exit status: 0 ok, 1 failure, 2 bad usage or malformed input.\n");
}

typedef enum { SPEC_PQ, SPEC_RQ, SPEC_AQ, SPEC_TSVQ, SPEC_RVQ, SPEC_PRQ, SPEC_PLSQ } spec_family;

typedef struct {
  lq_vq_params p;
  size_t dim;
  spec_family fam;
  long beam, refine, depth, branch; /* rq; tsvq */
  long nsplits;                     /* prq, plsq */
} vq_spec;

static int parse_long(const char* key, const char* v, long lo, long hi, long* out) {
  char* end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (errno || end == v || *end || x < lo || x > hi)
    return cli_usage_error("spec key %s=%s: expected an integer in %ld..%ld", key, v, lo, hi);
  *out = x;
  return 0;
}

static int parse_spec(const char* text, vq_spec* s) {
  memset(s, 0, sizeof *s);
  char buf[512];
  if (strlen(text) >= sizeof buf) return cli_usage_error("spec too long");
  strcpy(buf, text);
  char* colon = strchr(buf, ':');
  if (colon) *colon = '\0';
  long k = 0, M = 0, nbits = 0, levels = 0;
  s->fam = SPEC_PQ;
  s->beam = 5;
  if (strcmp(buf, "kmeans") == 0) {
    s->p.kind = LQ_VQ_PQ;
  } else if (strcmp(buf, "pq") == 0) {
    s->p.kind = LQ_VQ_PQ;
  } else if (strcmp(buf, "opq") == 0) {
    s->p.kind = LQ_VQ_OPQ;
  } else if (strcmp(buf, "rq") == 0) {
    s->fam = SPEC_RQ;
  } else if (strcmp(buf, "aq") == 0) {
    s->fam = SPEC_AQ;
  } else if (strcmp(buf, "tsvq") == 0) {
    s->fam = SPEC_TSVQ;
  } else if (strcmp(buf, "rvq") == 0) {
    s->fam = SPEC_RVQ;
  } else if (strcmp(buf, "prq") == 0) {
    s->fam = SPEC_PRQ;
  } else if (strcmp(buf, "plsq") == 0) {
    s->fam = SPEC_PLSQ;
  } else {
    return cli_usage_error("unknown vq scheme '%s' (kmeans, pq, opq, rq, aq, tsvq, rvq, prq, plsq)", buf);
  }
  int is_km = strcmp(buf, "kmeans") == 0 || s->fam == SPEC_RVQ; /* k= codewords */
  int has_mb = !is_km && s->fam != SPEC_TSVQ;                   /* M= and nbits= */
  for (char* kv = colon ? strtok(colon + 1, ",") : NULL; kv; kv = strtok(NULL, ",")) {
    char* eq = strchr(kv, '=');
    if (!eq) return cli_usage_error("spec item '%s' is not key=value", kv);
    *eq = '\0';
    const char* v = eq + 1;
    long x = 0;
    if (is_km && strcmp(kv, "k") == 0) {
      if (parse_long(kv, v, 2, 65536, &k)) return CLI_EXIT_USAGE;
      if (k & (k - 1)) return cli_usage_error("%s k=%ld must be a power of two (codes are log2(k) bits)", buf, k);
    } else if (has_mb && strcmp(kv, "M") == 0) {
      if (parse_long(kv, v, 1, 1 << 20, &M)) return CLI_EXIT_USAGE;
    } else if (has_mb && strcmp(kv, "nbits") == 0) {
      if (parse_long(kv, v, 1, 16, &nbits)) return CLI_EXIT_USAGE;
    } else if ((s->fam == SPEC_PRQ || s->fam == SPEC_PLSQ) && strcmp(kv, "nsplits") == 0) {
      if (parse_long(kv, v, 1, 65536, &s->nsplits)) return CLI_EXIT_USAGE;
    } else if ((s->fam == SPEC_RQ || s->fam == SPEC_PRQ) && strcmp(kv, "beam") == 0) {
      if (parse_long(kv, v, 1, 1024, &s->beam)) return CLI_EXIT_USAGE;
    } else if (s->fam == SPEC_RQ && strcmp(kv, "refine") == 0) {
      if (parse_long(kv, v, 0, 1000, &s->refine)) return CLI_EXIT_USAGE;
    } else if (s->fam == SPEC_TSVQ && strcmp(kv, "depth") == 0) {
      if (parse_long(kv, v, 1, 26, &s->depth)) return CLI_EXIT_USAGE;
    } else if (s->fam == SPEC_TSVQ && strcmp(kv, "branch") == 0) {
      if (parse_long(kv, v, 2, 65536, &s->branch)) return CLI_EXIT_USAGE;
    } else if (s->fam == SPEC_RVQ && strcmp(kv, "levels") == 0) {
      if (parse_long(kv, v, 1, 4096, &levels)) return CLI_EXIT_USAGE;
    } else if (strcmp(kv, "iters") == 0) {
      if (parse_long(kv, v, 1, 100000, &x)) return CLI_EXIT_USAGE;
      s->p.km.niter = (int)x;
    } else if (strcmp(kv, "seed") == 0) {
      if (parse_long(kv, v, 1, 0x7fffffffL, &x)) return CLI_EXIT_USAGE;
      s->p.km.seed = (uint64_t)x;
    } else if (strcmp(kv, "init") == 0) {
      if (strcmp(v, "random") == 0) s->p.km.init = LQ_KMEANS_INIT_RANDOM;
      else if (strcmp(v, "kmeans++") == 0) s->p.km.init = LQ_KMEANS_INIT_KMEANSPP;
      else return cli_usage_error("init=%s: expected random or kmeans++", v);
    } else if (strcmp(kv, "dim") == 0) {
      if (parse_long(kv, v, 1, 1L << 30, &x)) return CLI_EXIT_USAGE;
      s->dim = (size_t)x;
    } else if (s->p.kind == LQ_VQ_OPQ && strcmp(kv, "niter") == 0) {
      if (parse_long(kv, v, 1, 100000, &x)) return CLI_EXIT_USAGE;
      s->p.opq_niter = (int)x;
    } else {
      return cli_usage_error("unknown key '%s' for vq scheme %s", kv, buf);
    }
  }
  if (s->fam == SPEC_TSVQ) {
    if (!s->depth || !s->branch) return cli_usage_error("tsvq needs depth= and branch=");
  } else if (s->fam == SPEC_RVQ) {
    if (!k || !levels) return cli_usage_error("rvq needs levels= and k=");
    s->p.M = (size_t)levels;
    while ((1L << s->p.nbits) < k) s->p.nbits++;
  } else if (is_km) {
    if (!k) return cli_usage_error("kmeans needs k=");
    s->p.M = 1;
    s->p.nbits = 0;
    while ((1L << s->p.nbits) < k) s->p.nbits++;
  } else {
    if ((s->fam == SPEC_PRQ || s->fam == SPEC_PLSQ) && !s->nsplits)
      return cli_usage_error("%s needs nsplits=, M= and nbits=", buf);
    if (!M || !nbits) return cli_usage_error("%s needs M= and nbits=", buf);
    s->p.M = (size_t)M;
    s->p.nbits = (int)nbits;
  }
  return 0;
}

/* Rows of t: a 2-D array, or a 1-D array cut into dim-sized rows. */
static int rows_of(const cli_tensor* t, size_t dim, const char* path, size_t* n, size_t* d) {
  if (dim) {
    if (t->n % dim) return cli_usage_error("%s: %zu elements are not a multiple of dim=%zu", path, t->n, dim);
    *d = dim;
    *n = t->n / dim;
  } else {
    if (t->shape.ndim != 2) return cli_usage_error("%s: expected a 2-D array (or pass dim=)", path);
    *n = (size_t)t->shape.dims[0];
    *d = (size_t)t->shape.dims[1];
  }
  if (*n == 0 || *d == 0) return cli_usage_error("%s: empty input", path);
  return 0;
}

static int parse_opts(int argc, char** argv, int first, const char** out, int* threads) {
  for (int i = first; i < argc; i++) {
    if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
      *out = argv[++i];
    } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      size_t v;
      if (cli_parse_size("--threads", argv[++i], 1, 1024, &v)) return CLI_EXIT_USAGE;
      *threads = (int)v;
    } else {
      return cli_usage_error("unexpected argument '%s' (see quant help vq)", argv[i]);
    }
  }
  if (!*out) return cli_usage_error("missing -o OUTPUT");
  return 0;
}

/* Draws the training progress bar (stderr, terminals only) from the
 * library's callback, in per-mille steps. */
static int train_progress(double done, void* user) {
  (void)user;
  cli_progress("training", (size_t)(done * 1000.0 + 0.5), 1000);
  return 0;
}

static lq_status make_codec(const vq_spec* sp, lq_vq_codec** c) {
  if (sp->fam == SPEC_RQ || sp->fam == SPEC_RVQ) {
    lq_vq_rq_params r;
    memset(&r, 0, sizeof r);
    r.d = sp->p.d;
    r.M = sp->p.M;
    r.nbits = sp->p.nbits;
    r.max_beam_size = sp->fam == SPEC_RVQ ? 1 : (int)sp->beam;
    r.refine_iters = (int)sp->refine;
    r.km = sp->p.km;
    r.nthreads = sp->p.nthreads;
    return lq_vq_rq_new(&r, c);
  }
  if (sp->fam == SPEC_PRQ) {
    lq_vq_prq_params r;
    memset(&r, 0, sizeof r);
    r.d = sp->p.d;
    r.nsplits = (size_t)sp->nsplits;
    r.rq.M = sp->p.M;
    r.rq.nbits = sp->p.nbits;
    r.rq.max_beam_size = (int)sp->beam;
    r.rq.km = sp->p.km;
    r.rq.nthreads = sp->p.nthreads;
    return lq_vq_prq_new(&r, c);
  }
  if (sp->fam == SPEC_PLSQ) {
    lq_vq_plsq_params l;
    memset(&l, 0, sizeof l);
    l.d = sp->p.d;
    l.nsplits = (size_t)sp->nsplits;
    l.lsq.M = sp->p.M;
    l.lsq.nbits = sp->p.nbits;
    l.lsq.train_iters = sp->p.km.niter; /* iters= is the number of LSQ training rounds */
    l.lsq.nthreads = sp->p.nthreads;
    l.lsq.progress = sp->p.km.progress;
    l.lsq.progress_user = sp->p.km.progress_user;
    return lq_vq_plsq_new(&l, c);
  }
  if (sp->fam == SPEC_AQ) {
    lq_vq_lsq_params l;
    memset(&l, 0, sizeof l);
    l.d = sp->p.d;
    l.M = sp->p.M;
    l.nbits = sp->p.nbits;
    l.train_iters = sp->p.km.niter; /* iters= is the number of LSQ training rounds */
    l.nthreads = sp->p.nthreads;
    return lq_vq_lsq_new(&l, c);
  }
  if (sp->fam == SPEC_TSVQ) {
    lq_vq_tsvq_params t;
    memset(&t, 0, sizeof t);
    t.d = sp->p.d;
    t.depth = (int)sp->depth;
    t.branch = (int)sp->branch;
    t.km = sp->p.km;
    t.nthreads = sp->p.nthreads;
    return lq_vq_tsvq_new(&t, c);
  }
  return lq_vq_codec_new(&sp->p, c);
}

static int vq_train(int argc, char** argv) {
  if (argc < 3) return cli_usage_error("usage: quant vq train SPEC X.npy -o CODEC.lqc");
  const char* out = NULL;
  int threads = 0, rc;
  if ((rc = parse_opts(argc, argv, 3, &out, &threads))) return rc;
  const char* ins[] = {argv[2]};
  if ((rc = cli_check_outputs(&out, 1, ins, 1))) return rc;
  vq_spec sp;
  if ((rc = parse_spec(argv[1], &sp))) return rc;
  cli_tensor t;
  if ((rc = cli_load_npy_f32(argv[2], &t))) return rc;
  size_t n = 0, d = 0;
  if ((rc = rows_of(&t, sp.dim, argv[2], &n, &d))) {
    cli_tensor_free(&t);
    return rc;
  }
  sp.p.d = d;
  sp.p.nthreads = threads;
  sp.p.km.progress = train_progress;
  lq_vq_codec* c = NULL;
  cli_progress_begin();
  lq_status s = make_codec(&sp, &c);
  if (s == LQ_OK) s = lq_vq_train(c, n, t.x, NULL);
  cli_progress_end();
  if (s == LQ_OK) s = lq_vq_save_file(c, out);
  cli_tensor_free(&t);
  lq_vq_codec_free(c);
  return s == LQ_OK ? 0 : cli_lib_error("vq train", s);
}

static int vq_encode(int argc, char** argv) {
  if (argc < 3) return cli_usage_error("usage: quant vq encode CODEC.lqc X.npy -o CODES.npy");
  const char* out = NULL;
  int threads = 0, rc;
  if ((rc = parse_opts(argc, argv, 3, &out, &threads))) return rc;
  const char* ins[] = {argv[1], argv[2]};
  if ((rc = cli_check_outputs(&out, 1, ins, 2))) return rc;
  lq_vq_codec* c = NULL;
  lq_status s = lq_vq_load_file(argv[1], &c);
  if (s != LQ_OK) return cli_lib_error(argv[1], s);
  cli_tensor t;
  if ((rc = cli_load_npy_f32(argv[2], &t))) {
    lq_vq_codec_free(c);
    return rc;
  }
  size_t d = lq_vq_codec_dim(c), n = t.n / d;
  if (t.n % d || t.n == 0 || (t.shape.ndim == 2 && (size_t)t.shape.dims[1] != d)) {
    cli_tensor_free(&t);
    lq_vq_codec_free(c);
    return cli_usage_error("%s: rows must have the codec's dimension %zu", argv[2], d);
  }
  size_t cs = lq_vq_code_size(c);
  uint8_t* codes = malloc(n * cs);
  if (!codes) s = LQ_ERR_OUT_OF_MEMORY;
  if (s == LQ_OK) s = lq_vq_encode(c, n, t.x, codes);
  int64_t dims[2] = {(int64_t)n, (int64_t)cs};
  if (s == LQ_OK) s = lq_npy_write_file(out, LQ_NPY_U8, 2, dims, codes);
  free(codes);
  cli_tensor_free(&t);
  lq_vq_codec_free(c);
  return s == LQ_OK ? 0 : cli_lib_error("vq encode", s);
}

static int vq_decode(int argc, char** argv) {
  if (argc < 3) return cli_usage_error("usage: quant vq decode CODEC.lqc CODES.npy -o Y.npy");
  const char* out = NULL;
  int threads = 0, rc;
  if ((rc = parse_opts(argc, argv, 3, &out, &threads))) return rc;
  const char* ins[] = {argv[1], argv[2]};
  if ((rc = cli_check_outputs(&out, 1, ins, 2))) return rc;
  lq_vq_codec* c = NULL;
  lq_status s = lq_vq_load_file(argv[1], &c);
  if (s != LQ_OK) return cli_lib_error(argv[1], s);
  lq_npy_array a;
  s = lq_npy_read_file(argv[2], &a);
  if (s != LQ_OK) {
    lq_vq_codec_free(c);
    return cli_lib_error(argv[2], s);
  }
  size_t cs = lq_vq_code_size(c), d = lq_vq_codec_dim(c);
  if (a.dtype != LQ_NPY_U8 || a.ndim != 2 || (size_t)a.dims[1] != cs || a.dims[0] == 0) {
    lq_npy_free(&a);
    lq_vq_codec_free(c);
    return cli_usage_error("%s: expected a non-empty uint8 array of shape (n, %zu)", argv[2], cs);
  }
  size_t n = (size_t)a.dims[0];
  float* y = malloc(n * d * sizeof(float));
  if (!y) s = LQ_ERR_OUT_OF_MEMORY;
  if (s == LQ_OK) s = lq_vq_decode(c, n, (const uint8_t*)a.data, y);
  int64_t dims[2] = {(int64_t)n, (int64_t)d};
  if (s == LQ_OK) s = lq_npy_write_file(out, LQ_NPY_F32, 2, dims, y);
  free(y);
  lq_npy_free(&a);
  lq_vq_codec_free(c);
  return s == LQ_OK ? 0 : cli_lib_error("vq decode", s);
}

int cmd_vq(int argc, char** argv) {
  if (argc < 2) return cli_usage_error("usage: quant vq train|encode|decode ... (see quant help vq)");
  if (strcmp(argv[1], "train") == 0) return vq_train(argc - 1, argv + 1);
  if (strcmp(argv[1], "encode") == 0) return vq_encode(argc - 1, argv + 1);
  if (strcmp(argv[1], "decode") == 0) return vq_decode(argc - 1, argv + 1);
  return cli_usage_error("unknown vq subcommand '%s' (train, encode, decode)", argv[1]);
}
