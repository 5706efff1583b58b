# `cmake --install BUILD --prefix PREFIX` puts the engine in place for other CMake projects:
#   PREFIX/include/kinoglaz/*.hpp, */*.hpp         the public headers: one per module, and
#                                                  the parts it includes
#   PREFIX/lib/libkinoglaz_*.a                     the static libraries (one per module)
#   PREFIX/lib/cmake/kinoglaz/kinoglazConfig.cmake find_package(kinoglaz CONFIG) ->
#                                                  kinoglaz::kinoglaz
# The command-line tool is installed too (PREFIX/bin/kinoglaz). examples/ is a project that
# uses the installed package; tests/install builds and runs it.
include(CMakePackageConfigHelpers)

# live.hpp belongs to `kinoglaz live` (engine/live), which the package does not carry.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/kinoglaz DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        PATTERN "live.hpp" EXCLUDE)
install(TARGETS ${KINOGLAZ_ENGINE_LIBRARIES} kinoglaz_engine
        EXPORT kinoglazTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS kinoglaz RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT kinoglazTargets NAMESPACE kinoglaz::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kinoglaz)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kinoglazConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/kinoglazConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kinoglaz)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/kinoglazConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/kinoglazConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/kinoglazConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kinoglaz)
