#include "deviceplugin/MetricsServer.hpp"

#include <malloc.h>

#include <chrono>

#include "metrics/TextFormat.hpp"

namespace ibvf::dp {
namespace {

// A scrape of hundreds of VFs allocates a few megabytes (the readings, the families' text) and
// frees them once the answer is sent. By default glibc hands such memory back to the kernel, and
// the next scrape faults every page of it in again: hundreds of page faults, a few ms of each
// scrape. Fixed thresholds keep it for the next scrape instead; what that adds to the RSS is in
// docs/metrics.md. Process-wide, so set only when the endpoint is on.
void keepScrapeMemory() {
    constexpr int kKeep = 16 << 20;
    ::mallopt(M_MMAP_THRESHOLD, kKeep);  // a scrape's buffers come from the heap, not mmap/munmap
    ::mallopt(M_TRIM_THRESHOLD, kKeep);  // and stay there once freed, up to this much
}

metrics::HttpResponse probe(const HealthState::Verdict& v) {
    metrics::HttpResponse r;
    r.status = v.ok ? 200 : 503;
    r.body = v.text + "\n";
    return r;
}

}  // namespace

MetricsServer::MetricsServer(const metrics::ListenAddress& address, const std::shared_ptr<const metrics::Registry>& registry,
                             const HealthState& health) {
    std::map<std::string, metrics::Route> routes;
    routes["/metrics"] = [registry] {
        metrics::HttpResponse r;
        r.contentType = metrics::kTextContentType;
        r.moreBody = registry->renderParts();
        return r;
    };
    routes["/healthz"] = [&health] { return probe(health.live()); };
    routes["/readyz"] = [&health] { return probe(health.ready()); };
    keepScrapeMemory();
    metrics::EndpointLimits limits;
    limits.trimAfterLargeResponses = false;
    endpoint_ = std::make_unique<metrics::HttpEndpoint>(address, std::move(routes), limits);
}

}  // namespace ibvf::dp
