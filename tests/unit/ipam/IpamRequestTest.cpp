// What both IPAM plugins (ibvf-ipam, `ibvf-ipam-etcd guid`) take from a request (IpamRequest.hpp).
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include <spdlog/spdlog.h>

#include "cni/NetConf.hpp"
#include "ipam/IpamRequest.hpp"
#include "support/LastLine.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf;

namespace {

cni::Request request(const std::string& containerId) {
    cni::Request req{cni::Env{}, cni::parseNetConf(R"({"cniVersion":"1.0.0","name":"ibnet","type":"ibvf-ipam"})")};
    req.env.containerId = containerId;
    req.env.ifname = "net1";
    return req;
}

}  // namespace

TEST_CASE("the attachment of a request, GC's keep-list and the accepted CNI_ARGS") {
    CHECK(ipam::attachmentKeyOf(request("0123456789abcdef")) == ipam::AttachmentKey{"0123456789abcdef", "net1"});
    CHECK(ipam::keepListOf({{"c1", "net1"}, {"c2", "net2"}}) == std::vector<ipam::AttachmentKey>{{"c1", "net1"}, {"c2", "net2"}});
    CHECK(ipam::keepListOf({}).empty());
    const auto args = ipam::ipamCniArgs();
    CHECK(args == std::vector<std::string_view>{"IP", "K8S_POD_NAMESPACE", "K8S_POD_NAME", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"});
}

TEST_CASE("IPAM logging: <program>.log in the log directory, lines tagged with network, container and interface") {
    test::ScratchDir dir;
    ::setenv("IBVF_LOG_DIR", dir.path().c_str(), 1);
    ipam::setupIpamLogging(request("0123456789abcdef"), "ipam-test", "guid");
    spdlog::info("one");
    CHECK(test::lastLine(dir / "ipam-test.log").find("[guid net=ibnet cid=0123456789ab if=net1] one") != std::string::npos);
    ipam::setupIpamLogging(request("0123456789abcdef"), "ipam-test", "");
    spdlog::info("two");
    CHECK(test::lastLine(dir / "ipam-test.log").find("[net=ibnet cid=0123456789ab if=net1] two") != std::string::npos);
    ipam::setupIpamLogging(request(""), "ipam-test", "guid");  // GC and STATUS name no attachment
    spdlog::info("three");
    CHECK(test::lastLine(dir / "ipam-test.log").find("] three") == std::string::npos);
    ::unsetenv("IBVF_LOG_DIR");
}
