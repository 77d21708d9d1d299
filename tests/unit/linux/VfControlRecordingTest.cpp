// The recording VfControl the plugin's flow tests rely on: they must record faithfully, keep state,
// and fail exactly when told.
#include <doctest/doctest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "linux/KernelError.hpp"
#include "support/KernelErrno.hpp"
#include "support/RecordingVfControl.hpp"

using namespace ibvf;
using linux::VfLinkState;
using Strings = std::vector<std::string>;

TEST_CASE("RecordingVfControl: records calls in order and get() returns what was set") {
    test::RecordingVfControl vfc;
    vfc.addVf(5, linux::VfSettings{3, VfLinkState::Auto, 0x1111, 0x2222});
    CHECK(vfc.get(5, 3).nodeGuid == 0x1111u);
    vfc.setGuids(5, 3, 0x0011223344556677ULL, 0x0011223344556678ULL);
    vfc.setLinkState(5, 3, VfLinkState::Enable);
    const auto now = vfc.get(5, 3);
    CHECK(now.vfIndex == 3);
    CHECK(now.nodeGuid == 0x0011223344556677ULL);
    CHECK(now.portGuid == 0x0011223344556678ULL);
    CHECK(now.linkState == VfLinkState::Enable);
    CHECK(vfc.callStrings() == Strings{"get pf=5 vf=3", "setGuids pf=5 vf=3 node=00:11:22:33:44:55:66:77 port=00:11:22:33:44:55:66:78",
                                       "setLinkState pf=5 vf=3 enable", "get pf=5 vf=3"});
    CHECK(test::kernelErrnoOf([&] { vfc.get(5, 4); }) == ENODEV);
}

TEST_CASE("RecordingVfControl: the n-th call fails once, and leaves the state alone") {
    test::RecordingVfControl vfc;
    vfc.addVf(1, linux::VfSettings{0, VfLinkState::Auto, 0xa, 0xb});
    vfc.failCall(2, EBUSY);
    vfc.setLinkState(1, 0, VfLinkState::Disable);
    CHECK(test::kernelErrnoOf([&] { vfc.setGuids(1, 0, 0xc, 0xd); }) == EBUSY);
    vfc.setGuids(1, 0, 0xe, 0xf);
    REQUIRE(vfc.calls().size() == 3);
    CHECK(vfc.calls()[1].failedWith == EBUSY);
    CHECK(vfc.calls()[2].failedWith == 0);
    CHECK(vfc.settings(1, 0)->nodeGuid == 0xeu);
    CHECK(vfc.settings(1, 0)->linkState == VfLinkState::Disable);
}

TEST_CASE("RecordingVfControl: a named operation fails the given number of times, with its message") {
    test::RecordingVfControl vfc;
    vfc.failOperation("setLinkState", EOPNOTSUPP, 2);
    vfc.setGuids(2, 1, 0x1, 0x2);
    CHECK(test::kernelErrnoOf([&] { vfc.setLinkState(2, 1, VfLinkState::Enable); }) == EOPNOTSUPP);
    CHECK(test::kernelErrnoOf([&] { vfc.setLinkState(2, 1, VfLinkState::Enable); }) == EOPNOTSUPP);
    CHECK(test::kernelErrnoOf([&] { vfc.setLinkState(2, 1, VfLinkState::Enable); }) == 0);
    CHECK(vfc.settings(2, 1)->linkState == VfLinkState::Enable);

    vfc.failOperation("setGuids", EPERM);
    try {
        vfc.setGuids(2, 1, 0x3, 0x4);
        FAIL("no error");
    } catch (const linux::KernelError& e) {
        CHECK(std::string(e.what()).find("setGuids of VF 1 on PF ifindex 2") != std::string::npos);
    }
    CHECK(vfc.callStrings().back() == "setGuids pf=2 vf=1 node=00:00:00:00:00:00:00:03 port=00:00:00:00:00:00:00:04 -> errno 1");
    vfc.clearFailures();
    vfc.setGuids(2, 1, 0x3, 0x4);
    CHECK(vfc.settings(2, 1)->nodeGuid == 0x3u);
}
