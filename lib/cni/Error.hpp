#pragma once
// The one error type that crosses into the CNI error JSON. Lower layers throw their own
// context-rich exceptions; the plugin maps them to an Error with a spec code, and Dispatch turns
// whatever escapes into {"cniVersion","code","msg","details"} on stdout.
#include <stdexcept>
#include <string>

namespace ibvf::cni {

enum class ErrorCode : unsigned {
    IncompatibleVersion = 1,
    UnsupportedField = 2,
    UnknownContainer = 3,
    InvalidEnvironment = 4,
    IoFailure = 5,
    DecodeFailure = 6,
    InvalidNetworkConfig = 7,
    TryAgainLater = 11,
    PluginNotAvailable = 50,
    LimitedConnectivity = 51,
    // ibvf-specific (the spec reserves 100+ for plugins)
    SystemFailure = 100,        // a kernel or filesystem operation failed
    DeviceNotFound = 101,       // deviceID / netdev / PF not where sysfs or netlink says
    DeviceBusy = 102,           // the VF is attached elsewhere or in a state we must not touch
    IpamFailure = 103,          // address allocation failed (exhausted, requested IP taken, ...)
    HardwareUnsupported = 104,  // the device refused an operation it would need (e.g. VF GUIDs)
};

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, std::string msg, std::string details = {})
        : std::runtime_error(msg), code_(code), msg_(std::move(msg)), details_(std::move(details)) {}
    ErrorCode code() const { return code_; }
    const std::string& msg() const { return msg_; }
    const std::string& details() const { return details_; }

private:
    ErrorCode code_;
    std::string msg_;
    std::string details_;
};

}  // namespace ibvf::cni
