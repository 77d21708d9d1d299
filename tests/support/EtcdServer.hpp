#pragma once
// A real etcd (Debian's etcd-server, /usr/bin/etcd) for one test: a single member on free
// loopback ports, its data in a fresh directory on /dev/shm (tmpfs: its fsyncs cost nothing, so
// CI time is spent on ibvf, not on the disk; benchmarks may choose a disk), killed and removed when the object goes, also when
// the test fails. Configured through ETCD_* variables, its log in a file next to the data.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "etcd/EtcdClient.hpp"
#include "linux/ChildProcess.hpp"
#include "support/ScratchDir.hpp"
#include "support/TestCertificates.hpp"

namespace ibvf::test {

class EtcdServer {
public:
    enum class Security {
        Plain,           // http
        Tls,             // https, any client
        ClientCertAuth,  // https, clients must present a certificate of the test CA
    };

    // Starts it and waits until it serves (throws std::runtime_error with the log's tail if not).
    // `dataRoot`: where its data directory is made; /dev/shm when empty (benchmarks pass a disk).
    explicit EtcdServer(Security security = Security::Plain, const std::filesystem::path& dataRoot = {});
    ~EtcdServer();
    EtcdServer(const EtcdServer&) = delete;
    EtcdServer& operator=(const EtcdServer&) = delete;

    // "http://127.0.0.1:<port>" (https with TLS).
    std::string endpoint() const;
    // Tls and ClientCertAuth only.
    const TestCertificates& certificates() const { return *certs_; }

    // SIGKILL, as a crash: whatever etcd had acknowledged is on its data directory.
    void kill();
    // Starts it again on the same ports and data; waits until it serves.
    void start();
    // SIGSTOP / SIGCONT: a member that still holds its connections but answers nothing.
    void pause();
    void resume();

    // Every key under `prefix`, read through lib/etcd (with the client certificate if needed).
    std::vector<etcd::KeyValue> keysUnder(const std::string& prefix);
    // Removes every key under `prefix`.
    void deleteUnder(const std::string& prefix);

    const std::filesystem::path& logFile() const { return log_; }

private:
    etcd::EtcdClient client(std::chrono::milliseconds timeout) const;
    void waitUntilServing();

    Security security_;
    ScratchDir dir_;
    std::filesystem::path log_;
    std::optional<TestCertificates> certs_;
    std::uint16_t clientPort_ = 0;
    std::uint16_t peerPort_ = 0;
    std::optional<linux::ChildProcess> process_;
};

}  // namespace ibvf::test
