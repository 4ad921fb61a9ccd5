lq_add_test(test_llmio_scheme SOURCES test_llmio_scheme.c ISA_VARIANTS)
lq_add_test(test_llmio_gguf SOURCES test_llmio_gguf.c)
lq_add_test(test_llmio_st SOURCES test_llmio_st.c)
lq_add_cli_test(cli_llmio llmio.sh)
