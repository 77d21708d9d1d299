// The real ibvf-ipam binary, run as a container runtime runs it (exec, CNI_* env, config on
// stdin), with IBVF_STATE_DIR pointing at a scratch directory. No root needed.
#include <fstream>
#include <latch>
#include <set>
#include <thread>

#include <doctest/doctest.h>

#include "../../unit/ipam/IpamTestSupport.hpp"
#include "support/BinaryRunner.hpp"

using namespace ibvf;
using namespace ibvf::ipam::test;
using ibvf::test::BinaryRunner;
using ibvf::test::RunResult;

namespace {

class Ipam {
public:
    Ipam() : runner_("ibvf-ipam"), root_(fs::weakly_canonical(tmp_.path())) {}

    RunResult run(const std::string& command, const std::string& config, const std::string& cid, const std::string& ifname = "net1",
                  const std::string& cniArgs = {}) const {
        return runner_.run({{"CNI_COMMAND", command},
                            {"CNI_CONTAINERID", cid},
                            {"CNI_NETNS", "/proc/self/ns/net"},
                            {"CNI_IFNAME", ifname},
                            {"CNI_ARGS", cniArgs},
                            {"CNI_PATH", "/opt/cni/bin"},
                            {"IBVF_STATE_DIR", root_.string()},
                            {"IBVF_LOG_DIR", (root_ / "log").string()}},
                           config);
    }

    // The same command for many containers at once: every process is started together.
    std::vector<RunResult> runConcurrently(const std::string& command, const std::string& config,
                                           const std::vector<std::string>& cids) const {
        std::vector<RunResult> results(cids.size());
        std::latch start(static_cast<std::ptrdiff_t>(cids.size()));
        std::vector<std::thread> threads;
        threads.reserve(cids.size());
        for (std::size_t i = 0; i < cids.size(); ++i) {
            threads.emplace_back([&, i] {
                start.arrive_and_wait();
                results[i] = run(command, config, cids[i]);
            });
        }
        for (auto& t : threads) t.join();
        return results;
    }

    fs::path storeDir(const std::string& network) const { return root_ / "ibvf-ipam" / network; }
    const fs::path& root() const { return root_; }

private:
    BinaryRunner runner_;
    TempDir tmp_;
    fs::path root_;
};

std::string config(const std::string& version, const std::string& network, const std::string& subnet, const std::string& ipamExtra = {},
                   const std::string& topExtra = {}) {
    return R"({"cniVersion":")" + version + R"(","name":")" + network + R"(","type":"ibvf")" + topExtra +
           R"(,"ipam":{"type":"ibvf-ipam","subnet":")" + subnet + "\"" + (ipamExtra.empty() ? "" : "," + ipamExtra) + "}}";
}

std::string addressOf(const RunResult& r, std::size_t i = 0) {
    if (!r.json || !r.json->IsObject() || !r.json->HasMember("ips")) return {};
    return (*r.json)["ips"][static_cast<rapidjson::SizeType>(i)]["address"].GetString();
}

unsigned codeOf(const RunResult& r) { return r.json && r.json->IsObject() && r.json->HasMember("code") ? (*r.json)["code"].GetUint() : 0; }

std::string msgOf(const RunResult& r) {
    return r.json && r.json->IsObject() && r.json->HasMember("msg") ? (*r.json)["msg"].GetString() : "";
}

std::vector<std::string> cids(const char* prefix, int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(numbered(prefix, i));
    return out;
}

// Every name and record in the store, cursors included: "unchanged" means byte for byte.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
    std::map<std::string, std::string> s;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        const std::string rel = fs::relative(e.path(), dir).string();
        if (e.is_symlink()) {
            s[rel] = "-> " + fs::read_symlink(e.path()).string();
        } else if (e.is_regular_file()) {
            std::ifstream in(e.path(), std::ios::binary);
            s[rel] = std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        } else {
            s[rel] = "dir";
        }
    }
    return s;
}

}  // namespace

