# Installation and packaging (included last by the top-level CMakeLists.txt).
#
#   cmake --install build --prefix /opt/reel     installs:
#     bin/reel                                    the command-line tool
#     include/reel/...                            the public headers of every library
#     lib/libreel_*.a                             the static libraries
#     lib/cmake/Reel/                             the CMake package: find_package(Reel) gives
#                                                 Reel::reel_recorder, Reel::reel_replay, ...
#     share/bash-completion/completions/reel      shell completion (reel completion bash|zsh)
#     share/zsh/site-functions/_reel
#     share/doc/reel/                             README, FORMAT.md, PLAY.md and every command's
#                                                 --help text (reel-help.txt: reel manual)
#     share/reel/godot/                           the Godot addon, when samples/godot exists
#   cd build && cpack                             builds reel-VERSION-Linux-ARCH.tar.gz holding
#                                                 the same tree, for an operator to unpack.
#
# The libraries are found by walking the source tree (every static or interface library named
# reel_* outside tools/ and tests/), so a library added later is installed and exported without a
# change here.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

function(reel_collect_libraries dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  set(found "")
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    get_target_property(source_dir ${t} SOURCE_DIR)
    # The libraries of the tools (CLI plumbing, benchmarks) and tests are not public.
    if(t MATCHES "^reel_" AND (type STREQUAL "STATIC_LIBRARY" OR type STREQUAL "INTERFACE_LIBRARY")
       AND NOT source_dir MATCHES "^${PROJECT_SOURCE_DIR}/(tools|tests)(/|$)")
      list(APPEND found ${t})
    endif()
  endforeach()
  foreach(d IN LISTS subdirs)
    reel_collect_libraries(${d} sub)
    list(APPEND found ${sub})
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

reel_collect_libraries(${PROJECT_SOURCE_DIR} REEL_LIBRARIES)

# Each library's include directories are source paths; an installed library finds its headers
# under include/. Every public header tree is installed there as it is (include/reel/...).
foreach(lib IN LISTS REEL_LIBRARIES)
  get_target_property(dirs ${lib} INTERFACE_INCLUDE_DIRECTORIES)
  if(NOT dirs)
    continue()  # an umbrella target: its headers come with the libraries it links
  endif()
  set(wrapped "")
  foreach(d IN LISTS dirs)
    if(d MATCHES "^\\$<")
      list(APPEND wrapped "${d}")
    else()
      list(APPEND wrapped "$<BUILD_INTERFACE:${d}>")
      install(DIRECTORY ${d}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
    endif()
  endforeach()
  list(APPEND wrapped "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
  set_target_properties(${lib} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${wrapped}")
endforeach()

install(TARGETS reel RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ${REEL_LIBRARIES} EXPORT ReelTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
set(REEL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Reel)
install(EXPORT ReelTargets NAMESPACE Reel:: DESTINATION ${REEL_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ReelConfig.cmake.in
  ${PROJECT_BINARY_DIR}/ReelConfig.cmake INSTALL_DESTINATION ${REEL_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ReelConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ReelConfig.cmake ${PROJECT_BINARY_DIR}/ReelConfigVersion.cmake
  DESTINATION ${REEL_CMAKE_DIR})

# Completion scripts and help text, written by the reel just built.
install(CODE "
  set(reel \"$<TARGET_FILE:reel>\")
  set(root \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}\")
  file(MAKE_DIRECTORY \"\${root}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions\"
    \"\${root}/${CMAKE_INSTALL_DATADIR}/zsh/site-functions\" \"\${root}/${CMAKE_INSTALL_DOCDIR}\")
  execute_process(COMMAND \${reel} completion bash
    OUTPUT_FILE \"\${root}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions/reel\"
    COMMAND_ERROR_IS_FATAL ANY)
  execute_process(COMMAND \${reel} completion zsh
    OUTPUT_FILE \"\${root}/${CMAKE_INSTALL_DATADIR}/zsh/site-functions/_reel\"
    COMMAND_ERROR_IS_FATAL ANY)
  execute_process(COMMAND \${reel} manual
    OUTPUT_FILE \"\${root}/${CMAKE_INSTALL_DOCDIR}/reel-help.txt\"
    COMMAND_ERROR_IS_FATAL ANY)
  message(STATUS \"Installing: \${root}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions/reel, _reel, reel-help.txt\")
")
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
foreach(doc format/FORMAT.md tools/PLAY.md tools/cli/PLAY.md)
  if(EXISTS ${PROJECT_SOURCE_DIR}/${doc})
    install(FILES ${PROJECT_SOURCE_DIR}/${doc} DESTINATION ${CMAKE_INSTALL_DOCDIR})
  endif()
endforeach()
if(EXISTS ${PROJECT_SOURCE_DIR}/samples/godot)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/samples/godot/ DESTINATION ${CMAKE_INSTALL_DATADIR}/reel/godot)
endif()

set(CPACK_GENERATOR TGZ)
set(CPACK_PACKAGE_NAME reel)
set(CPACK_PACKAGE_VENDOR "Reel")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Record and replay for Godot on (mv)SQLite")
set(CPACK_PACKAGE_FILE_NAME "reel-${PROJECT_VERSION}-${CMAKE_SYSTEM_NAME}-${CMAKE_SYSTEM_PROCESSOR}")
set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)
include(CPack)
