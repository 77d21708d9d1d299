#include "faulty/FaultInjection.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "cni/Error.hpp"
#include "fault/FaultPoint.hpp"

namespace ibvf::faulty {
namespace {

FaultSpec g_spec;
bool g_armed = false;
std::atomic<int> g_seen{0};
int g_traceFd = -1;

void hook(std::string_view point) {
    if (g_traceFd >= 0) {
        std::string line(point);
        line += '\n';
        // O_APPEND: one write per line keeps lines whole across the plugin's threads.
        (void)!::write(g_traceFd, line.data(), line.size());
    }
    if (!g_armed || point != g_spec.point) return;
    if (g_seen.fetch_add(1, std::memory_order_relaxed) + 1 != g_spec.occurrence) return;
    if (g_spec.action == Action::Kill) ::raise(SIGKILL);
    if (g_spec.action == Action::Stop) {
        ::raise(SIGSTOP);
        return;
    }
    throw cni::Error(cni::ErrorCode::SystemFailure, "injected fault at " + std::string(point),
                     "IBVF_FAULT=" + g_spec.point + ":fail@" + std::to_string(g_spec.occurrence));
}

}  // namespace

FaultSpec parseFaultSpec(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        throw std::invalid_argument("expected <point>:<fail|kill|stop>[@n], got '" + std::string(text) + "'");
    }
    FaultSpec spec;
    spec.point = std::string(text.substr(0, colon));
    std::string_view action = text.substr(colon + 1);
    if (const auto at = action.find('@'); at != std::string_view::npos) {
        const std::string_view n = action.substr(at + 1);
        const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), spec.occurrence);
        if (ec != std::errc() || end != n.data() + n.size() || spec.occurrence < 1) {
            throw std::invalid_argument("occurrence '" + std::string(n) + "' is not a positive number");
        }
        action = action.substr(0, at);
    }
    if (action == "fail") {
        spec.action = Action::Fail;
    } else if (action == "kill") {
        spec.action = Action::Kill;
    } else if (action == "stop") {
        spec.action = Action::Stop;
    } else {
        throw std::invalid_argument("action '" + std::string(action) + "' is not fail, kill or stop");
    }
    return spec;
}

void installFromEnvironment() {
    const char* fault = std::getenv("IBVF_FAULT");
    const char* trace = std::getenv("IBVF_FAULT_TRACE");
    if (fault != nullptr && *fault != '\0') {
        try {
            g_spec = parseFaultSpec(fault);
        } catch (const std::invalid_argument& e) {
            std::fprintf(stderr, "ibvf-faulty: IBVF_FAULT: %s\n", e.what());
            std::exit(2);
        }
        g_armed = true;
    }
    if (trace != nullptr && *trace != '\0') {
        g_traceFd = ::open(trace, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (g_traceFd < 0) {
            std::perror("ibvf-faulty: IBVF_FAULT_TRACE");
            std::exit(2);
        }
    }
    if (g_armed || g_traceFd >= 0) fault::setHook(hook);
}

}  // namespace ibvf::faulty
