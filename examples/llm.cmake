lq_add_example(nf4_roundtrip llm_nf4_roundtrip.c)
if(UNIX)
  target_link_libraries(example_nf4_roundtrip PRIVATE m)
endif()
