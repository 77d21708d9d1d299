#pragma once
// The etcd lease store as a cluster uses it: a real etcd (tests/support/EtcdServer), and the real
// ibvf-ipam binary run as a runtime runs it, once per simulated node (a node is a nodeName).
#include <cstdlib>
#include <latch>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "../../unit/ipam/IpamTestSupport.hpp"
#include "ipam/etcd/EtcdLayout.hpp"
#include "support/BinaryRunner.hpp"
#include "support/EtcdServer.hpp"

namespace ibvf::ipam::cluster {

using ibvf::test::BinaryRunner;
using ibvf::test::EtcdServer;
using ibvf::test::RunResult;

inline constexpr const char* kPrefix = "/ibvf-test";

struct NetSpec {
    std::string network = "ibnet";
    std::string ipam = R"("subnet":"10.44.0.0/22")";  // the ipam section's address fields
    std::string backendExtra;                         // more "backend" fields (",\"tls\":...")
    std::string version = "1.1.0";
    std::string topExtra;  // e.g. cni.dev/valid-attachments
};

inline std::string clusterConfig(const std::string& endpoint, const std::string& node, const NetSpec& n = {}) {
    return R"({"cniVersion":")" + n.version + R"(","name":")" + n.network + R"(","type":"ibvf")" + n.topExtra +
           R"(,"ipam":{"type":"ibvf-ipam",)" + n.ipam + R"(,"nodeName":")" + node + R"(","backend":{"type":"etcd","endpoints":[")" +
           endpoint + R"("],"prefix":")" + kPrefix + "\"" + n.backendExtra + "}}}";
}

class Node {
public:
    // `binary`: ibvf-ipam (which hands etcd configs to ibvf-ipam-etcd) or ibvf-ipam-etcd itself.
    explicit Node(std::string name, std::string binary = "ibvf-ipam") : name_(std::move(name)), runner_(std::move(binary)) {}
    const std::string& name() const { return name_; }

    RunResult run(const std::string& command, const std::string& config, const std::string& cid, const std::string& ifname = "net1",
                  const std::string& cniArgs = {}) const {
        return runner_.run({{"CNI_COMMAND", command},
                            {"CNI_CONTAINERID", cid},
                            {"CNI_NETNS", "/proc/self/ns/net"},
                            {"CNI_IFNAME", ifname},
                            {"CNI_ARGS", cniArgs},
                            {"CNI_PATH", "/opt/cni/bin"}},
                           config);
    }

private:
    std::string name_;
    BinaryRunner runner_;
};

inline std::string addressOf(const RunResult& r, std::size_t i = 0) {
    if (!r.json || !r.json->IsObject() || !r.json->HasMember("ips")) return {};
    const auto& ips = (*r.json)["ips"];
    return i < ips.Size() ? ips[static_cast<rapidjson::SizeType>(i)]["address"].GetString() : "";
}

inline unsigned codeOf(const RunResult& r) {
    return r.json && r.json->IsObject() && r.json->HasMember("code") ? (*r.json)["code"].GetUint() : 0;
}

inline std::string msgOf(const RunResult& r) {
    return r.json && r.json->IsObject() && r.json->HasMember("msg") ? (*r.json)["msg"].GetString() : "";
}

// Runs `count` calls of `job(i)` on their own threads, all released at once.
template <class Job>
auto runTogether(std::size_t count, Job&& job) -> std::vector<decltype(job(std::size_t{0}))> {
    std::vector<decltype(job(std::size_t{0}))> results(count);
    std::latch start(static_cast<std::ptrdiff_t>(count));
    std::vector<std::thread> threads;
    threads.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            results[i] = job(i);
        });
    }
    for (auto& t : threads) t.join();
    return results;
}

// What etcd holds for one network, read raw and checked against the layout's rules
// (EtcdLayout.hpp), independently of the store's own code.
struct ClusterState {
    struct Holder {
        std::string node;
        std::string cid;
        std::string ifname;
        std::int64_t revision = 0;
    };
    std::map<std::string, Holder> leases;  // address -> holder (from the lease value)
    // node -> "cid/ifname" -> address -> create_revision of the index entry
    std::map<std::string, std::map<std::string, std::map<std::string, std::int64_t>>> index;
    std::vector<std::string> strays;  // keys under the prefix that fit neither kind

