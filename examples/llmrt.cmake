lq_add_example(qlora_finetune qlora_finetune.c)
if(UNIX)
  target_link_libraries(example_qlora_finetune PRIVATE m)
endif()
