# quant commands built on the scheme registry and .npy I/O.
list(APPEND QUANT_SOURCES cmd_list.c cmd_roundtrip.c cmd_eval.c cmd_bench.c)
