// Integration tests need root (namespaces, veth, netlink writes). They refuse to run otherwise
// rather than pass vacuously.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    if (geteuid() != 0) {
        std::fprintf(stderr, "ibvf-integration-tests must run as root (network namespaces, veth)\n");
        return 2;
    }
    // The binaries under test log to /var/log/ibvf by default; keep the tests' logs out of it.
    if (std::getenv("IBVF_LOG_DIR") == nullptr) ::setenv("IBVF_LOG_DIR", "/tmp/ibvf-test-logs", 0);
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
