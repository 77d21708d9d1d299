// "guidSource": "etcd" on two simulated nodes with identical PCI layouts (each a fake sysfs tree
// with veth stand-ins, its own state, the PF's driver a recording fake) sharing one real etcd:
// the plugin's ADD leases a GUID through `ibvf-ipam-etcd guid`, sets it, and DEL restores the
// VF's GUID and only then releases the lease.
#include <cerrno>
#include <set>

#include "../plugin/InProcessNode.hpp"
#include "ClusterLab.hpp"
#include "ipam/etcd/EtcdGuidStore.hpp"
#include "plugin/Detach.hpp"

using namespace ibvf;
using namespace ibvf::ipam::cluster;
using ibvf::test::InProcessNode;
using ibvf::test::PluginLab;
using ibvf::test::ScopedNetns;

namespace {

constexpr const char* kGuidPrefix = "/ibvf-guid-test";
constexpr std::uint64_t kOriginal = 0x0002c90300001111ULL;
const std::string kRange = "02:00:00:00:00:07:00:00-02:00:00:00:00:07:00:ff";

std::string buildDir() { return std::filesystem::path(ibvf::test::builtBinary("ibvf")).parent_path().string(); }

std::string guidConf(const std::string& endpoint, const std::string& node, unsigned vf, const std::string& range = kRange) {
    return R"({"cniVersion":"1.1.0","name":"ibguid","type":"ibvf","deviceID":")" + ibvf::test::vfPci(vf) +
           R"(","guidSource":"etcd","guidRange":")" + range +
           R"(","ipam":{"type":"ibvf-ipam","ranges":[[{"subnet":"10.77.0.0/24"}]],"nodeName":")" + node +
           R"(","backend":{"type":"etcd","endpoints":[")" + endpoint + R"("],"prefix":")" + kGuidPrefix + R"(","timeoutMs":1500}}})";
}

// One node: two VFs on a PF at 0000:3b:00.0, as on every node of a homogeneous cluster.
struct GuidNode {
    std::string name;
    PluginLab lab{2};
    ScopedNetns pod;
    InProcessNode node{lab};
    int pf = 0;

    explicit GuidNode(std::string n) : name(std::move(n)) {
        pf = ibvf::test::ifindexOf(lab.pfNetdev());
        for (unsigned i = 0; i < 2; ++i) {
            lab.veth(i).alsoSearch(pod.path());
            linux::VfSettings initial;
            initial.vfIndex = static_cast<int>(i);
            initial.nodeGuid = kOriginal + i;
            initial.portGuid = kOriginal + i;
            node.recorder.addVf(pf, initial);
        }
    }

    static std::string ifnameOf(unsigned vf) { return "net" + std::to_string(vf + 1); }

    cni::Request request(cni::Command command, const std::string& conf, const std::string& cid, unsigned vf = 0) const {
        cni::Request req;
        req.env.command = command;
        req.env.containerId = cid;
        req.env.netns = pod.path();
        req.env.ifname = ifnameOf(vf);
        req.env.path = {buildDir()};
        req.conf = cni::parseNetConf(conf);
        return req;
    }

    // The runtime's variables, which the exec'd IPAM reads from the environment.
    RuntimeEnv runtime(const std::string& cid, unsigned vf = 0) const {
        return RuntimeEnv({{"CNI_CONTAINERID", cid},
                           {"CNI_NETNS", pod.path()},
                           {"CNI_IFNAME", ifnameOf(vf)},
                           {"CNI_PATH", buildDir()},
                           {"CNI_ARGS", ""}});
    }

