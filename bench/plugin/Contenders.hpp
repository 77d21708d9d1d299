#pragma once
// The things raced against each other. Each ADD and DEL is timed, then verified (untimed, and
// for a burst of concurrent operations only once all of them are over): the exit code, the ADD
// result, and where the VF really is. Any failure throws.
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
    std::string output;   // a CNI ADD's result, the CHECK's prevResult
    std::string failure;  // empty when the operation succeeded; else what went wrong
};

class Contender {
public:
    virtual ~Contender() = default;
    const std::string& key() const { return key_; }      // JSON key, e.g. "ibvf-host-local"
    const std::string& label() const { return label_; }  // table header
    // Untimed set-up of the stage for this contender, before add(); safe to call from several
    // threads for distinct stages.
    virtual void prepare(const Stage&) {}
    // Timed. Safe to call concurrently for distinct stages; they do not throw for a failed
    // operation (OpResult::failure says it), verifyAdd/verifyDel do.
    virtual OpResult add(const Stage& stage, const std::string& containerId) = 0;
    virtual OpResult del(const Stage& stage, const std::string& containerId) = 0;
    virtual void verifyAdd(const Stage& stage, const OpResult& add) const = 0;
    virtual void verifyDel(const Stage& stage, const OpResult& del) const = 0;
    // CHECK of the attachment `add` made (its result as prevResult), verified; nullopt for
    // contenders that are not CNI plugins.
    virtual std::optional<OpResult> check(const Stage&, const std::string&, const OpResult&) { return std::nullopt; }

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
// The stand-in VFs' PF in the fake sysfs tree, and the PCI address of the VF of a stage's slot
// (slot 0: 0000:3b:00.2).
inline constexpr const char* kPfPci = "0000:3b:00.0";
std::string vfPci(std::size_t slot);

enum class IbvfIpam { HostLocal, InProcess };

// `variant` (e.g. "state in /dev/shm") makes a second ibvf contender with its own key and label.
std::unique_ptr<Contender> makeIbvf(const BenchOptions& options, const BenchDir& dir, IbvfIpam ipam, const std::string& variant = {});
// ibvf (ibvf-ipam) from another build (--compare-ibvf): two versions of the plugin, same run.
std::unique_ptr<Contender> makeIbvfBinary(const BenchOptions& options, const BenchDir& dir, const std::filesystem::path& binary);
std::unique_ptr<Contender> makeHostDevice(const BenchOptions& options, const BenchDir& dir);
// `ip link set <vf> netns <pod>` exec'd; DEL: `ip -n <pod> link set <vf> netns <bench pid>`.
std::unique_ptr<Contender> makeIpFloor(const BenchOptions& options);
// One RTM_NEWLINK with IFLA_NET_NS_FD through lib/linux on a socket opened before the clock starts.
std::unique_ptr<Contender> makeNetlinkFloor();
// The same, right after the bench started and reaped /bin/true (untimed), as a runtime starts a
// plugin just before its move.
std::unique_ptr<Contender> makeNetlinkFloorAfterSpawn();
// The same move from ibvf-bench-mover, exec'd as a plugin is.
std::unique_ptr<Contender> makeExecFloor(const BenchOptions& options);

}  // namespace ibvf::bench
