lq_add_example(calibrate_activations calibrate_activations.c)
if(UNIX)
  target_link_libraries(example_calibrate_activations PRIVATE m) # logf/nearbyintf in the example itself
endif()
