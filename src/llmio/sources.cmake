# llmio: GGUF and safetensors readers/writers, ggml type sizes.
list(APPEND LQ_SOURCES src/llmio/llmio_file.c src/llmio/gguf.c src/llmio/gguf_writer.c
     src/llmio/safetensors.c)
