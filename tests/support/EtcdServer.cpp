#include "support/EtcdServer.hpp"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "support/LoopbackSocket.hpp"

namespace ibvf::test {
namespace {

constexpr const char* kEtcdBinary = "/usr/bin/etcd";

std::filesystem::path dataRoot() {
    return std::filesystem::is_directory("/dev/shm") ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
}

// A port nothing listens on now, from the kernel's ephemeral range.
std::uint16_t freeLoopbackPort() { return LoopbackSocket::open(0).port; }

std::string tail(const std::filesystem::path& file, std::size_t bytes) {
    std::ifstream in(file);
    const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

}  // namespace

EtcdServer::EtcdServer(Security security, const std::filesystem::path& root)
    : security_(security), dir_(root.empty() ? dataRoot() : root), log_(dir_ / "etcd.log") {
    if (::access(kEtcdBinary, X_OK) != 0) {
        throw std::runtime_error(std::string(kEtcdBinary) + " not found: install Debian's etcd-server (install/deps.sh)");
    }
    if (security_ != Security::Plain) certs_ = TestCertificates::generate(dir_.path());
    clientPort_ = freeLoopbackPort();
    peerPort_ = freeLoopbackPort();
    while (peerPort_ == clientPort_) peerPort_ = freeLoopbackPort();
    start();
}

EtcdServer::~EtcdServer() { process_.reset(); }  // SIGKILL and reap; the data goes with dir_

std::string EtcdServer::endpoint() const {
    return std::string(security_ == Security::Plain ? "http" : "https") + "://127.0.0.1:" + std::to_string(clientPort_);
}

void EtcdServer::start() {
    if (process_) throw std::logic_error("etcd is already running");
    const std::string peer = "http://127.0.0.1:" + std::to_string(peerPort_);
    std::vector<std::string> env = {
        "ETCD_NAME=ibvf-test",
        "ETCD_DATA_DIR=" + (dir_ / "data").string(),
        "ETCD_LISTEN_CLIENT_URLS=" + endpoint(),
        "ETCD_ADVERTISE_CLIENT_URLS=" + endpoint(),
        "ETCD_LISTEN_PEER_URLS=" + peer,
        "ETCD_INITIAL_ADVERTISE_PEER_URLS=" + peer,
        "ETCD_INITIAL_CLUSTER=ibvf-test=" + peer,
        "ETCD_LOGGER=zap",
        "ETCD_LOG_OUTPUTS=" + log_.string(),
    };
    if (certs_) {
        env.push_back("ETCD_CERT_FILE=" + certs_->serverCert.string());
        env.push_back("ETCD_KEY_FILE=" + certs_->serverKey.string());
        if (security_ == Security::ClientCertAuth) {
            env.push_back("ETCD_CLIENT_CERT_AUTH=true");
            env.push_back("ETCD_TRUSTED_CA_FILE=" + certs_->caCert.string());
        }
    }
    process_.emplace(linux::ChildProcess::spawn(kEtcdBinary, env, {}));
    waitUntilServing();
}

void EtcdServer::kill() {
    if (!process_) return;
    ::kill(process_->pid(), SIGKILL);
    process_->wait();
    process_.reset();
}

void EtcdServer::pause() {
    if (process_) ::kill(process_->pid(), SIGSTOP);
}

void EtcdServer::resume() {
    if (process_) ::kill(process_->pid(), SIGCONT);
}

etcd::EtcdClient EtcdServer::client(std::chrono::milliseconds timeout) const {
    etcd::ClientSettings s;
    s.endpoints.push_back(etcd::parseEndpoint(endpoint(), false));
    if (certs_) {
        s.tls = etcd::TlsFiles{certs_->caCert.string(), certs_->clientCert.string(), certs_->clientKey.string(), {}};
    }
    return etcd::EtcdClient(std::move(s), etcd::Deadline(timeout));
}

void EtcdServer::waitUntilServing() {
    const auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string last;
    while (std::chrono::steady_clock::now() < giveUp) {
        try {
            client(std::chrono::milliseconds(500)).range({"/", {}, 1, true, false});
            return;
        } catch (const std::exception& e) {
            last = e.what();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    process_.reset();
    throw std::runtime_error("etcd did not serve on " + endpoint() + " within 30 s (" + last + "); log tail:\n" + tail(log_, 2000));
}

std::vector<etcd::KeyValue> EtcdServer::keysUnder(const std::string& prefix) {
    return client(std::chrono::seconds(10)).range({prefix, etcd::prefixEnd(prefix), 0, false, false}).kvs;
}

void EtcdServer::deleteUnder(const std::string& prefix) {
    etcd::TxnRequest t;
    t.success.push_back({etcd::DeleteRangeRequest{prefix, etcd::prefixEnd(prefix)}});
    client(std::chrono::seconds(10)).txn(t);
}

}  // namespace ibvf::test
