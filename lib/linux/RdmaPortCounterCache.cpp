#include "linux/RdmaPortCounterCache.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <limits>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "linux/IbIdentity.hpp"
#include "linux/KernelError.hpp"

namespace ibvf::linux {

namespace {

constexpr int kPathDir = O_PATH | O_DIRECTORY | O_CLOEXEC;

bool isGone(int err) { return err == ENOENT || err == ENODEV; }  // kernfs: ENODEV for a removed node

std::optional<std::uint64_t> parseCounter(std::string_view text) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
}

// The descriptors of attribute files kept open between scrapes: at most up to `ceiling` (half the
// soft RLIMIT_NOFILE), none more once the process ran out of them, so that gRPC, the endpoint and
// the netlink sockets always find one.
struct HeldFiles {
    int& ceiling;  // RdmaPortCounterCache's
    bool allows(int fd) const { return fd < ceiling; }
    void outOfDescriptors() { ceiling = 0; }
};

int halfTheFileLimit() {
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) return 0;
    return static_cast<int>(std::min<rlim_t>(files.rlim_cur / 2, std::numeric_limits<int>::max()));
}

// The attribute `name` of the directory `dir` with one read at offset 0: sysfs hands out an
// attribute's whole text at once, and makes it afresh for every read at offset 0 of an open file,
// so a file's descriptor is kept (in `held`) and read again at the next scrape instead of being
// opened and closed each time. 0 or the errno (ENODEV: the attribute was removed since it was
// opened); EOVERFLOW for a text longer than any attribute read here.
class AttributeReader {
public:
    explicit AttributeReader(HeldFiles& held) : heldFiles_(held) {}

    // `held`: nullptr for a file read once in a device's life, opened and closed.
    int read(int dir, const char* name, Fd* held) {
        if (held != nullptr && *held) {
            const ssize_t n = ::pread(held->get(), buf_.data(), buf_.size(), 0);
            if (n < 0) {
                const int err = errno;
                held->reset();
                return err;
            }
            return take(n);
        }
        Fd fd(::openat(dir, name, O_RDONLY | O_CLOEXEC));
        if (!fd) {
            const int err = errno;
            if (err == EMFILE || err == ENFILE) heldFiles_.outOfDescriptors();  // open and close from now on
            return err;
        }
        const ssize_t n = ::pread(fd.get(), buf_.data(), buf_.size(), 0);
        if (n < 0) return errno;
        if (held != nullptr && heldFiles_.allows(fd.get())) *held = std::move(fd);
        return take(n);
    }
    std::string_view text() const { return text_; }

private:
    int take(ssize_t n) {
        if (static_cast<std::size_t>(n) == buf_.size()) return EOVERFLOW;
        text_ = trimmedAttribute(std::string_view(buf_.data(), static_cast<std::size_t>(n)));
        return 0;
    }

    HeldFiles& heldFiles_;
    std::array<char, 256> buf_{};
    std::string_view text_;
};

// The entries of type `type` (DT_REG, DT_DIR) of the directory `name` under `parent`, sorted, and
// the directory itself (kept open for openat); no descriptor and no names when there is none.
struct FileList {
    Fd dir;
    std::vector<std::string> names;
};