    // The GUID the VF carries after the ADD.
    std::uint64_t add(const std::string& conf, const std::string& cid, unsigned vf) {
        const auto env = runtime(cid, vf);
        const auto req = request(cni::Command::Add, conf, cid, vf);
        plugin::attach(req, plugin::PluginConfig::parse(req.conf), node.ctx);
        return node.recorder.get(pf, static_cast<int>(vf)).portGuid.value_or(0);
    }
    std::optional<cni::Error> addError(const std::string& conf, const std::string& cid) {
        const auto env = runtime(cid);
        return node.attachError(request(cni::Command::Add, conf, cid));
    }
    void del(const std::string& conf, const std::string& cid, unsigned vf = 0) {
        const auto env = runtime(cid, vf);
        const auto req = request(cni::Command::Del, conf, cid, vf);
        plugin::detach(req, plugin::PluginConfig::parse(req.conf), node.ctx);
    }
    void gc(std::string conf, const std::vector<cni::Attachment>& valid) {
        const auto env = runtime("");
        std::string list;
        for (const auto& v : valid) {
            list += (list.empty() ? "" : ",") + std::string(R"({"containerID":")") + v.containerId + R"(","ifname":")" + v.ifname + "\"}";
        }
        conf.insert(1, R"("cni.dev/valid-attachments":[)" + list + "],");
        auto req = request(cni::Command::Gc, conf, "");
        req.env.containerId.clear();
        req.env.netns.clear();
        req.env.ifname.clear();
        plugin::collectGarbage(req, plugin::PluginConfig::parse(req.conf), node.ctx, valid);
    }
    std::uint64_t guidOf(unsigned vf) { return node.recorder.get(pf, static_cast<int>(vf)).portGuid.value_or(0); }
};

// GUID -> node, from etcd's raw keys (the lease values), independently of the store's code.
std::map<std::string, std::string> leasesIn(EtcdServer& etcd) {
    std::map<std::string, std::string> out;
    const std::string base = std::string(kGuidPrefix) + "/_guid/leases/";
    for (const auto& kv : etcd.keysUnder(base)) {
        rapidjson::Document doc;
        doc.Parse(kv.value.c_str());
        out[kv.key.substr(base.size())] = doc.IsObject() && doc.HasMember("node") ? doc["node"].GetString() : "?";
    }
    return out;
}

std::string hex(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

}  // namespace

TEST_CASE("guidSource etcd: identical PCI layouts on two nodes get distinct GUIDs from the range, released on DEL") {
    EtcdServer etcd;
    GuidNode a("node-a");
    GuidNode b("node-b");
    const auto range = linux::GuidRange::parse(kRange);
    std::set<std::uint64_t> guids;
    for (unsigned vf = 0; vf < 2; ++vf) {
        for (GuidNode* n : {&a, &b}) {
            const auto g = n->add(guidConf(etcd.endpoint(), n->name, vf), "c" + std::to_string(vf), vf);
            CHECK(range.contains(linux::Guid(g)));
            guids.insert(g);
        }
    }
    CHECK(guids.size() == 4);
    const auto leases = leasesIn(etcd);
    REQUIRE(leases.size() == 4);
    CHECK(leases.at(hex(a.guidOf(0))) == "node-a");
    CHECK(leases.at(hex(b.guidOf(1))) == "node-b");

    // DEL: the VF's GUID is back, then its lease is gone; the other node's lease stays.
    const auto held = a.guidOf(0);
    a.del(guidConf(etcd.endpoint(), "node-a", 0), "c0");
    CHECK(a.guidOf(0) == kOriginal);
    CHECK(leasesIn(etcd).count(hex(held)) == 0);
    CHECK(leasesIn(etcd).size() == 3);
    a.del(guidConf(etcd.endpoint(), "node-a", 0), "c0");  // DEL is idempotent
    CHECK(leasesIn(etcd).size() == 3);
    for (unsigned vf = 0; vf < 2; ++vf) {
        b.del(guidConf(etcd.endpoint(), "node-b", vf), "c" + std::to_string(vf), vf);
        CHECK(b.guidOf(vf) == kOriginal + vf);
    }
    a.del(guidConf(etcd.endpoint(), "node-a", 1), "c1", 1);
    CHECK(etcd.keysUnder(std::string(kGuidPrefix) + "/_guid/").empty());
    CHECK(a.lab.attachmentFiles().empty());
}

