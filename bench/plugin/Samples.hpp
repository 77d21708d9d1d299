#pragma once
// The numbers one contender produced for one operation, and their summary statistics.
#include <vector>

namespace ibvf::bench {

struct Samples {
    std::vector<double> wallMs;
    std::vector<double> maxRssKb;  // empty for in-process operations
    std::vector<double> cpuMs;     // likewise

    double median() const;  // of wallMs
    double p95() const;     // of wallMs
    // Of wallMs. Reported next to the median because netns moves wait for RCU grace periods,
    // which end on scheduler ticks (4 ms at HZ=250): samples sit on a 4 ms grid and a median can
    // jump a whole step between runs, while the mean moves smoothly.
    double mean() const;
    double medianRssKb() const;
    double medianCpuMs() const;
};

// Linear interpolation between closest ranks; 0 for no samples.
double percentile(std::vector<double> values, double p);

}  // namespace ibvf::bench
