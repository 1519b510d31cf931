# libFuzzer targets (POINTS_FUZZ=ON, clang; scripts/fuzz builds and runs them): each one a CTest
# test (label fuzz) that runs for POINTS_FUZZ_SECONDS (default 30) from its seed corpus in the
# source tree, writing what it finds into the build tree, never into the seeds. A crash leaves
# its input as crash-* in the build tree: turn it into a regression test next to the code.
set(POINTS_FUZZ_SECONDS 30 CACHE STRING "How long each fuzz target runs under ctest")

function(points_fuzz_target name corpus)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/${name}_corpus)
  add_test(NAME ${name}
           COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
                   sh -c "mkdir -p '${work}' && exec '$<TARGET_FILE:${name}>' \
                   -max_total_time=${POINTS_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048 \
                   -artifact_prefix='${CMAKE_CURRENT_BINARY_DIR}/${name}-' '${work}' '${corpus}'")
  set_tests_properties(${name} PROPERTIES LABELS fuzz TIMEOUT 600)
endfunction()

add_executable(record_fuzzer engine/record_fuzzer.cc)
target_include_directories(record_fuzzer PRIVATE ${PROJECT_SOURCE_DIR}/engine/src)
target_link_libraries(record_fuzzer PRIVATE points_engine)
points_fuzz_target(record_fuzzer ${CMAKE_CURRENT_SOURCE_DIR}/engine/fuzz_corpus/record)

if(NOT POINTS_ENGINE_ONLY)
  # The wire form, the payment code's text and the rate limit's: what it calls, not the services.
  add_executable(request_fuzzer server/convert/request_fuzzer.cc
                                ${PROJECT_SOURCE_DIR}/server/gate/rate_limiter.cc)
  target_link_libraries(request_fuzzer PRIVATE points_convert points_domain absl::flat_hash_map
                                               absl::synchronization)
  points_fuzz_target(request_fuzzer ${CMAKE_CURRENT_SOURCE_DIR}/server/convert/fuzz_corpus/request)
endif()
