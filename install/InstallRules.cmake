# `cmake --install` layout, Debian's conventions (docs/deployment.md lists it):
#   <prefix>/lib/cni/                      ibvf, ibvf-ipam, ibvf-ipam-etcd (Debian's containernetworking-plugins live in /usr/lib/cni)
#   <prefix>/sbin/                         ibvf-device-plugin, ibvf-cni-installer (daemons)
#   <prefix>/bin/                          ibvf-diag (operator's tool)
#   <prefix>/share/doc/ibvf/examples/      netconf-examples/ (NADs, conflists, a pod, ConfigMaps)
#   <prefix>/share/ibvf/manifests/         install/kubernetes/ (DaemonSets, ConfigMaps)
include(GNUInstallDirs)

# Not GNUInstallDirs' LIBDIR: CNI plugins are not multiarch libraries, and runtimes look in lib/cni.
set(IBVF_INSTALL_CNI_DIR "lib/cni" CACHE STRING "Where the CNI plugins go, relative to the prefix")
set(IBVF_INSTALL_MANIFEST_DIR "${CMAKE_INSTALL_DATADIR}/ibvf/manifests")

install(TARGETS ibvf ibvf-ipam ibvf-ipam-etcd RUNTIME DESTINATION ${IBVF_INSTALL_CNI_DIR})
install(TARGETS ibvf-device-plugin ibvf-cni-installer RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
# ibvf-diag is built by diag/ once it exists; packaging does not wait for it.
if(TARGET ibvf-diag)
  install(TARGETS ibvf-diag RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/netconf-examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/install/kubernetes/ DESTINATION ${IBVF_INSTALL_MANIFEST_DIR}
        FILES_MATCHING PATTERN "*.yaml")
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
