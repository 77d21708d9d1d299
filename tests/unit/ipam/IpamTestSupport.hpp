#pragma once
#include "support/ScratchDir.hpp"
// Helpers for the ipam unit tests: scratch state roots, configs, forked children, and a reader of
// the store's raw layout that checks the invariants LeaseStore.hpp promises, independently of the
// store's own code.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cni/Dispatch.hpp"
#include "cni/Error.hpp"
#include "cni/NetConf.hpp"
#include "ipam/LeaseStore.hpp"
#include "ipam/StoreLocation.hpp"
#include "net/IpAddress.hpp"
#include "node/NodePaths.hpp"

namespace ibvf::ipam::test {

namespace fs = std::filesystem;

inline net::IpAddress ip(const char* text) {
    const auto a = net::IpAddress::parse(text);
    if (!a) throw std::invalid_argument(std::string("bad test address ") + text);
    return *a;
}

// prefix + i, built with += : GCC 12 reports a false -Wrestrict on `"c" + std::to_string(i)`.
inline std::string numbered(const char* prefix, int i) {
    std::string s = prefix;
    s += std::to_string(i);
    return s;
}

using TempDir = ibvf::test::ScratchDir;

// Points IBVF_STATE_DIR at a directory for the guard's lifetime.
class StateRootGuard {
public:
    explicit StateRootGuard(const fs::path& root) {
        if (const char* old = ::getenv(ibvf::node::kStateRoot.env)) old_ = old;
        ::setenv(ibvf::node::kStateRoot.env, root.c_str(), 1);
    }
    ~StateRootGuard() {
        if (old_) {
            ::setenv(ibvf::node::kStateRoot.env, old_->c_str(), 1);
        } else {
            ::unsetenv(ibvf::node::kStateRoot.env);
        }
    }
    StateRootGuard(const StateRootGuard&) = delete;
    StateRootGuard& operator=(const StateRootGuard&) = delete;

private:
    std::optional<std::string> old_;
};

inline StoreLocation locationIn(const fs::path& root, const std::string& network = "net",
                                std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    StoreLocation loc;
    loc.network = network;
    loc.dir = root / "ibvf-ipam" / network;
    loc.lockTimeout = timeout;
    return loc;
}

// Runs `body` in a forked child that _exit()s with its return value (99 when it throws) and
// returns the raw wait status.
template <class F>
int runInChild(F&& body) {
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int rc = 99;
        try {
            rc = body();
        } catch (...) {}
        ::_exit(rc);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return status;
}

inline bool killedBySigkill(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }
inline bool exitedWith(int status, int code) { return WIFEXITED(status) && WEXITSTATUS(status) == code; }

// The store as it is on disk, read with std::filesystem only.
struct RawStore {
    struct RawLease {
        std::string containerId;
        std::string ifname;
        std::string takenAt;
    };
    std::map<std::string, RawLease> leases;                   // address -> owner
    std::map<std::string, std::vector<std::string>> indexes;  // "cid:ifname" -> addresses its record lists
    std::map<std::size_t, std::string> cursors;               // range set -> address
    std::vector<std::string> malformed;                       // records that do not parse whole
    bool pending = false;

    static std::vector<std::string> split(const std::string& text) {
        std::vector<std::string> out;
        std::size_t i = 0;
        while (i <= text.size()) {
            const auto sp = text.find(' ', i);
            out.push_back(text.substr(i, sp == std::string::npos ? std::string::npos : sp - i));
            if (sp == std::string::npos) break;
            i = sp + 1;
        }
        return out;
    }

