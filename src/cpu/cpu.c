/* CPU feature detection: cpuid + xgetbv on x86, getauxval on aarch64.
 * The decoders are pure functions so tests can feed them fake registers. */
#include "cpu/dispatch.h"

#if defined(__AVX__) && !defined(LQ_NATIVE_BUILD)
#error "src/cpu must be built without AVX flags: it runs before the CPU is known"
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define LQ_X86 1
#elif defined(__aarch64__)
#include <sys/auxv.h>
#define LQ_ARM64 1
#endif

uint64_t lq_isa_compiled(void) {
  uint64_t m = 0;
#if defined(__x86_64__) || defined(__SSE2__)
  m |= LQ_ISA_SSE2;
#endif
#if LQ_ENABLE_AVX2
  m |= LQ_ISA_AVX2;
#endif
#if LQ_ENABLE_AVX512
  m |= LQ_ISA_AVX512 | LQ_ISA_AVX512VNNI | LQ_ISA_AVX512BF16;
#endif
#if LQ_ENABLE_NEON
  m |= LQ_ISA_NEON | LQ_ISA_NEON_DOTPROD;
#endif
  return m;
}

uint64_t lq_cpu_x86_decode(uint32_t leaf1_ecx, uint32_t max_leaf, uint32_t leaf7_ebx, uint32_t leaf7_ecx,
                           uint32_t leaf7_1_eax, uint64_t xcr0) {
  uint64_t isa = LQ_ISA_SSE2; /* baseline on x86-64 */
  const int osxsave = (leaf1_ecx >> 27) & 1, avx = (leaf1_ecx >> 28) & 1;
  const int fma = (leaf1_ecx >> 12) & 1, f16c = (leaf1_ecx >> 29) & 1;
  if (!osxsave || !avx) return isa;
  /* The OS must save YMM (XCR0 bits 1-2) and, for AVX-512, opmask/ZMM (5-7). */
  const int os_ymm = (xcr0 & 0x6) == 0x6, os_zmm = (xcr0 & 0xe6) == 0xe6;
  if (!os_ymm || max_leaf < 7) return isa;
  const int avx2 = (leaf7_ebx >> 5) & 1;
  if (avx2 && fma && f16c) isa |= LQ_ISA_AVX2;
  const int f = (leaf7_ebx >> 16) & 1, dq = (leaf7_ebx >> 17) & 1, bw = (leaf7_ebx >> 30) & 1,
            vl = (leaf7_ebx >> 31) & 1;
  if ((isa & LQ_ISA_AVX2) && os_zmm && f && dq && bw && vl) {
    isa |= LQ_ISA_AVX512;
    if ((leaf7_ecx >> 11) & 1) isa |= LQ_ISA_AVX512VNNI;
    if ((leaf7_1_eax >> 5) & 1) isa |= LQ_ISA_AVX512BF16;
  }
  return isa;
}

uint64_t lq_cpu_arm_decode(unsigned long hwcap) {
  /* AT_HWCAP bits on Linux aarch64: ASIMD = bit 1, ASIMDDP = bit 20. */
  uint64_t isa = 0;
  if (hwcap & (1ul << 1)) isa |= LQ_ISA_NEON;
  if ((isa & LQ_ISA_NEON) && (hwcap & (1ul << 20))) isa |= LQ_ISA_NEON_DOTPROD;
  return isa;
}

#if LQ_X86
static uint64_t lq_xgetbv0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}
#endif

uint64_t lq_cpu_detect(void) {
  uint64_t isa = 0;
#if LQ_X86
  unsigned a = 0, b = 0, c = 0, d = 0;
  unsigned max_leaf = __get_cpuid_max(0, NULL);
  uint32_t l1c = 0, l7b = 0, l7c = 0, l71a = 0;
  if (max_leaf >= 1) { __cpuid(1, a, b, c, d); l1c = c; }
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    l7b = b; l7c = c;
    if (a >= 1) { __cpuid_count(7, 1, a, b, c, d); l71a = a; }
  }
  uint64_t xcr0 = ((l1c >> 27) & 1) ? lq_xgetbv0() : 0;
  isa = lq_cpu_x86_decode(l1c, max_leaf, l7b, l7c, l71a, xcr0);
#elif LQ_ARM64
  isa = lq_cpu_arm_decode(getauxval(AT_HWCAP));
#endif
  return isa & lq_isa_compiled();
}
