#include "deviceplugin/MetricsServer.hpp"

#include <chrono>

#include "metrics/TextFormat.hpp"

namespace ibvf::dp {
namespace {

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
    endpoint_ = std::make_unique<metrics::HttpEndpoint>(address, std::move(routes));
}

}  // namespace ibvf::dp
