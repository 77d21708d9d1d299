#pragma once
// The device plugin's HTTP endpoint: GET /metrics (every family of the registry, in the text
// format), /healthz (liveness) and /readyz (readiness), on its own thread. A scrape reads the
// published inventory and the kernel there, never under a ResourceServer's lock.
#include <cstdint>
#include <memory>

#include "deviceplugin/HealthState.hpp"
#include "metrics/HttpEndpoint.hpp"
#include "metrics/ListenAddress.hpp"
#include "metrics/Registry.hpp"

namespace ibvf::dp {

class MetricsServer {
public:
    // Listens before returning; throws KernelError naming the address when it cannot.
    MetricsServer(const metrics::ListenAddress& address, const std::shared_ptr<const metrics::Registry>& registry,
                  const HealthState& health);
    std::uint16_t port() const { return endpoint_->port(); }

private:
    std::unique_ptr<metrics::HttpEndpoint> endpoint_;
};

}  // namespace ibvf::dp
