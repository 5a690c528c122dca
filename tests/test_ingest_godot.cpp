// Real engines recording through `reel ingest` with ReelRecorder's live transports: Godot 3
// (godot3-server) over TCP (StreamPeerTCP.put_var), the Godot 4.6 web engine in headless Chromium
// over HTTP POST batches (HTTPRequest.request_raw; the page's origin is not ingest's, so the
// browser sends a CORS preflight). The engine also writes its capture file: the ingested session
// must equal that file imported with `reel import`.
#include "godot_addon_harness.h"
#include "ingest_test_util.h"

namespace reel {
namespace {

using testing::GodotEngine;
using testing::IngestProcess;
using testing::TempDir;

void record_live(int major, const std::string& transport) {
  TempDir dir;
  const std::string db = dir.file("live.reel");
  IngestProcess ingest(dir, db, {"--token", "t0ken", "--cors-origin", "*"});
  GodotEngine engine(major, dir);
  constexpr int kFrames = 90;
  const std::string script =
      testing::read_file(testing::source_path("tests/godot_addon/record_live.gd"));
  const auto run =
      engine.run(testing::fill(script, {{"OUT", engine.output_path("live.reelcap")},
                                        {"FRAMES", std::to_string(kFrames)},
                                        {"NAME", "live"},
                                        {"TRANSPORT", transport},
                                        {"PORT", std::to_string(ingest.port())},
                                        {"URL", fmt::format("http://{}/records", ingest.address())},
                                        {"TOKEN", "t0ken"}}));
  INFO(run.out);
  INFO(ingest.log());
  REQUIRE(run.exit_code == 0);
  REQUIRE(run.lines_starting("SENT 90").size() == 1);
  CHECK(ingest.stop() == 0);
  if (transport == "http") {
    // The page's origin is not ingest's: the browser asked before its first POST.
    CHECK(ingest.log().find(" 0 CORS preflights") == std::string::npos);
    CHECK(ingest.log().find(" CORS preflights") != std::string::npos);
    CHECK(ingest.log().find(" 0 HTTP batches") == std::string::npos);
  }
  const auto ingested = testing::session_dump(db, "live");
  REQUIRE(ingested.front().rfind("frames 90 ", 0) == 0);
  const std::string capture = testing::read_file(engine.local_output("live.reelcap"));
  const std::vector<uint8_t> bytes(capture.begin(), capture.end());
  CHECK(ingested == testing::imported_dump(dir, bytes, "live"));
  auto replayer = Replayer::open(db, "live");
  REQUIRE_OK(replayer);
  CHECK((*replayer)->session().dialect == engine.dialect());
  CHECK((*replayer)->session().status == format::SessionStatus::kClosed);
}

TEST_CASE("Godot 3 records through reel ingest over TCP: the session equals what the game sent",
          "[ingest][godot3]") {
  record_live(3, "tcp");
}

TEST_CASE(
    "Godot 4.6 web records through reel ingest over HTTP POST with a CORS preflight: the "
    "session equals what the game sent",
    "[ingest][godot4]") {
  record_live(4, "http");
}

}  // namespace
}  // namespace reel
