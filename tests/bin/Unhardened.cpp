// A binary deliberately built without hardening flags (tests/CMakeLists.txt), the negative case
// of tests/integration/cli/BinaryHardeningTest.cpp.
#include <unistd.h>

#include <cstring>

int main(int argc, char** argv) {
    char buf[64];
    std::strncpy(buf, argc > 1 ? argv[1] : "x", sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    return static_cast<int>(write(STDOUT_FILENO, buf, std::strlen(buf)) < 0);
}