TEST_CASE("guidSource etcd: concurrent claims from two nodes never share a GUID, and a full range is code 103") {
    EtcdServer etcd;
    const std::string small = "02:00:00:00:00:08:00:00-02:00:00:00:00:08:00:07";  // 8 GUIDs
    const BinaryRunner helper("ibvf-ipam-etcd");
    auto claim = [&](std::size_t i) {
        const std::string node = i % 2 ? "node-b" : "node-a";
        return helper.run({"guid"},
                          {{"CNI_COMMAND", "ADD"},
                           {"CNI_CONTAINERID", "k" + std::to_string(i)},
                           {"CNI_NETNS", "/proc/self/ns/net"},
                           {"CNI_IFNAME", "net1"},
                           {"CNI_PATH", buildDir()}},
                          guidConf(etcd.endpoint(), node, 0, small));
    };
    const auto results = runTogether(8, claim);
    std::set<std::string> got;
    for (const auto& r : results) {
        REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
        got.insert((*r.json)["interfaces"][0]["mac"].GetString());
    }
    CHECK(got.size() == 8);
    CHECK(leasesIn(etcd).size() == 8);
    const auto full = claim(8);
    CHECK(full.exitCode != 0);
    CHECK(codeOf(full) == 103);
    CHECK(msgOf(full).find("every GUID of guidRange") != std::string::npos);
    // A repeated ADD of a holder keeps its GUID instead of taking another.
    const auto again = claim(3);
    REQUIRE_MESSAGE(again.exitCode == 0, again.summary());
    CHECK(got.count((*again.json)["interfaces"][0]["mac"].GetString()) == 1);
}

TEST_CASE("guidSource etcd: GC releases the leases of attachments the runtime no longer lists, on this node only") {
    EtcdServer etcd;
    GuidNode a("node-a");
    GuidNode b("node-b");
    const auto kept = a.add(guidConf(etcd.endpoint(), "node-a", 0), "live", 0);
    b.add(guidConf(etcd.endpoint(), "node-b", 0), "live", 0);
    // A lease whose attachment this node forgot (its ADD died before writing state, or the
    // state was lost): only GC can find it.
    const BinaryRunner helper("ibvf-ipam-etcd");
    const auto ghost = helper.run(
        {"guid"}, {{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "ghost"}, {"CNI_NETNS", "/proc/self/ns/net"}, {"CNI_IFNAME", "net1"}},
        guidConf(etcd.endpoint(), "node-a", 1));
    REQUIRE_MESSAGE(ghost.exitCode == 0, ghost.summary());
    REQUIRE(leasesIn(etcd).size() == 3);

    a.gc(guidConf(etcd.endpoint(), "node-a", 0), {{"live", "net1"}});
    const auto after = leasesIn(etcd);
    CHECK(after.size() == 2);
    CHECK(after.count(hex(kept)) == 1);
    CHECK(a.guidOf(0) == kept);  // the listed attachment is untouched
    for (const auto& [guid, node] : after) CHECK(guid != std::string((*ghost.json)["interfaces"][0]["mac"].GetString()));
}

TEST_CASE("guidSource etcd: etcd unreachable is code 11 and the VF keeps its GUID; a failed ADD gives its lease back") {
    EtcdServer etcd;
    GuidNode a("node-a");
    const auto host = ibvf::test::HostSnapshot::capture();

    // The PF's driver refuses the GUID: the lease taken for it is released by the rollback.
    a.node.recorder.failOperation("setGuids", EOPNOTSUPP, 1);
    const auto refused = a.addError(guidConf(etcd.endpoint(), "node-a", 0), "c0");
    REQUIRE(refused);
    CHECK(refused->code() == cni::ErrorCode::HardwareUnsupported);
    CHECK(etcd.keysUnder(std::string(kGuidPrefix) + "/_guid/").empty());
    CHECK(a.guidOf(0) == kOriginal);

    etcd.kill();
    const auto down = a.addError(guidConf(etcd.endpoint(), "node-a", 0), "c1");
    REQUIRE(down);
    CHECK(down->code() == cni::ErrorCode::TryAgainLater);
    CHECK_MESSAGE(down->msg().find("GUID ADD: etcd is unreachable") != std::string::npos, down->msg());
    CHECK(a.guidOf(0) == kOriginal);
    CHECK(a.lab.attachmentFiles().empty());
    const auto after = ibvf::test::HostSnapshot::capture();
    CHECK_MESSAGE(host == after, host.diff(after));
}
