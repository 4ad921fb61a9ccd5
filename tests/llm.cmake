lq_add_test(test_llm SOURCES test_llm.c ISA_VARIANTS)
lq_add_test(test_llm_kernels SOURCES test_llm_kernels.c)
lq_add_test(test_llm_awq SOURCES test_llm_awq.c)
lq_add_test(test_llm_mf_kernels SOURCES test_llm_mf_kernels.c)
