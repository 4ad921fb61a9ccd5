list(APPEND QUANT_SOURCES cmd_llmio.c cmd_convert.c)
