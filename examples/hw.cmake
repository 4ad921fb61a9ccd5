lq_add_example(wav_ulaw wav_ulaw.c)
