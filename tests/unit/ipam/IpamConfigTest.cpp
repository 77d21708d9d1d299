#include <sys/stat.h>

#include <fstream>

#include <doctest/doctest.h>

#include "IpamTestSupport.hpp"
#include "ipam/IpamConfig.hpp"
#include "ipam/RequestedAddresses.hpp"
#include "ipam/ResolvConf.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::test;

namespace {

std::string withIpam(const std::string& ipamBody, const std::string& extraTop = {}) {
    return R"({"cniVersion":"1.0.0","name":"testnet","type":"ibvf")" + extraTop + R"(,"ipam":{"type":"ibvf-ipam")" +
           (ipamBody.empty() ? "" : "," + ipamBody) + "}}";
}

void expectConfigError(const std::string& ipamBody, cni::ErrorCode code, const std::string& fragment) {
    CAPTURE(ipamBody);
    const auto c = conf(withIpam(ipamBody));
    const auto e = errorOf([&] { parseIpamConfig(c); });
    CHECK(e.code() == code);
    CHECK_MESSAGE(e.msg().find(fragment) != std::string::npos, e.msg());
}

}  // namespace

TEST_CASE("host-local shaped config: shorthand first, then ranges, routes, exclude") {
    TempDir root;
    StateRootGuard guard(root.path());
    const auto cfg =
        parseIpamConfig(conf(withIpam(R"("subnet":"10.1.2.0/24","rangeStart":"10.1.2.10","gateway":"10.1.2.254",)"
                                      R"("ranges":[[{"subnet":"10.2.0.0/16"},{"subnet":"10.3.0.0/16"}],[{"subnet":"fd00::/64"}]],)"
                                      R"("exclude":["10.2.0.0/24"],)"
                                      R"("routes":[{"dst":"0.0.0.0/0"},{"dst":"192.168.7.9/24","gw":"10.1.2.254","mtu":2044,"advmss":1400,)"
                                      R"("priority":10,"table":100,"scope":253}])")));
    REQUIRE(cfg.rangeSets.size() == 3);
    CHECK(cfg.rangeSets[0].size() == 1);
    CHECK(cfg.rangeSets[0][0].start == ip("10.1.2.10"));
    CHECK(*cfg.rangeSets[0][0].gateway == ip("10.1.2.254"));
    CHECK(cfg.rangeSets[0][0].end == ip("10.1.2.254"));
    CHECK(cfg.rangeSets[1].size() == 2);
    CHECK(cfg.rangeSets[2][0].family() == net::Family::V6);
    CHECK(cfg.exclusions.contains(ip("10.2.0.77")));
    REQUIRE(cfg.routes.size() == 2);
    CHECK(cfg.routes[0].dst.toString() == "0.0.0.0/0");
    CHECK_FALSE(cfg.routes[0].gw);
    CHECK(cfg.routes[1].dst.toString() == "192.168.7.0/24");  // network only, as host-local's ParseCIDR
    CHECK(*cfg.routes[1].gw == ip("10.1.2.254"));
    CHECK(cfg.routes[1].mtu == 2044);
    CHECK(cfg.routes[1].advmss == 1400);
    CHECK(cfg.routes[1].priority == 10);
    CHECK(cfg.routes[1].table == 100);
    CHECK(cfg.routes[1].scope == 253);
    CHECK(std::get<StoreLocation>(cfg.backend).network == "testnet");
    CHECK(std::get<StoreLocation>(cfg.backend).dir == fs::weakly_canonical(root.path()) / "ibvf-ipam" / "testnet");
    CHECK(std::get<StoreLocation>(cfg.backend).lockTimeout == kDefaultLockTimeout);
    CHECK(cfg.dns.empty());
}

