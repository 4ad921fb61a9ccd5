# Sources of the llmrt module (LLM.int8() activations, KIVI KV cache, QLoRA).
list(APPEND LQ_SOURCES src/llmrt/llmrt_ref.c src/llmrt/int8mm.c src/llmrt/kivi.c src/llmrt/qlora.c)
list(APPEND LQ_SOURCES_avx2 src/llmrt/llmrt_avx2.c)
list(APPEND LQ_SOURCES_avx512 src/llmrt/llmrt_avx512.c)
list(APPEND LQ_SOURCES_neon src/llmrt/llmrt_neon.c)
list(APPEND LQ_SOURCES_neondot src/llmrt/llmrt_neondot.c)