FileList listEntries(int parent, const char* name, unsigned char type) {
    FileList out;
    out.dir.reset(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!out.dir) return out;
    // fdopendir takes its own descriptor: the listing's offset must not matter to openat's.
    const int own = ::fcntl(out.dir.get(), F_DUPFD_CLOEXEC, 0);
    if (own < 0) return out;
    const std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(own), &::closedir);
    if (!d) {
        ::close(own);
        return out;
    }
    while (const dirent* e = ::readdir(d.get())) {
        if (e->d_name[0] == '.') continue;
        bool wanted = e->d_type == type;
        if (e->d_type == DT_UNKNOWN) {
            struct stat st {};
            wanted = ::fstatat(out.dir.get(), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                     (type == DT_DIR ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
        }
        if (wanted) out.names.emplace_back(e->d_name);
    }
    std::sort(out.names.begin(), out.names.end());
    return out;
}

// A counters directory of a port, kept open (O_PATH) so that each file is opened by its own name
// alone: a lookup of "counters/<name>" from the port directory costs a path component more, for
// each of about 20 files per VF. Its files' names are interned (every device has the same ones),
// sorted, each followed by its NUL for openat.
struct CounterFiles {
    Fd dir;
    std::vector<std::string_view> names;
    std::size_t size() const { return names.size(); }
};

CounterFiles counterFiles(int portDir, const char* dir, const std::vector<std::string>& only = {}) {
    CounterFiles out;
    const FileList listed = listEntries(portDir, dir, DT_REG);
    for (const auto& file : listed.names) {
        if (file == "lifespan") continue;  // hw_counters/lifespan: the driver's cache time in ms, a setting
        if (!only.empty() && std::find(only.begin(), only.end(), file) == only.end()) continue;
        out.names.push_back(internCounterName(file));  // a view of the process-wide copy, not of `file`
    }
    if (!out.names.empty()) out.dir.reset(::openat(portDir, dir, kPathDir));
    if (!out.dir) out.names.clear();  // removed since listed: read as a device without them
    return out;
}

struct PortDir {
    unsigned number = 0;
    Fd dir;                   // the port's directory, to open its files relative to
    CounterFiles counters;    // counters/
    CounterFiles hwCounters;  // hw_counters/, without lifespan (the driver's cache time in ms, a setting)
    // The files' descriptors once read (HeldFiles): counters', hwCounters', then state, phys_state, gids/0.
    std::vector<Fd> held;
    unsigned seenFiles = 0;  // state, phys_state, gids/0 (bits 1, 2, 4) at the first read
    std::string linkLayer;   // link_layer, as read at the first read
    unsigned linkLayerUnreadable = 0;
};

// The text of a symlink, nullopt with errno set when it cannot be read (EINVAL: not a link).
std::optional<std::string> linkText(int dir, const char* name) {
    std::array<char, 512> buf{};
    const ssize_t n = ::readlinkat(dir, name, buf.data(), buf.size());
    if (n < 0) return std::nullopt;
    if (static_cast<std::size_t>(n) == buf.size()) {
        errno = ENAMETOOLONG;
        return std::nullopt;
    }
    return std::string(buf.data(), static_cast<std::size_t>(n));
}

enum class Outcome { Read, Gone };

}  // namespace

struct RdmaPortCounterCache::Device {
    std::string name;
    std::string link;  // class/infiniband/<name>'s text when opened; "" when it was not a symlink
    Fd dir;
    std::vector<PortDir> ports;
    bool used = true;  // read since the last sweep()
    bool firstRead = true;
    std::optional<Guid> nodeGuid;  // node_guid, as read at the first read
    unsigned nodeGuidUnreadable = 0;

    // The device's ports/<n>; a device whose ports/ vanished meanwhile has none.
    // Of counters/, only `pmaCounters` when not empty.
    static Device open(std::string name, std::string link, Fd dir, const std::vector<std::string>& pmaCounters) {
        Device d;
        d.name = std::move(name);
        d.link = std::move(link);
        d.dir = std::move(dir);
        const FileList ports = listEntries(d.dir.get(), "ports", DT_DIR);
        for (const auto& entry : ports.names) {
            unsigned n = 0;
            const auto [end, ec] = std::from_chars(entry.data(), entry.data() + entry.size(), n);
            if (ec != std::errc() || end != entry.data() + entry.size()) continue;
            PortDir p;
            p.number = n;
            p.dir.reset(::openat(ports.dir.get(), entry.c_str(), kPathDir));
            if (!p.dir) continue;
            p.counters = counterFiles(p.dir.get(), "counters", pmaCounters);
            p.hwCounters = counterFiles(p.dir.get(), "hw_counters");
            p.held.resize(p.counters.size() + p.hwCounters.size() + 3);
            d.ports.push_back(std::move(p));
        }
        std::sort(d.ports.begin(), d.ports.end(), [](const PortDir& a, const PortDir& b) { return a.number < b.number; });
        return d;
    }

