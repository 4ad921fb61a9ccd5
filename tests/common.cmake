lq_add_test(test_core SOURCES test_core.c ISA_VARIANTS)
lq_add_test(test_common_kernels SOURCES test_common_kernels.c)
lq_add_cli_test(cli_core core.sh)
