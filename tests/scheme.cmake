lq_add_test(test_scheme SOURCES test_scheme.c ISA_VARIANTS)
lq_add_cli_test(cli_scheme scheme.sh)
