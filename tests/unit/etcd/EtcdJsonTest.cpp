// Encodings checked against etcd 3.4.23's gateway: the replies below are verbatim ones it sent
// for the requests beside them.
#include <doctest/doctest.h>

#include "etcd/Base64.hpp"
#include "etcd/EtcdJson.hpp"

using namespace ibvf::etcd;

TEST_CASE("a claim txn encodes as the gateway reads it: snake_case, base64, int64 as strings, enums by name") {
    TxnRequest t;
    Compare none = Compare::created("/n/idx/", 0);
    none.rangeEnd = prefixEnd("/n/idx/");
    t.compare.push_back(none);
    t.compare.push_back(Compare::unchangedSince("/a", "/b", 41));
    t.compare.push_back(Compare::valueIs("k", "v"));
    t.success.push_back({PutRequest{"/n/ip", "x"}});
    TxnRequest nested;
    nested.compare.push_back(Compare::created("/n/ip", 7));
    nested.success.push_back({DeleteRangeRequest{"/n/ip", {}}});
    t.success.push_back({nested});
    t.failure.push_back({RangeRequest{"/n/", "/n0", 64, true, false}});
    CHECK(encodeTxn(t) ==
          R"({"compare":[{"target":"CREATE","result":"EQUAL","key":"L24vaWR4Lw==","range_end":"L24vaWR4MA==","create_revision":"0"},)"
          R"({"target":"MOD","result":"LESS","key":"L2E=","range_end":"L2I=","mod_revision":"42"},)"
          R"({"target":"VALUE","result":"EQUAL","key":"aw==","value":"dg=="}],)"
          R"("success":[{"request_put":{"key":"L24vaXA=","value":"eA=="}},)"
          R"({"request_txn":{"compare":[{"target":"CREATE","result":"EQUAL","key":"L24vaXA=","create_revision":"7"}],)"
          R"("success":[{"request_delete_range":{"key":"L24vaXA="}}]}}],)"
          R"("failure":[{"request_range":{"key":"L24v","range_end":"L24w","limit":"64","keys_only":true}}]})");
    CHECK(encodeRange({"/w/", "/w0", 0, false, true}) == R"({"key":"L3cv","range_end":"L3cw","count_only":true})");
    CHECK_FALSE(isReadOnly(t));
    TxnRequest reads;
    reads.success.push_back({RangeRequest{"a", {}, 0, false, false}});
    reads.success.push_back({TxnRequest{}});
    CHECK(isReadOnly(reads));
}

TEST_CASE("gateway replies: a failed compare leaves out succeeded, a nested txn has an empty header, zero is omitted") {
    // A txn whose compare failed, with a range in its failure branch.
    auto t = decodeTxnResponse(
        R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"4","raft_term":"2"},)"
        R"("responses":[{"response_range":{"header":{"revision":"4"},"kvs":[{"key":"L24vaWR4L2E=","create_revision":"4",)"
        R"("mod_revision":"4","version":"1","value":"eA=="}],"count":"1"}}]})");
    CHECK_FALSE(t.succeeded);
    CHECK(t.revision == 4);
    REQUIRE(t.responses.size() == 1);
    const auto& r = t.rangeAt(0);
    REQUIRE(r.kvs.size() == 1);
    CHECK(r.kvs[0].key == "/n/idx/a");
    CHECK(r.kvs[0].value == "x");
    CHECK(r.kvs[0].createRevision == 4);
    CHECK(r.count == 1);
    CHECK_FALSE(r.more);
    CHECK_THROWS_AS(t.txnAt(0), MalformedReply);
    CHECK_THROWS_AS(t.rangeAt(1), MalformedReply);

    // Nested txns: the first one's compare failed.
    t = decodeTxnResponse(
        R"({"header":{"cluster_id":"1","member_id":"2","revision":"5","raft_term":"2"},"succeeded":true,"responses":[)"
        R"({"response_txn":{"header":{}}},{"response_txn":{"header":{},"succeeded":true,"responses":[)"
        R"({"response_delete_range":{"header":{"revision":"5"},"deleted":"1"}}]}},{"response_put":{"header":{"revision":"5"}}}]})");
    CHECK(t.succeeded);
    CHECK_FALSE(t.txnAt(0).succeeded);
    CHECK(t.txnAt(1).succeeded);
    CHECK(std::get<DeleteRangeResponse>(t.txnAt(1).responses[0].op).deleted == 1);
    CHECK(std::holds_alternative<PutResponse>(t.responses[2].op));

    // keys_only with a limit: no value, "more".
    const auto range = decodeRangeResponse(
        R"({"header":{"cluster_id":"1","member_id":"2","revision":"8","raft_term":"2"},"kvs":[{"key":"L3cvMQ==",)"
        R"("create_revision":"6","mod_revision":"6","version":"1"},{"key":"L3cvMg==","create_revision":"7","mod_revision":"7",)"
        R"("version":"1"}],"more":true,"count":"3"})");
    CHECK(range.revision == 8);
    CHECK(range.more);
    CHECK(range.count == 3);
    CHECK(range.kvs[1].key == "/w/2");
    CHECK(range.kvs[1].value.empty());
}

TEST_CASE("unreadable replies and the gateway's error body") {
    for (const char* bad : {"", "[]", R"({"header":{"revision":"12x"}})", R"({"responses":[{"response_watch":{}}]})",
                            R"({"succeeded":"yes"})", R"({"responses":[{"response_range":{"kvs":7}}]})"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(decodeTxnResponse(bad), MalformedReply);
    }
    for (const char* bad : {"{\"kvs\":{}}", R"({"kvs":[{"key":"not base64!"}]})", R"({"kvs":[{"key":7}]})", R"({"more":1})"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(decodeRangeResponse(bad), MalformedReply);
    }
    const auto e = decodeGatewayError(R"({"error":"etcdserver: request timed out","code":14,"message":"etcdserver: request timed out"})");
    REQUIRE(e);
    CHECK(e->code == 14);
    CHECK(e->message == "etcdserver: request timed out");
    CHECK_FALSE(decodeGatewayError("404 page not found"));
    CHECK(prefixEnd("/a/") == "/a0");
    CHECK(prefixEnd(std::string("a\xff\xff", 3)) == "b");
    CHECK(prefixEnd("") == std::string(1, '\0'));
}
