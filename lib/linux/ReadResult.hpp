#pragma once
// The outcome of one reading for a metrics scrape: a value, or why there is none. A scrape reads
// hundreds of devices that may vanish at any moment (a pod ends, a VF is reset), so "gone" is an
// ordinary result here, not an exception that could end the scraping thread.
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ibvf::linux {

enum class ReadFailure {
    NamespaceGone,  // the network namespace path no longer names a namespace (its pod ended)
    DeviceGone,     // no such netdev / RDMA device / PF (any more) where it was looked for
    NotVisible,     // the RDMA device is not in this namespace (moved into a pod's netns)
    Failed,         // anything else (permission, a malformed reply): `message` says what
};

std::string_view readFailureName(ReadFailure failure);  // "namespace_gone", "device_gone", ...

struct ReadError {
    ReadFailure kind = ReadFailure::Failed;
    int err = 0;          // errno behind it, 0 when there is none
    std::string message;  // what was read where: "read link stats in netns /run/netns/x: ..."
};

template <class T>
class ReadResult {
public:
    // Implicit on purpose: `return stats;` and `return ReadError{...};` both read naturally.
    ReadResult(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
    ReadResult(ReadError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return ok(); }
    // std::bad_variant_access when called on the other alternative.
    const T& value() const& { return std::get<T>(v_); }
    T& value() & { return std::get<T>(v_); }
    T&& value() && { return std::get<T>(std::move(v_)); }
    const ReadError& error() const { return std::get<ReadError>(v_); }

private:
    std::variant<T, ReadError> v_;
};

}  // namespace ibvf::linux
