/*
 * libquant — a portable C11 library of quantization methods.
 *
 * This is the only header users include. It pulls in the per-module parts
 * under include/libquant/. Every declaration states what it returns, who owns
 * what, whether buffers may alias, and whether it is thread-safe.
 *
 * Conventions (docs/NUMERICS.md has the details):
 *  - Every fallible function returns lq_status (LQ_OK == 0); results go through
 *    *_out pointers. On failure lq_last_error() holds a sentence saying why and
 *    no output buffer has been written past its documented size.
 *  - The caller owns every buffer. Nothing here keeps a pointer after it returns
 *    unless the function says so.
 *  - Functions are reentrant and thread-safe unless a note says otherwise.
 */
#ifndef LIBQUANT_H_7F3A91C2
#define LIBQUANT_H_7F3A91C2

#include <stddef.h>
#include <stdint.h>

/* Version: the single source of truth, parsed by cmake/LqVersion.cmake. */
#define LQ_VERSION_MAJOR 0
#define LQ_VERSION_MINOR 1
#define LQ_VERSION_PATCH 0
#define LQ_VERSION_NUMBER (LQ_VERSION_MAJOR * 10000 + LQ_VERSION_MINOR * 100 + LQ_VERSION_PATCH)
#define LQ_STRINGIFY_(x) #x
#define LQ_STRINGIFY(x) LQ_STRINGIFY_(x)
#define LQ_VERSION_STRING \
  LQ_STRINGIFY(LQ_VERSION_MAJOR) "." LQ_STRINGIFY(LQ_VERSION_MINOR) "." LQ_STRINGIFY(LQ_VERSION_PATCH)

#if defined(_WIN32) && defined(LQ_BUILDING_DLL)
#define LQ_API __declspec(dllexport)
#elif defined(_WIN32) && defined(LQ_USING_DLL)
#define LQ_API __declspec(dllimport)
#elif defined(__GNUC__) || defined(__clang__)
#define LQ_API __attribute__((visibility("default")))
#else
#define LQ_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#include "libquant/core.h"

#include "libquant/uniform.h"

#include "libquant/nonuniform.h"

#include "libquant/hw.h"

#include "libquant/observers.h"

#include "libquant/llm.h"

#include "libquant/llmio.h"

#include "libquant/llmrt.h"

#include "libquant/vq.h"

#include "libquant/io.h"

#include "libquant/scheme.h"

#ifdef __cplusplus
}
#endif

#endif /* LIBQUANT_H_7F3A91C2 */
