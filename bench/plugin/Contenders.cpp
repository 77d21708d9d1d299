#include "Contenders.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <system_error>

#include <rapidjson/document.h>

#include "TimedProcess.hpp"

namespace ibvf::bench {
namespace fs = std::filesystem;

namespace {

constexpr const char* kHostPath = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
constexpr const char* kNetwork = "ibvf-bench";

// Identical for every contender apart from the type (and where host-local keeps its files).
std::string ipamConfig(const std::string& type, const std::optional<fs::path>& dataDir) {
    std::string c = R"({"type":")" + type + "\"";
    if (dataDir) c += R"(,"dataDir":")" + dataDir->string() + "\"";
    // The route names its gateway: host-device 1.1.1's CHECK expects a gateway-less route to be
    // installed without one, while its ADD installs it via the range's gateway, and fails.
    return c + R"(,"ranges":[[{"subnet":"10.77.0.0/16","gateway":"10.77.0.1"}]],)"
               R"("routes":[{"dst":"10.200.0.0/16","gw":"10.77.0.1"}]})";
}

OpResult fromRun(const TimedRun& r, const std::string& who, const char* op) {
    OpResult result{r.wallMs, static_cast<double>(r.maxRssKb), r.cpuMs, r.out, {}};
    if (!r.ok()) result.failure = who + " " + op + " failed: " + r.summary();
    return result;
}

void requireOk(const OpResult& r) {
    if (!r.failure.empty()) throw std::runtime_error(r.failure);
}

// A CNI ADD result must name the interface and carry the address IPAM handed out.
void requireAddResult(const OpResult& r, const std::string& who) {
    rapidjson::Document doc;
    doc.Parse(r.output.c_str());
    const auto nonEmptyArray = [&](const char* key) {
        const auto it = doc.FindMember(key);
        return it != doc.MemberEnd() && it->value.IsArray() && !it->value.Empty();
    };
    if (doc.HasParseError() || !doc.IsObject() || !nonEmptyArray("interfaces") || !nonEmptyArray("ips"))
        throw std::runtime_error(who + " ADD returned no usable result: " + r.output);
}

// A CNI plugin exec'd as a runtime execs it: environment, netconf on stdin, nothing inherited.
class CniContender : public Contender {
public:
    OpResult add(const Stage& stage, const std::string& containerId) override {
        return fromRun(runTimed(binary_.string(), {}, env("ADD", stage, containerId), netconf(stage)), label(), "ADD");
    }

    void verifyAdd(const Stage& stage, const OpResult& add) const override {
        requireOk(add);
        requireAddResult(add, label());
        expectInPod(stage, kPodIfname, label());
    }

    std::optional<OpResult> check(const Stage& stage, const std::string& containerId, const OpResult& add) override {
        std::string conf = netconf(stage);
        conf.pop_back();  // the closing brace: prevResult goes inside
        conf += R"(,"prevResult":)" + add.output + "}";
        auto r = fromRun(runTimed(binary_.string(), {}, env("CHECK", stage, containerId), conf), label(), "CHECK");
        requireOk(r);
        return r;
    }

    OpResult del(const Stage& stage, const std::string& containerId) override {
        return fromRun(runTimed(binary_.string(), {}, env("DEL", stage, containerId), netconf(stage)), label(), "DEL");
    }

    void verifyDel(const Stage& stage, const OpResult& del) const override {
        requireOk(del);
        expectBackOnHost(stage, kPodIfname, label());
    }

protected:
    CniContender(std::string key, std::string label, fs::path binary, std::vector<std::string> fixedEnv)
        : Contender(std::move(key), std::move(label)), binary_(std::move(binary)), fixedEnv_(std::move(fixedEnv)) {
        if (::access(binary_.c_str(), X_OK) != 0)
            throw std::runtime_error(this->label() + ": " + binary_.string() + " is not an executable file");
    }
    virtual std::string netconf(const Stage& stage) const = 0;
    // For variables that come from members of the derived class, built after this base.
    void addFixedEnv(std::string entry) { fixedEnv_.push_back(std::move(entry)); }

private:
    std::vector<std::string> env(const char* command, const Stage& stage, const std::string& containerId) const {
        std::vector<std::string> e = fixedEnv_;
        e.push_back(std::string("CNI_COMMAND=") + command);
        e.push_back("CNI_CONTAINERID=" + containerId);
        e.push_back("CNI_NETNS=" + stage.podPath());
        e.push_back(std::string("CNI_IFNAME=") + kPodIfname);
        return e;
    }

