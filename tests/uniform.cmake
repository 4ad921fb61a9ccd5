lq_add_test(test_uniform SOURCES test_uniform.c ISA_VARIANTS)
lq_add_test(test_uniform_kernels SOURCES test_uniform_kernels.c)
