/* NEON (aarch64) int8 GEMM: vmull_s8 / vmull_high_s8 give exact int16
 * products (at most 2^14), vpadalq_s16 adds adjacent pairs into int32 lanes.
 * No vmlal_s8 (it would accumulate in int16 and overflow). */
#include <arm_neon.h>

static inline int32x4_t lq_mac16_neon(int32x4_t s, int8x16_t av, int8x16_t bv) {
  s = vpadalq_s16(s, vmull_s8(vget_low_s8(av), vget_low_s8(bv)));
  return vpadalq_s16(s, vmull_high_s8(av, bv));
}
#define LQ_GEMM_MAC16 lq_mac16_neon
#define LQ_GEMM_NAME lq_uk_llmrt_gemm_s8__neon
#include "llmrt/llmrt_neon_gemm.h"