    fs::path binary_;
    std::vector<std::string> fixedEnv_;
};

class IbvfContender : public CniContender {
public:
    IbvfContender(const BenchOptions& o, IbvfIpam ipam, const std::string& key, const std::string& label, const fs::path& home,
                  const fs::path& binary)
        : CniContender(key, label, binary,
                       {kHostPath, "CNI_PATH=" + o.cniDir.string(), "IBVF_STATE_DIR=" + (home / "state").string(),
                        "IBVF_RUN_DIR=" + (home / "run").string()}),
          ipam_(ipam == IbvfIpam::HostLocal ? ipamConfig("host-local", home / "host-local") : ipamConfig("ibvf-ipam", std::nullopt)) {
        addFixedEnv(sysfs_.envEntry());
        const auto vfs = static_cast<unsigned>(std::max(1, o.burstSize));
        sysfs_.addPf(kPfPci, "ibbenchpf", std::max(8U, vfs));
        for (unsigned i = 0; i < vfs; ++i) sysfs_.addVf(kPfPci, i, vfPci(i));
    }

    // Each round's VF is a fresh veth: the fake tree points the VF of the stage's slot at it, as
    // the kernel's sysfs points a VF at its netdev.
    void prepare(const Stage& stage) override { sysfs_.setVfNetdev(vfPci(stage.slot()), stage.vfName()); }

protected:
    std::string netconf(const Stage& stage) const override {
        return std::string(R"({"cniVersion":"1.0.0","name":")") + kNetwork + R"(","type":"ibvf","deviceID":")" + vfPci(stage.slot()) +
               R"(","ipam":)" + ipam_ + "}";
    }

private:
    test::FakeSysfs sysfs_;
    std::string ipam_;
};

class HostDeviceContender : public CniContender {
public:
    HostDeviceContender(const BenchOptions& o, const BenchDir& dir)
        : CniContender("host-device", "host-device + host-local", o.cniDir / "host-device", {kHostPath, "CNI_PATH=" + o.cniDir.string()}),
          ipam_(ipamConfig("host-local", dir.path() / "host-device" / "host-local")) {
        if (::access((o.cniDir / "host-local").c_str(), X_OK) != 0)
            throw std::runtime_error("host-local not found in " + o.cniDir.string());
    }

protected:
    std::string netconf(const Stage& stage) const override {
        return std::string(R"({"cniVersion":"1.0.0","name":")") + kNetwork + R"(","type":"host-device","device":")" + stage.vfName() +
               R"(","ipam":)" + ipam_ + "}";
    }

private:
    std::string ipam_;
};

class IpFloor : public Contender {
public:
    explicit IpFloor(const BenchOptions& o) : Contender("floor-ip", "ip link set netns (exec)"), ip_(o.ip.string()) {
        if (::access(ip_.c_str(), X_OK) != 0) throw std::runtime_error(ip_ + " is not an executable file (use --ip)");
    }

    OpResult add(const Stage& stage, const std::string&) override {
        return fromRun(runTimed(ip_, {"link", "set", stage.vfName(), "netns", stage.podName()}, {kHostPath}, ""), label(), "ADD");
    }

    OpResult del(const Stage& stage, const std::string&) override {
        return fromRun(runTimed(ip_, {"-n", stage.podName(), "link", "set", stage.vfName(), "netns", self_}, {kHostPath}, ""), label(),
                       "DEL");
    }

