# vidpipe_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>])
#
# Builds a node plugin: a MODULE library named <name>.so that links the vidpipe SDK and
# exports only its entry point. Used in tree and, through find_package(vidpipe), out of tree.
function(vidpipe_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE vidpipe::sdk ${ARG_LIBRARIES})
  set_target_properties(${name} PROPERTIES PREFIX "" CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(DEFINED VIDPIPE_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${VIDPIPE_PLUGIN_OUTPUT_DIR})
  endif()
  if(DEFINED VIDPIPE_PLUGIN_INSTALL_DIR)
    install(TARGETS ${name} LIBRARY DESTINATION ${VIDPIPE_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
