lq_add_test(test_hw SOURCES test_hw.c ISA_VARIANTS)
