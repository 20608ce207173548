# SPDX-License-Identifier: Apache-2.0
# Installs libxvs for consumers: the library, its public headers, an exported CMake package
# (xvs::xvs via find_package(xvs)) and a pkg-config file. Tools and examples install
# themselves.
include(CMakePackageConfigHelpers)

set(XVS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/xvs)

install(TARGETS xvs EXPORT xvsTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/xvs
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_BINARY_DIR}/include/xvs/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xvs)
install(EXPORT xvsTargets NAMESPACE xvs:: DESTINATION ${XVS_CMAKE_DIR})

# A static libxvs carries its private dependencies into the consumer's link; the package
# config must then find them too (a shared one has them as DT_NEEDED entries).
get_target_property(_xvs_type xvs TYPE)
if(_xvs_type STREQUAL "STATIC_LIBRARY")
  set(XVS_STATIC TRUE)
else()
  set(XVS_STATIC FALSE)
endif()

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/xvsConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/xvsConfig.cmake
                              INSTALL_DESTINATION ${XVS_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/xvsConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/xvsConfig.cmake ${PROJECT_BINARY_DIR}/xvsConfigVersion.cmake
        DESTINATION ${XVS_CMAKE_DIR})

configure_file(${CMAKE_CURRENT_LIST_DIR}/xvs.pc.in ${PROJECT_BINARY_DIR}/xvs.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/xvs.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
