/* quant observe: feed .npy files to an observer (one file = one batch) and
 * print the resulting (scale, zero_point) per tensor or per channel. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void usage_observe(FILE* out) {
  fprintf(out,
          "usage: quant observe OBSERVER[:KEY=VALUE]... IN.npy [IN2.npy ...] [--json]\n\n"
          "Feeds each file as one batch, in order, and prints the parameters.\n"
          "observers: minmax, moving_average (c), histogram (bins, compat), percentile (p, bins),\n"
          "           hist_mse (bins), kl (bins), mse (norm, grid, maxshrink), lsq (steps, lr)\n"
          "common keys: bits=1..16 (8), signed=0|1 (0: torch quint8), sym=0|1 (0: affine),\n"
          "             reduce_range=0|1, gran=tensor|channel, axis=N (0; negative counts from the end)\n"
          "--json prints {\"scale\": [...], \"zero_point\": [...], \"qmin\": .., \"qmax\": ..}\n");
}

static int parse_long(const char* key, const char* v, long lo, long hi, long* out) {
  char* end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (errno || end == v || *end || x < lo || x > hi)
    return cli_usage_error("observer key %s: '%s' is not an integer in [%ld, %ld]", key, v, lo, hi);
  *out = x;
  return 0;
}

static int parse_double(const char* key, const char* v, double* out) {
  char* end;
  errno = 0;
  double x = strtod(v, &end);
  if (errno || end == v || *end) return cli_usage_error("observer key %s: '%s' is not a number", key, v);
  *out = x;
  return 0;
}

/* OBSERVER[:KEY=VALUE]... into cfg; returns 0 or the exit status. */
static int parse_spec(const char* spec, lq_observer_config* cfg) {
  memset(cfg, 0, sizeof *cfg);
  char* buf = strdup(spec);
  if (!buf) return cli_fail("out of memory");
  int rc = 0;
  char* save = NULL;
  char* tok = strtok_r(buf, ":", &save);
  if (!tok || lq_observer_method_parse(tok, &cfg->method) != LQ_OK) {
    rc = cli_usage_error("unknown observer '%s' (minmax, moving_average, histogram, percentile, hist_mse, kl, "
                         "mse, lsq)", tok ? tok : "");
    goto done;
  }
  const lq_observer_method m = cfg->method;
  while (rc == 0 && (tok = strtok_r(NULL, ":", &save)) != NULL) {
    char* eq = strchr(tok, '=');
    if (!eq) {
      rc = cli_usage_error("observer option '%s' is not KEY=VALUE", tok);
      break;
    }
    *eq = 0;
    const char *k = tok, *v = eq + 1;
    long l = 0;
    double d = 0;
    if (strcmp(k, "bits") == 0) {
      if (!(rc = parse_long(k, v, 1, 16, &l))) cfg->range.bits = (int32_t)l;
    } else if (strcmp(k, "signed") == 0) {
      if (!(rc = parse_long(k, v, 0, 1, &l))) cfg->dtype = l ? LQ_OBSERVER_QINT : LQ_OBSERVER_QUINT;
    } else if (strcmp(k, "sym") == 0) {
      if (!(rc = parse_long(k, v, 0, 1, &l))) cfg->range.mapping = l ? LQ_SYMMETRIC : LQ_AFFINE;
    } else if (strcmp(k, "reduce_range") == 0) {
      if (!(rc = parse_long(k, v, 0, 1, &l))) cfg->range.reduce_range = (int32_t)l;
    } else if (strcmp(k, "gran") == 0) {
      if (strcmp(v, "tensor") == 0) cfg->granularity = LQ_GRAN_TENSOR;
      else if (strcmp(v, "channel") == 0) cfg->granularity = LQ_GRAN_CHANNEL;
      else rc = cli_usage_error("gran must be tensor or channel, not '%s'", v);
    } else if (strcmp(k, "axis") == 0) {
      if (!(rc = parse_long(k, v, -LQ_MAX_DIMS, LQ_MAX_DIMS - 1, &l))) cfg->axis = (int32_t)l;
    } else if (strcmp(k, "c") == 0 && m == LQ_OBSERVER_MOVING_AVERAGE) {
      if (!(rc = parse_double(k, v, &d))) {
        if (!(d > 0 && d <= 1)) rc = cli_usage_error("c must be in (0, 1], not %s", v);
        else cfg->averaging_constant = (float)d;
      }
    } else if (strcmp(k, "bins") == 0 && (m == LQ_OBSERVER_HISTOGRAM || m == LQ_OBSERVER_PERCENTILE ||
                                          m == LQ_OBSERVER_HIST_MSE || m == LQ_OBSERVER_KL)) {
      if (!(rc = parse_long(k, v, 1, 1 << 20, &l))) cfg->bins = (int32_t)l;
    } else if (strcmp(k, "compat") == 0 && m == LQ_OBSERVER_HISTOGRAM) {
      if (!(rc = parse_long(k, v, 0, 1, &l))) cfg->torch_compat = (int32_t)l;
    } else if (strcmp(k, "p") == 0 && m == LQ_OBSERVER_PERCENTILE) {
      if (!(rc = parse_double(k, v, &d))) {
        if (!(d > 0 && d <= 100)) rc = cli_usage_error("p must be in (0, 100], not %s", v);
        else cfg->percentile = d;
      }
    } else if (strcmp(k, "norm") == 0 && m == LQ_OBSERVER_MSE) {
      if (!(rc = parse_double(k, v, &d))) cfg->mse_norm = (float)d;
    } else if (strcmp(k, "grid") == 0 && m == LQ_OBSERVER_MSE) {
      if (!(rc = parse_long(k, v, 1, 100000, &l))) cfg->mse_grid = (int32_t)l;
    } else if (strcmp(k, "maxshrink") == 0 && m == LQ_OBSERVER_MSE) {
      if (!(rc = parse_double(k, v, &d))) cfg->mse_maxshrink = (float)d;
    } else if (strcmp(k, "steps") == 0 && m == LQ_OBSERVER_LSQ) {
      if (!(rc = parse_long(k, v, 1, 1000000, &l))) cfg->lsq_steps = (int32_t)l;
    } else if (strcmp(k, "lr") == 0 && m == LQ_OBSERVER_LSQ) {
      if (!(rc = parse_double(k, v, &d))) cfg->lsq_lr = (float)d;
    } else {
      rc = cli_usage_error("observer %s has no key '%s'", lq_observer_method_name(m), k);
    }
  }
done:
  free(buf);
  return rc;
}

