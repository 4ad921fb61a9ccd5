lq_add_test(test_vq SOURCES test_vq.c ISA_VARIANTS)
lq_add_test(test_vq_kernels SOURCES test_vq_kernels.c)
lq_add_cli_test(cli_vq vq.sh)