TEST_CASE("config validation errors carry code 7 and the field") {
    TempDir root;
    StateRootGuard guard(root.path());
    using C = cni::ErrorCode;
    expectConfigError("", C::InvalidNetworkConfig, "no address ranges");
    expectConfigError(R"("ranges":[])", C::InvalidNetworkConfig, "no address ranges");
    expectConfigError(R"("ranges":{})", C::InvalidNetworkConfig, "ipam.ranges must be an array");
    expectConfigError(R"("ranges":[{"subnet":"10.0.0.0/24"}])", C::InvalidNetworkConfig, "ipam.ranges[0] must be an array of ranges");
    expectConfigError(R"("ranges":[[]])", C::InvalidNetworkConfig, "ipam.ranges[0]: a range set needs at least one range");
    expectConfigError(R"("ranges":[["10.0.0.0/24"]])", C::InvalidNetworkConfig, "ipam.ranges[0][0] must be an object");
    expectConfigError(R"("ranges":[[{"subnet":24}]])", C::InvalidNetworkConfig, "ipam.ranges[0][0].subnet must be a string");
    expectConfigError(R"("ranges":[[{"rangeStart":"10.0.0.1"}]])", C::InvalidNetworkConfig, "ipam.ranges[0][0]: subnet is required");
    expectConfigError(R"("ranges":[[{"subnet":"10.0.0.0/24"}],[{"subnet":"10.0.0.128/25"}]])", C::InvalidNetworkConfig, "overlaps");
    expectConfigError(R"("rangeStart":"10.0.0.1")", C::InvalidNetworkConfig, "ipam.rangeStart needs ipam.subnet");
    expectConfigError(R"("subnet":"10.0.0.1/24")", C::InvalidNetworkConfig, "ipam: subnet 10.0.0.1/24 has host bits set");
    expectConfigError(R"("subnet":"10.0.0.0/24","routes":[{"gw":"10.0.0.1"}])", C::InvalidNetworkConfig, "ipam.routes[0].dst");
    expectConfigError(R"("subnet":"10.0.0.0/24","routes":[{"dst":"default"}])", C::InvalidNetworkConfig,
                      "ipam.routes[0].dst 'default' is not a CIDR");
    expectConfigError(R"("subnet":"10.0.0.0/24","routes":[{"dst":"0.0.0.0/0","gw":"fd00::1"}])", C::InvalidNetworkConfig,
                      "ipam.routes[0].gw fd00::1 is not of the family");
    expectConfigError(R"("subnet":"10.0.0.0/24","routes":[{"dst":"0.0.0.0/0","mtu":-1}])", C::InvalidNetworkConfig,
                      "ipam.routes[0].mtu -1 is out of range");
    expectConfigError(R"("subnet":"10.0.0.0/24","routes":[{"dst":"0.0.0.0/0","scope":300}])", C::InvalidNetworkConfig,
                      "ipam.routes[0].scope must be between 0 and 255");
    expectConfigError(R"("subnet":"10.0.0.0/24","routes":[{"dst":"0.0.0.0/0","table":"main"}])", C::InvalidNetworkConfig,
                      "ipam.routes[0].table must be an integer");
    expectConfigError(R"("subnet":"10.0.0.0/24","exclude":["10.0.0.300"])", C::InvalidNetworkConfig, "ipam.exclude[0]");
    expectConfigError(R"("subnet":"10.0.0.0/24","exclude":"10.0.0.3")", C::InvalidNetworkConfig, "ipam.exclude must be an array");
    expectConfigError(R"("subnet":"10.0.0.0/24","resolvConf":"/nonexistent/resolv.conf")", C::InvalidNetworkConfig,
                      "ipam.resolvConf: cannot read /nonexistent/resolv.conf");
    expectConfigError(R"("subnet":"10.0.0.0/24","dataDir":"relative/dir")", C::InvalidNetworkConfig,
                      "ipam.dataDir 'relative/dir' must be an absolute path");
    expectConfigError(R"("subnet":"10.0.0.0/24","dataDir":"/etc")", C::InvalidNetworkConfig, "outside the allowed root");
    expectConfigError(R"("subnet":"10.0.0.0/24","lockTimeoutMs":0)", C::InvalidNetworkConfig, "ipam.lockTimeoutMs");

    const auto noIpam = conf(R"({"cniVersion":"1.0.0","name":"n","type":"ibvf"})");
    CHECK(errorOf([&] { parseIpamConfig(noIpam); }).msg().find("no \"ipam\" section") != std::string::npos);
    CHECK(errorOf([&] { storeLocationOf(noIpam); }).code() == cni::ErrorCode::InvalidNetworkConfig);
}

