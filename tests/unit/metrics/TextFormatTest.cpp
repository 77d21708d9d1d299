#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "metrics/Histogram.hpp"
#include "metrics/Naming.hpp"
#include "metrics/Registry.hpp"
#include "metrics/TextFormat.hpp"

using namespace ibvf::metrics;

TEST_CASE("a family renders as HELP, TYPE and one line per sample") {
    Family f("ibvf_devices", "Devices a pool offers.", MetricType::Gauge);
    f.add({{"resource", "rdma/vhca"}}, 8);
    f.add({}, 1.5);
    CHECK(renderText({f}) ==
          "# HELP ibvf_devices Devices a pool offers.\n"
          "# TYPE ibvf_devices gauge\n"
          "ibvf_devices{resource=\"rdma/vhca\"} 8\n"
          "ibvf_devices 1.5\n");
    Family c("ibvf_x_total", "x", MetricType::Counter);
    c.add({{"a", "1"}, {"b", "2"}}, 3);
    CHECK(renderText({c}) == "# HELP ibvf_x_total x\n# TYPE ibvf_x_total counter\nibvf_x_total{a=\"1\",b=\"2\"} 3\n");
}

TEST_CASE("label values escape backslash, double quote and newline; HELP escapes backslash and newline") {
    CHECK(escapeLabelValue(R"(a\b"c)"
                           "\nd") == R"(a\\b\"c\nd)");
    CHECK(escapeLabelValue("plain/0000:3b:00.2") == "plain/0000:3b:00.2");
    CHECK(escapeHelp("a \"quoted\" \\ help\nline") == "a \"quoted\" \\\\ help\\nline");
    Family f("ibvf_e", "h", MetricType::Gauge);
    f.add({{"pod", "we\"ird\n"}}, 1);
    CHECK(renderText({f}).find("ibvf_e{pod=\"we\\\"ird\\n\"} 1\n") != std::string::npos);
}

