/* Tests of the hw module: G.711 against audioop / G.191 golden tables over
 * every input, every G.711 kernel against the scalar reference, IMA-ADPCM
 * against audioop with carried state, the WAV reader/writer (layout bytes,
 * round trips, malformed files) and fixed-point requantization against a
 * wide-integer reference. */
#include "lq_test.h"

#include "hw/hw_kernels.h"

#define LQ_UKERNEL LQ_TEST_KERNEL_ROW
static const lq_test_kernel kernels[] = {
#include "hw/hw_kernels.inc"
};
#undef LQ_UKERNEL
#define NKERNELS (sizeof kernels / sizeof kernels[0])

static uint32_t rd32(const uint8_t* p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static int16_t rd16s(const uint8_t* p) { return (int16_t)(uint16_t)(p[0] | p[1] << 8); }

#define ASSERT_FAILS(expr, status)                          \
  do {                                                      \
    lq_clear_error();                                       \
    assert_int_equal((expr), (status));                     \
    assert_true(lq_last_error()[0] != '\0');                \
  } while (0)

/* ------------------------------------------------------------- G.711 -- */

static uint8_t* g711_golden;
static int16_t all_x[65536];

static int setup_g711(void** state) {
  size_t bytes;
  g711_golden = lq_test_read_vector("g711_golden.bin", &bytes);
  assert_int_equal(bytes, 3 * 65536 + 1024);
  for (int i = 0; i < 65536; i++) all_x[i] = (int16_t)(i - 32768);
  return 0;
}
static int teardown_g711(void** state) {
  free(g711_golden);
  return 0;
}

static void test_g711_golden_api(void** state) {
  const uint8_t* g191 = g711_golden;
  const uint8_t* sun = g711_golden + 65536;
  const uint8_t* alaw = g711_golden + 2 * 65536;
  const uint8_t* dec = g711_golden + 3 * 65536;
  static uint8_t c[65536];
  assert_int_equal(lq_g711_ulaw_encode(all_x, 65536, LQ_G711_G191, c), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(c, g191, 65536, "ulaw g191");
  assert_int_equal(lq_g711_ulaw_encode(all_x, 65536, LQ_G711_SUN, c), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(c, sun, 65536, "ulaw sun/audioop");
  assert_int_equal(lq_g711_alaw_encode(all_x, 65536, c), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(c, alaw, 65536, "alaw");
  int ndiff = 0;
  for (int i = 0; i < 65536; i++) {
    assert_int_equal(lq_g711_ulaw_encode1(all_x[i], LQ_G711_G191), g191[i]);
    assert_int_equal(lq_g711_ulaw_encode1(all_x[i], LQ_G711_SUN), sun[i]);
    assert_int_equal(lq_g711_alaw_encode1(all_x[i]), alaw[i]);
    if (g191[i] != sun[i]) {
      ndiff++;
      assert_true(all_x[i] < 0);
    }
  }
  assert_int_equal(ndiff, 508);
  /* Documented vectors (classic.md E.2). */
  assert_int_equal(lq_g711_ulaw_encode1(-1, LQ_G711_SUN), 0x7E);
  assert_int_equal(lq_g711_ulaw_encode1(-1, LQ_G711_G191), 0x7F);
  assert_int_equal(lq_g711_ulaw_encode1(1000, LQ_G711_G191), 0xCE);
  assert_int_equal(lq_g711_alaw_encode1(1000), 0xFA);
  assert_int_equal(lq_g711_alaw_encode1(-32768), 0x2A);
  uint8_t codes[256];
  int16_t y[256];
  for (int i = 0; i < 256; i++) codes[i] = (uint8_t)i;
  assert_int_equal(lq_g711_ulaw_decode(codes, 256, y), LQ_OK);
  for (int i = 0; i < 256; i++) {
    assert_int_equal(y[i], rd16s(dec + 2 * i));
    assert_int_equal(lq_g711_ulaw_decode1((uint8_t)i), y[i]);
  }
  assert_int_equal(lq_g711_alaw_decode(codes, 256, y), LQ_OK);
  for (int i = 0; i < 256; i++) {
    assert_int_equal(y[i], rd16s(dec + 512 + 2 * i));
    assert_int_equal(lq_g711_alaw_decode1((uint8_t)i), y[i]);
  }
  assert_int_equal(lq_g711_ulaw_decode1(0x80), 32124);
  assert_int_equal(lq_g711_alaw_decode1(0xAA), 32256);
}

static void test_g711_bad_args(void** state) {
  uint8_t c[4];
  int16_t x[4] = {0};
  ASSERT_FAILS(lq_g711_ulaw_encode(NULL, 4, LQ_G711_G191, c), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_g711_ulaw_encode(x, 4, LQ_G711_G191, NULL), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_g711_ulaw_encode(x, 4, (lq_g711_variant)2, c), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_g711_ulaw_encode(x, 4, (lq_g711_variant)-1, c), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_g711_alaw_encode(NULL, 1, c), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_g711_ulaw_decode(c, 1, NULL), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_g711_alaw_decode(NULL, 1, x), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_g711_ulaw_encode(NULL, 0, LQ_G711_SUN, NULL), LQ_OK);
  assert_int_equal(lq_g711_alaw_decode(NULL, 0, NULL), LQ_OK);
}

/* Every kernel vs _ref: all sizes, unaligned pointers, the whole int16 range. */
static void test_g711_kernel(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  if (!lq_test_isa_available(k->isa)) skip();
  const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, k->slot);
  int enc = strstr(k->slot, "_enc_") != NULL;
  static int16_t xin[65536 + 64], ya[65536 + 64], yb[65536 + 64];
  static uint8_t cin[65536 + 64], ca[65536 + 64], cb[65536 + 64];
  for (size_t s = 0; s < LQ_TEST_NSIZES + 1; s++) {
    size_t n = s < LQ_TEST_NSIZES ? lq_test_sizes[s] : 65536;
    for (size_t off = 0; off < 3; off++) {
      for (size_t i = 0; i < n; i++) {
        xin[off + i] = n == 65536 ? all_x[i] : (int16_t)lq_rng_u32(n * 7 + off, i);
        cin[off + i] = n == 65536 ? (uint8_t)i : (uint8_t)lq_rng_u32(n * 11 + off, i);
      }
      if (enc) {
        ca[off + n] = cb[off + n] = 0xA5;
        ((lq_uk_g711_enc_fn)k->fn)(n, xin + off, ca + off);
        ((lq_uk_g711_enc_fn)ref->fn)(n, xin + off, cb + off);
        assert_int_equal(ca[off + n], 0xA5);
        LQ_ASSERT_BITS_EQUAL(ca + off, cb + off, n, k->name);
      } else {
        ya[off + n] = yb[off + n] = 0x1234;
        ((lq_uk_g711_dec_fn)k->fn)(n, cin + off, ya + off);
        ((lq_uk_g711_dec_fn)ref->fn)(n, cin + off, yb + off);
        assert_int_equal(ya[off + n], 0x1234);
        LQ_ASSERT_BITS_EQUAL(ya + off, yb + off, 2 * n, k->name);
      }
    }
  }
}

/* ---------------------------------------------------------- IMA-ADPCM -- */

static void test_adpcm_golden(void** state) {
  size_t bytes;
  uint8_t* g = lq_test_read_vector("adpcm_golden.bin", &bytes);
  const uint8_t* p = g;
  uint32_t nenc = rd32(p);
  p += 4;
  int16_t x[2048], y[2048];
  uint8_t out[1100], codes[2048];
  for (uint32_t c = 0; c < nenc; c++) {
    uint32_t n = rd32(p);
    lq_adpcm_state st = {(int32_t)rd32(p + 4), (int32_t)rd32(p + 8)}, st2 = st, st3 = st;
    p += 12;
    for (uint32_t i = 0; i < n; i++) x[i] = rd16s(p + 2 * i);
    p += 2 * n;
    const uint8_t* want = p;
    p += n / 2;
    int32_t vp = (int32_t)rd32(p), idx = (int32_t)rd32(p + 4);
    p += 8;
    assert_int_equal(lq_ima_adpcm_encode(x, n, LQ_NIBBLE_HIGH_FIRST, &st, out), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(out, want, n / 2, "lin2adpcm bytes");
    assert_int_equal(st.valpred, vp);
    assert_int_equal(st.index, idx);
    /* The one-code-per-byte API and the low-nibble-first order agree. */
    assert_int_equal(lq_ima_adpcm_encode_codes(x, n, &st2, codes), LQ_OK);
    assert_int_equal(st2.valpred, vp);
    assert_int_equal(st2.index, idx);
    for (uint32_t i = 0; i < n; i++) assert_int_equal(codes[i], (out[i / 2] >> (i % 2 ? 0 : 4)) & 0xF);
    assert_int_equal(lq_ima_adpcm_encode(x, n, LQ_NIBBLE_LOW_FIRST, &st3, out), LQ_OK);
    for (uint32_t i = 0; i < n; i++) assert_int_equal(codes[i], (out[i / 2] >> (i % 2 ? 4 : 0)) & 0xF);
    /* Closed loop: decoding the codes from the same start state ends in the
     * encoder's state, and the last output equals the encoder's valpred. */
    lq_adpcm_state ds = {(int32_t)rd32(want - 2 * n - 8), (int32_t)rd32(want - 2 * n - 4)};
    assert_int_equal(lq_ima_adpcm_decode_codes(codes, n, &ds, y), LQ_OK);
    assert_int_equal(ds.valpred, vp);
    assert_int_equal(ds.index, idx);
    if (n > 0) assert_int_equal(y[n - 1], vp);
  }
  uint32_t ndec = rd32(p);
  p += 4;
  for (uint32_t c = 0; c < ndec; c++) {
    uint32_t nb = rd32(p);
    lq_adpcm_state st = {(int32_t)rd32(p + 4), (int32_t)rd32(p + 8)};
    p += 12;
    const uint8_t* in = p;
    p += nb;
    for (uint32_t i = 0; i < 2 * nb; i++) x[i] = rd16s(p + 2 * i);
    p += 4 * nb;
    int32_t vp = (int32_t)rd32(p), idx = (int32_t)rd32(p + 4);
    p += 8;
    assert_int_equal(lq_ima_adpcm_decode(in, 2 * nb, LQ_NIBBLE_HIGH_FIRST, &st, y), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(y, x, 4 * nb, "adpcm2lin samples");
    assert_int_equal(st.valpred, vp);
    assert_int_equal(st.index, idx);
  }
  assert_int_equal((size_t)(p - g), bytes);
  free(g);
}

static void test_adpcm_vector_and_args(void** state) {
  /* classic.md E.3: [0,100,1000,-1000,32767,-32768,5,5] -> 07 7f 7f 28, (-7, 38). */
  const int16_t x[8] = {0, 100, 1000, -1000, 32767, -32768, 5, 5};
  uint8_t b[4];
  lq_adpcm_state st = {0, 0};
  assert_int_equal(lq_ima_adpcm_encode(x, 8, LQ_NIBBLE_HIGH_FIRST, &st, b), LQ_OK);
  assert_int_equal(b[0], 0x07);
  assert_int_equal(b[1], 0x7f);
  assert_int_equal(b[2], 0x7f);
  assert_int_equal(b[3], 0x28);
  assert_int_equal(st.valpred, -7);
  assert_int_equal(st.index, 38);
  int16_t y[8];
  lq_adpcm_state ds = {0, 0};
  assert_int_equal(lq_ima_adpcm_decode(b, 8, LQ_NIBBLE_HIGH_FIRST, &ds, y), LQ_OK);
  const int16_t want[8] = {0, 11, 41, -22, 114, -179, 31, -7};
  assert_memory_equal(y, want, sizeof want);
  /* Odd n: the last code sits in the first-nibble position. */
  lq_adpcm_state s3 = {0, 0};
  uint8_t ob[2] = {0xFF, 0xFF};
  assert_int_equal(lq_ima_adpcm_encode(x, 3, LQ_NIBBLE_HIGH_FIRST, &s3, ob), LQ_OK);
  assert_int_equal(ob[0], 0x07);
  assert_int_equal(ob[1], 0x70);
  assert_int_equal(s3.valpred, 41);
  assert_int_equal(s3.index, 16);

  lq_adpcm_state bad = {0, 89};
  ASSERT_FAILS(lq_ima_adpcm_encode(x, 8, LQ_NIBBLE_HIGH_FIRST, &bad, b), LQ_ERR_INVALID_ARG);
  bad = (lq_adpcm_state){32768, 0};
  ASSERT_FAILS(lq_ima_adpcm_decode(b, 8, LQ_NIBBLE_HIGH_FIRST, &bad, y), LQ_ERR_INVALID_ARG);
  bad = (lq_adpcm_state){0, -1};
  ASSERT_FAILS(lq_ima_adpcm_encode_codes(x, 8, &bad, b), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_ima_adpcm_decode_codes(b, 8, &bad, y), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_ima_adpcm_encode(x, 8, (lq_nibble_order)2, &st, b), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_ima_adpcm_decode(b, 8, (lq_nibble_order)7, &st, y), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_ima_adpcm_encode(x, 8, LQ_NIBBLE_HIGH_FIRST, NULL, b), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_ima_adpcm_encode(NULL, 8, LQ_NIBBLE_HIGH_FIRST, &st, b), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_ima_adpcm_decode(b, 8, LQ_NIBBLE_HIGH_FIRST, &st, NULL), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_ima_adpcm_decode_codes(NULL, 8, &st, y), LQ_ERR_INVALID_ARG);
  lq_adpcm_state z = {0, 0};
  assert_int_equal(lq_ima_adpcm_encode(NULL, 0, LQ_NIBBLE_LOW_FIRST, &z, NULL), LQ_OK);
}

/* ---------------------------------------------------------------- WAV -- */

static void make_signal(int16_t* x, size_t frames, uint32_t ch) {
  for (size_t i = 0; i < frames; i++)
    for (uint32_t c = 0; c < ch; c++)
      x[i * ch + c] = (int16_t)(9000.0 * sin(0.013 * (double)i * (c + 1)) + (double)(lq_rng_u32(5 + c, i) % 401) - 200.0);
}

static void test_wav_layout_bytes(void** state) {
  /* A 3-frame mono µ-law file: every header byte checked. */
  const int16_t x[3] = {0, -1, 1000};
  uint8_t out[64];
  size_t w, sz;
  assert_int_equal(lq_wav_encoded_size(LQ_WAV_ULAW, 1, 3, 0, &sz), LQ_OK);
  assert_int_equal(sz, 12 + 26 + 12 + 8 + 4);
  assert_int_equal(lq_wav_encode(x, 3, 1, 8000, LQ_WAV_ULAW, LQ_G711_G191, 0, out, sizeof out, &w), LQ_OK);
  assert_int_equal(w, sz);
  const uint8_t want[] = {'R', 'I', 'F', 'F', 54, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ', 18, 0, 0, 0,
                          7, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x40, 0x1f, 0, 0, 1, 0, 8, 0, 0, 0, 'f', 'a', 'c', 't',
                          4, 0, 0, 0, 3, 0, 0, 0, 'd', 'a', 't', 'a', 3, 0, 0, 0, 0xFF, 0x7F, 0xCE, 0};
  assert_int_equal(sizeof want, w);
  assert_memory_equal(out, want, w);
  lq_wav_info info;
  assert_int_equal(lq_wav_parse(out, w, &info), LQ_OK);
  assert_int_equal(info.format, LQ_WAV_ULAW);
  assert_int_equal(info.frames, 3);
  int16_t y[3];
  assert_int_equal(lq_wav_decode(out, w, &info, y, 3), LQ_OK);
  assert_int_equal(y[0], 0);
  assert_int_equal(y[1], 0); /* G.191: -1 -> 0x7F -> 0 */
  assert_int_equal(y[2], 988);

  /* IMA-ADPCM stereo, block_align 32: header fields and the first block. */
  int16_t s[2 * 20];
  for (int i = 0; i < 40; i++) s[i] = (int16_t)(i * 300 - (i % 2) * 7000);
  uint8_t buf[512];
  assert_int_equal(lq_wav_encode(s, 20, 2, 22050, LQ_WAV_IMA_ADPCM, LQ_G711_G191, 32, buf, sizeof buf, &w), LQ_OK);
  /* spb = (32/2 - 4)*2 + 1 = 25 -> 1 block of 32 bytes. */
  assert_int_equal(w, 12 + 28 + 12 + 8 + 32);
  assert_int_equal(buf[20], 0x11);
  assert_int_equal(buf[32], 32);            /* block_align */
  assert_int_equal(buf[34], 4);             /* bits */
  assert_int_equal(buf[36], 2);             /* cbSize */
  assert_int_equal(buf[38], 25);            /* samples per block */
  assert_int_equal(rd32(buf + 28), 22050u * 32 / 25);
  assert_int_equal(rd32(buf + 48), 20);     /* fact */
  const uint8_t* blk = buf + 60;
  assert_int_equal(rd16s(blk), s[0]);       /* left header: first sample, index 0 */
  assert_int_equal(blk[2], 0);
  assert_int_equal(rd16s(blk + 4), s[1]);   /* right header */
  /* First 4 data bytes are the left channel's samples 1..8, low nibble first. */
  lq_adpcm_state st = {s[0], 0};
  int16_t left[8];
  uint8_t codes[8];
  for (int i = 0; i < 8; i++) left[i] = s[2 * (i + 1)];
  assert_int_equal(lq_ima_adpcm_encode_codes(left, 8, &st, codes), LQ_OK);
  for (int i = 0; i < 4; i++) assert_int_equal(blk[8 + i], codes[2 * i] | (codes[2 * i + 1] << 4));
  assert_int_equal(lq_wav_parse(buf, w, &info), LQ_OK);
  assert_int_equal(info.frames, 20);
  assert_int_equal(info.samples_per_block, 25);
  int16_t d[40];
  assert_int_equal(lq_wav_decode(buf, w, &info, d, 40), LQ_OK);
  assert_int_equal(d[0], s[0]);
  assert_int_equal(d[1], s[1]);
  lq_adpcm_state ds = {s[0], 0};
  int16_t dl[8];
  assert_int_equal(lq_ima_adpcm_decode_codes(codes, 8, &ds, dl), LQ_OK);
  for (int i = 0; i < 8; i++) assert_int_equal(d[2 * (i + 1)], dl[i]);
}

static double snr_db(const int16_t* a, const int16_t* b, size_t n) {
  double s = 0, e = 0;
  for (size_t i = 0; i < n; i++) {
    s += (double)a[i] * a[i];
    e += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
  }
  return 10.0 * log10(s / e);
}

static void test_wav_roundtrips(void** state) {
  const lq_wav_format fmts[] = {LQ_WAV_PCM16, LQ_WAV_ULAW, LQ_WAV_ALAW, LQ_WAV_IMA_ADPCM};
  const size_t frame_counts[] = {0, 1, 504, 505, 506, 1011, 4000};
  for (uint32_t ch = 1; ch <= 3; ch++) {
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
      for (size_t k = 0; k < sizeof frame_counts / sizeof frame_counts[0]; k++) {
        size_t frames = frame_counts[k], ns = frames * ch;
        int16_t* x = malloc(ns * 2 + 2);
        int16_t* y = malloc(ns * 2 + 2);
        int16_t* ref = malloc(ns * 2 + 2);
        make_signal(x, frames, ch);
        size_t sz, w;
        assert_int_equal(lq_wav_encoded_size(fmts[f], ch, frames, 0, &sz), LQ_OK);
        uint8_t* buf = malloc(sz);
        assert_int_equal(lq_wav_encode(x, frames, ch, 16000, fmts[f], LQ_G711_SUN, 0, buf, sz, &w), LQ_OK);
        assert_int_equal(w, sz);
        assert_int_equal(sz % 2, 0);
        ASSERT_FAILS(lq_wav_encode(x, frames, ch, 16000, fmts[f], LQ_G711_SUN, 0, buf, sz - 1, &w),
                     LQ_ERR_BUFFER_TOO_SMALL);
        lq_wav_info info;
        assert_int_equal(lq_wav_parse(buf, sz, &info), LQ_OK);
        assert_int_equal(info.frames, frames);
        assert_int_equal(info.channels, ch);
        assert_int_equal(info.sample_rate, 16000);
        assert_int_equal(info.format, fmts[f]);
        if (ns > 0) ASSERT_FAILS(lq_wav_decode(buf, sz, &info, y, ns - 1), LQ_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(lq_wav_decode(buf, sz, &info, y, ns), LQ_OK);
        /* Per-format expectation from the stream codecs. */
        if (fmts[f] == LQ_WAV_PCM16) {
          if (ns) assert_memory_equal(x, y, ns * 2);
        } else if (fmts[f] != LQ_WAV_IMA_ADPCM) {
          uint8_t* c = malloc(ns + 1);
          if (fmts[f] == LQ_WAV_ULAW) {
            assert_int_equal(lq_g711_ulaw_encode(x, ns, LQ_G711_SUN, c), LQ_OK);
            assert_int_equal(lq_g711_ulaw_decode(c, ns, ref), LQ_OK);
          } else {
            assert_int_equal(lq_g711_alaw_encode(x, ns, c), LQ_OK);
            assert_int_equal(lq_g711_alaw_decode(c, ns, ref), LQ_OK);
          }
          if (ns) assert_memory_equal(ref, y, ns * 2);
          free(c);
        } else if (frames >= 1000) {
          assert_true(snr_db(x, y, ns) > 20.0); /* IMA-ADPCM on this signal: ~ 30 dB */
        }
        if (fmts[f] == LQ_WAV_IMA_ADPCM)
          for (uint32_t c = 0; c < ch; c++)
            for (size_t b = 0; b < frames; b += 505) assert_int_equal(y[b * ch + c], x[b * ch + c]); /* headers exact */
        free(buf);
        free(x);
        free(y);
        free(ref);
      }
    }
  }
}

/* A valid little PCM16 file to corrupt. */
static size_t make_pcm(uint8_t* buf, size_t cap) {
  int16_t x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  size_t w;
  assert_int_equal(lq_wav_encode(x, 4, 2, 8000, LQ_WAV_PCM16, LQ_G711_G191, 0, buf, cap, &w), LQ_OK);
  return w;
}
static void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void test_wav_malformed(void** state) {
  uint8_t b[256], c[256];
  lq_wav_info info;
  size_t n = make_pcm(b, sizeof b);
  assert_int_equal(n, 44 + 16);
  assert_int_equal(lq_wav_parse(b, n, &info), LQ_OK);
  for (size_t cut = 0; cut < n; cut++) ASSERT_FAILS(lq_wav_parse(b, cut, &info), LQ_ERR_FORMAT);
#define CORRUPT(off, val, status)            \
  do {                                       \
    memcpy(c, b, n);                         \
    c[off] = (uint8_t)(val);                 \
    ASSERT_FAILS(lq_wav_parse(c, n, &info), status); \
  } while (0)
  CORRUPT(0, 'X', LQ_ERR_FORMAT);                 /* RIFF */
  CORRUPT(8, 'X', LQ_ERR_FORMAT);                 /* WAVE */
  CORRUPT(4, 200, LQ_ERR_FORMAT);                 /* RIFF size past the end */
  CORRUPT(20, 3, LQ_ERR_UNSUPPORTED);             /* float format */
  CORRUPT(22, 0, LQ_ERR_FORMAT);                  /* 0 channels */
  CORRUPT(22, 9, LQ_ERR_UNSUPPORTED);             /* 9 channels */
  CORRUPT(34, 8, LQ_ERR_UNSUPPORTED);             /* 8-bit PCM */
  CORRUPT(32, 3, LQ_ERR_FORMAT);                  /* block_align */
  CORRUPT(28, 1, LQ_ERR_FORMAT);                  /* bytes/second */
  CORRUPT(40, 255, LQ_ERR_FORMAT);                /* data size past the end */
  CORRUPT(40, 15, LQ_ERR_FORMAT);                 /* data not a multiple of block_align */
  CORRUPT(16, 12, LQ_ERR_FORMAT);                 /* fmt too small */
  memcpy(c, b, n);
  put32(c + 24, 0);
  ASSERT_FAILS(lq_wav_parse(c, n, &info), LQ_ERR_FORMAT); /* rate 0 */
  memcpy(c, b, n);
  memcpy(c + 12, "junk", 4); /* fmt renamed: data before fmt */
  ASSERT_FAILS(lq_wav_parse(c, n, &info), LQ_ERR_FORMAT);
  memcpy(c, b, n);
  memcpy(c + 36, "junk", 4);
  ASSERT_FAILS(lq_wav_parse(c, n, &info), LQ_ERR_FORMAT); /* no data */
  /* An odd-sized unknown chunk (with its pad byte) before data is skipped. */
  memcpy(c, b, 36);
  memcpy(c + 36, "LIST", 4);
  put32(c + 40, 3);
  memcpy(c + 44, "abc\0", 4);
  memcpy(c + 48, b + 36, n - 36);
  put32(c + 4, (uint32_t)(n + 12 - 8));
  assert_int_equal(lq_wav_parse(c, n + 12, &info), LQ_OK);
  assert_int_equal(info.frames, 4);
  int16_t y[8];
  assert_int_equal(lq_wav_decode(c, n + 12, &info, y, 8), LQ_OK);
  assert_int_equal(y[7], 8);
  /* Duplicate data chunk. */
  memcpy(c, b, n);
  memcpy(c + n, b + 36, n - 36);
  put32(c + 4, (uint32_t)(n + n - 36 - 8));
  ASSERT_FAILS(lq_wav_parse(c, n + n - 36, &info), LQ_ERR_FORMAT);

  /* IMA-ADPCM specifics. */
  int16_t s[1010];
  make_signal(s, 1010, 1);
  size_t w;
  assert_int_equal(lq_wav_encode(s, 1010, 1, 8000, LQ_WAV_IMA_ADPCM, LQ_G711_G191, 0, b, sizeof b, &w),
                   LQ_ERR_BUFFER_TOO_SMALL);
  uint8_t* a = malloc(2048);
  uint8_t* d = malloc(2048);
  assert_int_equal(lq_wav_encode(s, 1010, 1, 8000, LQ_WAV_IMA_ADPCM, LQ_G711_G191, 0, a, 2048, &w), LQ_OK);
  assert_int_equal(w, 60 + 512);
  assert_int_equal(lq_wav_parse(a, w, &info), LQ_OK);
  memcpy(d, a, w);
  d[38] = 100; /* samples per block inconsistent */
  ASSERT_FAILS(lq_wav_parse(d, w, &info), LQ_ERR_FORMAT);
  memcpy(d, a, w);
  d[32] = 250; /* block_align not a multiple of 4 */
  ASSERT_FAILS(lq_wav_parse(d, w, &info), LQ_ERR_FORMAT);
  memcpy(d, a, w);
  put32(d + 48, 2000); /* fact larger than the data */
  ASSERT_FAILS(lq_wav_parse(d, w, &info), LQ_ERR_FORMAT);
  memcpy(d, a, w);
  put32(d + 56, 256 + 3); /* partial block of 3 bytes */
  put32(d + 4, (uint32_t)(60 + 256 + 3 + 1 - 8));
  ASSERT_FAILS(lq_wav_parse(d, 60 + 256 + 4, &info), LQ_ERR_FORMAT);
  memcpy(d, a, w);
  d[60 + 256 + 2] = 89; /* step index of block 2 */
  assert_int_equal(lq_wav_parse(d, w, &info), LQ_OK);
  int16_t* y2 = malloc(1010 * 2);
  ASSERT_FAILS(lq_wav_decode(d, w, &info, y2, 1010), LQ_ERR_FORMAT);
  /* A shorter final block (8 + 4 bytes: 1 + 8 samples) without fact is valid. */
  memcpy(d, a, w);
  memmove(d + 40, a + 52, 8);       /* drop the fact chunk: the data header moves to 40 */
  memmove(d + 48, a + 60, 256 + 8); /* one full block + 8 bytes of the second */
  put32(d + 44, 256 + 8);
  put32(d + 4, (uint32_t)(48 + 256 + 8 - 8));
  assert_int_equal(lq_wav_parse(d, 48 + 256 + 8, &info), LQ_OK);
  assert_int_equal(info.frames, 505 + 9);
  assert_int_equal(lq_wav_decode(d, 48 + 256 + 8, &info, y2, 1010), LQ_OK);
  assert_int_equal(y2[505], s[505]);
  free(y2);
  free(a);
  free(d);

  /* Bad arguments. */
  ASSERT_FAILS(lq_wav_parse(NULL, 10, &info), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_wav_parse(b, n, NULL), LQ_ERR_INVALID_ARG);
  size_t sz;
  ASSERT_FAILS(lq_wav_encoded_size((lq_wav_format)3, 1, 1, 0, &sz), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_wav_encoded_size(LQ_WAV_PCM16, 0, 1, 0, &sz), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_wav_encoded_size(LQ_WAV_PCM16, 9, 1, 0, &sz), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_wav_encoded_size(LQ_WAV_IMA_ADPCM, 2, 1, 12, &sz), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_wav_encoded_size(LQ_WAV_IMA_ADPCM, 1, 1, 4, &sz), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_wav_encoded_size(LQ_WAV_PCM16, 8, 1ull << 40, 0, &sz), LQ_ERR_OVERFLOW);
  ASSERT_FAILS(lq_wav_encoded_size(LQ_WAV_PCM16, 8, 0xFFFFFFFFull, 0, &sz), LQ_ERR_OVERFLOW);
  int16_t x1[2] = {0, 0};
  ASSERT_FAILS(lq_wav_encode(x1, 1, 1, 0, LQ_WAV_PCM16, LQ_G711_G191, 0, b, sizeof b, &w), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_wav_encode(x1, 1, 1, 8000, LQ_WAV_ULAW, (lq_g711_variant)5, 0, b, sizeof b, &w), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_wav_encode(NULL, 1, 1, 8000, LQ_WAV_PCM16, LQ_G711_G191, 0, b, sizeof b, &w), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_wav_encode(x1, 1, 1, 8000, LQ_WAV_PCM16, LQ_G711_G191, 0, NULL, sizeof b, &w), LQ_ERR_INVALID_ARG);
  lq_wav_info bad = info;
  bad.data_offset = 1000000;
  ASSERT_FAILS(lq_wav_decode(b, n, &bad, y, 8), LQ_ERR_INVALID_ARG);
}

/* ------------------------------------------- fixed-point requantization -- */

/* Wide-integer references. */
static int32_t ref_srdhm(int32_t a, int32_t b) {
  __int128 ab2 = (__int128)a * b * 2; /* exact */
  /* round(ab2 / 2^32), ties toward +inf: floor((ab2 + 2^31) / 2^32) */
  __int128 num = ab2 + ((__int128)1 << 31);
  __int128 q = num >= 0 ? num / ((__int128)1 << 32) : -((-num + ((__int128)1 << 32) - 1) / ((__int128)1 << 32));
  if (q > INT32_MAX) q = INT32_MAX;
  return (int32_t)q;
}
static int32_t ref_rdbpot(int32_t x, int e) {
  /* nearest, ties away from zero, by exact rational comparison */
  int64_t d = (int64_t)1 << e;
  int64_t ax = x < 0 ? -(int64_t)x : x;
  int64_t q = ax / d, r = ax % d;
  if (2 * r >= d && e > 0) q++;
  return (int32_t)(x < 0 ? -q : q);
}

static void test_quantize_multiplier_golden(void** state) {
  size_t bytes;
  uint8_t* g = lq_test_read_vector("requant_golden.bin", &bytes);
  uint32_t cnt = rd32(g);
  assert_int_equal(bytes, 4 + 16 * (size_t)cnt);
  for (uint32_t i = 0; i < cnt; i++) {
    double m;
    memcpy(&m, g + 4 + 16 * i, 8);
    int32_t qm;
    int sh;
    assert_int_equal(lq_quantize_multiplier(m, &qm, &sh), LQ_OK);
    if (qm != (int32_t)rd32(g + 12 + 16 * i) || sh != (int32_t)rd32(g + 16 + 16 * i))
      fail_msg("m=%a: got (%d,%d) want (%d,%d)", m, qm, sh, (int32_t)rd32(g + 12 + 16 * i), (int32_t)rd32(g + 16 + 16 * i));
  }
  free(g);
  int32_t qm;
  int sh;
  assert_int_equal(lq_quantize_multiplier(1.0 - 0x1p-40, &qm, &sh), LQ_OK);
  assert_int_equal(qm, 1 << 30); /* rounds up to 2^31, halved */
  assert_int_equal(sh, 1);
  assert_int_equal(lq_quantize_multiplier(0x1p-40, &qm, &sh), LQ_OK);
  assert_int_equal(qm, 0);
  assert_int_equal(sh, 0);
  ASSERT_FAILS(lq_quantize_multiplier(NAN, &qm, &sh), LQ_ERR_NUMERIC);
  ASSERT_FAILS(lq_quantize_multiplier(INFINITY, &qm, &sh), LQ_ERR_NUMERIC);
  ASSERT_FAILS(lq_quantize_multiplier(1.0, NULL, &sh), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_quantize_multiplier(1.0, &qm, NULL), LQ_ERR_INVALID_ARG);
}

static void test_srdhm_rdbpot(void** state) {
  /* Special cases. */
  assert_int_equal(lq_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
  assert_int_equal(lq_srdhm(INT32_MIN, INT32_MAX), ref_srdhm(INT32_MIN, INT32_MAX));
  assert_int_equal(lq_srdhm(INT32_MAX, INT32_MAX), INT32_MAX - 1);
  assert_int_equal(lq_srdhm(1 << 30, 1 << 30), 1 << 29);
  assert_int_equal(lq_srdhm(1, 1 << 30), 1);   /* +0.5 -> 1 */
  assert_int_equal(lq_srdhm(-1, 1 << 30), 0);  /* -0.5 -> 0 (ties toward +inf) */
  assert_int_equal(lq_srdhm(-3, 1 << 30), -1); /* -1.5 -> -1 */
  assert_int_equal(lq_srdhm(0, INT32_MIN), 0);
  const int32_t edge[] = {0, 1, -1, 2, -2, 3, -3, INT32_MAX, INT32_MIN, INT32_MIN + 1, 1 << 30, -(1 << 30),
                          (1 << 30) + 1, 46341, -46341, 0x7FFF, -0x8000};
  const size_t ne = sizeof edge / sizeof edge[0];
  for (size_t i = 0; i < ne; i++)
    for (size_t j = 0; j < ne; j++) assert_int_equal(lq_srdhm(edge[i], edge[j]), ref_srdhm(edge[i], edge[j]));
  for (uint64_t k = 0; k < 200000; k++) {
    int32_t a = (int32_t)lq_rng_u32(91, k), b = (int32_t)lq_rng_u32(92, k);
    if (k % 3 == 0) b >>= lq_rng_u32(93, k) % 31;
    if (lq_srdhm(a, b) != ref_srdhm(a, b)) fail_msg("srdhm(%d,%d)", a, b);
  }
  /* RDBPOT: exact division by powers of two is exact, ties away from zero. */
  for (int e = 0; e <= 31; e++) {
    for (int32_t q = -1000; q <= 1000; q++) {
      int64_t x = (int64_t)q * ((int64_t)1 << e);
      if (x < INT32_MIN || x > INT32_MAX) continue;
      assert_int_equal(lq_rdbpot((int32_t)x, e), q);
      if (e >= 1) {
        int64_t half = (int64_t)1 << (e - 1);
        if (x + half <= INT32_MAX) assert_int_equal(lq_rdbpot((int32_t)(x + half), e), q >= 0 ? q + 1 : q); /* tie */
        if (x - half >= INT32_MIN) assert_int_equal(lq_rdbpot((int32_t)(x - half), e), q > 0 ? q : q - 1);
        if (e >= 2 && x + half - 1 <= INT32_MAX) assert_int_equal(lq_rdbpot((int32_t)(x + half - 1), e), q); /* just below */
      }
    }
    assert_int_equal(lq_rdbpot(INT32_MIN, e), ref_rdbpot(INT32_MIN, e));
    assert_int_equal(lq_rdbpot(INT32_MAX, e), ref_rdbpot(INT32_MAX, e));
    for (uint64_t k = 0; k < 20000; k++) {
      int32_t x = (int32_t)lq_rng_u32(94 + (uint64_t)e, k);
      if (lq_rdbpot(x, e) != ref_rdbpot(x, e)) fail_msg("rdbpot(%d,%d)=%d want %d", x, e, lq_rdbpot(x, e), ref_rdbpot(x, e));
    }
  }
  assert_int_equal(lq_rdbpot(-3, 1), -2); /* -1.5 -> -2 */
  assert_int_equal(lq_rdbpot(3, 1), 2);
  assert_int_equal(lq_rdbpot(-5, 2), -1); /* -1.25 */
  assert_int_equal(lq_rdbpot(-6, 2), -2); /* -1.5 */
  assert_int_equal(lq_rdbpot(INT32_MIN, 31), -1);
  assert_int_equal(lq_rdbpot(INT32_MAX, 31), 1);
  assert_int_equal(lq_rdbpot(-(1 << 30), 31), -1); /* -0.5 -> -1 (away) */
  assert_int_equal(lq_rdbpot(1 << 30, 31), 1);
}

static int32_t ref_mbqm(int32_t x, int32_t qm, int shift) {
  int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  int64_t xl = (int64_t)x * ((int64_t)1 << left);
  if (xl > INT32_MAX) xl = INT32_MAX;
  if (xl < INT32_MIN) xl = INT32_MIN;
  return ref_rdbpot(ref_srdhm((int32_t)xl, qm), right);
}

static void test_mbqm_and_requantize(void** state) {
  for (uint64_t k = 0; k < 100000; k++) {
    int32_t x = (int32_t)lq_rng_u32(101, k) >> (lq_rng_u32(102, k) % 24);
    int32_t qm = (int32_t)((1u << 30) + (lq_rng_u32(103, k) >> 2));
    int sh = (int)(lq_rng_u32(104, k) % 62) - 31;
    assert_int_equal(lq_mbqm(x, qm, sh), ref_mbqm(x, qm, sh));
  }
  /* A real scale: 0.0123 applied to accumulators is within the double-rounding
   * bound of acc*0.0123: 1/2 (final RDBPOT) + 1/2 * 2^shift (SRDHM before it). */
  int32_t qm;
  int sh;
  assert_int_equal(lq_quantize_multiplier(0.0123, &qm, &sh), LQ_OK);
  for (int32_t acc = -100000; acc <= 100000; acc += 37) {
    double exact = acc * 0.0123;
    assert_true(fabs(lq_mbqm(acc, qm, sh) - exact) <= 0.5 + ldexp(0.5, sh) + 1e-6);
  }
  /* Arrays: clamp after the zero point. */
  const int32_t acc[6] = {0, 1000, -1000, 100000, -100000, 12345};
  int8_t y[6];
  assert_int_equal(lq_requantize_i32_i8(acc, 6, qm, sh, 5, -128, 127, y), LQ_OK);
  for (int i = 0; i < 6; i++) {
    int32_t v = lq_mbqm(acc[i], qm, sh) + 5;
    assert_int_equal(y[i], v > 127 ? 127 : v < -128 ? -128 : v);
  }
  assert_int_equal(y[3], 127);
  assert_int_equal(y[4], -128);
  assert_int_equal(lq_requantize_i32_i8(acc, 6, qm, sh, 0, 0, 6, y), LQ_OK); /* fused ReLU6-like range */
  assert_int_equal(y[2], 0);
  assert_int_equal(y[3], 6);
  /* INT32_MAX result + zero point does not overflow. */
  const int32_t big = INT32_MAX;
  assert_int_equal(lq_requantize_i32_i8(&big, 1, INT32_MAX, 30, 127, -128, 127, y), LQ_OK);
  assert_int_equal(y[0], 127);
  /* Per channel and shift-only. */
  const int32_t qms[3] = {qm, 1 << 30, 1 << 30};
  const int shs[3] = {sh, 0, -3};
  int8_t yc[6];
  assert_int_equal(lq_requantize_per_channel_i32_i8(acc, 2, 3, qms, shs, -3, -128, 127, yc), LQ_OK);
  for (int r = 0; r < 2; r++)
    for (int c = 0; c < 3; c++) {
      int32_t v = lq_mbqm(acc[r * 3 + c], qms[c], shs[c]) - 3;
      assert_int_equal(yc[r * 3 + c], v > 127 ? 127 : v < -128 ? -128 : v);
    }
  const int pot[2] = {4, 9};
  const int32_t a2[4] = {24, -24, 256 + 255, -(256 + 256)};
  assert_int_equal(lq_requantize_shift_i32_i8(a2, 2, 2, pot, 0, -128, 127, yc), LQ_OK);
  assert_int_equal(yc[0], 2);  /* 24/16 = 1.5 -> 2 */
  assert_int_equal(yc[1], 0);  /* -24/512 -> 0 */
  assert_int_equal(yc[2], 32); /* 511/16 = 31.94 -> 32 */
  assert_int_equal(yc[3], -1); /* -512/512 */
  /* Bad arguments. */
  ASSERT_FAILS(lq_requantize_i32_i8(acc, 6, qm, 31, 0, -128, 127, y), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_requantize_i32_i8(acc, 6, qm, -32, 0, -128, 127, y), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_requantize_i32_i8(acc, 6, qm, sh, 0, 5, 4, y), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_requantize_i32_i8(acc, 6, qm, sh, 0, -129, 4, y), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_requantize_i32_i8(acc, 6, qm, sh, 200, -128, 127, y), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_requantize_i32_i8(NULL, 6, qm, sh, 0, -128, 127, y), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_requantize_per_channel_i32_i8(acc, 2, 3, NULL, shs, 0, -128, 127, yc), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_requantize_per_channel_i32_i8(acc, SIZE_MAX, 3, qms, shs, 0, -128, 127, yc), LQ_ERR_OVERFLOW);
  const int badsh[2] = {4, 32};
  ASSERT_FAILS(lq_requantize_shift_i32_i8(a2, 2, 2, badsh, 0, -128, 127, yc), LQ_ERR_INVALID_ARG);
  const int negsh[2] = {-1, 3};
  ASSERT_FAILS(lq_requantize_shift_i32_i8(a2, 2, 2, negsh, 0, -128, 127, yc), LQ_ERR_INVALID_ARG);
}

static void test_pot_and_saturation(void** state) {
  int e;
  assert_int_equal(lq_pot_scale_exponent(1.0, 1, &e), LQ_OK);
  assert_int_equal(e, 0);
  assert_int_equal(lq_pot_scale_exponent(0.25, 1, &e), LQ_OK);
  assert_int_equal(e, -2);
  assert_int_equal(lq_pot_scale_exponent(0.3, 1, &e), LQ_OK);
  assert_int_equal(e, -1);
  assert_int_equal(lq_pot_scale_exponent(0.3, 0, &e), LQ_OK);
  assert_int_equal(e, -2); /* log2 0.3 = -1.74 -> -2 */
  assert_int_equal(lq_pot_scale_exponent(1.41, 0, &e), LQ_OK);
  assert_int_equal(e, 0);
  assert_int_equal(lq_pot_scale_exponent(1.42, 0, &e), LQ_OK);
  assert_int_equal(e, 1);
  for (int k = -60; k <= 60; k++) {
    double s = ldexp(1.0, k);
    assert_int_equal(lq_pot_scale_exponent(s, 1, &e), LQ_OK);
    assert_int_equal(e, k);
    assert_int_equal(lq_pot_scale_exponent(s, 0, &e), LQ_OK);
    assert_int_equal(e, k);
    assert_int_equal(lq_pot_scale_exponent(s * 1.0000001, 1, &e), LQ_OK);
    assert_int_equal(e, k + 1);
    double v = s * (1.0 + (k + 61) / 130.0);
    assert_int_equal(lq_pot_scale_exponent(v, 0, &e), LQ_OK);
    assert_int_equal(e, (int)nearbyint(log2(v)));
  }
  ASSERT_FAILS(lq_pot_scale_exponent(0.0, 1, &e), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_pot_scale_exponent(-1.0, 1, &e), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_pot_scale_exponent(NAN, 1, &e), LQ_ERR_NUMERIC);
  ASSERT_FAILS(lq_pot_scale_exponent(1.0, 1, NULL), LQ_ERR_INVALID_ARG);

  assert_int_equal(lq_sat_i8(128), 127);
  assert_int_equal(lq_sat_i8(-129), -128);
  assert_int_equal(lq_sat_i8(-5), -5);
  assert_int_equal(lq_sat_i16(40000), 32767);
  assert_int_equal(lq_sat_i16(-40000), -32768);
  assert_int_equal(lq_sat_add_i32(INT32_MAX, 1), INT32_MAX);
  assert_int_equal(lq_sat_add_i32(INT32_MIN, -1), INT32_MIN);
  assert_int_equal(lq_sat_add_i32(5, -7), -2);
  int8_t x[600], w[600];
  for (int i = 0; i < 600; i++) {
    x[i] = 127;
    w[i] = (int8_t)(i < 300 ? 127 : -128);
  }
  int16_t a16 = 0;
  assert_int_equal(lq_sat_dot_i8_i16(x, w, 600, &a16), LQ_OK);
  /* Saturates at 32767 after 3 products, then 300 products of -16256 drive it to -32768. */
  assert_int_equal(a16, -32768);
  a16 = 0;
  assert_int_equal(lq_sat_dot_i8_i16(x, w, 2, &a16), LQ_OK);
  assert_int_equal(a16, 32258);
  int32_t a32 = INT32_MAX - 10;
  assert_int_equal(lq_sat_dot_i8_i32(x, w, 1, &a32), LQ_OK);
  assert_int_equal(a32, INT32_MAX);
  a32 = 0;
  assert_int_equal(lq_sat_dot_i8_i32(x, w, 600, &a32), LQ_OK);
  assert_int_equal(a32, 300 * 16129 - 300 * 16256);
  int8_t a8 = 100;
  assert_int_equal(lq_sat_accumulate_i8(x, 1, &a8), LQ_OK);
  assert_int_equal(a8, 127);
  int8_t neg[2] = {-128, -128};
  assert_int_equal(lq_sat_accumulate_i8(neg, 2, &a8), LQ_OK);
  assert_int_equal(a8, -128);
  ASSERT_FAILS(lq_sat_dot_i8_i16(NULL, w, 3, &a16), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_sat_dot_i8_i32(x, w, 3, NULL), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_sat_accumulate_i8(x, 3, NULL), LQ_ERR_INVALID_ARG);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  struct CMUnitTest tests[NKERNELS + 16];
  size_t nt = 0;
  tests[nt++] = (struct CMUnitTest){"g711_golden_api", test_g711_golden_api, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"g711_bad_args", test_g711_bad_args, NULL, NULL, NULL};
  for (size_t i = 0; i < NKERNELS; i++) {
    if (kernels[i].isa == 0) continue;
    tests[nt++] = (struct CMUnitTest){kernels[i].name, test_g711_kernel, NULL, NULL, (void*)&kernels[i]};
  }
  tests[nt++] = (struct CMUnitTest){"adpcm_golden", test_adpcm_golden, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"adpcm_vector_and_args", test_adpcm_vector_and_args, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"wav_layout_bytes", test_wav_layout_bytes, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"wav_roundtrips", test_wav_roundtrips, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"wav_malformed", test_wav_malformed, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"quantize_multiplier_golden", test_quantize_multiplier_golden, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"srdhm_rdbpot", test_srdhm_rdbpot, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"mbqm_and_requantize", test_mbqm_and_requantize, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"pot_and_saturation", test_pot_and_saturation, NULL, NULL, NULL};
  return _cmocka_run_group_tests("hw", tests, nt, setup_g711, teardown_g711);
}