TEST_CASE("dataDir must resolve inside the state root") {
    TempDir tmp;
    const fs::path root = tmp.path() / "root";
    fs::create_directories(root / "sub");
    fs::create_directories(tmp.path() / "outside");
    const fs::path canonRoot = fs::weakly_canonical(root);

    CHECK(resolveStoreDir(root, std::nullopt, "n1") == canonRoot / "ibvf-ipam" / "n1");
    CHECK(resolveStoreDir(root, (root / "sub").string(), "n1") == canonRoot / "sub" / "n1");
    // Does not exist yet: still resolved lexically.
    CHECK(resolveStoreDir(root, (root / "new" / "deeper").string(), "n1") == canonRoot / "new" / "deeper" / "n1");

    const auto outside = [&](const std::string& dataDir, const std::string& name = "n1") {
        const auto e = errorOf([&] { resolveStoreDir(root, dataDir, name); });
        CHECK(e.code() == cni::ErrorCode::InvalidNetworkConfig);
        CHECK_MESSAGE(e.msg().find("outside the allowed root") != std::string::npos, e.msg());
    };
    outside((tmp.path() / "outside").string());
    outside((root / ".." / "outside").string());
    outside(root.string() + "-sibling");  // a prefix of the root's text is not inside it
    outside("/");
    // The root itself is not a lease directory: the network name always adds a component, and
    // ".." would take it out again.
    CHECK(errorOf([&] { resolveStoreDir(root, root.string(), ".."); }).msg().find("one path component") != std::string::npos);
    CHECK(errorOf([&] { resolveStoreDir(root, root.string(), "a/b"); }).msg().find("one path component") != std::string::npos);
    CHECK(errorOf([&] { resolveStoreDir(root, root.string(), ""); }).code() == cni::ErrorCode::InvalidNetworkConfig);

    // A symlink inside the root that points out of it is followed, and refused.
    fs::create_directory_symlink(tmp.path() / "outside", root / "escape");
    outside((root / "escape").string());
    outside((root / "escape" / "more").string());
    // A symlink that stays inside is fine.
    fs::create_directory_symlink(root / "sub", root / "alias");
    CHECK(resolveStoreDir(root, (root / "alias").string(), "n1") == canonRoot / "sub" / "n1");
    // The network name itself as a symlink out of the root.
    fs::create_directories(root / "d");
    fs::create_directory_symlink(tmp.path() / "outside", root / "d" / "evil");
    outside((root / "d").string(), "evil");
}

// Found by fuzzing: a dataDir with a NUL passed the check, and the system calls then used the
// shorter path before it: two networks with dataDirs "<root>/\0a" and "<root>/\0b" shared the
// root itself as their store, so one network's GC released the other's leases.
TEST_CASE("dataDir with a NUL byte is refused") {
    TempDir tmp;
    const std::string withNul = tmp.path().string() + std::string("/\0a", 3);
    const auto e = errorOf([&] { resolveStoreDir(tmp.path(), withNul, "n1"); });
    CHECK(e.code() == cni::ErrorCode::InvalidNetworkConfig);
    CHECK(e.msg() == "ipam.dataDir must not contain a NUL byte");
}

TEST_CASE("lockTimeoutMs and dataDir reach the store location") {
    TempDir root;
    StateRootGuard guard(root.path());
    const auto loc = storeLocationOf(
        conf(withIpam(R"("subnet":"10.0.0.0/24","lockTimeoutMs":250,"dataDir":")" + (root.path() / "leases").string() + "\"")));
    CHECK(loc.lockTimeout == std::chrono::milliseconds(250));
    CHECK(loc.dir == fs::weakly_canonical(root.path()) / "leases" / "testnet");
}

TEST_CASE("resolv.conf into dns") {
    const auto dns = parseResolvConf(
        "# comment\n"
        "nameserver 10.0.0.53\n"
        "nameserver   fd00::53  ; trailing\n"
        "domain example.com\n"
        "search a.example.com b.example.com\n"
        "options ndots:5 timeout:1\n"
        "options rotate\n"
        "sortlist 10.0.0.0\n"
        "nameserver\n");
    CHECK(dns.nameservers == std::vector<std::string>{"10.0.0.53", "fd00::53"});
    CHECK(dns.domain == "example.com");
    CHECK(dns.search == std::vector<std::string>{"a.example.com", "b.example.com"});
    CHECK(dns.options == std::vector<std::string>{"ndots:5", "timeout:1", "rotate"});
    CHECK(parseResolvConf("").empty());
    // Another file named as resolvConf: lines that merely start with the keywords give nothing.
    const auto other = parseResolvConf(
        "nameserver root:$6$salt$hash\n"
        "domain secret=hunter2\n"
        "search ok.example token:abc/def\n"
        "options ndots:5 password=x a:1:2 timeout:123456\n");
    CHECK(other.nameservers.empty());
    CHECK(other.domain.empty());
    CHECK(other.search == std::vector<std::string>{"ok.example"});
    CHECK(other.options == std::vector<std::string>{"ndots:5"});

    TempDir tmp;
    const auto path = tmp.path() / "resolv.conf";
    std::ofstream(path) << "nameserver 1.1.1.1\r\nsearch svc.cluster.local\r\n";
    StateRootGuard guard(tmp.path());
    const auto cfg = parseIpamConfig(conf(withIpam(R"("subnet":"10.0.0.0/24","resolvConf":")" + path.string() + "\"")));
    CHECK(cfg.dns.nameservers == std::vector<std::string>{"1.1.1.1"});
    CHECK(cfg.dns.search == std::vector<std::string>{"svc.cluster.local"});
}

