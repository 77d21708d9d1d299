#pragma once
// The families a program exposes, gathered at scrape time from its collectors. A collector reads
// what it reports when called (snapshots, the kernel), so nothing is kept twice; add() them all
// before the endpoint serves, collect() from any thread.
#include <functional>
#include <string>
#include <vector>

#include "metrics/Family.hpp"

namespace ibvf::metrics {

using Collector = std::function<void(std::vector<Family>&)>;

class Registry {
public:
    void add(Collector collector) { collectors_.push_back(std::move(collector)); }
    // Every collector's families, in the order the collectors were added.
    std::vector<Family> collect() const;
    // collect() in the text format.
    std::string render() const;
    // The same, as parts to send one after the other (renderParts in TextFormat.hpp).
    std::vector<std::string> renderParts() const;

private:
    std::vector<Collector> collectors_;
};

}  // namespace ibvf::metrics
