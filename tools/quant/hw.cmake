list(APPEND QUANT_SOURCES cmd_audio.c audio_util.c)
