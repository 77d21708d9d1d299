#include "etcd/TlsStream.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "linux/Beneath.hpp"
#include "linux/KernelError.hpp"
#include "net/IpAddress.hpp"

namespace ibvf::etcd {
namespace {

// OpenSSL's queued reasons, oldest first, and clears the queue.
std::string openSslErrors() {
    std::string out;
    while (const unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

void initOnce() {
    // No openssl.cnf: ibvf-ipam is static, and a config that loads a provider module would
    // dlopen() a shared library built against another libcrypto into it. The built-in defaults
    // (with TLS 1.2 as the floor set below) are what every node then gets, identically.
    static const bool done = OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr) == 1;
    if (!done) throw TlsSetupError("OpenSSL initialisation failed: " + openSslErrors());
}

// PEM files are small; a bound keeps a wrong path (a device, a huge file) from costing anything.
constexpr std::size_t kMaxPemBytes = std::size_t{1} << 20;

// The content of one configured file, read beneath files.dir (or its own directory). Errors name
// the path and the reason, never any of the content.
std::string readPem(const TlsFiles& files, const std::string& path, const char* what) {
    std::string dir = files.dir;
    std::string relative;
    if (dir.empty()) {
        const std::filesystem::path p(path);
        dir = p.has_parent_path() ? p.parent_path().string() : ".";
        relative = p.filename().string();
    } else {
        const auto beneath = linux::pathBeneath(path, dir, 16, 4096);
        if (!beneath.accepted()) throw TlsFileRefused(std::string(what) + " " + path + " is refused: " + beneath.refusal);
        relative = beneath.relative;
    }
    try {
        const linux::Fd dirFd = linux::openDirectory(dir);
        return linux::readFileBeneath(dirFd.get(), relative, kMaxPemBytes);
    } catch (const linux::KernelError& e) {
        if (e.err() == ELOOP || e.err() == EXDEV) {
            throw TlsFileRefused(std::string(what) + " " + path + " is refused: a symlink on the way");
        }
        throw TlsSetupError("cannot read the " + std::string(what) + " " + path + ": " + e.code().message());
    }
}

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

Bio memoryBio(const std::string& pem) { return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))); }

// What SSL_CTX_load_verify_locations does with a file, from memory: every certificate in it.
bool loadCaBundle(SSL_CTX* ctx, const std::string& pem) {
    const Bio bio = memoryBio(pem);
    STACK_OF(X509_INFO)* infos = bio ? PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!infos) return false;
    int added = 0;
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (int i = 0; i < sk_X509_INFO_num(infos); ++i) {
        X509_INFO* info = sk_X509_INFO_value(infos, i);
        if (info->x509 && X509_STORE_add_cert(store, info->x509) == 1) ++added;
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    return added > 0;
}

// What SSL_CTX_use_certificate_chain_file does, from memory: the first certificate, then its chain.
bool loadCertificateChain(SSL_CTX* ctx, const std::string& pem) {
    const Bio bio = memoryBio(pem);
    if (!bio) return false;
    X509* leaf = PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr);
    if (!leaf) return false;
    const bool used = SSL_CTX_use_certificate(ctx, leaf) == 1;
    X509_free(leaf);
    if (!used || SSL_CTX_clear_chain_certs(ctx) != 1) return false;
    while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
            X509_free(ca);
            return false;
        }
    }
    // The loop ends on "no start line" at the end of the input: not an error.
    const unsigned long last = ERR_peek_last_error();
    if (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE) ERR_clear_error();
    return true;
}

bool loadPrivateKey(SSL_CTX* ctx, const std::string& pem) {
    const Bio bio = memoryBio(pem);
    EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!key) return false;
    const bool used = SSL_CTX_use_PrivateKey(ctx, key) == 1;
    EVP_PKEY_free(key);
    return used;
}

}  // namespace

