/* Armv8.2 dot-product int8 GEMM: SDOT adds four exact int8 products into
 * each int32 lane per instruction (4x the MACs of vmull + vpadal). Built with
 * -march=armv8.2-a+dotprod, chosen only on CPUs reporting HWCAP_ASIMDDP;
 * equal to the reference bit for bit (wrapping int32 sums). */
#include <arm_neon.h>

#define LQ_GEMM_MAC16(s, av, bv) vdotq_s32((s), (av), (bv))
#define LQ_GEMM_NAME lq_uk_llmrt_gemm_s8__neondot
#include "llmrt/llmrt_neon_gemm.h"
