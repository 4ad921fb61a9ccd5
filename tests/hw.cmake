lq_add_test(test_hw SOURCES test_hw.c ISA_VARIANTS)
lq_add_cli_test(cli_hw hw.sh)
