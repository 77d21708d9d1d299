// check-config on netconfs, conflists, device plugin configs and manifests: what is valid passes,
// each error names its field and explains itself.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "diag/ConfigCheck.hpp"

using namespace ibvf::diag;

namespace {

std::vector<const ConfigFinding*> errorsOf(const ConfigCheck& c) {
    std::vector<const ConfigFinding*> out;
    for (const auto& f : c.findings)
        if (!f.ok) out.push_back(&f);
    return out;
}

const ConfigFinding& onlyError(const ConfigCheck& c) {
    const auto errors = errorsOf(c);
    REQUIRE(errors.size() == 1);
    return *errors.front();
}

std::string readFile(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("a valid ibvf netconf with ibvf-ipam passes both parsers") {
    const auto c = checkConfigText(
        R"({"cniVersion":"1.0.0","name":"ibnet","type":"ibvf","ipam":{"type":"ibvf-ipam","ranges":[[{"subnet":"10.56.0.0/24"}]]}})");
    CHECK(c.kind == "netconf");
    CHECK(c.description == "CNI network configuration \"ibnet\" (type ibvf)");
    CHECK(c.errors() == 0);
    REQUIRE(c.findings.size() == 2);
    CHECK(c.findings[0].checker == "ibvf");
    CHECK(c.findings[1].checker == "ibvf-ipam");
}

TEST_CASE("a logFile the binaries would refuse is reported with its field; one inside the log directory is not") {
    ::setenv("IBVF_LOG_DIR", "/var/log/ibvf", 1);
    const auto c = checkConfigText(R"({"cniVersion":"1.0.0","name":"n","type":"ibvf","logFile":"/etc/cron.d/x",)"
                                   R"("ipam":{"type":"ibvf-ipam","subnet":"10.0.0.0/24","logFile":"../x.log"}})");
    const auto errors = errorsOf(c);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0]->field == "logFile");
    CHECK(errors[0]->message == "logFile '/etc/cron.d/x' would be refused: it is outside /var/log/ibvf");
    CHECK(errors[0]->explanation.find("only a file inside /var/log/ibvf") == 0);
    CHECK(errors[1]->field == "ipam.logFile");
    CHECK(errors[1]->message == "ipam.logFile '../x.log' would be refused: it contains \"..\"");
    CHECK(checkConfigText(R"({"cniVersion":"1.0.0","name":"n","type":"ibvf","logFile":"/var/log/ibvf/n.log"})").errors() == 0);
    ::unsetenv("IBVF_LOG_DIR");
}

TEST_CASE("errors of the plugin and of the IPAM are both reported, each with its field and explanation") {
    const auto c = checkConfigText(
        R"({"cniVersion":"1.0.0","name":"n","type":"ibvf","mtu":70000,"ipam":{"type":"ibvf-ipam","ranges":[[{"subnet":"10.0.0.0/33"}]]}})");
    const auto errors = errorsOf(c);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0]->checker == "ibvf");
    CHECK(errors[0]->field == "mtu");
    CHECK(errors[0]->message == "mtu 70000 is out of range");
    CHECK(errors[0]->explanation == "mtu must be between 68 and 65520");
    CHECK(errors[1]->checker == "ibvf-ipam");
    CHECK(errors[1]->field == "ipam.ranges[0][0]");
}

TEST_CASE("netconf-level errors: version, name, bad GUID, bad link_state") {
    CHECK(onlyError(checkConfigText(R"({"cniVersion":"9.9","name":"n","type":"ibvf"})")).field == "cniVersion");
    CHECK(onlyError(checkConfigText(R"({"cniVersion":"1.0.0","name":"a/b","type":"ibvf"})")).field == "name");
    const auto zeroGuid = checkConfigText(R"({"cniVersion":"1.0.0","name":"n","type":"ibvf","guid":"00:00:00:00:00:00:00:00"})");
    const auto& guid = onlyError(zeroGuid);
    CHECK(guid.field == "guid");
    CHECK(guid.explanation == "all zeros and all ones are reserved");
    CHECK(onlyError(checkConfigText(R"({"cniVersion":"1.0.0","name":"n","type":"ibvf","link_state":"on"})")).field == "link_state");
}

TEST_CASE("a netconf of another plugin using ibvf-ipam is checked for its IPAM part") {
    auto c = checkConfigText(R"({"cniVersion":"1.0.0","name":"n","type":"macvlan","ipam":{"type":"ibvf-ipam","subnet":"10.1.0.0/16"}})");
    CHECK(c.errors() == 0);
    REQUIRE(c.findings.size() == 1);
    CHECK(c.findings[0].checker == "ibvf-ipam");

    c = checkConfigText(R"({"cniVersion":"1.0.0","name":"n","type":"macvlan","ipam":{"type":"host-local"}})");
    CHECK(onlyError(c).field == "type");
}

