# scale_out: two pointsd shards behind nginx configured from deploy/nginx/points-shards.conf,
# routed by the x-points-shard header. Skipped (77) where nginx is not installed.
add_test(NAME scale_out
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scale_out_test.sh $<TARGET_FILE:pointsd>
                 $<TARGET_FILE:pointsctl> ${PROJECT_SOURCE_DIR}/deploy/nginx/points-shards.conf)
set_tests_properties(scale_out PROPERTIES LABELS deploy TIMEOUT 180 SKIP_RETURN_CODE 77
                                          ENVIRONMENT "${POINTS_TEST_GRPC_ENV}")
