#pragma once
// TLS over a TcpStream with OpenSSL, for https etcd endpoints: the server is verified against the
// configured CA and the endpoint's host (name or IP), and a client certificate is presented when
// one is configured (etcd's --client-cert-auth). OpenSSL's types stay out of this header.
#include <memory>
#include <stdexcept>
#include <string>

#include "etcd/ByteStream.hpp"
#include "etcd/TcpStream.hpp"
#include "etcd/TlsFiles.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace ibvf::etcd {

// A certificate, key or CA file that cannot be used; names the file and what OpenSSL said.
class TlsSetupError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A file outside TlsFiles::dir, or reached through a symlink: a config error, not an I/O one.
class TlsFileRefused : public TlsSetupError {
public:
    using TlsSetupError::TlsSetupError;
};

class TlsContext {
public:
    explicit TlsContext(const TlsFiles& files);  // throws TlsSetupError
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;
    ssl_ctx_st* get() const { return ctx_; }

private:
    ssl_ctx_st* ctx_ = nullptr;
};

class TlsStream final : public ByteStream {
public:
    // Handshakes over `tcp`, verifying the server's chain and that it is `host`. Throws
    // TransportError with OpenSSL's reason (e.g. the certificate verification error).
    static std::unique_ptr<TlsStream> connect(TcpStream tcp, const TlsContext& ctx, const std::string& host, const Deadline& deadline);
    ~TlsStream() override;
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    void writeAll(std::string_view data, const Deadline& deadline) override;
    std::size_t readSome(char* buf, std::size_t size, const Deadline& deadline) override;

private:
    TlsStream(TcpStream tcp, ssl_st* ssl) : tcp_(std::move(tcp)), ssl_(ssl) {}
    // Waits as OpenSSL asks after a call returned `ret`; false when the call failed for good.
    bool waitAfter(int ret, const Deadline& deadline, const char* step);
    [[noreturn]] void fail(const char* step, int ret);

    TcpStream tcp_;
    ssl_st* ssl_ = nullptr;
};

}  // namespace ibvf::etcd
