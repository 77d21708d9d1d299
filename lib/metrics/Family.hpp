#pragma once
// One metric family as the text exposition format (version 0.0.4) carries it: a name, its HELP
// text, its TYPE and the samples. Collectors build these at scrape time; TextFormat renders them.
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ibvf::metrics {

// An info metric ("..._info", value 1, the facts in its labels) is a gauge on the wire.
enum class MetricType { Counter, Gauge, Histogram };

using Labels = std::vector<std::pair<std::string, std::string>>;

// Labels many samples start with (every series of one VF), kept once and rendered once.
struct LabelSet {
    Labels labels;
    std::string text;  // `k="v",...`, values escaped (shareLabels fills it)
};
using SharedLabels = std::shared_ptr<const LabelSet>;

struct Sample {
    std::string suffix;  // "" or, for histograms, "_bucket", "_sum", "_count"
    Labels labels;       // in order of output, after `shared`'s; histograms' "le" is added by Histogram
    double value = 0;
    SharedLabels shared;  // may be null
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
    void add(Labels labels, double value) { samples.push_back(Sample{"", std::move(labels), value, nullptr}); }
    void add(SharedLabels shared, Labels more, double value) { samples.push_back(Sample{"", std::move(more), value, std::move(shared)}); }
};

}  // namespace ibvf::metrics
