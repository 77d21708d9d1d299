#include "plugin/UndoStack.hpp"

#include <spdlog/spdlog.h>

namespace ibvf::plugin {

void UndoStack::rollback() noexcept {
    while (!steps_.empty()) {
        auto step = std::move(steps_.back());
        steps_.pop_back();
        try {
            spdlog::debug("undo: {}", step.first);
            step.second();
        } catch (const std::exception& e) {
            spdlog::error("undo '{}' failed: {}", step.first, e.what());
        } catch (...) {
            spdlog::error("undo '{}' failed", step.first);
        }
    }
}

}  // namespace ibvf::plugin
