# Sources of the llm module (bitsandbytes 4-bit, OCP minifloats and MX, ggml blocks).
list(APPEND LQ_SOURCES src/llm/llm_tables.c src/llm/llm_ref.c src/llm/bnb4.c src/llm/minifloat.c
  src/llm/ggml.c src/llm/ggml_k.c src/llm/awq_pack.c src/llm/wq.c)
list(APPEND LQ_SOURCES_avx2 src/llm/llm_avx2.c src/llm/minifloat_avx2.c)
list(APPEND LQ_SOURCES_neon src/llm/llm_neon.c src/llm/minifloat_neon.c)
list(APPEND LQ_SOURCES_neondot src/llm/llm_neondot.c)
# ggml Q4_1/Q5_0/Q5_1 quantizers (reference + AVX2) and the K-quant AVX2 kernels.
list(APPEND LQ_SOURCES src/llm/ggml_quant_ref.c)
list(APPEND LQ_SOURCES_avx2 src/llm/ggml_avx2.c src/llm/ggml_k_avx2.c)
list(APPEND LQ_SOURCES_neon src/llm/ggml_k_neon.c)
