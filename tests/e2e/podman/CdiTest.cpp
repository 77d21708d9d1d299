// The device plugin's CDI spec read by a real CDI client: podman 4.3 resolves
// `--device <kind>=<name>` against the spec the device plugin wrote and creates exactly that
// VF's character devices in the container. The plugin writes into a private directory (the
// lab's IBVF_CDI_DIR); podman 4.3 has no setting for other spec directories, so the test copies
// the spec verbatim into /var/run/cdi under a name of its own and a kind of its own
// ("ibvfe2e.ibvf/p<pid>"), and removes it afterwards. The char devices need no host node: the
// spec carries type, major and minor (from the fake sysfs), which runc uses to make them.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <unistd.h>

#include "PodmanLab.hpp"
#include "integration/deviceplugin/DevicePluginLab.hpp"

namespace fs = std::filesystem;
using namespace ibvf::test::dp;
using ibvf::test::PodmanLab;

namespace {

// A spec file in the runtime's directory for the length of the test.
class InstalledSpec {
public:
    InstalledSpec(const fs::path& from, fs::path to) : path_(std::move(to)) {
        createdDir_ = fs::create_directories(path_.parent_path());
        fs::copy_file(from, path_, fs::copy_options::overwrite_existing);
    }
    ~InstalledSpec() {
        std::error_code ec;
        fs::remove(path_, ec);
        if (createdDir_) fs::remove(path_.parent_path(), ec);  // only when empty
    }
    InstalledSpec(const InstalledSpec&) = delete;
    InstalledSpec& operator=(const InstalledSpec&) = delete;

private:
    fs::path path_;
    bool createdDir_ = false;
};

std::string cdiName(const std::string& bdf) {
    std::string n = bdf;
    for (char& c : n)
        if (c == ':') c = '-';
    return n;
}

// `ls -ln` of a directory of device nodes -> name -> "c major:minor".
std::map<std::string, std::string> nodesOf(const std::string& ls) {
    std::map<std::string, std::string> out;
    std::istringstream in(ls);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string perms, links, uid, gid, major, minor, month, day, time, name;
        if (!(words >> perms >> links >> uid >> gid >> major >> minor >> month >> day >> time >> name)) continue;
        if (!major.empty() && major.back() == ',') major.pop_back();
        out[name] = perms.substr(0, 1) + " " + major + ":" + minor;
    }
    return out;
}

}  // namespace

TEST_CASE("podman: --device <kind>=<VF> from the device plugin's CDI spec gives exactly that VF's char devices") {
    DevicePluginLab lab(3);
    fs::create_directories(lab.sysfs().root() / "class/misc/rdma_cm");
    std::ofstream(lab.sysfs().root() / "class/misc/rdma_cm/dev") << "10:58\n";
    const std::string name = "p" + std::to_string(::getpid());
    lab.writeConfig(R"({"cdi":"devices","resources":[{"prefix":"ibvfe2e","name":")" + name + R"(","selectors":{"pfNames":[")" +
                    lab.pfNetdev() + R"("]}}]})");
    auto daemon = lab.startDaemon();
    const fs::path written = lab.cdiDir() / ("ibvfe2e.ibvf-" + name + ".json");
    REQUIRE_MESSAGE(waitUntil([&] { return fs::exists(written); }, 10s), daemon->log());
    const InstalledSpec installed(written, fs::path("/var/run/cdi") / ("ibvf-e2e-" + name + ".json"));

    PodmanLab podman({});
    podman.importBusybox();
    const std::string device = "ibvfe2e.ibvf/" + name + "=" + cdiName(vfAddress(0, 1));
    const auto r = podman.run({"run", "--rm", "--pull", "never", "--network", "none", "--device", device, ibvf::test::kBusyboxImage,
                               "/bin/sh", "-c", "ls -ln /dev/infiniband"});
    REQUIRE_MESSAGE(r.exitCode == 0, ibvf::test::describe(r));
    // VF 1 is mlx5_2 with uverbs2, umad2, issm2 (fake sysfs numbers 231:2); rdma_cm 10:58.
    const std::map<std::string, std::string> expected{
        {"uverbs2", "c 231:2"}, {"umad2", "c 231:2"}, {"issm2", "c 231:2"}, {"rdma_cm", "c 10:58"}};
    CHECK_MESSAGE(nodesOf(r.out) == expected, r.out);

    SUBCASE("a name the spec does not have is refused by podman") {
        const auto bad = podman.run({"run", "--rm", "--pull", "never", "--network", "none", "--device",
                                     "ibvfe2e.ibvf/" + name + "=0000-99-00.0", ibvf::test::kBusyboxImage, "/bin/true"});
        CHECK(bad.exitCode != 0);
    }
    CHECK(daemon->terminate() == std::optional<int>(0));
}