TEST_CASE("64 concurrent ADDs get distinct addresses, 64 DELs free them, the /24 fills, one more fails cleanly") {
    Ipam ipam;
    const std::string conf = config("1.0.0", "burst", "10.33.0.0/24");

    const auto adds = ipam.runConcurrently("ADD", conf, cids("a", 64));
    std::set<std::string> addrs;
    for (const auto& r : adds) {
        REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
        addrs.insert(addressOf(r));
    }
    CHECK(addrs.size() == 64);
    auto raw = RawStore::read(ipam.storeDir("burst"));
    raw.checkInvariants();
    CHECK(raw.leases.size() == 64);

    const auto dels = ipam.runConcurrently("DEL", conf, cids("a", 64));
    for (const auto& r : dels) {
        CHECK_MESSAGE(r.exitCode == 0, r.summary());
        CHECK(r.out.empty());
    }
    raw = RawStore::read(ipam.storeDir("burst"));
    CHECK(raw.leases.empty());
    CHECK(raw.indexes.empty());

    // The whole /24: 254 host addresses minus the gateway, in bursts of 64.
    std::set<std::string> all;
    const auto everyone = cids("f", 253);
    for (std::size_t from = 0; from < everyone.size(); from += 64) {
        const std::vector<std::string> batch(everyone.begin() + static_cast<std::ptrdiff_t>(from),
                                             everyone.begin() + static_cast<std::ptrdiff_t>(std::min(from + 64, everyone.size())));
        for (const auto& r : ipam.runConcurrently("ADD", conf, batch)) {
            REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
            all.insert(addressOf(r));
        }
    }
    CHECK(all.size() == 253);
    CHECK(all.count("10.33.0.1/24") == 0);
    CHECK(all.count("10.33.0.0/24") == 0);
    CHECK(all.count("10.33.0.255/24") == 0);

    const auto before = snapshot(ipam.storeDir("burst"));
    const auto extra = ipam.run("ADD", conf, "one-too-many");
    CHECK(extra.exitCode == 1);
    CHECK(codeOf(extra) == 103);
    CHECK_MESSAGE(msgOf(extra).find("network burst") != std::string::npos, extra.summary());
    CHECK_MESSAGE(msgOf(extra).find("10.33.0.0/24") != std::string::npos, extra.summary());
    CHECK(snapshot(ipam.storeDir("burst")) == before);
    RawStore::read(ipam.storeDir("burst")).checkInvariants();
}

TEST_CASE("DEL is idempotent and prints nothing") {
    Ipam ipam;
    const std::string conf = config("1.0.0", "idem", "10.34.0.0/24");
    REQUIRE(ipam.run("ADD", conf, "c1").exitCode == 0);
    for (const char* cid : {"c1", "c1", "never-added"}) {
        const auto r = ipam.run("DEL", conf, cid);
        CHECK_MESSAGE(r.exitCode == 0, r.summary());
        CHECK(r.out.empty());
    }
    // DEL without CNI_NETNS (the netns is gone) still releases.
    REQUIRE(ipam.run("ADD", conf, "c2").exitCode == 0);
    BinaryRunner runner("ibvf-ipam");
    const auto r = runner.run(
        {{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "c2"}, {"CNI_IFNAME", "net1"}, {"IBVF_STATE_DIR", ipam.root().string()}}, conf);
    CHECK_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(RawStore::read(ipam.storeDir("idem")).leases.empty());
}

TEST_CASE("GC releases everything not in cni.dev/valid-attachments") {
    Ipam ipam;
    const std::string conf = config("1.1.0", "gcnet", "10.35.0.0/24");
    for (const char* cid : {"keep1", "drop1", "keep2", "drop2"}) REQUIRE(ipam.run("ADD", conf, cid).exitCode == 0);
    const std::string gc = config("1.1.0", "gcnet", "10.35.0.0/24", {},
                                  R"(,"cni.dev/valid-attachments":[{"containerID":"keep1","ifname":"net1"},)"
                                  R"({"containerID":"keep2","ifname":"net1"}])");
    const auto r = ipam.run("GC", gc, "");
    CHECK_MESSAGE(r.exitCode == 0, r.summary());
    const auto raw = RawStore::read(ipam.storeDir("gcnet"));
    CHECK(raw.leases.size() == 2);
    CHECK(raw.addressesOf("keep1", "net1").size() == 1);
    CHECK(raw.addressesOf("keep2", "net1").size() == 1);
}

TEST_CASE("CHECK verifies the lease against prevResult") {
    Ipam ipam;
    const std::string conf = config("1.0.0", "chk", "10.36.0.0/24");
    const auto add = ipam.run("ADD", conf, "c1");
    REQUIRE(add.exitCode == 0);
    std::string withPrev = conf;
    withPrev.insert(withPrev.size() - 1, ",\"prevResult\":" + add.out);
    auto r = ipam.run("CHECK", withPrev, "c1");
    CHECK_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(r.out.empty());
    REQUIRE(ipam.run("DEL", conf, "c1").exitCode == 0);
    r = ipam.run("CHECK", withPrev, "c1");
    CHECK(r.exitCode == 1);
    CHECK(codeOf(r) == 103);
    CHECK(msgOf(r).find("holds no lease") != std::string::npos);
}