    // "<cid> <ifname> <unix time> <address>..."
    static bool wellFormedRecord(const std::vector<std::string>& parts) {
        if (parts.size() < 3 || parts[0].empty() || parts[1].empty() || parts[2].empty()) return false;
        if (!std::all_of(parts[2].begin(), parts[2].end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
        for (std::size_t i = 3; i < parts.size(); ++i) {
            if (!net::IpAddress::parse(parts[i])) return false;
        }
        return true;
    }

    static RawStore read(const fs::path& dir) {
        RawStore s;
        if (fs::exists(dir / "leases")) {
            for (const auto& e : fs::directory_iterator(dir / "leases")) {
                const std::string name = e.path().filename().string();
                const auto parts = split(fs::read_symlink(e.path()).string());
                if (!wellFormedRecord(parts) || !net::IpAddress::parse(name)) {
                    s.malformed.push_back("lease " + name);
                    continue;
                }
                s.leases[name] = {parts[0], parts[1], parts[2]};
            }
        }
        if (fs::exists(dir / "attachments")) {
            for (const auto& e : fs::directory_iterator(dir / "attachments")) {
                const std::string name = e.path().filename().string();
                const auto parts = split(fs::read_symlink(e.path()).string());
                if (!wellFormedRecord(parts) || parts[0] + ":" + parts[1] != name) {
                    s.malformed.push_back("record " + name);
                    continue;
                }
                s.indexes[name] = std::vector<std::string>(parts.begin() + 3, parts.end());
            }
        }
        if (fs::exists(dir / "cursors")) {
            std::ifstream in(dir / "cursors", std::ios::binary);
            std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            for (std::size_t slot = 0; slot * 64 < all.size(); ++slot) {
                const std::string text = all.substr(slot * 64, 64);
                const std::string addr = text.substr(0, text.find_first_of(std::string("\n\0", 2)));
                if (addr.empty()) continue;
                if (!net::IpAddress::parse(addr)) s.malformed.push_back("cursor " + std::to_string(slot));
                s.cursors[slot] = addr;
            }
        }
        s.pending = fs::is_symlink(fs::symlink_status(dir / ".pending"));
        return s;
    }

    std::vector<std::string> addressesOf(const std::string& cid, const std::string& ifname) const {
        std::vector<std::string> out;
        for (const auto& [addr, l] : leases) {
            if (l.containerId == cid && l.ifname == ifname) out.push_back(addr);
        }
        return out;
    }

    // LeaseStore.hpp's invariants: every record whole, every lease listed in its owner's index.
    // (One lease per address holds by construction of the layout: one name per address.)
    // `planted` names owners of leases a test wrote by hand without an index.
    void checkInvariants(const std::set<std::string>& planted = {}) const {
        CHECK_MESSAGE(malformed.empty(), "malformed records: " << malformed.size());
        for (const auto& [addr, l] : leases) {
            if (planted.count(l.containerId)) continue;
            const auto it = indexes.find(l.containerId + ":" + l.ifname);
            const bool listed = it != indexes.end() && std::find(it->second.begin(), it->second.end(), addr) != it->second.end();
            CHECK_MESSAGE(listed, "lease " << addr << " of " << l.containerId << "/" << l.ifname << " is in no index");
        }
    }
};

inline cni::NetConf conf(const std::string& text) { return cni::parseNetConf(text); }

inline cni::Request request(const std::string& confText, const std::string& cid, const std::string& ifname = "net1",
                            const std::string& cniArgs = {}) {
    cni::Request req{cni::Env{}, cni::parseNetConf(confText)};
    req.env.command = cni::Command::Add;
    req.env.containerId = cid;
    req.env.ifname = ifname;
    req.env.netns = "/proc/self/ns/net";
    req.env.args = cni::parseCniArgs(cniArgs);
    return req;
}

// Runs `f` and returns the cni::Error it throws (fails the test when it throws nothing or
// something else).
template <class F>
cni::Error errorOf(F&& f) {
    try {
        f();
    } catch (const cni::Error& e) {
        return e;
    } catch (const std::exception& e) {
        FAIL("expected a cni::Error, got: " << e.what());
    }
    FAIL("expected a cni::Error, nothing was thrown");
    return cni::Error(cni::ErrorCode::SystemFailure, "unreachable");
}

}  // namespace ibvf::ipam::test
