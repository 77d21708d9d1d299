#include <doctest/doctest.h>

#include <string>

#include <spdlog/spdlog.h>

#include "log/Logging.hpp"
#include "support/LastLine.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf;

TEST_CASE("log context: appended once per key, a key appended again takes its new value") {
    test::ScratchDir dir;
    ::setenv("IBVF_LOG_DIR", dir.path().c_str(), 1);
    const auto file = dir.path() / "sub" / "t.log";
    log::setup({"t", "info", file.string(), "cid=abc if=net1"});
    ::unsetenv("IBVF_LOG_DIR");
    log::appendContext("vf=0000:3b:00.2");
    spdlog::info("one");
    CHECK(test::lastLine(file).find("[cid=abc if=net1 vf=0000:3b:00.2] one") != std::string::npos);
    log::appendContext("vf=0000:3b:00.3");
    log::appendContext("if=net2");
    spdlog::info("two");
    CHECK(test::lastLine(file).find("[cid=abc if=net2 vf=0000:3b:00.3] two") != std::string::npos);
    log::appendContext("cid=def");
    spdlog::info("three");
    CHECK(test::lastLine(file).find("[cid=def if=net2 vf=0000:3b:00.3] three") != std::string::npos);
}

TEST_CASE("log context: a '%' in it is printed as written, not read as a pattern flag") {
    test::ScratchDir dir;
    ::setenv("IBVF_LOG_DIR", dir.path().c_str(), 1);
    const auto file = dir.path() / "t.log";
    log::setup({"t", "info", file.string(), "cid=a%vb if=net%d"});
    ::unsetenv("IBVF_LOG_DIR");
    spdlog::info("one");
    CHECK(test::lastLine(file).find("[cid=a%vb if=net%d] one") != std::string::npos);
}

TEST_CASE("the default log file is <IBVF_LOG_DIR>/<program>.log, at info") {
    test::ScratchDir dir;
    ::setenv("IBVF_LOG_DIR", dir.path().c_str(), 1);
    CHECK(log::defaultLogFile("ibvf") == (dir.path() / "ibvf.log").string());
    log::LogOptions o;
    o.program = "ibvf";
    o.defaultFile = true;
    log::setup(o);
    spdlog::debug("hidden");
    spdlog::info("shown");
    ::unsetenv("IBVF_LOG_DIR");
    CHECK(test::lastLine(dir.path() / "ibvf.log").find(" info shown") != std::string::npos);
    CHECK(log::defaultLogFile("ibvf-ipam") == "/var/log/ibvf/ibvf-ipam.log");
}