    void verifyAdd(const Stage& stage, const OpResult& add) const override {
        requireOk(add);
        expectInPod(stage, stage.vfName(), label());
    }

    void verifyDel(const Stage& stage, const OpResult& del) const override {
        requireOk(del);
        expectBackOnHost(stage, stage.vfName(), label());
    }

private:
    std::string ip_;
    std::string self_ = std::to_string(::getpid());  // `netns PID`: this process's namespace, the host's
};

// The pod end state of a CNI ADD (the move, the address, link up, the route, one request each)
// from a process started for it and doing nothing else (ibvf-bench-mover): the least any exec'd
// plugin takes. Its DEL is the move back, which takes the addresses and routes with it.
class ExecFloor : public Contender {
public:
    explicit ExecFloor(const BenchOptions& o)
        : Contender("floor-exec", "move and configure, exec'd"), mover_((o.buildDir / "ibvf-bench-mover").string()) {
        if (::access(mover_.c_str(), X_OK) != 0) throw std::runtime_error(mover_ + " is not an executable file (build ibvf-bench-mover)");
    }

    OpResult add(const Stage& stage, const std::string&) override {
        // The address, gateway and route every CNI contender's IPAM hands out (ipamConfig).
        return fromRun(
            runTimed(mover_, {stage.vfName(), "-", stage.podPath(), "10.77.0.2/16", "10.77.0.1", "10.200.0.0/16"}, {kHostPath}, ""),
            label(), "ADD");
    }

    OpResult del(const Stage& stage, const std::string&) override {
        return fromRun(runTimed(mover_, {stage.vfName(), stage.podPath(), self_}, {kHostPath}, ""), label(), "DEL");
    }

    void verifyAdd(const Stage& stage, const OpResult& add) const override {
        requireOk(add);
        expectInPod(stage, stage.vfName(), label());
        auto pod = linux::runInNetNs(stage.podNs(), [] { return linux::RouteSocket(); });
        const auto link = pod.linkByName(stage.vfName());
        const auto addresses = link ? pod.addresses(link->ifindex, net::Family::V4) : std::vector<linux::AddressInfo>{};
        if (!link || !link->adminUp || addresses.empty())
            throw std::runtime_error(label() + ": " + stage.vfName() + " is not up with an address in " + stage.podPath());
    }

    void verifyDel(const Stage& stage, const OpResult& del) const override {
        requireOk(del);
        expectBackOnHost(stage, stage.vfName(), label());
    }

private:
    std::string mover_;
    std::string self_ = "/proc/" + std::to_string(::getpid()) + "/ns/net";  // the host's namespace
};

// The same move made by the bench itself; with AfterSpawn, right after a process (/bin/true) was
// started and reaped, untimed, as a runtime starts a plugin before its move: what the move alone
// then takes longer is the kernel's share of being a fresh process (bench/notes/floor.md, finding 6).
class NetlinkFloor : public Contender {
public:
    enum class Before { Nothing, AfterSpawn };
    explicit NetlinkFloor(Before before)
        : Contender(before == Before::Nothing ? "floor-netlink" : "floor-netlink-spawn",
                    before == Before::Nothing ? "netns move, one netlink call in-process"
                                              : "netns move, one netlink call in-process right after a process ran"),
          before_(before),
          hostNs_(linux::NetNs::current()) {}

    // Each call opens its own socket before the clock starts: calls may run concurrently.
    OpResult add(const Stage& stage, const std::string&) override {
        linux::RouteSocket host;
        if (auto e = spawnFirst()) return failed(*e);
        return timed([&] { host.moveToNetNs(stage.vfHostIndex(), stage.podNs().fd()); });
    }

    OpResult del(const Stage& stage, const std::string&) override {
        try {
            auto pod = linux::runInNetNs(stage.podNs(), [] { return linux::RouteSocket(); });
            const auto link = pod.linkByName(stage.vfName());
            if (!link) return failed(stage.vfName() + " is not in " + stage.podPath());
            if (auto e = spawnFirst()) return failed(*e);
            return timed([&] { pod.moveToNetNs(link->ifindex, hostNs_.fd()); });
        } catch (const std::exception& e) {
            return failed(e.what());
        }
    }

