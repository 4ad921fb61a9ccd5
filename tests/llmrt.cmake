lq_add_test(test_llmrt SOURCES test_llmrt.c ISA_VARIANTS)
# The QLoRA example must show its loss falling by at least 20x.
if(LQ_BUILD_EXAMPLES)
  add_test(NAME example_qlora_finetune COMMAND example_qlora_finetune --min-factor 20)
  set_tests_properties(example_qlora_finetune PROPERTIES TIMEOUT 120)
endif()
