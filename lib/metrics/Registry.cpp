#include "metrics/Registry.hpp"

#include "metrics/TextFormat.hpp"

namespace ibvf::metrics {

std::vector<Family> Registry::collect() const {
    std::vector<Family> families;
    for (const auto& c : collectors_) c(families);
    return families;
}

std::string Registry::render() const { return renderText(collect()); }

std::vector<std::string> Registry::renderParts() const { return metrics::renderParts(collect()); }

}  // namespace ibvf::metrics