// Found by fuzzing: resolvConf was read whole, whatever it named. "/dev/zero" exhausted memory
// and a FIFO blocked ibvf-ipam forever; the path is written by a namespace user and read as root.
TEST_CASE("resolvConf must be a regular file of at most 64 KiB") {
    using C = cni::ErrorCode;
    TempDir tmp;
    StateRootGuard guard(tmp.path());
    const auto fifo = tmp.path() / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const auto big = tmp.path() / "big.conf";
    std::ofstream(big) << std::string(64 * 1024, '#') << "\nnameserver 1.1.1.1\n";
    const auto body = [](const std::string& path) { return R"("subnet":"10.0.0.0/24","resolvConf":")" + path + "\""; };
    expectConfigError(body("/dev/zero"), C::InvalidNetworkConfig, "ipam.resolvConf: /dev/zero is not a regular file");
    expectConfigError(body(fifo.string()), C::InvalidNetworkConfig, fifo.string() + " is not a regular file");
    expectConfigError(body(tmp.path().string()), C::InvalidNetworkConfig, "is not a regular file");
    expectConfigError(body(big.string()), C::InvalidNetworkConfig, big.string() + " is larger than 64 KiB");
    expectConfigError(body(big.string() + "\\u0000x"), C::InvalidNetworkConfig, "the path contains a NUL byte");
}

TEST_CASE("requested addresses from runtimeConfig.ips, args.cni.ips and CNI_ARGS IP") {
    const std::string text = R"({"cniVersion":"1.0.0","name":"n","type":"ibvf",)"
                             R"("runtimeConfig":{"ips":["10.0.0.5/24","fd00::5"]},)"
                             R"("args":{"cni":{"ips":["10.0.0.5","10.0.0.6"]}},)"
                             R"("ipam":{"type":"ibvf-ipam","subnet":"10.0.0.0/24"}})";
    auto req = request(text, "c1", "net1", "IgnoreUnknown=1;IP=10.0.0.7,fd00::7/64");
    CHECK(requestedAddresses(req) ==
          std::vector<net::IpAddress>{ip("10.0.0.5"), ip("fd00::5"), ip("10.0.0.6"), ip("10.0.0.7"), ip("fd00::7")});

    auto bad = request(text, "c1", "net1", "IP=10.0.0.x");
    auto e = errorOf([&] { requestedAddresses(bad); });
    CHECK(e.code() == cni::ErrorCode::InvalidEnvironment);
    CHECK(e.msg().find("CNI_ARGS IP: '10.0.0.x'") != std::string::npos);

    auto badConf = request(R"({"cniVersion":"1.0.0","name":"n","type":"ibvf","runtimeConfig":{"ips":["nope"]},)"
                           R"("ipam":{"type":"ibvf-ipam","subnet":"10.0.0.0/24"}})",
                           "c1");
    e = errorOf([&] { requestedAddresses(badConf); });
    CHECK(e.code() == cni::ErrorCode::InvalidNetworkConfig);
    CHECK(e.msg().find("runtimeConfig.ips[0] 'nope'") != std::string::npos);

    auto none = request(withIpam(R"("subnet":"10.0.0.0/24")"), "c1");
    CHECK(requestedAddresses(none).empty());
}

TEST_CASE("logLevel/logFile: ipam section first, then the top level") {
    auto s = logSettingsOf(conf(withIpam(R"("logLevel":"debug")", R"(,"logLevel":"error","logFile":"/tmp/x.log")")));
    CHECK(s.level == "debug");
    CHECK(s.file == "/tmp/x.log");
    s = logSettingsOf(conf(withIpam("")));
    CHECK_FALSE(s.level);
    CHECK_FALSE(s.file);
}
