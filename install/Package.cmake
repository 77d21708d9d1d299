# `cpack -G DEB` (run in the build directory) makes ibvf_<version>_<arch>.deb from the install
# rules. The package is installed under /usr whatever CMAKE_INSTALL_PREFIX says, so the CNI
# plugins land in /usr/lib/cni beside Debian's own, and its Depends come from dpkg-shlibdeps.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "ibvf")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "ibvf")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "InfiniBand SR-IOV VFs for Kubernetes pods: CNI plugin, IPAM, device plugin")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "ibvf maintainers <ibvf@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "ibvf gives Kubernetes pods InfiniBand through SR-IOV virtual functions.\n ibvf (CNI plugin), ibvf-ipam and ibvf-ipam-etcd in /usr/lib/cni, ibvf-device-plugin (kubelet device plugin), ibvf-cni-installer, ibvf-diag, example network configurations and Kubernetes manifests.")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
include(CPack)
