/* Declarations of every module's kernels and their function-pointer types. */
#include "common/common_kernels.h"

#include "uniform/uniform_kernels.h"

#include "nonuniform/nonuniform_kernels.h"

#include "hw/hw_kernels.h"

#include "observers/observers_kernels.h"

#include "llm/llm_kernels.h"

#include "vq/vq_kernels.h"

/* module: io */

/* module: scheme */

/* module: llmio */

#include "llmrt/llmrt_kernels.h"
