#include "Burst.hpp"

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <iostream>
#include <latch>
#include <string>
#include <thread>

namespace ibvf::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Together {
    double wallMs = 0;  // from the start signal to the end of the last operation
    std::vector<OpResult> results;
};

// op(i) for every i < n, each on its own thread, all released at once when every thread is ready.
template <typename Op>
Together together(std::size_t n, Op op) {
    Together t;
    t.results.resize(n);
    std::vector<Clock::time_point> ends(n);
    std::latch ready(static_cast<std::ptrdiff_t>(n));
    std::latch start(1);
    std::vector<std::jthread> threads;
    threads.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            ready.count_down();
            start.wait();
            try {
                t.results[i] = op(i);
            } catch (const std::exception& e) {
                t.results[i].failure = e.what();
            }
            ends[i] = Clock::now();
        });
    }
    ready.wait();
    const auto t0 = Clock::now();
    start.count_down();
    for (auto& thread : threads) thread.join();
    t.wallMs = std::chrono::duration<double, std::milli>(*std::max_element(ends.begin(), ends.end()) - t0).count();
    return t;
}

void record(Burst& burst, const Together& t) {
    burst.wallMs.push_back(t.wallMs);
    for (const auto& r : t.results) burst.ops.wallMs.push_back(r.wallMs);
}

}  // namespace

void burstRounds(const BenchOptions& o, const std::vector<Contender*>& contenders, linux::RouteSocket& host, Results& results,
                 const std::function<void()>& checkpoint) {
    const auto n = static_cast<std::size_t>(o.burstSize);
    const std::string pid = std::to_string(::getpid());
    results.burstSize = o.burstSize;
    results.burstRounds = o.burstRounds;
    for (int round = 0; round < o.burstRounds; ++round) {
        std::cerr << "bursts of " << n << ": round " << (round + 1) << "/" << o.burstRounds << "\n";
        for (std::size_t step = 0; step < contenders.size(); ++step) {
            auto& c = *contenders[(step + static_cast<std::size_t>(round)) % contenders.size()];
            checkpoint();
            std::vector<std::unique_ptr<Stage>> stages;
            std::vector<std::string> ids;
            for (std::size_t i = 0; i < n; ++i) {
                stages.push_back(std::make_unique<Stage>(host, i));
                c.prepare(*stages.back());
                ids.push_back("ibvf-burst-" + pid + "-" + std::to_string(round) + "-" + c.key() + "-" + std::to_string(i));
            }
            const auto added = together(n, [&](std::size_t i) { return c.add(*stages[i], ids[i]); });
            for (std::size_t i = 0; i < n; ++i) c.verifyAdd(*stages[i], added.results[i]);
            const auto deleted = together(n, [&](std::size_t i) { return c.del(*stages[i], ids[i]); });
            for (std::size_t i = 0; i < n; ++i) c.verifyDel(*stages[i], deleted.results[i]);
            record(results.burstAdd[c.key()], added);
            record(results.burstDel[c.key()], deleted);
            stages.clear();
            // N namespaces die in the kernel's cleanup work: give it time before the next burst.
            std::this_thread::sleep_for(std::chrono::milliseconds(5 * o.settleMs));
        }
    }
}

}  // namespace ibvf::bench
