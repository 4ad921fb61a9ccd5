lq_add_test(test_io SOURCES test_io.c)