    // Every port into `out`. Gone when a file seen at the first read (or listed at open()) is no
    // longer there: the device was removed, perhaps created again, since it was opened.
    Outcome read(std::vector<RdmaPortCounters>& out, HeldFiles& heldFiles) {
        AttributeReader attr(heldFiles);
        bool gone = false;
        // A file that may be missing (`bit` in `seen`): no series then, unless it was there before.
        const auto optional = [&](int at, const char* file, Fd* held, unsigned bit, unsigned& seen, unsigned& unreadable) {
            const int err = attr.read(at, file, held);
            if (err == 0) {
                if (firstRead) seen |= bit;
                return true;
            }
            if (!isGone(err))
                ++unreadable;
            else if ((seen & bit) != 0)
                gone = true;
            return false;
        };
        // node_guid and link_layer are fixed for a device's life: read at the first read only.
        if (firstRead) {
            unsigned unused = 0;  // a file missing at the first read says nothing about the device
            if (optional(dir.get(), "node_guid", nullptr, 0U, unused, nodeGuidUnreadable)) nodeGuid = parseSysfsGuid(attr.text());
            for (auto& port : ports)
                if (optional(port.dir.get(), "link_layer", nullptr, 0U, unused, port.linkLayerUnreadable))
                    port.linkLayer = std::string(attr.text());
        }
        for (auto& port : ports) {
            // A held descriptor keeps reading a file removed since (a real sysfs attribute then
            // fails with ENODEV, a plain file does not): a port directory that was removed means
            // the device was, even if one was created again at the same place. Without a held
            // descriptor (the default) the files' own openat tells, and the fstat is skipped.
            const bool holds = std::any_of(port.held.begin(), port.held.end(), [](const Fd& fd) { return static_cast<bool>(fd); });
            struct stat st {};
            if (holds && ::fstat(port.dir.get(), &st) == 0 && st.st_nlink == 0) return Outcome::Gone;
            Fd* const held = port.held.data();
            Fd* const heldState = held + port.counters.size() + port.hwCounters.size();
            RdmaPortCounters& p = out.emplace_back();
            p.device = name;
            p.port = port.number;
            p.source = CounterSource::Sysfs;
            p.nodeGuid = nodeGuid;
            p.linkLayer = port.linkLayer;
            p.unreadable = (out.size() == 1 ? nodeGuidUnreadable : 0) + port.linkLayerUnreadable;
            if (readCounters(port.counters, held, p.counters, p.unreadable, attr) == Outcome::Gone ||
                readCounters(port.hwCounters, held + port.counters.size(), p.hwCounters, p.unreadable, attr) == Outcome::Gone)
                return Outcome::Gone;
            if (optional(port.dir.get(), "state", heldState, 1U, port.seenFiles, p.unreadable)) {
                if (auto s = parsePortStateText(attr.text()))
                    std::tie(p.state, p.stateName) = std::move(*s);
                else
                    ++p.unreadable;
            }
            if (optional(port.dir.get(), "phys_state", heldState + 1, 2U, port.seenFiles, p.unreadable)) {
                if (auto s = parsePortStateText(attr.text()))
                    std::tie(p.physState, p.physStateName) = std::move(*s);
                else
                    ++p.unreadable;
            }
            if (optional(port.dir.get(), "gids/0", heldState + 2, 4U, port.seenFiles, p.unreadable))
                p.portGuid = portGuidOfGid(attr.text());
        }
        firstRead = false;
        dir.reset();  // node_guid was its only use: one descriptor per port is what stays open
        return gone ? Outcome::Gone : Outcome::Read;
    }

    // `held`: a descriptor slot for each of `files`.
    static Outcome readCounters(const CounterFiles& files, Fd* held, CounterList& into, unsigned& unreadable, AttributeReader& attr) {
        into.reserve(files.size());
        for (std::size_t i = 0; i < files.size(); ++i) {
            const std::string_view file = files.names[i];
            const int err = attr.read(files.dir.get(), file.data(), held + i);
            if (isGone(err)) return Outcome::Gone;
            if (err != 0) {
                ++unreadable;  // some drivers refuse counters they do not implement (EINVAL, ENOSYS)
                continue;
            }
            if (const auto v = parseCounter(attr.text()))
                into.append(file, *v);  // the files come sorted
            else
                ++unreadable;
        }
        return Outcome::Read;
    }
};

