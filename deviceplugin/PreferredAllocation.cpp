#include "deviceplugin/PreferredAllocation.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace ibvf::dp {
namespace {

struct Candidate {
    std::string id;
    std::string pf;  // empty when unknown
    int numa = -1;
    int vfIndex = -1;
    bool known = false;
};

std::vector<std::string> takeFirst(std::vector<std::string> picked, const std::vector<Candidate>& ordered, std::size_t need) {
    for (std::size_t i = 0; i < ordered.size() && i < need; ++i) picked.push_back(ordered[i].id);
    return picked;
}

bool byPosition(const Candidate& a, const Candidate& b) { return std::tie(a.pf, a.vfIndex, a.id) < std::tie(b.pf, b.vfIndex, b.id); }

}  // namespace

std::vector<std::string> preferredAllocation(const std::vector<DeviceRecord>& known, const std::vector<std::string>& available,
                                             const std::vector<std::string>& mustInclude, std::size_t size) {
    std::map<std::string, const DeviceRecord*> byId;
    for (const auto& d : known) byId[d.id] = &d;
    auto candidateOf = [&](const std::string& id) {
        Candidate c{id, {}, -1, -1, false};
        if (auto it = byId.find(id); it != byId.end()) {
            c = Candidate{id, it->second->pfPciAddress, it->second->numaNode, it->second->vfIndex, true};
        }
        return c;
    };

    std::vector<std::string> picked;
    std::set<std::string> taken;
    for (const auto& id : mustInclude)
        if (taken.insert(id).second) picked.push_back(id);
    if (picked.size() >= size) return picked;
    const std::size_t need = size - picked.size();

    std::vector<Candidate> pool;
    std::set<std::string> seen;
    for (const auto& id : available)
        if (!taken.count(id) && seen.insert(id).second) pool.push_back(candidateOf(id));

    // Unknown IDs (not in the pool any more) go last whatever else happens.
    auto knownFirst = [](const Candidate& a, const Candidate& b) { return a.known && !b.known; };

    if (!picked.empty()) {
        // Follow the first must-include device: its PF first, then its NUMA node.
        const Candidate anchor = candidateOf(picked.front());
        std::sort(pool.begin(), pool.end(), [&](const Candidate& a, const Candidate& b) {
            if (a.known != b.known) return knownFirst(a, b);
            const auto ka = std::make_tuple(!(anchor.known && a.pf == anchor.pf), !(anchor.known && a.numa == anchor.numa));
            const auto kb = std::make_tuple(!(anchor.known && b.pf == anchor.pf), !(anchor.known && b.numa == anchor.numa));
            if (ka != kb) return ka < kb;
            return byPosition(a, b);
        });
        return takeFirst(std::move(picked), pool, need);
    }

    std::map<std::string, std::size_t> perPf;
    std::map<int, std::size_t> perNuma;
    for (const auto& c : pool) {
        if (!c.known) continue;
        ++perPf[c.pf];
        ++perNuma[c.numa];
    }
    // One PF that fits the whole request: the one with the fewest free devices (best fit keeps
    // the larger PFs whole for larger requests).
    const std::string* bestPf = nullptr;
    for (const auto& [pf, n] : perPf)
        if (n >= need && (bestPf == nullptr || n < perPf[*bestPf])) bestPf = &pf;
    std::optional<int> bestNuma;
    if (bestPf == nullptr) {
        for (const auto& [numa, n] : perNuma)
            if (n >= need && (!bestNuma || n < perNuma[*bestNuma])) bestNuma = numa;
    }
    std::sort(pool.begin(), pool.end(), [&](const Candidate& a, const Candidate& b) {
        if (a.known != b.known) return knownFirst(a, b);
        if (bestPf != nullptr && (a.pf == *bestPf) != (b.pf == *bestPf)) return a.pf == *bestPf;
        if (bestNuma && (a.numa == *bestNuma) != (b.numa == *bestNuma)) return a.numa == *bestNuma;
        // Spread across as few groups as possible: larger NUMA nodes and PFs first.
        if (a.known && perNuma[a.numa] != perNuma[b.numa]) return perNuma[a.numa] > perNuma[b.numa];
        if (a.numa != b.numa) return a.numa < b.numa;
        if (a.known && perPf[a.pf] != perPf[b.pf]) return perPf[a.pf] > perPf[b.pf];
        return byPosition(a, b);
    });
    return takeFirst(std::move(picked), pool, need);
}

}  // namespace ibvf::dp
