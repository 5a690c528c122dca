// `reel ingest` (reel/ingest) with real processes on loopback: games over TCP (put_var records)
// and HTTP POST batches are each recorded as their own session, equal to what they sent (their
// records imported with `reel import` are the reference); bad records, hostile clients and
// signals are handled with a clear log line while other games keep recording and lose nothing.
#include <sys/resource.h>

#include <atomic>
#include <set>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "ingest_test_util.h"

namespace reel {
namespace {

using testing::GameRecords;
using testing::IngestProcess;
using testing::TempDir;

// Sends a game over one TCP connection in pieces of `piece` bytes, then closes it.
void send_game_tcp(int port, const GameRecords& game, size_t piece) {
  const int fd = testing::tcp_connect(port);
  const std::vector<uint8_t> bytes = game.all();
  for (size_t at = 0; at < bytes.size(); at += piece) {
    REQUIRE(testing::send_bytes(fd, bytes.data() + at, std::min(piece, bytes.size() - at)));
    if (at % (piece * 8) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::close(fd);
}

std::vector<uint8_t> some_frames(const GameRecords& game, int from, int to) {
  std::vector<uint8_t> out = game.header;
  for (int i = from; i < to; ++i) {
    out.insert(out.end(), game.frames[i].begin(), game.frames[i].end());
  }
  return out;
}

std::string as_body(const std::vector<uint8_t>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

nlohmann::json json_of(const httplib::Result& r) {
  REQUIRE(r);
  return nlohmann::json::parse(r->body);
}

TEST_CASE("games over TCP are recorded at once, each its own session equal to what it sent",
          "[ingest]") {
  TempDir dir;
  const std::string db = dir.file("games.reel");
  IngestProcess ingest(dir, db, {});
  const GameRecords walk1 = testing::make_game("walk", 40, 1);
  const GameRecords walk2 = testing::make_game("walk", 40, 2);  // the same name: "walk-2"
  const GameRecords run3 = testing::make_game("run", 60, 3, GodotDialect::kGodot3);
  std::thread a([&] { send_game_tcp(ingest.port(), walk1, 7); });
  std::thread b([&] { send_game_tcp(ingest.port(), walk2, 100); });
  std::thread c([&] { send_game_tcp(ingest.port(), run3, 1000); });
  a.join();
  b.join();
  c.join();
  for (const char* name : {"'walk'", "'walk-2'", "'run'"}) {
    INFO(ingest.log());
    REQUIRE(ingest.wait_for_log(fmt::format("session {} closed (game disconnected)", name)));
  }
  CHECK(ingest.log().find("(the name 'walk' was taken)") != std::string::npos);
  CHECK(ingest.stop() == 0);
  INFO(ingest.log());
  CHECK(ingest.log().find("stopped by SIGTERM: 3 sessions, 140 frames recorded (0 dropped)") !=
        std::string::npos);
  const std::set<std::vector<std::string>> walks = {testing::session_dump(db, "walk"),
                                                    testing::session_dump(db, "walk-2")};
  const std::set<std::vector<std::string>> sent = {testing::imported_dump(dir, walk1.all(), "w1"),
                                                   testing::imported_dump(dir, walk2.all(), "w2")};
  CHECK(walks == sent);
  CHECK(testing::session_dump(db, "run") == testing::imported_dump(dir, run3.all(), "r3"));
  auto run = Replayer::open(db, "run");
  REQUIRE_OK(run);
  CHECK((*run)->session().dialect == GodotDialect::kGodot3);
  CHECK((*run)->session().end_reason == "game disconnected");
}

TEST_CASE("a web game's HTTP batches continue one session, a retried batch is recorded once",
          "[ingest]") {
  TempDir dir;
  const std::string db = dir.file("web.reel");
  IngestProcess ingest(dir, db,
                       {"--cors-origin", "http://game.example", "--web-session-idle", "1"});
  const GameRecords game = testing::make_game("web", 50, 4, GodotDialect::kGodot4, "", "s-1");
  httplib::Client client("127.0.0.1", ingest.port());

  // The CORS preflight a browser sends before its POST.
  auto preflight = client.Options(
      "/records", {{"Origin", "http://game.example"}, {"Access-Control-Request-Method", "POST"}});
  REQUIRE(preflight);
  CHECK(preflight->status == 204);
  CHECK(preflight->get_header_value("Access-Control-Allow-Origin") == "http://game.example");
  CHECK(preflight->get_header_value("Access-Control-Allow-Methods").find("POST") !=
        std::string::npos);
  CHECK(preflight->get_header_value("Access-Control-Allow-Headers").find("Authorization") !=
        std::string::npos);

  auto post = [&](int from, int to) {
    return client.Post("/records", as_body(some_frames(game, from, to)),
                       "application/octet-stream");
  };
  auto first = post(0, 10);
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(first->get_header_value("Access-Control-Allow-Origin") == "http://game.example");
  CHECK(json_of(first)["next_frame"] == 10);
  auto retried = post(5, 20);  // frames 5..9 again, as a retry after a lost answer sends them
  CHECK(retried->status == 200);
  CHECK(json_of(retried)["duplicates"] == 5);
  CHECK(json_of(retried)["accepted"] == 10);
  auto gap = post(25, 30);
  CHECK(gap->status == 409);
  CHECK(json_of(gap)["next_frame"] == 20);
  CHECK(ingest.wait_for_log("409 byte "));
  auto rest = post(20, 50);
  CHECK(rest->status == 200);
  CHECK(json_of(rest)["next_frame"] == 50);
  // After a second without a batch the session is closed; a later batch cannot continue it.
  REQUIRE(ingest.wait_for_log("session 'web' closed: its web game sent no batch"));
  auto late = post(50, 50);
  CHECK(late->status == 200);  // a header alone starts a new session (frame 0 is next)
  CHECK(json_of(late)["session"] == "web-2");
  CHECK(ingest.stop() == 0);
  CHECK(testing::session_dump(db, "web") == testing::imported_dump(dir, game.all(), "web"));
}

TEST_CASE(
    "a bad record closes only its connection, the log names peer, byte and frame, and the "
    "frames before it stay recorded",
    "[ingest]") {
  TempDir dir;
  const std::string db = dir.file("bad.reel");
  IngestProcess ingest(dir, db, {});
  const GameRecords game = testing::make_game("broken", 20, 5);
  std::vector<uint8_t> bytes = some_frames(game, 0, 10);
  const size_t bad_at = bytes.size();
  const auto skipped = testing::framed(testing::game_frame(12, 5), GodotDialect::kGodot4);
  bytes.insert(bytes.end(), skipped.begin(), skipped.end());  // frames 10 and 11 "lost"
  const int fd = testing::tcp_connect(ingest.port());
  REQUIRE(testing::send_bytes(fd, bytes));
  CHECK(testing::closed_by_server(fd, 5000));
  ::close(fd);
  REQUIRE(ingest.wait_for_log("connection closed"));
  const std::string log = ingest.log();
  INFO(log);
  CHECK(log.find(fmt::format("ingest: tcp 127.0.0.1:")) != std::string::npos);
  CHECK(log.find(fmt::format(": byte {}: frame 10: says it is frame 12 (records lost or "
                             "reordered); connection closed, session 'broken' keeps frames 0..9",
                             bad_at)) != std::string::npos);
  CHECK(ingest.stop() == 0);
  CHECK(testing::session_dump(db, "broken") ==
        testing::imported_dump(dir, some_frames(game, 0, 10), "broken"));
  auto replayer = Replayer::open(db, "broken");
  REQUIRE_OK(replayer);
  CHECK((*replayer)->session().status == format::SessionStatus::kClosed);
  CHECK((*replayer)->session().end_reason.find("frame 10: says it is frame 12") !=
        std::string::npos);
}

// Opens `n` connections at once (raising this process's descriptor limit as needed); returns the
// descriptors.
std::vector<int> open_many(int port, int n) {
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  if (limit.rlim_cur < static_cast<rlim_t>(n + 256)) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, n + 256);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
  }
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) fds.push_back(testing::tcp_connect(port));
  return fds;
}

TEST_CASE(
    "hostile clients are refused with a clear log line while a game keeps recording and "
    "loses nothing",
    "[ingest]") {
  TempDir dir;
  const std::string db = dir.file("hostile.reel");
  IngestProcess ingest(dir, db,
                       {"--token", "s3cret", "--max-connections", "64", "--record-timeout", "1",
                        "--idle-timeout", "2", "--max-body", "65536", "--max-record", "100000"});
  // The good game: one frame every 2 ms until the hostile clients are done.
  constexpr int kMaxFrames = 20000;
  const GameRecords good =
      testing::make_game("good", kMaxFrames, 6, GodotDialect::kGodot4, "s3cret");
  std::atomic<bool> hostile_done{false};
  std::atomic<int> sent{0};
  std::thread game([&] {
    const int fd = testing::tcp_connect(ingest.port());
    REQUIRE(testing::send_bytes(fd, good.header));
    while (sent < kMaxFrames && (!hostile_done || sent < 200)) {
      REQUIRE(testing::send_bytes(fd, good.frames[sent]));
      ++sent;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::close(fd);
  });
  const std::string lost = "connection closed, no session was started";

  {
    const int fd = testing::tcp_connect(ingest.port());
    std::vector<uint8_t> garbage = {16, 0, 0, 0};
    garbage.resize(20, 0xff);
    REQUIRE(testing::send_bytes(fd, garbage));
    CHECK(testing::closed_by_server(fd, 5000));
    ::close(fd);
    CHECK(ingest.wait_for_log("byte 0: header record: the header record does not decode"));
  }
  {
    const int fd = testing::tcp_connect(ingest.port());
    const uint8_t four_gb[4] = {0xff, 0xff, 0xff, 0xff};
    REQUIRE(testing::send_bytes(fd, four_gb, 4));
    CHECK(testing::closed_by_server(fd, 5000));
    ::close(fd);
    CHECK(ingest.wait_for_log(
        "record of 4294967295 bytes is over the limit of 100000 (--max-record); " + lost));
  }
  {
    const int fd = testing::tcp_connect(ingest.port());  // 2 bytes of a record, then nothing
    const uint8_t some[6] = {100, 0, 0, 0, 27, 0};
    REQUIRE(testing::send_bytes(fd, some, 6));
    CHECK(testing::closed_by_server(fd, 5000));
    ::close(fd);
    CHECK(
        ingest.wait_for_log("too slow: a record not whole after 1000 ms in a record of 100 bytes"));
  }
  for (const char* token : {"", "wrong"}) {
    const int fd = testing::tcp_connect(ingest.port());
    REQUIRE(testing::send_bytes(
        fd, testing::framed(testing::game_header("thief", GodotDialect::kGodot4, token),
                            GodotDialect::kGodot4)));
    CHECK(testing::closed_by_server(fd, 5000));
    ::close(fd);
  }
  CHECK(ingest.wait_for_log("header record: no 'token' in the header record (--token); " + lost));
  CHECK(ingest.wait_for_log("header record: wrong 'token' in the header record; " + lost));
  {
    httplib::Client client("127.0.0.1", ingest.port());
    const std::string body = as_body(some_frames(good, 0, 3));
    auto no_token = client.Post("/records", body, "application/octet-stream");
    REQUIRE(no_token);
    CHECK(no_token->status == 401);
    auto wrong = client.Post("/records", {{"Authorization", "Bearer nope"}}, body,
                             "application/octet-stream");
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
    auto big = client.Post("/records", {{"Authorization", "Bearer s3cret"}},
                           std::string(70000, 'x'), "application/octet-stream");
    REQUIRE(big);
    CHECK(big->status == 413);
    CHECK(ingest.wait_for_log("POST /records: 401 no bearer token"));
    CHECK(ingest.wait_for_log("POST /records: 401 wrong bearer token"));
    CHECK(
        ingest.wait_for_log("POST /records: 413 body over the limit of 65536 bytes (--max-body)"));
  }
  {
    // 1,000 connections at once: 64 at most are served, the others closed at once.
    std::vector<int> fds = open_many(ingest.port(), 1000);
    CHECK(ingest.wait_for_log("refused: 64 connections are open (--max-connections)"));
    int closed = 0;
    for (int fd : fds) closed += testing::closed_by_server(fd, 1) ? 1 : 0;
    for (int fd : fds) ::close(fd);
    CHECK(closed >= 900);
  }
  const int sent_while_hostile = sent.load();
  hostile_done = true;
  game.join();
  INFO(ingest.log());
  CHECK(sent_while_hostile > 0);
  REQUIRE(ingest.wait_for_log("session 'good' closed (game disconnected)"));
  CHECK(ingest.stop() == 0);
  const int frames = sent.load();
  CHECK(testing::session_dump(db, "good") ==
        testing::imported_dump(dir, some_frames(good, 0, frames), "good"));
}

TEST_CASE("SIGINT closes every session cleanly with every frame received", "[ingest]") {
  TempDir dir;
  const std::string db = dir.file("signal.reel");
  IngestProcess ingest(dir, db, {});
  const GameRecords game = testing::make_game("open", 50, 7);
  const int fd = testing::tcp_connect(ingest.port());
  REQUIRE(testing::send_bytes(fd, game.all()));
  REQUIRE(ingest.wait_for_log("session 'open' started"));
  // The frames are in flight: wait until the recorder has them all (a commit every 100 ms).
  for (int i = 0; i < 100; ++i) {
    auto r = Replayer::open(db, "open");
    if (r.ok() && (*r)->frame_count() == 50) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(ingest.stop(SIGINT) == 0);
  ::close(fd);
  auto replayer = Replayer::open(db, "open");
  REQUIRE_OK(replayer);
  CHECK((*replayer)->session().status == format::SessionStatus::kClosed);
  CHECK((*replayer)->session().end_reason == "signal SIGINT");
  CHECK(testing::session_dump(db, "open") == testing::imported_dump(dir, game.all(), "open"));
}

}  // namespace
}  // namespace reel

namespace reel {
namespace {

TEST_CASE("ingest records where --profile and --vfs say and refuses a VFS that does not exist",
          "[ingest][mvsqlite]") {
  TempDir dir;
  const std::string db = dir.file("mv.reel");
  {
    // The mvsqlite profile on SQLite's unix VFS (mvsqlite cannot run here), every frame committed.
    IngestProcess ingest(dir, db,
                         {"--profile", "mvsqlite", "--vfs", "unix", "--commit-interval", "0"});
    const GameRecords game = testing::make_game("mv", 30, 4);
    send_game_tcp(ingest.port(), game, 64);
    INFO(ingest.log());
    REQUIRE(ingest.wait_for_log("session 'mv' closed (game disconnected)"));
    CHECK(ingest.stop() == 0);
    CHECK(testing::session_dump(db, "mv") == testing::imported_dump(dir, game.all(), "m"));
  }
  auto store = Store::open(db, StoreOptions{.read_only = true});
  REQUIRE_OK(store);
  Statement* st = (*store)->prepare("PRAGMA page_size").value();
  REQUIRE((*st->step()));
  CHECK(st->column_int64(0) == kMvsqliteSectorSize);
  st->reset();

  // A database that cannot be opened fails the start, not each game that connects later.
  const auto bad_vfs =
      testing::run_command(std::string(REEL_BINARY) + " ingest " + dir.file("x.reel") +
                           " --profile mvsqlite --vfs nosuch 2>&1");
  INFO(bad_vfs.out);
  CHECK(bad_vfs.exit_code == 2);
  CHECK(bad_vfs.out.find("no SQLite VFS named 'nosuch'") != std::string::npos);
  CHECK(bad_vfs.out.find("listening on") == std::string::npos);
  const auto bad_profile = testing::run_command(std::string(REEL_BINARY) + " ingest " +
                                                dir.file("y.reel") + " --profile cloud 2>&1");
  INFO(bad_profile.out);
  CHECK(bad_profile.exit_code == 2);
  CHECK(bad_profile.out.find("--profile") != std::string::npos);
}

}  // namespace
}  // namespace reel
