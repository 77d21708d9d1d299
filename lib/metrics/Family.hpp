#pragma once
// One metric family as the text exposition format (version 0.0.4) carries it: a name, its HELP
// text, its TYPE and the samples. Collectors build these at scrape time; TextFormat renders them.
#include <string>
#include <utility>
#include <vector>

namespace ibvf::metrics {

// An info metric ("..._info", value 1, the facts in its labels) is a gauge on the wire.
enum class MetricType { Counter, Gauge, Histogram };

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
    std::string suffix;  // "" or, for histograms, "_bucket", "_sum", "_count"
    Labels labels;       // in order of output; histograms' "le" is added by Histogram
    double value = 0;
};

struct Family {
    std::string name;
    std::string help;
    MetricType type = MetricType::Gauge;
    std::vector<Sample> samples;
    // Samples already in the text format, one line each, rendered after `samples`: for collectors
    // with thousands of samples (every VF's), written with appendSample (TextFormat.hpp) instead
    // of a Sample each.
    std::string lines;

    Family(std::string name_, std::string help_, MetricType type_) : name(std::move(name_)), help(std::move(help_)), type(type_) {}
    void add(Labels labels, double value) { samples.push_back(Sample{"", std::move(labels), value}); }
};

}  // namespace ibvf::metrics