RdmaPortCounterCache::RdmaPortCounterCache(Sysfs sysfs, std::vector<std::string> pmaCounters, KeepFiles keep)
    : sysfs_(std::move(sysfs)), pmaCounters_(std::move(pmaCounters)), keep_(keep), heldFileCeiling_(fileCeiling()) {}

int RdmaPortCounterCache::fileCeiling() const { return keep_ == KeepFiles::Yes ? halfTheFileLimit() : 0; }
RdmaPortCounterCache::~RdmaPortCounterCache() = default;
RdmaPortCounterCache::RdmaPortCounterCache(RdmaPortCounterCache&&) noexcept = default;
RdmaPortCounterCache& RdmaPortCounterCache::operator=(RdmaPortCounterCache&&) noexcept = default;

ReadResult<RdmaPortCounterCache::Device*> RdmaPortCounterCache::entry(const std::string& name) {
    const auto notVisible = [&] {
        devices_.erase(name);
        return ReadError{
            ReadFailure::NotVisible, ENOENT,
            "RDMA device " + name + " is not in this namespace's sysfs: " + (sysfs_.root() / "class/infiniband" / name).string()};
    };
    // class/infiniband itself is opened once; looked up again only when a device seems missing
    // (ib_core reloaded makes a new directory).
    std::optional<std::string> link;
    for (int attempt = 0; attempt < 2 && !link; ++attempt) {
        if (!classDir_ || attempt > 0) classDir_.reset(::open((sysfs_.root() / "class/infiniband").c_str(), kPathDir));
        if (!classDir_) return notVisible();
        link = linkText(classDir_.get(), name.c_str());
        if (!link && errno == EINVAL) link = std::string();  // a directory, not a link: no identity to compare, never kept
    }
    if (!link) return notVisible();
    auto it = devices_.find(name);
    if (it != devices_.end() && !link->empty() && it->second->link == *link) return it->second.get();
    // Not open yet; or renamed, removed, or another device under this name now.
    Fd dir(::openat(classDir_.get(), name.c_str(), kPathDir));
    if (!dir && (errno == ENOENT || errno == ENOTDIR)) return notVisible();
    if (!dir) {  // EMFILE, ...: say so rather than call the device gone
        const int err = errno;
        devices_.erase(name);
        return ReadError{ReadFailure::Failed, err,
                         KernelError(err, "open RDMA device directory " + (sysfs_.root() / "class/infiniband" / name).string()).what()};
    }
    return devices_.insert_or_assign(name, std::make_unique<Device>(Device::open(name, *link, std::move(dir), pmaCounters_)))
        .first->second.get();
}

void RdmaPortCounterCache::open(const std::vector<std::string>& rdmaDevices) {
    heldFileCeiling_ = fileCeiling();  // again: descriptors may have been short at the last scrape
    for (const auto& name : rdmaDevices)
        if (isValidRdmaDeviceName(name) && !devices_.contains(name)) (void)entry(name);
}

ReadResult<std::vector<RdmaPortCounters>> RdmaPortCounterCache::read(std::string_view rdmaDevice) {
    if (!isValidRdmaDeviceName(rdmaDevice))
        return ReadError{ReadFailure::Failed, EINVAL, "not an RDMA device name: \"" + std::string(rdmaDevice) + "\""};
    const std::string name(rdmaDevice);
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto device = entry(name);
        if (!device) return device.error();
        Device& d = *device.value();
        d.used = true;
        std::vector<RdmaPortCounters> out;
        HeldFiles held{heldFileCeiling_};
        const Outcome outcome = d.read(out, held);
        if (outcome == Outcome::Read && d.link.empty()) devices_.erase(name);  // not a link: nothing to check it by next time
        if (outcome == Outcome::Read) return out;
        devices_.erase(name);  // removed since it was opened: open it again, once
    }
    return ReadError{ReadFailure::DeviceGone, ENOENT, "RDMA device " + name + " went away while its counters were read"};
}

void RdmaPortCounterCache::sweep() {
    std::erase_if(devices_, [](const auto& entry) { return !entry.second->used; });
    for (auto& [name, device] : devices_) device->used = false;
}

}  // namespace ibvf::linux