TEST_CASE("result shape in every supported cniVersion, dual stack, 1.1 route fields") {
    Ipam ipam;
    const auto version = ipam.run("VERSION", "", "");
    REQUIRE(version.json);
    CHECK((*version.json)["supportedVersions"].Size() == 5);

    int n = 0;
    for (const std::string v : {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
        CAPTURE(v);
        const std::string conf =
            R"({"cniVersion":")" + v +
            R"(","name":"shapes","type":"ibvf","ipam":{"type":"ibvf-ipam","ranges":[[{"subnet":"10.37.0.0/24"}],)"
            R"([{"subnet":"fd37::/64","gateway":"fd37::fe"}]],"routes":[{"dst":"0.0.0.0/0","gw":"10.37.0.1","priority":5,"table":9}]}})";
        const auto r = ipam.run("ADD", conf, numbered("s", n++));
        REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
        const auto& j = *r.json;
        CHECK(std::string(j["cniVersion"].GetString()) == v);
        REQUIRE(j["ips"].Size() == 2);
        CHECK(std::string(j["ips"][0]["address"].GetString()) == "10.37.0." + std::to_string(1 + n) + "/24");
        CHECK(std::string(j["ips"][1]["address"].GetString()) == "fd37::" + std::to_string(n) + "/64");
        CHECK(std::string(j["ips"][1]["gateway"].GetString()) == "fd37::fe");
        CHECK(j["ips"][0].HasMember("version") == (v[0] == '0'));
        CHECK_FALSE(j.HasMember("interfaces"));
        CHECK(j["routes"][0].HasMember("priority") == (v == "1.1.0"));
        CHECK(j["routes"][0].HasMember("table") == (v == "1.1.0"));
    }
}

TEST_CASE("errors are one JSON object on stdout; logs go to logFile, never stdout") {
    Ipam ipam;
    auto r = ipam.run("ADD", config("1.0.0", "errs", "10.38.0.0/24", R"("dataDir":"/etc")"), "c1");
    CHECK(r.exitCode == 1);
    CHECK(codeOf(r) == 7);
    CHECK(msgOf(r).find("outside the allowed root") != std::string::npos);
    CHECK_FALSE(fs::exists("/etc/errs"));

    r = ipam.run("ADD", config("1.0.0", "errs", "10.38.0.0/24", R"("exclude":["bogus"])"), "c1");
    CHECK(codeOf(r) == 7);
    CHECK(msgOf(r).find("ipam.exclude[0]") != std::string::npos);

    r = ipam.run("ADD", config("1.0.0", "errs", "10.38.0.0/24"), "c1", "net1", "IP=10.99.0.1");
    CHECK(codeOf(r) == 103);
    CHECK(msgOf(r).find("outside every range") != std::string::npos);

    const fs::path log = ipam.root() / "log" / "ipam.log";
    r = ipam.run("ADD", config("1.0.0", "logged", "10.39.0.0/24", R"("logLevel":"debug","logFile":")" + log.string() + "\""), "c1");
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(addressOf(r) == "10.39.0.2/24");  // stdout is the result and nothing else
    REQUIRE(fs::exists(log));
    std::ifstream in(log);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("10.39.0.2") != std::string::npos);
}

TEST_CASE("a logFile outside the log directory: the ADD succeeds, logs to the default file with a warning, creates nothing") {
    Ipam ipam;
    const fs::path outside = ipam.root() / "etc";
    fs::create_directories(outside);
    fs::create_directories(ipam.root() / "log");
    fs::create_directory_symlink(outside, ipam.root() / "log" / "via-link");
    const std::vector<std::string> refused = {(outside / "sudoers.d" / "x").string(), "../etc/cron.d/x", "via-link/ld.so.preload"};
    int n = 0;
    for (const auto& path : refused) {
        CAPTURE(path);
        const std::string cid = "c" + std::to_string(++n);
        const auto r = ipam.run("ADD", config("1.0.0", "confined", "10.40.0.0/24", R"("logFile":")" + path + "\""), cid);
        CHECK_MESSAGE(r.exitCode == 0, r.summary());
        std::ifstream in(ipam.root() / "log" / "ibvf-ipam.log");
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK(text.find("logFile '" + path + "' refused") != std::string::npos);
    }
    CHECK(fs::is_empty(outside));
}

TEST_CASE("requested address through CNI_ARGS IP") {
    Ipam ipam;
    const std::string conf = config("1.0.0", "req", "10.40.0.0/24");
    auto r = ipam.run("ADD", conf, "c1", "net1", "IgnoreUnknown=1;IP=10.40.0.77");
    REQUIRE_MESSAGE(r.exitCode == 0, r.summary());
    CHECK(addressOf(r) == "10.40.0.77/24");
    r = ipam.run("ADD", conf, "c2", "net1", "IP=10.40.0.77");
    CHECK(codeOf(r) == 103);
    CHECK(msgOf(r).find("already leased to container c1") != std::string::npos);
}
