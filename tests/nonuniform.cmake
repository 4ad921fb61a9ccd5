lq_add_test(test_nonuniform SOURCES test_nonuniform.c ISA_VARIANTS)