    void verifyAdd(const Stage& stage, const OpResult& add) const override {
        requireOk(add);
        expectInPod(stage, stage.vfName(), label());
    }

    void verifyDel(const Stage& stage, const OpResult& del) const override {
        requireOk(del);
        expectBackOnHost(stage, stage.vfName(), label());
    }

private:
    using Clock = std::chrono::steady_clock;

    template <typename Move>
    OpResult timed(Move move) const {
        const auto start = Clock::now();
        try {
            move();
        } catch (const std::exception& e) {
            return failed(e.what());
        }
        return {std::chrono::duration<double, std::milli>(Clock::now() - start).count(), std::nullopt, std::nullopt, {}, {}};
    }
    OpResult failed(const std::string& what) const { return {0, std::nullopt, std::nullopt, {}, label() + ": " + what}; }

    // An error when /bin/true could not be run (the bench stops on it rather than time a move
    // without its spawn).
    std::optional<std::string> spawnFirst() const {
        if (before_ == Before::Nothing) return std::nullopt;
        try {
            const auto r = runTimed("/bin/true", {}, {}, "");
            if (!r.ok()) return "/bin/true before the move: " + r.summary();
        } catch (const std::exception& e) {
            return std::string("/bin/true before the move: ") + e.what();
        }
        return std::nullopt;
    }

    Before before_;
    linux::NetNs hostNs_;
};

}  // namespace

BenchDir::BenchDir() : BenchDir(fs::temp_directory_path()) {}

BenchDir::BenchDir(const fs::path& base) {
    std::string pattern = (base / "ibvf-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    path_ = pattern;
}

BenchDir::~BenchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::unique_ptr<Contender> makeIbvf(const BenchOptions& options, const BenchDir& dir, IbvfIpam ipam, const std::string& variant) {
    std::string key = ipam == IbvfIpam::HostLocal ? "ibvf-host-local" : "ibvf-ibvf-ipam";
    std::string label = ipam == IbvfIpam::HostLocal ? "ibvf (host-local)" : "ibvf (ibvf-ipam)";
    if (!variant.empty()) {
        key += "-alt";
        label.insert(label.size() - 1, ", " + variant);
    }
    return std::make_unique<IbvfContender>(options, ipam, key, label, dir.path() / key, options.buildDir / "ibvf");
}

std::unique_ptr<Contender> makeIbvfBinary(const BenchOptions& options, const BenchDir& dir, const fs::path& binary) {
    const std::string key = "ibvf-ibvf-ipam-cmp";
    return std::make_unique<IbvfContender>(options, IbvfIpam::InProcess, key, "ibvf (ibvf-ipam), " + binary.string(), dir.path() / key,
                                           binary);
}

std::unique_ptr<Contender> makeHostDevice(const BenchOptions& options, const BenchDir& dir) {
    return std::make_unique<HostDeviceContender>(options, dir);
}

std::unique_ptr<Contender> makeIpFloor(const BenchOptions& options) { return std::make_unique<IpFloor>(options); }

std::unique_ptr<Contender> makeNetlinkFloor() { return std::make_unique<NetlinkFloor>(NetlinkFloor::Before::Nothing); }

std::unique_ptr<Contender> makeNetlinkFloorAfterSpawn() { return std::make_unique<NetlinkFloor>(NetlinkFloor::Before::AfterSpawn); }

std::unique_ptr<Contender> makeExecFloor(const BenchOptions& options) { return std::make_unique<ExecFloor>(options); }

std::string vfPci(std::size_t slot) {
    // Functions 2..7 of device 00, then 8 per device: slot 0 is 0000:3b:00.2.
    char buf[32];
    std::snprintf(buf, sizeof buf, "0000:3b:%02zx.%zx", (slot + 2) / 8, (slot + 2) % 8);
    return buf;
}

}  // namespace ibvf::bench
