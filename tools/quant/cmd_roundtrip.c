/* quant roundtrip: quantize + dequantize a .npy file, optionally writing the
 * integer codes and the parameters. Outputs are written atomically and never
 * over an input. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void usage_roundtrip(FILE* out) {
  fprintf(out,
          "usage: quant roundtrip SPEC IN.npy -o OUT.npy [--codes CODES.npy] [--params PARAMS.json]\n"
          "  Quantizes then dequantizes IN.npy (float32/float64/float16 or integer, any\n"
          "  rank up to 8) with SPEC and writes the float32 result, same shape, to OUT.npy.\n"
          "  --codes   the integer code of every element (same shape, the smallest numpy\n"
          "            integer dtype that holds the scheme's code range)\n"
          "  --params  JSON with the parameters: \"scale\" and \"zero_point\" arrays, \"qmin\",\n"
          "            \"qmax\", \"bits\", ... (docs/cli.md)\n"
          "  Outputs are replaced atomically; an output naming an input is refused.\n");
}

/* The smallest numpy integer dtype holding [qmin, qmax]. */
static lq_npy_dtype code_dtype(int32_t qmin, int32_t qmax) {
  if (qmin >= -128 && qmax <= 127) return LQ_NPY_S8;
  if (qmin >= 0 && qmax <= 255) return LQ_NPY_U8;
  if (qmin >= -32768 && qmax <= 32767) return LQ_NPY_S16;
  if (qmin >= 0 && qmax <= 65535) return LQ_NPY_U16;
  return LQ_NPY_S32;
}

static void narrow_codes(const int32_t* c, size_t n, lq_npy_dtype dt, void* out) {
  for (size_t i = 0; i < n; i++) {
    switch (dt) {
      case LQ_NPY_S8: ((int8_t*)out)[i] = (int8_t)c[i]; break;
      case LQ_NPY_U8: ((uint8_t*)out)[i] = (uint8_t)c[i]; break;
      case LQ_NPY_S16: ((int16_t*)out)[i] = (int16_t)c[i]; break;
      case LQ_NPY_U16: ((uint16_t*)out)[i] = (uint16_t)c[i]; break;
      default: ((int32_t*)out)[i] = c[i]; break;
    }
  }
}

int cmd_roundtrip(int argc, char** argv) {
  const char *spec = NULL, *in = NULL, *out = NULL, *codes_path = NULL, *params_path = NULL;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { usage_roundtrip(stdout); return 0; }
    if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 || strcmp(a, "--codes") == 0 ||
        strcmp(a, "--params") == 0) {
      if (i + 1 >= argc) return cli_usage_error("roundtrip: %s needs a file name", a);
      const char** dst = a[1] == 'o' || strcmp(a, "--output") == 0 ? &out : strcmp(a, "--codes") == 0 ? &codes_path : &params_path;
      if (*dst) return cli_usage_error("roundtrip: %s given twice", a);
      *dst = argv[++i];
    } else if (a[0] == '-' && a[1] != '\0') {
      usage_roundtrip(stderr);
      return cli_usage_error("roundtrip: unknown option '%s'", a);
    } else if (!spec) {
      spec = a;
    } else if (!in) {
      in = a;
    } else {
      usage_roundtrip(stderr);
      return cli_usage_error("roundtrip: unexpected argument '%s'", a);
    }
  }
  if (!spec || !in || !out) {
    usage_roundtrip(stderr);
    return cli_usage_error("roundtrip: needs SPEC, IN.npy and -o OUT.npy");
  }
  const char* outputs[3];
  size_t nout = 0;
  outputs[nout++] = out;
  if (codes_path) outputs[nout++] = codes_path;
  if (params_path) outputs[nout++] = params_path;
  const char* inputs[1] = {in};
  int rc = cli_check_outputs(outputs, nout, inputs, 1);
  if (rc) return rc;

  lq_scheme* sc;
  lq_status s = lq_scheme_parse(spec, &sc);
  if (s != LQ_OK) return cli_lib_error("bad scheme", s);
  int32_t qmin = 0, qmax = 0;
  if (codes_path && (s = lq_scheme_code_range(sc, &qmin, &qmax)) != LQ_OK) {
    lq_scheme_destroy(sc);
    return cli_lib_error("--codes", s);
  }
  cli_tensor t;
  rc = cli_load_npy_f32(in, &t);
  if (rc) {
    lq_scheme_destroy(sc);
    return rc;
  }
  float* y = malloc((t.n ? t.n : 1) * sizeof *y);
  int32_t* codes = codes_path ? malloc((t.n ? t.n : 1) * sizeof *codes) : NULL;
  void* narrow = NULL;
  char* json = NULL;
  if (!y || (codes_path && !codes)) {
    rc = cli_fail("roundtrip: out of memory");
    goto done;
  }
  s = lq_scheme_roundtrip(sc, &t.shape, t.x, y, codes);
  if (s != LQ_OK) {
    rc = cli_lib_error(in, s);
    goto done;
  }
  /* Everything is computed before the first file is written. */
  if (params_path) {
    size_t len;
    s = lq_scheme_params_json(sc, NULL, 0, &len);
    if (s == LQ_OK && (json = malloc(len + 2)) == NULL) s = LQ_ERR_OUT_OF_MEMORY;
    if (s == LQ_OK) s = lq_scheme_params_json(sc, json, len + 1, &len);
    if (s != LQ_OK) {
      rc = cli_lib_error("--params", s);
      goto done;
    }
    json[len] = '\n';
    if ((s = lq_file_write_atomic(params_path, json, len + 1)) != LQ_OK) {
      rc = cli_lib_error("--params", s);
      goto done;
    }
  }
  if (codes_path) {
    lq_npy_dtype dt = code_dtype(qmin, qmax);
    narrow = malloc((t.n ? t.n : 1) * lq_npy_dtype_size(dt));
    if (!narrow) {
      rc = cli_fail("roundtrip: out of memory");
      goto done;
    }
    narrow_codes(codes, t.n, dt, narrow);
    if ((s = lq_npy_write_file(codes_path, dt, t.shape.ndim, t.shape.dims, narrow)) != LQ_OK) {
      rc = cli_lib_error("--codes", s);
      goto done;
    }
  }
  if ((s = lq_npy_write_file(out, LQ_NPY_F32, t.shape.ndim, t.shape.dims, y)) != LQ_OK) rc = cli_lib_error("-o", s);
done:
  free(json);
  free(narrow);
  free(codes);
  free(y);
  cli_tensor_free(&t);
  lq_scheme_destroy(sc);
  return rc;
}
