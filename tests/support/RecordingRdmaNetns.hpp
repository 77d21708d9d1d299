#pragma once
#include "support/FailurePlan.hpp"
// An RdmaNetns that records every call and models the kernel's rules closely enough for flow
// tests: devices live in a network namespace, in exclusive mode a device is visible only from
// the namespace it is in (judged by the calling thread's namespace at each call, so code that
// switches namespaces is checked for real), moves need exclusive mode (EOPNOTSUPP otherwise, as
// the kernel answers), and any call can be made to fail.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "linux/RdmaNetns.hpp"

namespace ibvf::test {

struct RdmaCall {
    std::string op;  // "netnsMode", "deviceIndex", "moveToNetns"
    std::string device;
    std::string targetNetns;  // moveToNetns: namespace identity of the fd ("net:[4026532...]")
    int failedWith = 0;
    std::string str() const;  // "moveToNetns mlx5_3 -> net:[4026532301]", " -> errno 95" when failed
};

class RecordingRdmaNetns : public linux::RdmaNetns {
public:
    // Devices added later start in the namespace of the thread that constructs this object.
    RecordingRdmaNetns();

    void setMode(linux::RdmaNetnsMode mode) { mode_ = mode; }
    void addDevice(std::string name, std::uint32_t index);

    // Same failure injection as RecordingVfControl.
    void failCall(int n, int err);
    void failOperation(std::string op, int err, int times = -1);
    void clearFailures();

    const std::vector<RdmaCall>& calls() const { return calls_; }
    std::vector<std::string> callStrings() const;
    // Identity of the namespace the device is in ("net:[...]"), nullopt when unknown.
    std::optional<std::string> netnsOf(const std::string& device) const;
    const std::string& initialNetns() const { return home_; }

    // "net:[<inode>]" of an open netns fd / of the calling thread's namespace.
    static std::string netnsIdOfFd(int fd);
    static std::string currentNetnsId();

    linux::RdmaNetnsMode netnsMode() override;
    std::optional<std::uint32_t> deviceIndex(std::string_view device) override;
    void moveToNetns(std::string_view device, int netnsFd) override;

private:
    struct Device {
        std::uint32_t index = 0;
        std::string netns;
    };
    // Records the call; throws the injected failure if there is one, else `naturalErr` if set.
    void record(RdmaCall call, int naturalErr = 0, const std::string& naturalWhat = {});
    const Device* visible(std::string_view device) const;

    linux::RdmaNetnsMode mode_ = linux::RdmaNetnsMode::Exclusive;
    std::string home_;
    std::map<std::string, Device, std::less<>> devices_;
    std::vector<RdmaCall> calls_;
    FailurePlan plan_;
};

}  // namespace ibvf::test
