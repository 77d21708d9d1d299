#include "Contenders.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
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

OpResult fromRun(const TimedRun& r) { return {r.wallMs, static_cast<double>(r.maxRssKb), r.cpuMs}; }

void requireOk(const TimedRun& r, const std::string& who, const char* op) {
    if (!r.ok()) throw std::runtime_error(who + " " + op + " failed: " + r.summary());
}

// A CNI ADD result must name the interface and carry the address IPAM handed out.
void requireAddResult(const TimedRun& r, const std::string& who) {
    rapidjson::Document doc;
    doc.Parse(r.out.c_str());
    const auto nonEmptyArray = [&](const char* key) {
        const auto it = doc.FindMember(key);
        return it != doc.MemberEnd() && it->value.IsArray() && !it->value.Empty();
    };
    if (doc.HasParseError() || !doc.IsObject() || !nonEmptyArray("interfaces") || !nonEmptyArray("ips"))
        throw std::runtime_error(who + " ADD returned no usable result: " + r.summary());
}

// A CNI plugin exec'd as a runtime execs it: environment, netconf on stdin, nothing inherited.
class CniContender : public Contender {
public:
    OpResult add(const Stage& stage, const std::string& containerId) override {
        beforeAdd(stage);
        const auto r = runTimed(binary_.string(), {}, env("ADD", stage, containerId), netconf(stage));
        requireOk(r, label(), "ADD");
        requireAddResult(r, label());
        expectInPod(stage, kPodIfname, label());
        lastResult_ = r.out;
        return fromRun(r);
    }

    std::optional<OpResult> check(const Stage& stage, const std::string& containerId) override {
        std::string conf = netconf(stage);
        conf.pop_back();  // the closing brace: prevResult goes inside
        conf += R"(,"prevResult":)" + lastResult_ + "}";
        const auto r = runTimed(binary_.string(), {}, env("CHECK", stage, containerId), conf);
        requireOk(r, label(), "CHECK");
        return fromRun(r);
    }

    OpResult del(const Stage& stage, const std::string& containerId) override {
        const auto r = runTimed(binary_.string(), {}, env("DEL", stage, containerId), netconf(stage));
        requireOk(r, label(), "DEL");
        expectBackOnHost(stage, kPodIfname, label());
        return fromRun(r);
    }

protected:
    CniContender(std::string key, std::string label, fs::path binary, std::vector<std::string> fixedEnv)
        : Contender(std::move(key), std::move(label)), binary_(std::move(binary)), fixedEnv_(std::move(fixedEnv)) {
        if (::access(binary_.c_str(), X_OK) != 0)
            throw std::runtime_error(this->label() + ": " + binary_.string() + " is not an executable file");
    }
    virtual std::string netconf(const Stage& stage) const = 0;
    virtual void beforeAdd(const Stage&) {}
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
    std::string lastResult_;
};

class IbvfContender : public CniContender {
public:
    IbvfContender(const BenchOptions& o, IbvfIpam ipam, const std::string& key, const std::string& label, const fs::path& home)
        : CniContender(key, label, o.buildDir / "ibvf",
                       {kHostPath, "CNI_PATH=" + o.cniDir.string(), "IBVF_STATE_DIR=" + (home / "state").string(),
                        "IBVF_RUN_DIR=" + (home / "run").string()}),
          ipam_(ipam == IbvfIpam::HostLocal ? ipamConfig("host-local", home / "host-local") : ipamConfig("ibvf-ipam", std::nullopt)) {
        addFixedEnv(sysfs_.envEntry());
        sysfs_.addPf(kPfPci, "ibbenchpf", 8);
        sysfs_.addVf(kPfPci, 0, kVfPci);
    }

protected:
    // Each round's VF is a fresh veth: the fake tree points VF 0000:3b:00.2 at it, as the
    // kernel's sysfs points a VF at its netdev.
    void beforeAdd(const Stage& stage) override { sysfs_.setVfNetdev(kVfPci, stage.vfName()); }

    std::string netconf(const Stage&) const override {
        return std::string(R"({"cniVersion":"1.0.0","name":")") + kNetwork + R"(","type":"ibvf","deviceID":")" + kVfPci + R"(","ipam":)" +
               ipam_ + "}";
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
        const auto r = runTimed(ip_, {"link", "set", stage.vfName(), "netns", stage.podName()}, {kHostPath}, "");
        requireOk(r, label(), "ADD");
        expectInPod(stage, stage.vfName(), label());
        return fromRun(r);
    }

    OpResult del(const Stage& stage, const std::string&) override {
        const auto r = runTimed(ip_, {"-n", stage.podName(), "link", "set", stage.vfName(), "netns", self_}, {kHostPath}, "");
        requireOk(r, label(), "DEL");
        expectBackOnHost(stage, stage.vfName(), label());
        return fromRun(r);
    }

private:
    std::string ip_;
    std::string self_ = std::to_string(::getpid());  // `netns PID`: this process's namespace, the host's
};

class NetlinkFloor : public Contender {
public:
    explicit NetlinkFloor(linux::RouteSocket& host)
        : Contender("floor-netlink", "netns move, one netlink call in-process"), host_(host), hostNs_(linux::NetNs::current()) {}

    OpResult add(const Stage& stage, const std::string&) override {
        const auto start = Clock::now();
        host_.moveToNetNs(stage.vfHostIndex(), stage.podNs().fd());
        const OpResult r{elapsedMs(start), std::nullopt, std::nullopt};
        expectInPod(stage, stage.vfName(), label());
        return r;
    }

    OpResult del(const Stage& stage, const std::string&) override {
        auto pod = linux::runInNetNs(stage.podNs(), [] { return linux::RouteSocket(); });
        const auto link = pod.linkByName(stage.vfName());
        if (!link) throw std::runtime_error(label() + ": " + stage.vfName() + " is not in " + stage.podPath());
        const auto start = Clock::now();
        pod.moveToNetNs(link->ifindex, hostNs_.fd());
        const OpResult r{elapsedMs(start), std::nullopt, std::nullopt};
        expectBackOnHost(stage, stage.vfName(), label());
        return r;
    }

private:
    using Clock = std::chrono::steady_clock;
    static double elapsedMs(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }
    linux::RouteSocket& host_;
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
    return std::make_unique<IbvfContender>(options, ipam, key, label, dir.path() / key);
}

std::unique_ptr<Contender> makeHostDevice(const BenchOptions& options, const BenchDir& dir) {
    return std::make_unique<HostDeviceContender>(options, dir);
}

std::unique_ptr<Contender> makeIpFloor(const BenchOptions& options) { return std::make_unique<IpFloor>(options); }

std::unique_ptr<Contender> makeNetlinkFloor(linux::RouteSocket& host) { return std::make_unique<NetlinkFloor>(host); }

}  // namespace ibvf::bench
