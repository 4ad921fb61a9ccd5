/* quant eval: for each scheme, bits per element (with parameter overhead),
 * MSE, SQNR, max abs error and seconds of one roundtrip. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void usage_eval(FILE* out) {
  fprintf(out,
          "usage: quant eval SPEC[,SPEC...] IN.npy [--json]\n"
          "  One row per scheme: bits per element including parameter overhead, MSE,\n"
          "  SQNR in dB (10 log10(sum x^2 / sum (x - x^)^2)), max abs error and the\n"
          "  seconds one roundtrip took. --json prints a list of objects with keys\n"
          "  scheme, bits_per_element, mse, sqnr_db, max_abs_err, seconds (null for a\n"
          "  value that is not finite, e.g. the SQNR of an exact roundtrip).\n");
}

typedef struct eval_row {
  double bpe, mse, sqnr, maxerr, seconds;
} eval_row;

static lq_status eval_one(lq_scheme* sc, const cli_tensor* t, float* y, eval_row* r) {
  double t0 = cli_now();
  lq_status s = lq_scheme_roundtrip(sc, &t->shape, t->x, y, NULL);
  r->seconds = cli_now() - t0;
  if (s != LQ_OK) return s;
  s = lq_scheme_bits_per_element(sc, &t->shape, &r->bpe);
  if (s != LQ_OK) return s;
  double se = 0.0, sx = 0.0, me = 0.0;
  for (size_t i = 0; i < t->n; i++) {
    double d = (double)t->x[i] - (double)y[i];
    se += d * d;
    sx += (double)t->x[i] * (double)t->x[i];
    if (fabs(d) > me || isnan(d)) me = fabs(d);
  }
  r->mse = t->n ? se / (double)t->n : 0.0;
  r->maxerr = me;
  r->sqnr = se > 0.0 ? 10.0 * log10(sx / se) : INFINITY;
  return LQ_OK;
}

int cli_eval_run(lq_scheme* const* schemes, size_t nschemes, const cli_tensor* t, int json, const char* title) {
  float* y = malloc((t->n ? t->n : 1) * sizeof *y);
  if (!y) return cli_fail("eval: out of memory");
  eval_row* rows = calloc(nschemes, sizeof *rows);
  if (!rows) {
    free(y);
    return cli_fail("eval: out of memory");
  }
  int rc = 0;
  cli_progress_begin();
  for (size_t i = 0; i < nschemes; i++) {
    cli_progress("eval", i, nschemes);
    lq_status s = eval_one(schemes[i], t, y, &rows[i]);
    if (s != LQ_OK) {
      cli_progress_end();
      rc = cli_lib_error(lq_scheme_spec(schemes[i]), s);
      goto done;
    }
  }
  cli_progress_end();
  if (json) {
    printf("[");
    for (size_t i = 0; i < nschemes; i++) {
      printf("%s{\"scheme\": ", i ? ", " : "");
      cli_json_string(stdout, lq_scheme_spec(schemes[i]));
      printf(", \"bits_per_element\": ");
      cli_json_number(stdout, rows[i].bpe);
      printf(", \"mse\": ");
      cli_json_number(stdout, rows[i].mse);
      printf(", \"sqnr_db\": ");
      cli_json_number(stdout, rows[i].sqnr);
      printf(", \"max_abs_err\": ");
      cli_json_number(stdout, rows[i].maxerr);
      printf(", \"seconds\": ");
      cli_json_number(stdout, rows[i].seconds);
      printf("}");
    }
    printf("]\n");
  } else {
    size_t w = 6;
    for (size_t i = 0; i < nschemes; i++) {
      size_t l = strlen(lq_scheme_spec(schemes[i]));
      if (l > w) w = l;
    }
    if (title) printf("%s\n", title);
    printf("%-*s %9s %12s %9s %12s %9s\n", (int)w, "scheme", "bits/elem", "mse", "sqnr_db", "max_abs_err", "seconds");
    for (size_t i = 0; i < nschemes; i++) {
      printf("%-*s %9.4f %12.4e %9.2f %12.4e %9.4f\n", (int)w, lq_scheme_spec(schemes[i]), rows[i].bpe, rows[i].mse,
             rows[i].sqnr, rows[i].maxerr, rows[i].seconds);
    }
  }
done:
  free(rows);
  free(y);
  return rc;
}

/* Splits a comma list of specs and parses each; prints the first error. */
static int parse_specs(const char* list, lq_scheme*** out, size_t* n_out) {
  size_t cap = 1;
  for (const char* p = list; *p; p++) cap += *p == ',';
  lq_scheme** v = calloc(cap, sizeof *v);
  char* copy = strdup(list);
  if (!v || !copy) {
    free(v);
    free(copy);
    return cli_fail("eval: out of memory");
  }
  size_t n = 0;
  int rc = 0;
  char* p = copy;
  for (;;) {
    char* comma = strchr(p, ',');
    if (comma) *comma = '\0';
    if (*p == '\0') {
      rc = cli_usage_error("eval: empty scheme in the list '%s'", list);
      break;
    }
    lq_status s = lq_scheme_parse(p, &v[n]);
    if (s != LQ_OK) {
      rc = cli_lib_error("bad scheme", s);
      break;
    }
    n++;
    if (!comma) break;
    p = comma + 1;
  }
  free(copy);
  if (rc) {
    for (size_t i = 0; i < n; i++) lq_scheme_destroy(v[i]);
    free(v);
    return rc;
  }
  *out = v;
  *n_out = n;
  return 0;
}

int cmd_eval(int argc, char** argv) {
  const char *specs = NULL, *in = NULL;
  int json = 0;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { usage_eval(stdout); return 0; }
    if (strcmp(a, "--json") == 0) json = 1;
    else if (a[0] == '-' && a[1] != '\0') { usage_eval(stderr); return cli_usage_error("eval: unknown option '%s'", a); }
    else if (!specs) specs = a;
    else if (!in) in = a;
    else { usage_eval(stderr); return cli_usage_error("eval: unexpected argument '%s'", a); }
  }
  if (!specs || !in) {
    usage_eval(stderr);
    return cli_usage_error("eval: needs SPEC[,SPEC...] and IN.npy");
  }
  lq_scheme** schemes = NULL;
  size_t n = 0;
  int rc = parse_specs(specs, &schemes, &n);
  if (rc) return rc;
  cli_tensor t;
  rc = cli_load_npy_f32(in, &t);
  if (!rc) {
    rc = cli_eval_run(schemes, n, &t, json, NULL);
    cli_tensor_free(&t);
  }
  for (size_t i = 0; i < n; i++) lq_scheme_destroy(schemes[i]);
  free(schemes);
  return rc;
}