TEST_CASE("conflist: each plugin gets the list's name and version; errors are placed under plugins[i]") {
    auto c = checkConfigText(R"({"cniVersion":"1.1.0","name":"l","plugins":[
        {"type":"ibvf","pfNetdevice":"ib0"},
        {"type":"tuning"},
        {"type":"ibvf","deviceID":"3b:00.2"}]})");
    CHECK(c.kind == "conflist");
    CHECK(c.description == "CNI network configuration list \"l\" (3 plugins)");
    const auto& e = onlyError(c);
    CHECK(e.section == "plugins[2]");
    CHECK(e.field == "plugins[2].deviceID");
    CHECK(e.explanation == "expected the VF's full PCI address, e.g. 0000:3b:00.2");

    CHECK(onlyError(checkConfigText(R"({"cniVersion":"1.1.0","name":"l","plugins":[]})")).field == "plugins");
    CHECK(onlyError(checkConfigText(R"({"cniVersion":"1.1.0","plugins":[{"type":"ibvf"}]})")).field == "name");
    CHECK(onlyError(checkConfigText(R"({"cniVersion":"1.1.0","name":"l","plugins":[{"type":"bridge"}]})")).field == "plugins");
}

TEST_CASE("device plugin configs: valid shapes pass; errors carry the parser's field path") {
    auto c = checkConfigText(R"({"mode":"sriov","pfNetdevices":["ib0"]})");
    CHECK(c.kind == "device-plugin");
    CHECK(c.errors() == 0);

    c = checkConfigText(R"({"resources":[{"name":"vhca","selectors":{"pfNames":["ib0#7-3"]}}]})");
    const auto& e = onlyError(c);
    CHECK(e.field == "resources[0].selectors.pfNames[0]");
    CHECK(e.message == "resources[0].selectors.pfNames[0]: \"ib0#7-3\": VF range is reversed");

    const auto misspelt = checkConfigText(R"({"mode":"hca","selector":{}})");
    const auto& unknown = onlyError(misspelt);
    CHECK(unknown.field == "selector");
    CHECK(unknown.explanation ==
          "the device plugin refuses fields it does not know (a misspelt selector would otherwise widen a pool): check the spelling");
}

TEST_CASE("not JSON, not an object, or of no known kind") {
    auto c = checkConfigText("{\"cniVersion\":\"1.0.0\",\n\"name\":\"n\",\n}");
    const auto& e = onlyError(c);
    CHECK(e.checker == "json");
    CHECK(e.message == "not valid JSON: Missing a name for object member. (line 3, offset 35)");
    CHECK(onlyError(checkConfigText("[1,2]")).checker == "json");
    CHECK(onlyError(checkConfigText(R"({"hello":"world"})")).message == "cannot tell what this config is");
    CHECK(onlyError(checkConfigText("")).checker == "json");
}

TEST_CASE("a NetworkAttachmentDefinition's config is checked under its name") {
    const auto c = checkConfigText(R"(apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: ib-net
spec:
  config: '{"cniVersion":"1.0.0","name":"ib-net","type":"ibvf","mtu":10}'
)");
    CHECK(c.kind == "manifest");
    const auto& e = onlyError(c);
    CHECK(e.section == "NetworkAttachmentDefinition ib-net, spec.config");
    CHECK(e.field == "mtu");
}

TEST_CASE("a manifest without configs is an error, not a silent pass") {
    const auto c = checkConfigText("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n");
    CHECK(c.errors() == 1);
}

TEST_CASE("every example in netconf-examples/ (but the pod) passes") {
    std::size_t files = 0;
    for (const char* sub : {"cni", "nad", "device-plugin"}) {
        for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(IBVF_SOURCE_DIR) / "netconf-examples" / sub)) {
            CAPTURE(e.path().string());
            const auto c = checkConfigText(readFile(e.path()));
            for (const auto* f : errorsOf(c)) INFO(f->section << ": " << f->message);
            CHECK(c.errors() == 0);
            CHECK(c.kind != "unknown");
            ++files;
        }
    }
    CHECK(files >= 10);
}

TEST_CASE("fieldOfMessage: the leading field, known phrasings, or nothing") {
    CHECK(fieldOfMessage("mtu 70000 is out of range") == "mtu");
    CHECK(fieldOfMessage("ipam.ranges[0] must be an array of ranges") == "ipam.ranges[0]");
    CHECK(fieldOfMessage("ipam: no address ranges (set \"ranges\" or \"subnet\")") == "ipam");
    CHECK(fieldOfMessage("runtimeConfig.infinibandGUID 'x' is not a GUID") == "runtimeConfig.infinibandGUID");
    CHECK(fieldOfMessage("resources[1].name: \"x\" is not a valid resource name") == "resources[1].name");
    CHECK(fieldOfMessage("unsupported cniVersion \"9\"") == "cniVersion");
    CHECK(fieldOfMessage("invalid network name \"a/b\"") == "name");
    CHECK(fieldOfMessage("failed to parse the network configuration") == "");
    CHECK(fieldOfMessage("the lease store is busy") == "");
}
