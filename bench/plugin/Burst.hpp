#pragma once
// The node-full case (issue 17): N pods start at once. Each burst gives one contender N fresh
// stages (N stand-in VFs, N namespaces), starts N ADDs together, waits for all, verifies them,
// then does the same with N DELs. Contenders take turns, burst by burst, in rotating order.
#include <functional>
#include <memory>
#include <vector>

#include "BenchOptions.hpp"
#include "Contenders.hpp"
#include "Report.hpp"
#include "linux/RouteSocket.hpp"

namespace ibvf::bench {

// `checkpoint` runs between bursts (and may throw to stop the run).
void burstRounds(const BenchOptions& options, const std::vector<Contender*>& contenders, linux::RouteSocket& host, Results& results,
                 const std::function<void()>& checkpoint);

}  // namespace ibvf::bench
