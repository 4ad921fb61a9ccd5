/* `int` schemes with obs=NAME: the scheme's reconstruction must equal the
 * observers module's parameters (lq_observer_calibrate with the mapped
 * config) applied by lq_uniform_fake_quantize, bit for bit, for every
 * observer and granularity; and obs= with groups is refused. */
#include "lq_test.h"

enum { ROWS = 24, COLS = 40, N = ROWS * COLS };

static void fill(float* x) {
  /* heavy-tailed rows with a few outlier columns, like activations */
  for (size_t i = 0; i < N; i++) {
    float u = lq_test_uniform(11, i, -1.0f, 1.0f);
    x[i] = u * u * u * 3.0f + ((i % COLS) == 7 ? 25.0f : 0.0f) - ((i % COLS) == 31 ? 12.0f : 0.0f);
  }
}

static const char* const methods[] = {"minmax", "moving_average", "histogram", "percentile",
                                      "hist_mse", "kl", "mse", "lsq"};

typedef struct {
  const char* gran_spec;     /* appended to the spec */
  lq_granularity obs_gran;   /* what the observer sees */
  int32_t obs_axis;
  lq_granularity uni_gran;   /* what the uniform API applies */
  int32_t uni_axis;
} gran_case;

static const gran_case grans[] = {
    {"", LQ_GRAN_TENSOR, 0, LQ_GRAN_TENSOR, 0},
    {":gran=channel:axis=1", LQ_GRAN_CHANNEL, 1, LQ_GRAN_CHANNEL, 1},
    {":gran=channel:axis=-2", LQ_GRAN_CHANNEL, -2, LQ_GRAN_CHANNEL, -2},
    {":gran=row", LQ_GRAN_CHANNEL, 0, LQ_GRAN_ROW, 0},
    {":gran=column", LQ_GRAN_CHANNEL, 1, LQ_GRAN_COLUMN, 0},
};

static void test_obs_matches_observer(void** state) {
  (void)state;
  static float x[N], y[N], want[N];
  fill(x);
  lq_shape shape = {2, {ROWS, COLS}};
  for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
    for (size_t g = 0; g < sizeof grans / sizeof grans[0]; g++) {
      for (int sgn = 0; sgn < 2; sgn++) {
        char spec[160];
        snprintf(spec, sizeof spec, "int:bits=4:signed=%d:obs=%s%s", sgn, methods[m], grans[g].gran_spec);
        lq_scheme* s = NULL;
        if (lq_scheme_parse(spec, &s) != LQ_OK) fail_msg("%s: %s", spec, lq_last_error());
        if (lq_scheme_roundtrip(s, &shape, x, y, NULL) != LQ_OK) fail_msg("%s: %s", spec, lq_last_error());
        lq_scheme_destroy(s);

        lq_observer_config oc = {0};
        assert_int_equal(lq_observer_method_parse(methods[m], &oc.method), LQ_OK);
        oc.dtype = sgn ? LQ_OBSERVER_QINT : LQ_OBSERVER_QUINT;
        oc.range.bits = 4;
        oc.range.signedness = sgn ? LQ_SIGNED : LQ_UNSIGNED;
        oc.granularity = grans[g].obs_gran;
        oc.axis = grans[g].obs_axis;
        float scales[COLS + ROWS];
        int32_t zps[COLS + ROWS];
        size_t n = COLS + ROWS;
        assert_int_equal(lq_observer_calibrate(&oc, x, &shape, scales, zps, &n), LQ_OK);
        size_t expect_n = grans[g].obs_gran == LQ_GRAN_TENSOR ? 1 : (grans[g].obs_axis == 0 || grans[g].obs_axis == -2) ? ROWS : COLS;
        assert_int_equal(n, expect_n);
        lq_uniform_config uc = {0};
        uc.range = oc.range;
        uc.granularity = grans[g].uni_gran;
        uc.axis = grans[g].uni_axis;
        assert_int_equal(lq_uniform_fake_quantize(&uc, x, &shape, scales, zps, want), LQ_OK);
        if (memcmp(y, want, sizeof y) != 0) fail_msg("%s: reconstruction differs from the observer's parameters", spec);
      }
    }
  }
}

static void test_obs_differs_from_minmax(void** state) {
  /* the clipping observers must actually change the result on outlier data */
  (void)state;
  static float x[N], y0[N], y1[N];
  fill(x);
  lq_shape shape = {2, {ROWS, COLS}};
  lq_scheme *a = NULL, *b = NULL;
  assert_int_equal(lq_scheme_parse("int:bits=4", &a), LQ_OK);
  assert_int_equal(lq_scheme_parse("int:bits=4:obs=mse", &b), LQ_OK);
  assert_int_equal(lq_scheme_roundtrip(a, &shape, x, y0, NULL), LQ_OK);
  assert_int_equal(lq_scheme_roundtrip(b, &shape, x, y1, NULL), LQ_OK);
  double e0 = 0, e1 = 0;
  for (size_t i = 0; i < N; i++) {
    e0 += (double)(y0[i] - x[i]) * (y0[i] - x[i]);
    e1 += (double)(y1[i] - x[i]) * (y1[i] - x[i]);
  }
  assert_true(e1 < e0); /* the MSE search never does worse than the full range it starts from */
  lq_scheme_destroy(a);
  lq_scheme_destroy(b);
}

static void test_obs_group_refused(void** state) {
  (void)state;
  static float x[N], y[N];
  fill(x);
  lq_shape shape = {2, {ROWS, COLS}};
  lq_scheme* s = NULL;
  assert_int_equal(lq_scheme_parse("int:bits=4:gran=group:group=8:axis=1:obs=kl", &s), LQ_OK);
  assert_int_equal(lq_scheme_roundtrip(s, &shape, x, y, NULL), LQ_ERR_INVALID_ARG);
  assert_non_null(strstr(lq_last_error(), "not group"));
  lq_scheme_destroy(s);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_obs_matches_observer),
      cmocka_unit_test(test_obs_differs_from_minmax),
      cmocka_unit_test(test_obs_group_refused),
  };
  return cmocka_run_group_tests_name("scheme_obs", tests, NULL, NULL);
}
