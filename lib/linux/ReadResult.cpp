#include "linux/ReadResult.hpp"

namespace ibvf::linux {

std::string_view readFailureName(ReadFailure failure) {
    switch (failure) {
        case ReadFailure::NamespaceGone:
            return "namespace_gone";
        case ReadFailure::DeviceGone:
            return "device_gone";
        case ReadFailure::NotVisible:
            return "not_visible";
        case ReadFailure::Failed:
            return "failed";
    }
    return "failed";
}

}  // namespace ibvf::linux
