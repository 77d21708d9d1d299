// The plugin's per-attachment state file (/var/lib/cni/ibvf/), read back by DEL, CHECK and GC:
// a file left by an older version or damaged on disk must be refused, not misread. What is
// accepted must write out and read back the same.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "FuzzInput.hpp"
#include "node/AttachmentState.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ibvf;
    fuzz::rejectOnly<std::runtime_error>([&] {
        const auto state = node::AttachmentState::fromJson(fuzz::asText(data, size));
        const std::string once = state.toJson();
        node::AttachmentState back;
        try {
            back = node::AttachmentState::fromJson(once);
        } catch (const std::runtime_error& e) {
            fuzz::finding(std::string("toJson output is refused (") + e.what() + "): " + once);
        }
        if (back.toJson() != once) fuzz::finding("state changed in a round trip: " + once + " -> " + back.toJson());
    });
    return 0;
}
