#pragma once
#include <optional>

#include "cni/Dispatch.hpp"
#include "linux/FileLock.hpp"
#include "plugin/PluginConfig.hpp"
#include "plugin/PluginContext.hpp"

namespace ibvf::plugin {

class IbvfPlugin final : public cni::Plugin {
public:
    IbvfPlugin();
    void configure(const cni::Request& req) override;
    cni::Result add(const cni::Request& req) override;
    void del(const cni::Request& req) override;
    void check(const cni::Request& req) override;
    void status(const cni::Request& req) override;
    void gc(const cni::Request& req, const std::vector<cni::Attachment>& valid) override;
    std::vector<std::string_view> knownCniArgs() const override;

private:
    PluginContext ctx_;
    std::optional<PluginConfig> cfg_;
    // ADD: the VF's lock, held until this object dies, after main() has written the result.
    std::optional<linux::FileLock> vfLockUntilReported_;
};

}  // namespace ibvf::plugin
