// Integration tests need root (namespaces, veth, netlink writes). They refuse to run otherwise
// rather than pass vacuously.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <unistd.h>

int main(int argc, char** argv) {
    if (geteuid() != 0) {
        std::fprintf(stderr, "ibvf-integration-tests must run as root (network namespaces, veth)\n");
        return 2;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
