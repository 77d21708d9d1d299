// The checker itself: a good DaemonSet passes, and each kind of mistake it exists for is reported.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "ManifestCheck.hpp"

namespace {

using ibvf::test::checkManifests;
using ibvf::test::loadManifests;

const std::string kConfigMap = R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: rdma-devices, namespace: kube-system}
data:
  config.json: '{"mode":"sriov","pfNetdevices":["ib0"]}'
)";

const std::string kDaemonSet = R"(
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: dp, namespace: kube-system}
spec:
  selector: {matchLabels: {app: dp}}
  template:
    metadata: {labels: {app: dp, extra: x}}
    spec:
      containers:
        - name: dp
          image: ibvf:0.1.0
          volumeMounts:
            - {name: sys, mountPath: /sys}
            - {name: config, mountPath: /etc/ibvf}
      volumes:
        - {name: sys, hostPath: {path: /sys, type: Directory}}
        - name: config
          configMap: {name: rdma-devices, items: [{key: config.json, path: device-plugin.json}]}
)";

std::vector<std::string> problemsWith(const std::string& from, const std::string& to, const std::string& extra = kConfigMap) {
    std::string ds = kDaemonSet;
    if (!from.empty()) {
        const auto at = ds.find(from);
        REQUIRE_MESSAGE(at != std::string::npos, "test set-up: '" << from << "' not in the DaemonSet");
        ds.replace(at, from.size(), to);
    }
    return checkManifests(loadManifests(ds + "---\n" + extra, "t.yaml"));
}

bool mentions(const std::vector<std::string>& problems, const std::string& what) {
    return std::any_of(problems.begin(), problems.end(), [&](const std::string& p) { return p.find(what) != std::string::npos; });
}

}  // namespace

TEST_CASE("manifest check: a well-formed DaemonSet and its ConfigMap pass") {
    const auto problems = problemsWith("", "");
    CHECK_MESSAGE(problems.empty(), (problems.empty() ? "" : problems.front()));
}

TEST_CASE("manifest check: each mistake is reported with where it is") {
    SUBCASE("selector does not match the template") {
        CHECK(mentions(problemsWith("{matchLabels: {app: dp}}", "{matchLabels: {app: other}}"), "spec.template.metadata.labels"));
    }
    SUBCASE("a mount names no volume") {
        CHECK(mentions(problemsWith("{name: sys, mountPath: /sys}", "{name: sysfs, mountPath: /sys}"), "no volume 'sysfs'"));
    }
    SUBCASE("relative hostPath") { CHECK(mentions(problemsWith("path: /sys,", "path: sys,"), "hostPath.path")); }
    SUBCASE("relative mountPath") { CHECK(mentions(problemsWith("mountPath: /etc/ibvf", "mountPath: etc/ibvf"), "mountPath")); }
    SUBCASE("container without image") { CHECK(mentions(problemsWith("image: ibvf:0.1.0", "imagePullPolicy: Always"), ".image: missing")); }
    SUBCASE("no metadata.name") { CHECK(mentions(problemsWith("{name: dp, namespace", "{namespace"), "metadata.name")); }
    SUBCASE("wrong apiVersion for the kind") { CHECK(mentions(problemsWith("apps/v1", "extensions/v1beta1"), "DaemonSet is apps/v1")); }
    SUBCASE("ConfigMap missing, or without the key") {
        CHECK(mentions(problemsWith("", "", "{}"), "no ConfigMap 'rdma-devices'"));
        CHECK(mentions(problemsWith("key: config.json", "key: other.json"), "no key 'other.json'"));
    }
    SUBCASE("a device plugin config ibvf-device-plugin refuses") {
        std::string bad = kConfigMap;
        bad.replace(bad.find("sriov"), 5, "turbo");
        CHECK(mentions(problemsWith("", "", bad), "ibvf-device-plugin refuses it"));
    }
    SUBCASE("unknown kind") {
        CHECK(mentions(checkManifests(loadManifests("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n", "t.yaml")), "has no checks"));
    }
    SUBCASE("a NAD whose config is not CNI JSON") {
        const auto nad =
            "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: n}\n"
            "spec: {config: '{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}'}\n";
        CHECK(mentions(checkManifests(loadManifests(nad, "t.yaml")), "spec.config"));
    }
    SUBCASE("PrometheusRule: a rule without expr, with both alert and record, a bad duration") {
        const std::string head = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\n";
        CHECK(checkManifests(loadManifests(head + "spec: {groups: [{name: g, rules: [{alert: A, expr: up == 0, for: 2m}]}]}\n", "t.yaml"))
                  .empty());
        CHECK(mentions(checkManifests(loadManifests(head + "spec: {groups: [{name: g, rules: [{alert: A}]}]}\n", "t.yaml")),
                       ".expr: missing"));
        CHECK(mentions(
            checkManifests(loadManifests(head + "spec: {groups: [{name: g, rules: [{alert: A, record: b, expr: x}]}]}\n", "t.yaml")),
            "exactly one of alert and record"));
        CHECK(mentions(
            checkManifests(loadManifests(head + "spec: {groups: [{name: g, rules: [{alert: A, expr: x, for: 2 min}]}]}\n", "t.yaml")),
            "is not a duration"));
        CHECK(mentions(checkManifests(loadManifests(head + "spec: {groups: []}\n", "t.yaml")), "at least one group"));
    }
}
