/* Declarations of every module's kernels and their function-pointer types. */
#include "common/common_kernels.h"

/* module: uniform */

/* module: nonuniform */

/* module: hw */

/* module: observers */

#include "llm/llm_kernels.h"

/* module: vq */

/* module: io */

/* module: scheme */
