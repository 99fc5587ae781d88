# obauth_expose_headers(TARGET FOLDER): makes the headers of src/FOLDER (that folder only, not its
# subfolders) includable as "FOLDER/name.hpp" by TARGET and by whatever links TARGET, and by
# nothing else. Each library gets an include root of its own in the build tree holding links to
# its headers, so a file that includes a header of a library its target does not link fails to
# compile: the one-way dependency rule (docs/architecture.md) is checked by the build. The links
# follow the folder's *.hpp files (re-globbed at build time, CONFIGURE_DEPENDS): a new header
# needs no CMake change, a new source file still does (explicit source lists).
function(obauth_expose_headers target folder)
  set(root ${PROJECT_BINARY_DIR}/include/${target})
  file(GLOB headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${folder}/*.hpp)
  file(GLOB stale ${root}/${folder}/*.hpp)
  if(stale)
    file(REMOVE ${stale})
  endif()
  file(MAKE_DIRECTORY ${root}/${folder})
  foreach(header ${headers})
    get_filename_component(name ${header} NAME)
    file(CREATE_LINK ${header} ${root}/${folder}/${name} SYMBOLIC)
  endforeach()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE ${root})
  else()
    target_include_directories(${target} PUBLIC ${root})
  endif()
endfunction()
