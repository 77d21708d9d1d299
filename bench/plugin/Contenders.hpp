#pragma once
// The things raced against each other. Each ADD and DEL is timed and then verified (untimed):
// the exit code, the ADD result, and where the VF really is. Any failure throws.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "BenchOptions.hpp"
#include "Workload.hpp"
#include "linux/NetNs.hpp"
#include "linux/RouteSocket.hpp"
#include "support/FakeSysfs.hpp"

namespace ibvf::bench {

struct OpResult {
    double wallMs = 0;
    std::optional<double> maxRssKb;  // exec'd operations only
    std::optional<double> cpuMs;
};

class Contender {
public:
    virtual ~Contender() = default;
    const std::string& key() const { return key_; }      // JSON key, e.g. "ibvf-host-local"
    const std::string& label() const { return label_; }  // table header
    virtual OpResult add(const Stage& stage, const std::string& containerId) = 0;
    virtual OpResult del(const Stage& stage, const std::string& containerId) = 0;
    // CHECK of the attachment the last add() made (with its result as prevResult); nullopt for
    // contenders that are not CNI plugins.
    virtual std::optional<OpResult> check(const Stage&, const std::string&) { return std::nullopt; }

protected:
    Contender(std::string key, std::string label) : key_(std::move(key)), label_(std::move(label)) {}

private:
    std::string key_;
    std::string label_;
};

// A private temporary directory for the run's state (IPAM stores, ibvf state, fake sysfs).
class BenchDir {
public:
    BenchDir();  // under $TMPDIR, default /tmp
    explicit BenchDir(const std::filesystem::path& base);
    ~BenchDir();
    BenchDir(const BenchDir&) = delete;
    BenchDir& operator=(const BenchDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// The interface name every CNI contender is asked for.
inline constexpr const char* kPodIfname = "net1";
// The stand-in VF's PCI address in the fake sysfs tree, and its PF.
inline constexpr const char* kPfPci = "0000:3b:00.0";
inline constexpr const char* kVfPci = "0000:3b:00.2";

enum class IbvfIpam { HostLocal, InProcess };

// `variant` (e.g. "state in /dev/shm") makes a second ibvf contender with its own key and label.
std::unique_ptr<Contender> makeIbvf(const BenchOptions& options, const BenchDir& dir, IbvfIpam ipam, const std::string& variant = {});
std::unique_ptr<Contender> makeHostDevice(const BenchOptions& options, const BenchDir& dir);
// `ip link set <vf> netns <pod>` exec'd; DEL: `ip -n <pod> link set <vf> netns <bench pid>`.
std::unique_ptr<Contender> makeIpFloor(const BenchOptions& options);
// One RTM_NEWLINK with IFLA_NET_NS_FD through lib/linux on a socket opened beforehand.
std::unique_ptr<Contender> makeNetlinkFloor(linux::RouteSocket& host);

}  // namespace ibvf::bench
