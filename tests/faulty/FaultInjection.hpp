#pragma once
// The switch the shipped binaries do not have: IBVF_FAULT turns one named fault point
// (plugin/FaultPoints.hpp, ipam/FaultPoints.hpp) into a failure or a SIGKILL. Test builds only.
//
//   IBVF_FAULT="<point>:fail"       the point throws cni::Error(SystemFailure) naming it, as if
//                                   the step right after it had failed
//   IBVF_FAULT="<point>:kill"       the process sends itself SIGKILL there (no unwinding, no
//                                   undo: what a crash, the OOM killer or a node reboot leaves)
//   IBVF_FAULT="<point>:stop"       the process stops itself there (SIGSTOP) until a SIGCONT,
//                                   so a test can run another command at exactly that point
//   IBVF_FAULT="<point>:kill@3"     the same at the third time the point is passed (points
//                                   inside loops, e.g. ipam.add.lease-created per address)
//   IBVF_FAULT_TRACE=<file>         appends every point passed, one name a line, for tests that
//                                   first learn which points a scenario passes
#include <string>
#include <string_view>

namespace ibvf::faulty {

enum class Action { Fail, Kill, Stop };

struct FaultSpec {
    std::string point;
    Action action = Action::Fail;
    int occurrence = 1;
};

// Parses "<point>:<fail|kill|stop>[@n]"; throws std::invalid_argument saying what is wrong.
FaultSpec parseFaultSpec(std::string_view text);

// Installs the hook from IBVF_FAULT / IBVF_FAULT_TRACE. With neither set, installs nothing and
// the binary behaves exactly like the shipped one. A malformed IBVF_FAULT ends the process
// with a message on stderr and exit code 2: a test must not run believing a fault is armed.
void installFromEnvironment();

}  // namespace ibvf::faulty
