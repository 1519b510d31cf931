# deploy_files: the systemd unit, the Dockerfile and the StatefulSet start the real pointsd with
# their flags as written (only addresses and the data directory replaced), answer health and
# stop on SIGTERM with exit 0.
add_test(NAME deploy_files
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/deploy_files_test.sh $<TARGET_FILE:pointsd>
                 $<TARGET_FILE:pointsctl> ${PROJECT_SOURCE_DIR})
set_tests_properties(deploy_files PROPERTIES LABELS deploy TIMEOUT 180
                                             ENVIRONMENT "${POINTS_TEST_GRPC_ENV}")
