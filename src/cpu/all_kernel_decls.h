/* Declarations of every module's kernels and their function-pointer types. */
#include "common/common_kernels.h"

#include "uniform/uniform_kernels.h"

#include "nonuniform/nonuniform_kernels.h"

#include "hw/hw_kernels.h"

/* module: observers */

/* module: llm */

#include "vq/vq_kernels.h"

/* module: io */

/* module: scheme */