TEST_CASE("values: integers exactly, fractions round-trip, infinities and NaN as the format spells them") {
    CHECK(formatValue(0) == "0");
    CHECK(formatValue(18446744073.0) == "18446744073");
    CHECK(formatValue(-3) == "-3");
    CHECK(formatValue(0.00025) == "0.00025");
    CHECK(std::stod(formatValue(0.1 + 0.2)) == 0.1 + 0.2);
    CHECK(formatValue(std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(formatValue(-std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(formatValue(std::nan("")) == "NaN");
    CHECK(std::stod(formatValue(1e300)) == 1e300);
}

TEST_CASE("pre-rendered sample lines render after the samples, and the naming rules read them too") {
    Family f("ibvf_vf_info", "A VF.", MetricType::Gauge);
    f.add({{"vf", "a"}}, 1);
    std::string labels;
    appendLabel(labels, "vf", "b");
    appendLabel(labels, "pod", "we\"ird\n");
    CHECK(labels == R"(vf="b",pod="we\"ird\n")");
    std::string more;
    appendLabel(more, "port", "1");
    appendSample(f, labels, more, 1);
    appendSample(f, {}, {}, 1);
    CHECK(renderText({f}) ==
          "# HELP ibvf_vf_info A VF.\n"
          "# TYPE ibvf_vf_info gauge\n"
          "ibvf_vf_info{vf=\"a\"} 1\n"
          "ibvf_vf_info{vf=\"b\",pod=\"we\\\"ird\\n\",port=\"1\"} 1\n"
          "ibvf_vf_info 1\n");
    CHECK(namingProblems(f, "ibvf_").empty());

    Family dup = f;
    appendSample(dup, R"(vf="a")", {}, 1);  // the same labels as the Sample's
    CHECK(namingProblems(dup, "ibvf_").size() == 1);
    Family badName = f;
    appendSample(badName, R"(vf="c",__x="1")", {}, 1);
    CHECK(namingProblems(badName, "ibvf_").size() == 1);
    Family notOne = f;
    appendSample(notOne, R"(vf="d")", {}, 2);
    CHECK(namingProblems(notOne, "ibvf_").size() == 1);
    Family repeated = f;
    appendSample(repeated, R"(vf="e")", R"(vf="f")", 1);
    CHECK(namingProblems(repeated, "ibvf_").size() == 1);
    Family malformed = f;
    malformed.lines += "ibvf_vf_info{vf=\"g} 1\n";
    CHECK(namingProblems(malformed, "ibvf_").size() == 1);
}

TEST_CASE("renderParts: the text of renderText, each family's pre-rendered lines a part of its own, moved") {
    std::vector<Family> families;
    families.emplace_back("ibvf_a", "A.", MetricType::Gauge);
    families.back().add({{"x", "1"}}, 1);
    families.emplace_back("ibvf_b", "B.", MetricType::Gauge);
    appendSample(families.back(), R"(vf="a")", {}, 2);
    appendSample(families.back(), R"(vf="b")", {}, 3);
    families.emplace_back("ibvf_c_total", "C.", MetricType::Counter);
    families.back().add({}, 4);
    families.emplace_back("ibvf_d", "D.", MetricType::Gauge);
    appendSample(families.back(), R"(vf="a")", {}, 5);
    const std::string whole = renderText(families);
    const std::string bLines = families[1].lines;
    const std::string dLines = families[3].lines;
    const auto parts = renderParts(std::move(families));
    REQUIRE(parts.size() == 4);
    CHECK(parts[0] == "# HELP ibvf_a A.\n# TYPE ibvf_a gauge\nibvf_a{x=\"1\"} 1\n# HELP ibvf_b B.\n# TYPE ibvf_b gauge\n");
    CHECK(parts[1] == bLines);
    CHECK(parts[2] == "# HELP ibvf_c_total C.\n# TYPE ibvf_c_total counter\nibvf_c_total 4\n# HELP ibvf_d D.\n# TYPE ibvf_d gauge\n");
    CHECK(parts[3] == dLines);
    std::string joined;
    for (const auto& p : parts) joined += p;
    CHECK(joined == whole);
    CHECK(renderParts({}).empty());
}

TEST_CASE("histogram buckets are cumulative, end with +Inf, and carry _sum and _count") {
    Histogram h({0.1, 1, 10});
    h.observe(0.05);
    h.observe(0.1);  // le is inclusive
    h.observe(0.5);
    h.observe(20);
    Family f("ibvf_allocate_duration_seconds", "Allocate latency.", MetricType::Histogram);
    appendHistogram(f, {{"resource", "rdma/vhca"}}, h.snapshot());
    CHECK(renderText({f}) ==
          "# HELP ibvf_allocate_duration_seconds Allocate latency.\n"
          "# TYPE ibvf_allocate_duration_seconds histogram\n"
          "ibvf_allocate_duration_seconds_bucket{resource=\"rdma/vhca\",le=\"0.1\"} 2\n"
          "ibvf_allocate_duration_seconds_bucket{resource=\"rdma/vhca\",le=\"1\"} 3\n"
          "ibvf_allocate_duration_seconds_bucket{resource=\"rdma/vhca\",le=\"10\"} 3\n"
          "ibvf_allocate_duration_seconds_bucket{resource=\"rdma/vhca\",le=\"+Inf\"} 4\n"
          "ibvf_allocate_duration_seconds_sum{resource=\"rdma/vhca\"} 20.65\n"
          "ibvf_allocate_duration_seconds_count{resource=\"rdma/vhca\"} 4\n");
    CHECK(namingProblems(f, "ibvf_").empty());
    CHECK_THROWS_AS(Histogram({}), std::invalid_argument);
    CHECK_THROWS_AS(Histogram({1, 1}), std::invalid_argument);
    CHECK_THROWS_AS(Histogram({2, 1}), std::invalid_argument);
    CHECK_THROWS_AS(Histogram({1, std::numeric_limits<double>::infinity()}), std::invalid_argument);
}

TEST_CASE("naming rules: prefix, _total for counters only, _info gauges of 1, base units, HELP, label names") {
    auto problems = [](const Family& f) { return namingProblems(f, "ibvf_"); };
    CHECK(problems(Family("ibvf_netdev_received_bytes_total", "h", MetricType::Counter)).empty());
    CHECK(problems(Family("ibvf_vf_info", "h", MetricType::Gauge)).empty());
    CHECK(problems(Family("netdev_bytes_total", "h", MetricType::Counter)).size() == 1);      // prefix
    CHECK(problems(Family("ibvf_bytes", "h", MetricType::Counter)).size() == 1);              // no _total
    CHECK(problems(Family("ibvf_devices_total", "h", MetricType::Gauge)).size() == 1);        // _total on a gauge
    CHECK(problems(Family("ibvf_x", "", MetricType::Gauge)).size() == 1);                     // no HELP
    CHECK(problems(Family("ibvf_scrape_milliseconds", "h", MetricType::Gauge)).size() == 1);  // unit
    CHECK(problems(Family("ibvf_a:x", "h", MetricType::Gauge)).size() == 1);
    CHECK(problems(Family("ibvf_h_count", "h", MetricType::Histogram)).size() == 1);
    Family info("ibvf_guid_info", "h", MetricType::Gauge);
    info.add({{"guid", "x"}}, 2);
    CHECK(problems(info).size() == 1);
    Family labels("ibvf_x", "h", MetricType::Gauge);
    labels.add({{"__reserved", "a"}}, 1);
    labels.add({{"9lives", "a"}}, 1);
    labels.add({{"a", "1"}, {"a", "2"}}, 1);
    labels.add({{"ok", "1"}}, 1);
    labels.add({{"ok", "1"}}, 2);  // duplicate series
    CHECK(problems(labels).size() == 4);
    CHECK(isValidMetricName("ibvf_a:b_1"));
    CHECK_FALSE(isValidMetricName("1ibvf"));
    CHECK_FALSE(isValidMetricName("ibvf-x"));
    CHECK(isValidLabelName("pod_namespace"));
    CHECK_FALSE(isValidLabelName("pod-namespace"));
}

TEST_CASE("the registry gathers every collector's families in order") {
    Registry r;
    r.add([](std::vector<Family>& out) { out.emplace_back("ibvf_a", "a", MetricType::Gauge).add({}, 1); });
    r.add([](std::vector<Family>& out) { out.emplace_back("ibvf_b", "b", MetricType::Gauge).add({}, 2); });
    const auto families = r.collect();
    REQUIRE(families.size() == 2);
    CHECK(families[0].name == "ibvf_a");
    CHECK(r.render().find("ibvf_b 2\n") != std::string::npos);
}
