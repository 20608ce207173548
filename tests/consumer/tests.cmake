# SPDX-License-Identifier: Apache-2.0
# Consumer tests, for a static and a shared libxvs: install the library alone into a prefix
# under the build tree, then build tests/consumer against it (find_package and pkg-config)
# and run it. See run.sh for the steps.
set(XVS_CONSUMER_WORK ${CMAKE_CURRENT_BINARY_DIR}/consumer)
set(XVS_CONSUMER_ENV
    CMAKE_COMMAND=${CMAKE_COMMAND}
    CMAKE_GENERATOR=${CMAKE_GENERATOR}
    CC=${CMAKE_C_COMPILER}
    CXX=${CMAKE_CXX_COMPILER}
    PKG_CONFIG=${PKG_CONFIG_EXECUTABLE})

foreach(variant static shared)
  set(install_test "consumer: install ${variant}")
  add_test(NAME ${install_test}
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/run.sh install ${variant} ${PROJECT_SOURCE_DIR}
                   ${XVS_CONSUMER_WORK})
  # Each install compiles the whole library on every core: never two at once.
  set_tests_properties(${install_test} PROPERTIES
                       LABELS consumer FIXTURES_SETUP xvs_installed_${variant}
                       RESOURCE_LOCK xvs_consumer_build TIMEOUT 900
                       ENVIRONMENT "${XVS_CONSUMER_ENV}")
  foreach(step cmake pkg-config)
    set(name "consumer: ${step} ${variant}")
    add_test(NAME ${name}
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/run.sh ${step} ${variant} ${PROJECT_SOURCE_DIR}
                     ${XVS_CONSUMER_WORK})
    set_tests_properties(${name} PROPERTIES
                         LABELS consumer FIXTURES_REQUIRED xvs_installed_${variant}
                         TIMEOUT 300 ENVIRONMENT "${XVS_CONSUMER_ENV}")
  endforeach()
endforeach()
