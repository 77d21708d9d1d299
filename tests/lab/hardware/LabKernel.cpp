#include "LabKernel.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <rapidjson/document.h>

namespace fs = std::filesystem;

namespace ibvf::labtest {

namespace {

std::string joined(const std::string& name, const std::vector<std::string>& args) {
    std::string s = name;
    for (const auto& a : args) s += " " + a;
    return s;
}

void writeSysfs(const fs::path& file, const std::string& value) {
    std::ofstream out(file);
    out << value;
    out.flush();
    if (!out) throw std::runtime_error("kernel lab: write '" + value + "' to " + file.string() + " failed");
}

std::string readTrimmed(const fs::path& file) {
    std::ifstream in(file);
    std::string s;
    std::getline(in, s);
    return s;
}

}  // namespace

std::string toolPath(const std::string& name) {
    for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
        const fs::path p = fs::path(dir) / name;
        if (::access(p.c_str(), X_OK) == 0) return p.string();
    }
    throw std::runtime_error("kernel lab: no " + name + " in /usr/sbin, /sbin, /usr/bin, /bin");
}

test::RunResult tool(const std::string& name, const std::vector<std::string>& args) {
    return test::BinaryRunner(toolPath(name)).run(args, {});
}

std::string mustRun(const std::string& name, const std::vector<std::string>& args) {
    auto r = tool(name, args);
    if (r.exitCode != 0) throw std::runtime_error("kernel lab: `" + joined(name, args) + "` failed: " + r.summary());
    return r.out;
}

bool moduleLoaded(const std::string& module) { return fs::exists("/sys/module/" + module); }

void loadModule(const std::string& module, const std::vector<std::string>& params) {
    std::vector<std::string> args{module};
    args.insert(args.end(), params.begin(), params.end());
    mustRun("modprobe", args);
}

void unloadModule(const std::string& module) {
    if (!moduleLoaded(module)) return;
    mustRun("rmmod", {module});
}

void setRdmaNetnsMode(bool exclusive) {
    const std::string mode = exclusive ? "exclusive" : "shared";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    for (;;) {
        auto r = tool("rdma", {"system", "set", "netns", mode});
        if (r.exitCode == 0) return;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("kernel lab: `rdma system set netns " + mode + "`: " + r.summary());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

RxeDevice::RxeDevice(const std::string& module) : name_(test::uniqueName("klrxe")) {
    const std::string other = module == "rdma_rxe" ? "rdma_rxe_netns" : "rdma_rxe";
    if (moduleLoaded(other)) {
        for (const auto& dev : rdmaDevicesIn()) tool("rdma", {"link", "delete", dev});
        unloadModule(other);
    }
    loadModule(module);
    mustRun("ip", {"link", "set", veth_.a(), "up"});
    mustRun("ip", {"link", "set", veth_.b(), "up"});
    mustRun("rdma", {"link", "add", name_, "type", "rxe", "netdev", veth_.a()});
}

RxeDevice::~RxeDevice() {
    // Wherever it is: deleting it from the host fails while a pod holds it, and the veth's end
    // takes the device with it anyway.
    tool("rdma", {"link", "delete", name_});
}

std::vector<std::string> rdmaDevicesIn(const std::string& netnsPath) {
    const std::string out =
        netnsPath.empty() ? mustRun("rdma", {"-j", "dev"}) : mustRun("nsenter", {"--net=" + netnsPath, "rdma", "-j", "dev"});
    rapidjson::Document doc;
    doc.Parse(out.c_str());
    std::vector<std::string> names;
    if (doc.HasParseError() || !doc.IsArray()) throw std::runtime_error("kernel lab: `rdma -j dev` printed " + out);
    for (const auto& d : doc.GetArray()) names.emplace_back(d["ifname"].GetString());
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> sysfsRdmaDevicesIn(const std::string& netnsName) {
    const std::string out = mustRun("ip", {"netns", "exec", netnsName, "ls", "/sys/class/infiniband"});
    std::vector<std::string> names;
    std::string line;
    for (char c : out + "\n") {
        if (c == '\n' || c == ' ') {
            if (!line.empty()) names.push_back(line);
            line.clear();
        } else {
            line += c;
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

NetdevsimPf::NetdevsimPf(bool ibPf, unsigned numVfs) {
    static unsigned next = 10;
    id_ = next++;
    const fs::path param = "/sys/module/netdevsim/parameters/ib_pf";
    if (moduleLoaded("netdevsim") && (!fs::exists(param) || (readTrimmed(param) == "Y") != ibPf)) unloadModule("netdevsim");
    loadModule("netdevsim", {std::string("ib_pf=") + (ibPf ? "1" : "0")});
    if (!fs::exists(param)) throw std::runtime_error("kernel lab: netdevsim has no ib_pf parameter (not the lab's build)");
    writeSysfs("/sys/bus/netdevsim/new_device", std::to_string(id_) + " 1");
    const fs::path dev = "/sys/bus/netdevsim/devices/netdevsim" + std::to_string(id_);
    // Without udev the PF keeps a kernel name (eth0, ...): found through the bus device.
    for (int i = 0; i < 100 && netdev_.empty(); ++i) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dev / "net", ec)) netdev_ = e.path().filename().string();
        if (netdev_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (netdev_.empty()) throw std::runtime_error("kernel lab: netdevsim" + std::to_string(id_) + " has no netdev");
    writeSysfs(dev / "sriov_numvfs", std::to_string(numVfs));
}

NetdevsimPf::~NetdevsimPf() {
    try {
        writeSysfs("/sys/bus/netdevsim/del_device", std::to_string(id_));
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): a destructor, the VM goes anyway
    }
}

std::vector<KernelVf> kernelVfList(const std::string& pf) {
    const std::string out = mustRun("ip", {"-d", "-j", "link", "show", "dev", pf});
    rapidjson::Document doc;
    doc.Parse(out.c_str());
    if (doc.HasParseError() || !doc.IsArray() || doc.Empty()) throw std::runtime_error("kernel lab: `ip -d -j link show` printed " + out);
    std::vector<KernelVf> vfs;
    const auto& link = doc[0];
    if (!link.HasMember("vfinfo_list")) return vfs;
    for (const auto& v : link["vfinfo_list"].GetArray()) {
        KernelVf vf;
        vf.vf = v["vf"].GetUint();
        if (v.HasMember("link_state")) vf.linkState = v["link_state"].GetString();
        if (v.HasMember("node guid")) vf.nodeGuid = v["node guid"].GetString();
        if (v.HasMember("port guid")) vf.portGuid = v["port guid"].GetString();
        vfs.push_back(vf);
    }
    return vfs;
}

KernelVf kernelVf(const std::string& pf, unsigned vf) {
    for (const auto& v : kernelVfList(pf))
        if (v.vf == vf) return v;
    throw std::runtime_error("kernel lab: PF " + pf + " reports no VF " + std::to_string(vf));
}

}  // namespace ibvf::labtest