    static ClusterState read(EtcdServer& etcd, const std::string& network = "ibnet") {
        ClusterState s;
        const EtcdLayout layout(kPrefix, network, "-");
        const std::string base = std::string(kPrefix) + "/" + network + "/";
        for (const auto& kv : etcd.keysUnder(base)) {
            if (const auto a = layout.addressOfLeaseKey(kv.key)) {
                const auto o = EtcdLayout::parseLeaseValue(kv.value);
                if (!o) {
                    s.strays.push_back(kv.key);
                    continue;
                }
                s.leases[a->toString()] = {o->node, o->who.containerId, o->who.ifname, kv.createRevision};
                continue;
            }
            // <base>nodes/<node>/<cid>/<ifname>/<addr>
            const std::string rest = kv.key.substr(base.size());
            std::vector<std::string> p;
            std::size_t from = 0;
            while (true) {
                const auto slash = rest.find('/', from);
                p.push_back(rest.substr(from, slash == std::string::npos ? std::string::npos : slash - from));
                if (slash == std::string::npos) break;
                from = slash + 1;
            }
            const auto addr = p.size() == 5 ? parseSortableAddress(p[4]) : std::nullopt;
            if (p.size() != 5 || p[0] != "nodes" || !addr || kv.value != addr->toString()) {
                s.strays.push_back(kv.key);
                continue;
            }
            s.index[p[1]][p[2] + "/" + p[3]][addr->toString()] = kv.createRevision;
        }
        return s;
    }

    std::size_t indexEntries() const {
        std::size_t n = 0;
        for (const auto& [node, atts] : index) {
            for (const auto& [att, addrs] : atts) n += addrs.size();
        }
        return n;
    }

    // Every lease has exactly its holder's index entry, written with it (same create_revision),
    // and every entry its lease: no half claims, no orphans.
    void checkWhole() const {
        CHECK_MESSAGE(strays.empty(), "unexpected keys, e.g. " << (strays.empty() ? "" : strays.front()));
        for (const auto& [addr, h] : leases) {
            const auto n = index.find(h.node);
            bool found = false;
            if (n != index.end()) {
                const auto att = n->second.find(h.cid + "/" + h.ifname);
                if (att != n->second.end()) {
                    const auto e = att->second.find(addr);
                    found = e != att->second.end() && e->second == h.revision;
                }
            }
            CHECK_MESSAGE(found, "lease " << addr << " of " << h.node << "/" << h.cid << " has no index entry");
        }
        CHECK_MESSAGE(indexEntries() == leases.size(), indexEntries() << " index entries for " << leases.size() << " leases");
    }

    std::set<std::string> addressesOf(const std::string& node, const std::string& cid, const std::string& ifname = "net1") const {
        std::set<std::string> out;
        for (const auto& [addr, h] : leases) {
            if (h.node == node && h.cid == cid && h.ifname == ifname) out.insert(addr);
        }
        return out;
    }
};

// The runtime's environment, as the plugin process would have it (the exec'd IPAM inherits it).
class RuntimeEnv {
public:
    RuntimeEnv(const std::map<std::string, std::string>& vars) {
        for (const auto& [k, v] : vars) {
            const char* old = std::getenv(k.c_str());
            saved_.emplace_back(k, old ? std::optional<std::string>(old) : std::nullopt);
            ::setenv(k.c_str(), v.c_str(), 1);
        }
    }
    ~RuntimeEnv() {
        for (const auto& [k, v] : saved_) {
            if (v) {
                ::setenv(k.c_str(), v->c_str(), 1);
            } else {
                ::unsetenv(k.c_str());
            }
        }
    }

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// "10.44.0.7/22" -> "10.44.0.7"
inline std::string bare(const std::string& cidr) { return cidr.substr(0, cidr.find('/')); }

}  // namespace ibvf::ipam::cluster
