#include "common/lq_internal.h"
#include "common/rng.h"

uint32_t lq_rng_u32(uint64_t seed, uint64_t index) {
  return lq_rng_u32_keyed(lq_rng_key(seed, (uint32_t)(index >> 32)), (uint32_t)index);
}

float lq_rng_uniform_f32(uint64_t seed, uint64_t index) { return lq_rng_unit_from_u32(lq_rng_u32(seed, index)); }

uint64_t lq_rng_u64(uint64_t seed, uint64_t index) {
  return lq_splitmix64(lq_splitmix64(seed) ^ (index * 0xd1b54a32d192ed03ull));
}