int cmd_observe(int argc, char** argv) {
  int json = 0;
  const char* spec = NULL;
  const char** files = calloc((size_t)argc, sizeof *files);
  size_t nfiles = 0;
  if (!files) return cli_fail("out of memory");
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) json = 1;
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage_observe(stdout);
      free(files);
      return 0;
    } else if (argv[i][0] == '-' && argv[i][1] == '-') {
      free(files);
      return cli_usage_error("observe: unknown option '%s'", argv[i]);
    } else if (!spec) spec = argv[i];
    else files[nfiles++] = argv[i];
  }
  if (!spec || nfiles == 0) {
    usage_observe(stderr);
    free(files);
    return cli_usage_error("observe needs an observer and at least one .npy file");
  }
  lq_observer_config cfg;
  int rc = parse_spec(spec, &cfg);
  if (rc) {
    free(files);
    return rc;
  }
  lq_observer* obs = NULL;
  lq_status s = lq_observer_create(&cfg, &obs);
  if (s != LQ_OK) {
    free(files);
    return cli_lib_error(spec, s);
  }
  for (size_t f = 0; f < nfiles && rc == 0; f++) {
    cli_tensor t;
    rc = cli_load_npy_f32(files[f], &t);
    if (rc) break;
    s = lq_observer_observe(obs, t.x, &t.shape);
    if (s != LQ_OK) rc = cli_lib_error(files[f], s);
    cli_tensor_free(&t);
  }
  size_t n = 0;
  float* scales = NULL;
  int32_t* zps = NULL;
  if (rc == 0) {
    lq_observer_channels(obs, &n);
    if (n == 0) n = 1;
    scales = malloc(n * sizeof *scales);
    zps = malloc(n * sizeof *zps);
    if (!scales || !zps) rc = cli_fail("out of memory");
    else if ((s = lq_observer_qparams(obs, scales, zps, &n)) != LQ_OK) rc = cli_lib_error("qparams", s);
  }
  if (rc == 0) {
    int32_t qmin, qmax;
    lq_observer_qlimits(obs, &qmin, &qmax);
    if (json) {
      printf("{\"scale\": [");
      for (size_t c = 0; c < n; c++) {
        if (c) printf(", ");
        cli_json_number(stdout, scales[c]);
      }
      printf("], \"zero_point\": [");
      for (size_t c = 0; c < n; c++) printf("%s%d", c ? ", " : "", (int)zps[c]);
      printf("], \"qmin\": %d, \"qmax\": %d}\n", (int)qmin, (int)qmax);
    } else {
      printf("observer: %s, %zu batch%s, qmin %d, qmax %d\n", lq_observer_method_name(cfg.method), nfiles,
             nfiles == 1 ? "" : "es", (int)qmin, (int)qmax);
      for (size_t c = 0; c < n; c++) printf("%zu\tscale %.9g\tzero_point %d\n", c, scales[c], (int)zps[c]);
    }
  }
  free(scales);
  free(zps);
  free(files);
  lq_observer_destroy(obs);
  return rc;
}
