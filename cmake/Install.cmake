# What `cmake --install` puts where, besides each target's own rules (the
# binary in daemon/, the unit and its companions in systemd/).
install(FILES ${PROJECT_SOURCE_DIR}/examples/mineral-alertd.toml
  DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/mineral-alertd)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/rules
  DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/mineral-alertd)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/feeds ${PROJECT_SOURCE_DIR}/examples/rules
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES ${PROJECT_SOURCE_DIR}/examples/demo.toml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# `cpack` (after a build with CMAKE_INSTALL_PREFIX=/usr, as the release
# preset sets) makes a .deb whose maintainer scripts create the user and
# directories and enable the service.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mineral-alertd)
set(CPACK_PACKAGE_VENDOR "mineral-alertd")
set(CPACK_PACKAGE_CONTACT "mineral-alertd maintainers <maintainers@example.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Alerts on mineral-policy news: feeds in, matched alerts out")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/cmake/deb/conffiles
  ${PROJECT_SOURCE_DIR}/cmake/deb/postinst
  ${PROJECT_SOURCE_DIR}/cmake/deb/prerm
  ${PROJECT_SOURCE_DIR}/cmake/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
