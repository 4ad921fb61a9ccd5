/* Scalar reference kernels of the hw module. */
#include "hw/g711_scalar.h"
#include "hw/hw_kernels.h"

void lq_uk_hw_ulaw_enc_g191_i16_u8__ref(size_t n, const int16_t* x, uint8_t* c) {
  for (size_t i = 0; i < n; i++) c[i] = lq_g711_ulaw_enc_g191(x[i]);
}
void lq_uk_hw_ulaw_enc_sun_i16_u8__ref(size_t n, const int16_t* x, uint8_t* c) {
  for (size_t i = 0; i < n; i++) c[i] = lq_g711_ulaw_enc_sun(x[i]);
}
void lq_uk_hw_alaw_enc_i16_u8__ref(size_t n, const int16_t* x, uint8_t* c) {
  for (size_t i = 0; i < n; i++) c[i] = lq_g711_alaw_enc(x[i]);
}
void lq_uk_hw_ulaw_dec_u8_i16__ref(size_t n, const uint8_t* c, int16_t* y) {
  for (size_t i = 0; i < n; i++) y[i] = lq_g711_ulaw_dec(c[i]);
}
void lq_uk_hw_alaw_dec_u8_i16__ref(size_t n, const uint8_t* c, int16_t* y) {
  for (size_t i = 0; i < n; i++) y[i] = lq_g711_alaw_dec(c[i]);
}
