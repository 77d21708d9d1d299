// `cpack -G DEB` makes ibvf_<version>_<arch>.deb from the install rules: the CNI plugins in
// /usr/lib/cni (beside Debian's own), daemons in /usr/sbin, examples and manifests under
// /usr/share, and Depends computed by dpkg-shlibdeps.
#include <doctest/doctest.h>

#include <filesystem>

#include "linux/ChildProcess.hpp"
#include "support/BinaryRunner.hpp"
#include "support/ScratchDir.hpp"

namespace fs = std::filesystem;
using ibvf::linux::ChildProcess;

namespace {

constexpr const char* kPath = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

std::string describe(const ibvf::linux::ProcessResult& r) {
    return "exit " + std::to_string(r.exitCode) + "; stdout: " + r.out + "; stderr: " + r.err;
}

std::string field(const fs::path& deb, const std::string& name) {
    const auto r = ChildProcess::spawn("/usr/bin/dpkg-deb", {"--field", deb.string(), name}, {kPath}, "").wait();
    REQUIRE_MESSAGE(r.exitCode == 0, describe(r));
    return r.out;
}

}  // namespace

TEST_CASE("cpack -G DEB: an ibvf package with the binaries where Debian keeps them") {
    ibvf::test::ScratchDir out;
    const auto cpack =
        ChildProcess::spawn("/usr/bin/cpack",
                            {"-G", "DEB", "--config", std::string(IBVF_BUILD_DIR) + "/CPackConfig.cmake", "-B", out.path().string()},
                            {kPath}, "")
            .wait();
    REQUIRE_MESSAGE(cpack.exitCode == 0, "cpack: " << describe(cpack));

    const fs::path deb = out / ("ibvf_" IBVF_VERSION "_amd64.deb");
    REQUIRE_MESSAGE(fs::exists(deb), "no " << deb << "; cpack said: " << cpack.out);

    const auto listing = ChildProcess::spawn("/usr/bin/dpkg-deb", {"--contents", deb.string()}, {kPath}, "").wait();
    REQUIRE_MESSAGE(listing.exitCode == 0, describe(listing));
    std::vector<std::string> expected{"-rwxr-xr-x root/root",
                                      "./usr/lib/cni/ibvf\n",
                                      "./usr/lib/cni/ibvf-ipam\n",
                                      "./usr/lib/cni/ibvf-ipam-etcd\n",
                                      "./usr/sbin/ibvf-device-plugin\n",
                                      "./usr/sbin/ibvf-cni-installer\n",
                                      "./usr/share/doc/ibvf/README.md\n",
                                      "./usr/share/doc/ibvf/examples/nad/ib-net-ibvf-ipam.yaml\n",
                                      "./usr/share/ibvf/manifests/device-plugin-daemonset.yaml\n",
                                      "./usr/share/ibvf/manifests/cni-installer-daemonset.yaml\n"};
    if (fs::exists(ibvf::test::builtBinary("ibvf-diag"))) expected.push_back("./usr/bin/ibvf-diag\n");
    for (const auto& entry : expected) {
        INFO(entry);
        CHECK(listing.out.find(entry) != std::string::npos);
    }
    CHECK(listing.out.find("/opt/") == std::string::npos);

    CHECK(field(deb, "Package") == "ibvf\n");
    CHECK(field(deb, "Version") == IBVF_VERSION "\n");
    // From dpkg-shlibdeps: the device plugin's gRPC and the C library.
    const std::string depends = field(deb, "Depends");
    CHECK(depends.find("libc6") != std::string::npos);
    CHECK(depends.find("libgrpc++") != std::string::npos);
}
