#pragma once
#include "support/FailurePlan.hpp"
// An IpoibLinks for machines without InfiniBand: records every call, can fail any of them, and
// (unless told otherwise) creates a real stand-in link under the child's name in the calling
// thread's namespace (a veth, with a peer named by uniqueName("ibp")), so whatever the code under
// test does next with the child (addresses, routes, up) runs against the real kernel.
// deleteChild deletes that link (and so its peer).
#include <map>
#include <string>
#include <vector>

#include "linux/IpoibLink.hpp"

namespace ibvf::test {

struct IpoibCall {
    std::string op;              // "createChild", "deleteChild"
    linux::IpoibChildSpec spec;  // createChild
    int ifindex = 0;             // deleteChild: the argument; createChild: the result
    int failedWith = 0;
    // "createChild net1 parent=7 pkey=0x8001 mode=datagram umcast=0", "deleteChild 12"
    std::string str() const;
};

class RecordingIpoibLinks : public linux::IpoibLinks {
public:
    // standIn = false: no link is created; createChild returns made-up ifindexes from 100000 up.
    explicit RecordingIpoibLinks(bool standIn = true) : standIn_(standIn) {}

    void failCall(int n, int err);
    void failOperation(std::string op, int err, int times = -1);
    void clearFailures();

    const std::vector<IpoibCall>& calls() const { return calls_; }
    std::vector<std::string> callStrings() const;

    int createChild(const linux::IpoibChildSpec& spec) override;
    bool deleteChild(int ifindex) override;

private:
    void record(IpoibCall call);

    bool standIn_;
    int nextFake_ = 100000;
    std::map<int, std::string> fakeLinks_;  // without stand-ins: ifindex -> name
    std::vector<IpoibCall> calls_;
    FailurePlan plan_;
};

}  // namespace ibvf::test
