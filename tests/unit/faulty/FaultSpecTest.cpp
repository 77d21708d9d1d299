#include <doctest/doctest.h>

#include <stdexcept>

#include "faulty/FaultInjection.hpp"

using namespace ibvf::faulty;

TEST_CASE("IBVF_FAULT: point, action and occurrence") {
    const auto fail = parseFaultSpec("attach.moved:fail");
    CHECK(fail.point == "attach.moved");
    CHECK(fail.action == Action::Fail);
    CHECK(fail.occurrence == 1);
    const auto kill = parseFaultSpec("ipam.add.lease-created:kill@2");
    CHECK(kill.point == "ipam.add.lease-created");
    CHECK(kill.action == Action::Kill);
    CHECK(kill.occurrence == 2);
    CHECK(parseFaultSpec("attach.moved:stop").action == Action::Stop);
}

TEST_CASE("IBVF_FAULT: malformed specs are refused, saying what is wrong") {
    for (const char* bad : {"attach.moved", ":kill", "attach.moved:explode", "attach.moved:kill@0", "attach.moved:kill@x",
                            "attach.moved:kill@2x", "attach.moved:fail@"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parseFaultSpec(bad), std::invalid_argument);
    }
    CHECK_THROWS_WITH(parseFaultSpec("attach.moved:explode"), doctest::Contains("explode"));
}
