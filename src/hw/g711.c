/* Public G.711 API: validation, then the dispatched kernels. */
#include "cpu/dispatch.h"
#include "hw/g711_scalar.h"

uint8_t lq_g711_ulaw_encode1(int16_t x, lq_g711_variant variant) {
  return variant == LQ_G711_SUN ? lq_g711_ulaw_enc_sun(x) : lq_g711_ulaw_enc_g191(x);
}
int16_t lq_g711_ulaw_decode1(uint8_t code) { return lq_g711_ulaw_dec(code); }
uint8_t lq_g711_alaw_encode1(int16_t x) { return lq_g711_alaw_enc(x); }
int16_t lq_g711_alaw_decode1(uint8_t code) { return lq_g711_alaw_dec(code); }

#define LQ_REQUIRE_BUF(p, n) \
  do {                       \
    if ((n) > 0) LQ_REQUIRE_PTR(p); \
  } while (0)

lq_status lq_g711_ulaw_encode(const int16_t* x, size_t n, lq_g711_variant variant, uint8_t* codes) {
  if ((unsigned)variant >= LQ_G711_VARIANT_COUNT_)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_g711_ulaw_encode: unknown variant %d", (int)variant);
  LQ_REQUIRE_BUF(x, n);
  LQ_REQUIRE_BUF(codes, n);
  if (n == 0) return LQ_OK;
  const lq_dispatch* d = lq_dispatch_get();
  (variant == LQ_G711_SUN ? d->hw_ulaw_enc_sun_i16_u8 : d->hw_ulaw_enc_g191_i16_u8)(n, x, codes);
  return LQ_OK;
}

lq_status lq_g711_ulaw_decode(const uint8_t* codes, size_t n, int16_t* y) {
  LQ_REQUIRE_BUF(codes, n);
  LQ_REQUIRE_BUF(y, n);
  if (n == 0) return LQ_OK;
  lq_dispatch_get()->hw_ulaw_dec_u8_i16(n, codes, y);
  return LQ_OK;
}

lq_status lq_g711_alaw_encode(const int16_t* x, size_t n, uint8_t* codes) {
  LQ_REQUIRE_BUF(x, n);
  LQ_REQUIRE_BUF(codes, n);
  if (n == 0) return LQ_OK;
  lq_dispatch_get()->hw_alaw_enc_i16_u8(n, x, codes);
  return LQ_OK;
}

lq_status lq_g711_alaw_decode(const uint8_t* codes, size_t n, int16_t* y) {
  LQ_REQUIRE_BUF(codes, n);
  LQ_REQUIRE_BUF(y, n);
  if (n == 0) return LQ_OK;
  lq_dispatch_get()->hw_alaw_dec_u8_i16(n, codes, y);
  return LQ_OK;
}
