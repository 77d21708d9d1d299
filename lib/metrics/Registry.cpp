#include "metrics/Registry.hpp"

#include "metrics/TextFormat.hpp"

namespace ibvf::metrics {

std::vector<Family> Registry::collect() const {
    std::vector<Family> families;
    for (const auto& c : collectors_) c(families);
    return families;
}

std::string Registry::render() const {
    // A little more than last time: a VF or a counter more must not copy the whole text again.
    const std::size_t last = lastSize_.load(std::memory_order_relaxed);
    std::string text = renderText(collect(), last + last / 16);
    lastSize_.store(text.size(), std::memory_order_relaxed);
    return text;
}

std::vector<std::string> Registry::renderParts() const { return metrics::renderParts(collect()); }

}  // namespace ibvf::metrics
