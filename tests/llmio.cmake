lq_add_test(test_llmio_scheme SOURCES test_llmio_scheme.c ISA_VARIANTS)
lq_add_test(test_llmio_gguf SOURCES test_llmio_gguf.c)
lq_add_test(test_llmio_st SOURCES test_llmio_st.c)
lq_add_cli_test(cli_llmio llmio.sh)
# The examples run as tests: gguf_convert verifies the streamed GGUF's bytes,
# nf4_qlora must show its loss falling by at least 10x.
if(LQ_BUILD_EXAMPLES)
  add_test(NAME example_gguf_convert COMMAND example_gguf_convert ${CMAKE_CURRENT_BINARY_DIR})
  add_test(NAME example_nf4_qlora COMMAND example_nf4_qlora --min-factor 10)
  set_tests_properties(example_gguf_convert example_nf4_qlora PROPERTIES TIMEOUT 120)
endif()
