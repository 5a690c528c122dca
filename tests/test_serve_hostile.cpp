// `reel serve` against hostile clients: each is refused (or cut off) with a clear log line while
// a well-behaved client keeps getting its answers, and the server stays up.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_session_fixture.h"
#include "serve_process.h"
#include "test_util.h"

using namespace reel;
using namespace reel::testing;

namespace {

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` on a new connection; returns the reply up to the server closing it.
std::string raw_exchange(int port, const std::string& request) {
  const int fd = connect_to(port);
  REQUIRE(fd >= 0);
  timeval tv{20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  REQUIRE(send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
  close(fd);
  return reply;
}

std::string raw_get(int port, const std::string& target, const std::string& headers = "") {
  return raw_exchange(
      port, "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers + "\r\n");
}

// A well-behaved client's request still answered correctly.
void check_still_served(const ServeProcess& server, const std::string& token = "") {
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(20, 0);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto res = client.Get("/v1/sessions/match-1/frames/10/entities/1?format=json", headers);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(nlohmann::json::parse(res->body)["frame"]["value"] == 10);
}

// Damages the stored chunk that holds `frame` (one byte flipped in its blob, SQLite's pages
// intact): the blob's checksum no longer matches.
void damage_chunk_holding(const std::string& db, int frame) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  const std::string where = " WHERE first_frame <= " + std::to_string(frame) +
                            " AND last_frame >= " + std::to_string(frame);
  REQUIRE(sqlite3_prepare_v2(h, ("SELECT data FROM chunks" + where).c_str(), -1, &st, nullptr) ==
          SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st, 0));
  std::vector<uint8_t> blob(p, p + sqlite3_column_bytes(st, 0));
  sqlite3_finalize(st);
  blob.at(blob.size() / 2) ^= 0x5a;
  REQUIRE(sqlite3_prepare_v2(h, ("UPDATE chunks SET data = ?1" + where).c_str(), -1, &st,
                             nullptr) == SQLITE_OK);
  sqlite3_bind_blob(st, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  REQUIRE(sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr) ==
          SQLITE_OK);
  sqlite3_close(h);
}

}  // namespace

TEST_CASE("reel serve never lets a request path reach the file system", "[serve][hostile]") {
  SessionFixture f;
  ServeProcess server(f.dir, f.db);
  for (const std::string target :
       {"/v1/sessions/%2e%2e/frames/1/state", "/v1/sessions/..%2f..%2fetc%2fpasswd",
        "/v1/sessions/%2e%2e%2f%2e%2e%2fmatch.reel/frames/1/state",
        "/v1/sessions/match-1%2f..%2f..%2fmatch.reel/frames/1/state", "/../../etc/passwd",
        "/v1/sessions/..%5c..%5cmatch.reel"}) {
    const std::string reply = raw_get(server.port(), target);
    INFO(target << "\n" << reply);
    CHECK(reply.rfind("HTTP/1.1 404", 0) == 0);
    CHECK_THAT(reply, Catch::Contains("\"error\":") && !Catch::Contains("root:"));
  }
  check_still_served(server);
  CHECK_THAT(server.log(), Catch::Contains("serve: 404 GET /v1/sessions/../frames/1/state from "
                                           "127.0.0.1: no session named '..'"));
}

TEST_CASE("reel serve with --token refuses a missing or wrong bearer token", "[serve][hostile]") {
  SessionFixture f;
  ServeProcess server(f.dir, f.db, {"--token", "s3cret-token"});
  const std::string target = "/v1/sessions/match-1/frames/1/state";
  const std::string missing = raw_get(server.port(), target);
  CHECK(missing.rfind("HTTP/1.1 401", 0) == 0);
  CHECK_THAT(missing, Catch::Contains("WWW-Authenticate: Bearer"));
  const std::string wrong =
      raw_get(server.port(), target, "Authorization: Bearer s3cret-tokem\r\n");
  CHECK(wrong.rfind("HTTP/1.1 401", 0) == 0);
  check_still_served(server, "s3cret-token");
  const std::string log = server.log();
  CHECK_THAT(log, Catch::Contains("401 GET " + target + " from 127.0.0.1: missing bearer token"));
  CHECK_THAT(log, Catch::Contains("401 GET " + target + " from 127.0.0.1: wrong bearer token"));
}

TEST_CASE("reel serve answers CORS preflights for the allowed origin only", "[serve][hostile]") {
  SessionFixture f;
  ServeProcess server(f.dir, f.db, {"--cors-origin", "http://127.0.0.1:8060", "--token", "t"});
  const std::string preflight =
      "OPTIONS /v1/sessions/match-1/varstream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Origin: http://127.0.0.1:8060\r\nAccess-Control-Request-Method: GET\r\n"
      "Access-Control-Request-Headers: authorization\r\n\r\n";
  const std::string ok = raw_exchange(server.port(), preflight);
  CHECK(ok.rfind("HTTP/1.1 204", 0) == 0);
  CHECK_THAT(ok, Catch::Contains("Access-Control-Allow-Origin: http://127.0.0.1:8060"));
  CHECK_THAT(ok, Catch::Contains("Access-Control-Allow-Headers: authorization"));
  std::string other = preflight;
  other.replace(other.find("127.0.0.1:8060"), 14, "evil.example");
  const std::string refused = raw_exchange(server.port(), other);
  CHECK(refused.rfind("HTTP/1.1 403", 0) == 0);
  CHECK_THAT(refused, !Catch::Contains("Access-Control-Allow-Origin"));
  const std::string get = raw_get(server.port(), "/v1/sessions",
                                  "Origin: http://127.0.0.1:8060\r\nAuthorization: Bearer t\r\n");
  CHECK(get.rfind("HTTP/1.1 200", 0) == 0);
  CHECK_THAT(get, Catch::Contains("Access-Control-Allow-Origin: http://127.0.0.1:8060"));
  CHECK(raw_get(server.port(), "/v1/sessions", "Authorization: Bearer t\r\n")
            .find("Access-Control-Allow-Origin") == std::string::npos);
}

TEST_CASE("reel serve answers a request for a damaged frame with a JSON error naming it",
          "[serve][hostile]") {
  SessionFixture f;
  damage_chunk_holding(f.db, 200);
  ServeProcess server(f.dir, f.db);
  const std::string reply = raw_get(server.port(), "/v1/sessions/match-1/frames/200/state");
  INFO(reply);
  CHECK(reply.rfind("HTTP/1.1 500", 0) == 0);
  CHECK_THAT(reply, Catch::Contains("\"frame\":200") && Catch::Contains("\"damaged\":true") &&
                        Catch::Contains("\"session\":\"match-1\""));
  const std::string stream = raw_get(server.port(), "/v1/sessions/match-1/varstream");
  CHECK(stream.rfind("HTTP/1.1 500", 0) == 0);
  CHECK_THAT(stream, Catch::Contains("\"damaged\":true"));
  // Frames before the damage are served, and the server is up.
  check_still_served(server);
  CHECK(server.running());
  CHECK_THAT(server.log(), Catch::Contains("500 GET /v1/sessions/match-1/frames/200/state"));
}

TEST_CASE("reel serve drops a slow client after its timeout and serves others meanwhile",
          "[serve][hostile]") {
  SessionFixture f;
  ServeProcess server(f.dir, f.db, {"--timeout", "1", "--threads", "4"});
  // Four connections that send half a request and stall, as many as the server has threads.
  std::vector<int> slow;
  for (int i = 0; i < 4; ++i) {
    slow.push_back(connect_to(server.port()));
    REQUIRE(slow.back() >= 0);
    REQUIRE(send(slow.back(), "GET /v1/sess", 12, MSG_NOSIGNAL) == 12);
  }
  const auto start = std::chrono::steady_clock::now();
  check_still_served(server);  // waits for a worker the timeout frees
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  for (int fd : slow) {
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    CHECK(recv(fd, &c, 1, 0) == 0);  // the server closed it
    close(fd);
  }
}

TEST_CASE("reel serve answers 1000 connections at once and refuses oversize requests",
          "[serve][hostile]") {
  SessionFixture f;
  rlimit fds{};
  getrlimit(RLIMIT_NOFILE, &fds);
  // The test's own 1000 sockets and the server's (a child: it inherits the limit).
  if (fds.rlim_cur < 4096 && fds.rlim_max > fds.rlim_cur) {
    fds.rlim_cur = std::min<rlim_t>(fds.rlim_max, 4096);
    setrlimit(RLIMIT_NOFILE, &fds);
  }
  INFO("open-file limit " << fds.rlim_cur);
  REQUIRE(fds.rlim_cur >= 1200);  // the test's own 1000 sockets
  ServeProcess server(f.dir, f.db, {"--threads", "16"});
  std::vector<int> fds_open;
  for (int i = 0; i < 1000; ++i) {
    const int fd = connect_to(server.port());
    REQUIRE(fd >= 0);
    fds_open.push_back(fd);
  }
  const std::string request =
      "GET /v1/sessions/match-1/frames/5/entities/1 HTTP/1.1\r\nHost: x\r\nConnection: "
      "close\r\n\r\n";
  for (int fd : fds_open) send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  check_still_served(server);
  int answered = 0;
  for (int fd : fds_open) {
    timeval tv{20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string reply;
    char buf[2048];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
    if (reply.rfind("HTTP/1.1 200", 0) == 0) ++answered;
    close(fd);
  }
  CHECK(answered == 1000);

  const std::string body(64 * 1024, 'x');
  const std::string big =
      raw_exchange(server.port(),
                   "GET /v1/sessions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                   "Content-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(big.rfind("HTTP/1.1 413", 0) == 0);
  const std::string long_uri = raw_get(server.port(), "/v1/sessions/" + std::string(10000, 'a'));
  CHECK(long_uri.rfind("HTTP/1.1 414", 0) == 0);
  const std::string post =
      raw_exchange(server.port(),
                   "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                   "Content-Length: 2\r\n\r\nhi");
  CHECK(post.rfind("HTTP/1.1 405", 0) == 0);
  check_still_served(server);
  const std::string log = server.log();
  CHECK_THAT(log, Catch::Contains("413 GET /v1/sessions from 127.0.0.1: request too large"));
  CHECK_THAT(log, Catch::Contains("405 POST /v1/sessions from 127.0.0.1: read-only server"));
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("reel serve limits each client's request rate with 429", "[serve][hostile]") {
  SessionFixture f;
  ServeProcess server(f.dir, f.db, {"--rate", "20"});
  httplib::Client client("127.0.0.1", server.port());
  int ok = 0, limited = 0;
  for (int i = 0; i < 60; ++i) {
    auto res = client.Get("/v1/sessions");
    REQUIRE(res);
    (res->status == 200 ? ok : limited) += res->status == 200 || res->status == 429 ? 1 : 0;
  }
  CHECK(ok >= 20);
  CHECK(limited > 0);
  CHECK_THAT(server.log(), Catch::Contains("429 GET /v1/sessions from 127.0.0.1: too many"));
}
