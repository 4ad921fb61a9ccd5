/* The once-initialised dispatch table: one function pointer per slot, filled
 * from the modules' *_kernels.inc lists. Module code calls
 * lq_dispatch_get()->slot(...). */
#ifndef LQ_DISPATCH_H
#define LQ_DISPATCH_H

#include "common/lq_internal.h"
#include "cpu/all_kernel_decls.h"

typedef struct lq_dispatch {
  uint64_t isa; /* the active ISA bits the table was built for */
#define LQ_SLOT(name, type) type name;
#include "cpu/all_slots.inc"
#undef LQ_SLOT
} lq_dispatch;

enum {
#define LQ_SLOT(name, type) LQ_SLOT_INDEX_##name,
#include "cpu/all_slots.inc"
#undef LQ_SLOT
  LQ_SLOT_COUNT
};

LQ_INTERNAL const lq_dispatch* lq_dispatch_get(void);

/* Raw detection (before LIBQUANT_ISA), restricted to compiled ISAs. */
LQ_INTERNAL uint64_t lq_cpu_detect(void);

/* Pure decoder of x86 cpuid/xgetbv words, separated so tests can fake CPUs.
 * leaf1_ecx = CPUID.1:ECX, leaf7_* = CPUID.(7,0), leaf7_1_eax = CPUID.(7,1):EAX,
 * xcr0 = XGETBV(0) (pass 0 when OSXSAVE is clear). */
LQ_INTERNAL uint64_t lq_cpu_x86_decode(uint32_t leaf1_ecx, uint32_t max_leaf, uint32_t leaf7_ebx,
                                       uint32_t leaf7_ecx, uint32_t leaf7_1_eax, uint64_t xcr0);
/* aarch64: decode AT_HWCAP. */
LQ_INTERNAL uint64_t lq_cpu_arm_decode(unsigned long hwcap);

/* The ISAs this build compiled kernels for. */
LQ_INTERNAL uint64_t lq_isa_compiled(void);

#endif