TlsContext::TlsContext(const TlsFiles& files) {
    initOnce();
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_) throw TlsSetupError("cannot create a TLS context: " + openSslErrors());
    const auto failWith = [this](const std::string& what) {
        const std::string why = openSslErrors();
        SSL_CTX_free(ctx_);
        ctx_ = nullptr;
        throw TlsSetupError(what + (why.empty() ? "" : ": " + why));
    };
    // Read before anything is loaded, so that a refused file frees the context too.
    const auto read = [&](const std::string& path, const char* what) {
        try {
            return readPem(files, path, what);
        } catch (...) {
            SSL_CTX_free(ctx_);
            ctx_ = nullptr;
            throw;
        }
    };
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    // Go's server may close without close_notify; the HTTP framing detects a truncated reply.
    SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (!files.ca.empty()) {
        if (!loadCaBundle(ctx_, read(files.ca, "CA file"))) failWith("cannot load the CA file " + files.ca);
    } else if (SSL_CTX_set_default_verify_paths(ctx_) != 1) {
        failWith("cannot load the system's trusted CAs");
    }
    if (!files.cert.empty()) {
        if (!loadCertificateChain(ctx_, read(files.cert, "client certificate"))) {
            failWith("cannot load the client certificate " + files.cert);
        }
        if (!loadPrivateKey(ctx_, read(files.key, "client key"))) {
            failWith("cannot load the client key " + files.key);
        }
        if (SSL_CTX_check_private_key(ctx_) != 1) failWith("the client key " + files.key + " does not match " + files.cert);
    }
}

TlsContext::~TlsContext() {
    if (ctx_) SSL_CTX_free(ctx_);
}

std::unique_ptr<TlsStream> TlsStream::connect(TcpStream tcp, const TlsContext& ctx, const std::string& host, const Deadline& deadline) {
    ssl_st* ssl = SSL_new(ctx.get());
    if (!ssl) throw TransportError("TLS to " + tcp.peer() + ": " + openSslErrors());
    std::unique_ptr<TlsStream> s(new TlsStream(std::move(tcp), ssl));
    SSL_set_fd(ssl, s->tcp_.fd());
    if (net::IpAddress::parse(host)) {
        // An IP endpoint: the certificate must carry it as an IP SAN; no SNI for addresses (RFC 6066).
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1) s->fail("TLS set-up for", 0);
    } else {
        if (SSL_set1_host(ssl, host.c_str()) != 1 || SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
            s->fail("TLS set-up for", 0);
        }
    }
    // The gateway speaks HTTP/1.1; without ALPN a Go server might still pick HTTP/2 for gRPC.
    static const unsigned char kAlpn[] = "\x08http/1.1";
    SSL_set_alpn_protos(ssl, kAlpn, sizeof kAlpn - 1);
    while (true) {
        ERR_clear_error();
        const int ret = SSL_connect(ssl);
        if (ret == 1) break;
        if (!s->waitAfter(ret, deadline, "TLS handshake with")) s->fail("TLS handshake with", ret);
    }
    return s;
}

TlsStream::~TlsStream() {
    // No close_notify: the connection dies with the invocation, and a shutdown would wait on a peer.
    SSL_free(ssl_);
}

bool TlsStream::waitAfter(int ret, const Deadline& deadline, const char* step) {
    switch (SSL_get_error(ssl_, ret)) {
        case SSL_ERROR_WANT_READ:
            tcp_.waitReady(false, deadline, step);
            return true;
        case SSL_ERROR_WANT_WRITE:
            tcp_.waitReady(true, deadline, step);
            return true;
        default:
            return false;
    }
}

void TlsStream::fail(const char* step, int ret) {
    std::string why;
    const long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK) why = std::string("certificate verification failed: ") + X509_verify_cert_error_string(verify);
    const int kind = ret <= 0 ? SSL_get_error(ssl_, ret) : SSL_ERROR_SSL;
    const std::string queued = openSslErrors();
    if (!queued.empty()) why += (why.empty() ? "" : "; ") + queued;
    if (why.empty() && kind == SSL_ERROR_SYSCALL) why = errno ? std::strerror(errno) : "connection closed by the peer";
    if (why.empty()) why = "OpenSSL error " + std::to_string(kind);
    throw TransportError(std::string(step) + " " + tcp_.peer() + ": " + why);
}

void TlsStream::writeAll(std::string_view data, const Deadline& deadline) {
    while (!data.empty()) {
        ERR_clear_error();
        std::size_t written = 0;
        const int ret = SSL_write_ex(ssl_, data.data(), data.size(), &written);
        if (ret == 1) {
            data.remove_prefix(written);
        } else if (!waitAfter(ret, deadline, "send to")) {
            fail("send to", ret);
        }
    }
}

std::size_t TlsStream::readSome(char* buf, std::size_t size, const Deadline& deadline) {
    while (true) {
        ERR_clear_error();
        std::size_t got = 0;
        const int ret = SSL_read_ex(ssl_, buf, size, &got);
        if (ret == 1) return got;
        if (SSL_get_error(ssl_, ret) == SSL_ERROR_ZERO_RETURN) return 0;
        if (!waitAfter(ret, deadline, "receive from")) fail("receive from", ret);
    }
}

}  // namespace ibvf::etcd
