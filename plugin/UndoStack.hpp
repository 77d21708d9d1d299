#pragma once
// Each ADD step registers how to take itself back; a failure anywhere unwinds them in reverse.
// Undo actions never throw out of here: one failing undo is logged and the rest still run, so the
// host gets as close as possible to where it was.
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ibvf::plugin {

class UndoStack {
public:
    UndoStack() = default;
    UndoStack(const UndoStack&) = delete;
    UndoStack& operator=(const UndoStack&) = delete;
    ~UndoStack() { rollback(); }

    void push(std::string what, std::function<void()> undo) { steps_.emplace_back(std::move(what), std::move(undo)); }
    // ADD succeeded: nothing to take back.
    void commit() { steps_.clear(); }
    void rollback() noexcept;

private:
    std::vector<std::pair<std::string, std::function<void()>>> steps_;
};

}  // namespace ibvf::plugin
