// Salvage when SQLite's own structure is damaged: real crowd recordings whose schema page,
// interior b-tree pages or tail are destroyed, read back by the page scan (edit/page_scan.h);
// every frame the salvaged copy holds must equal the original at that frame, and the report must
// account for every frame of the session (copied or listed as lost).
#include <sqlite3.h>

#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_session_fixture.h"
#include "reel/recorder/recorder.h"
#include "reel/replay/replayer.h"
#include "reel/samples/crowd.h"
#include "reel/samples/feeder.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::run_reel;
using testing::TempDir;

constexpr size_t kPage = 4096;  // the local profile's page size
constexpr int kFrames = 120;

// A crowd session big enough that keyframes and chunks spill onto overflow pages, checkpointed
// into the main file (no -wal: damage to the file is damage to the data).
void record_crowd(const std::string& path) {
  samples::CrowdOptions crowd_options{.players = 20, .props = 200, .seed = 5};
  samples::CrowdGenerator crowd(crowd_options);
  auto rec = Recorder::open(path, {.name = "crowd", .tick_rate = 60}, RecorderOptions{});
  REQUIRE_OK(rec);
  samples::RecorderFeeder feeder(**rec, crowd.property_paths());
  Frame frame;
  for (int i = 0; i < kFrames; ++i) {
    crowd.next(frame);
    REQUIRE_STATUS_OK(feeder.feed(frame));
  }
  REQUIRE_STATUS_OK((*rec)->close());
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr) ==
          SQLITE_OK);
  sqlite3_close(db);
}

int64_t query_int(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

void zero_page(std::vector<uint8_t>& file, size_t number) {
  std::memset(file.data() + (number - 1) * kPage, 0, kPage);
}

std::unique_ptr<Replayer> open_replayer(const std::string& path, const std::string& session) {
  auto r = Replayer::open(path, session);
  REQUIRE_OK(r);
  return std::move(*r);
}

// Entities, classes, values, tick and time agree (frame numbers and spawn frames may differ: a
// resumed run is renumbered).
void require_same_world(const WorldState& a, const WorldState& b) {
  REQUIRE(a.entities.size() == b.entities.size());
  CHECK(a.tick == b.tick);
  CHECK(a.time == b.time);
  for (const auto& [id, entity] : a.entities) {
    auto it = b.entities.find(id);
    REQUIRE(it != b.entities.end());
    CHECK(entity.class_name == it->second.class_name);
    CHECK(entity.properties == it->second.properties);
  }
}

// Every frame of every run the report lists equals the original's frame; copied and lost frames
// together are exactly the original's frames. Returns the frames copied.
int64_t check_against_original(const std::string& original, const std::string& out,
                               const nlohmann::json& report) {
  auto source = open_replayer(original, "crowd");
  std::vector<int> covered(kFrames, 0);
  int64_t copied = 0;
  for (const auto& run : report["runs"]) {
    const FrameIndex first = run["first"], last = run["last"];
    auto copy = open_replayer(out, run["name"]);
    for (FrameIndex f = first; f <= last; ++f) {
      INFO("frame " << f << " of run " << run["name"]);
      auto want = source->seek(f);
      REQUIRE_OK(want);
      const WorldState expected = **want;
      auto got = copy->seek(f - first + (run["name"] == "crowd" ? first : 0));
      REQUIRE_OK(got);
      require_same_world(expected, **got);
      ++covered.at(f);
      ++copied;
    }
  }
  for (const auto& lost : report["lost"]) {
    for (FrameIndex f = lost["first"]; f <= lost["last"]; ++f) ++covered.at(f);
  }
  for (int f = 0; f < kFrames; ++f) {
    INFO("frame " << f);
    CHECK(covered[f] == 1);
  }
  CHECK(report["frames_copied"] == copied);
  return copied;
}

// The session's tags as "frame name" lines, by frame.
std::vector<std::string> tags_of(const std::string& path, const std::string& session) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "SELECT frame, t.name FROM tags t JOIN sessions s USING(session_id) "
                             "WHERE s.name = ? ORDER BY frame, t.name",
                             -1, &st, nullptr) == SQLITE_OK);
  sqlite3_bind_text(st, 1, session.c_str(), -1, SQLITE_TRANSIENT);
  std::vector<std::string> tags;
  while (sqlite3_step(st) == SQLITE_ROW) {
    tags.push_back(fmt::format("{} {}", sqlite3_column_int64(st, 0),
                               reinterpret_cast<const char*>(sqlite3_column_text(st, 1))));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return tags;
}

TEST_CASE(
    "salvage rebuilds every frame from the pages when the schema page and interior b-tree "
    "pages are zeroed",
    "[salvage][scan]") {
  TempDir dir;
  const std::string db = dir.file("crowd.reel");
  record_crowd(db);
  // Tags: their index entries (session, frame, name) have the shape of property rows, and frame
  // 3 is a property id of the crowd: the scan must tell them apart.
  for (auto [frame, name] : {std::pair{3, "transform"}, {30, "goal"}, {90, "late"}}) {
    auto tagged = run_reel(dir, fmt::format("tag {} crowd {} --at {}", db, name, frame));
    INFO(tagged.err);
    REQUIRE(tagged.exit_code == 0);
  }
  const std::string original = dir.file("original.reel");
  std::filesystem::copy_file(db, original);
  // Blobs longer than a page: the scan must follow overflow chains.
  REQUIRE(query_int(db, "SELECT max(length(data)) FROM keyframes") > int64_t{kPage});
  std::vector<uint8_t> file = read_bytes(db);
  const size_t pages = file.size() / kPage;
  int zeroed = 0;
  for (size_t n = 2; n <= pages; ++n) {
    const uint8_t type = file[(n - 1) * kPage];
    if (type == 0x05 || type == 0x02) {  // table and index interior pages
      zero_page(file, n);
      ++zeroed;
    }
  }
  REQUIRE(zeroed > 0);
  zero_page(file, 1);  // the header and the schema
  write_bytes(db, file);

  const std::string out = dir.file("rescued.reel");
  auto run = run_reel(dir, "salvage " + db + " --out " + out + " --json");
  INFO(run.out << run.err);
  CHECK(run.exit_code == 3);
  auto report = nlohmann::json::parse(run.out);
  CHECK(report["method"] == "page scan");
  CHECK(report["walk_frames"] == -1);  // SQLite cannot open the file at all
  CHECK(report["page_size"] == kPage);
  CHECK(report["lost"].empty());
  REQUIRE(report["runs"].size() == 1);
  CHECK(report["runs"][0]["name"] == "crowd");  // the catalog row survived on its leaf page
  CHECK(check_against_original(original, out, report) == kFrames);
  CHECK(open_replayer(out, "crowd")->property_paths() ==
        open_replayer(original, "crowd")->property_paths());
  CHECK(tags_of(out, "crowd") == std::vector<std::string>{"3 transform", "30 goal", "90 late"});
}

TEST_CASE("salvage rebuilds a session whose catalog row is lost, and says what it could not know",
          "[salvage][scan]") {
  TempDir dir;
  const std::string db = dir.file("crowd.reel");
  record_crowd(db);
  const std::string original = dir.file("original.reel");
  std::filesystem::copy_file(db, original);
  const int64_t sessions_page =
      query_int(db, "SELECT rootpage FROM sqlite_schema WHERE name = 'sessions'");
  std::vector<uint8_t> file = read_bytes(db);
  REQUIRE(file[(sessions_page - 1) * kPage] == 0x0d);  // one row: the root is a leaf
  zero_page(file, static_cast<size_t>(sessions_page));
  write_bytes(db, file);

  const std::string out = dir.file("rescued.reel");
  auto run = run_reel(dir, "salvage " + db + " --out " + out + " --json");
  INFO(run.out << run.err);
  CHECK(run.exit_code == 3);
  auto report = nlohmann::json::parse(run.out);
  CHECK(report["method"] == "page scan");
  REQUIRE(report["runs"].size() == 1);
  CHECK(report["runs"][0]["name"] == "salvaged-session-1");
  bool noted = false;
  for (const auto& note : report["notes"]) {
    const std::string text = note;
    if (text.find("catalog row is lost") != std::string::npos &&
        text.find("Unknown: its name") != std::string::npos) {
      noted = true;
    }
  }
  CHECK(noted);
  // The rebuilt session plays as the original: same frames, same states.
  auto source = open_replayer(original, "crowd");
  auto copy = open_replayer(out, "salvaged-session-1");
  CHECK(copy->frame_count() == kFrames);
  for (FrameIndex f : {0, 1, 29, 30, 31, 77, kFrames - 1}) {
    INFO("frame " << f);
    auto want = source->seek(f);
    REQUIRE_OK(want);
    const WorldState expected = **want;
    auto got = copy->seek(f);
    REQUIRE_OK(got);
    require_same_world(expected, **got);
  }
  auto verify = run_reel(dir, "verify " + out);
  INFO(verify.out);
  CHECK(verify.exit_code == 0);
}

TEST_CASE("salvage of a truncated file keeps the frames whose blobs survive and lists the rest",
          "[salvage][scan]") {
  TempDir dir;
  const std::string db = dir.file("crowd.reel");
  record_crowd(db);
  const std::string original = dir.file("original.reel");
  std::filesystem::copy_file(db, original);
  std::vector<uint8_t> file = read_bytes(db);
  file.resize(file.size() * 6 / 10 / kPage * kPage + 1000);  // mid-page, past 60%
  write_bytes(db, file);

  const std::string out = dir.file("rescued.reel");
  auto run = run_reel(dir, "salvage " + db + " --out " + out + " --json");
  INFO(run.out << run.err);
  CHECK(run.exit_code == 3);
  auto report = nlohmann::json::parse(run.out);
  CHECK(report["method"] == "page scan");
  CHECK_FALSE(report["lost"].empty());
  const int64_t copied = check_against_original(original, out, report);
  CHECK(copied > 0);
  CHECK(copied > report["walk_frames"].get<int64_t>());
  auto verify = run_reel(dir, "verify " + out);
  INFO(verify.out);
  CHECK(verify.exit_code == 0);
}

TEST_CASE("salvage copies tags with their frames, by b-tree walk and by page scan",
          "[salvage][scan]") {
  TempDir dir;
  const std::string db = dir.file("match.reel");
  testing::record_fixture_session(db);
  for (auto [frame, name] : {std::pair{10, "kickoff"}, {200, "goal"}}) {
    auto tagged = run_reel(dir, fmt::format("tag {} match-1 {} --at {}", db, name, frame));
    REQUIRE(tagged.exit_code == 0);
  }
  for (const char* scan : {"never", "always"}) {
    INFO("--scan " << scan);
    const std::string out = dir.file(fmt::format("out-{}.reel", scan));
    auto run = run_reel(dir, fmt::format("salvage {} --out {} --scan {}", db, out, scan));
    INFO(run.out << run.err);
    CHECK(run.exit_code == (std::string(scan) == "never" ? 0 : 3));
    CHECK_THAT(run.out, Catch::Contains("300 frames salvaged"));
    CHECK(tags_of(out, "match-1") == std::vector<std::string>{"10 kickoff", "200 goal"});
  }
}

TEST_CASE("salvage prints a LOST line for a session whose partial copy it rolled back",
          "[salvage]") {
  TempDir dir;
  const std::string out = dir.file("out.reel");
  // Session 2 of the fixture sits on a malformed b-tree page: the walk stops inside it.
  auto run = run_reel(dir, "salvage " REEL_SOURCE_DIR
                           "/tests/fixtures/salvage-malformed-session.reel --scan never --out " +
                               out);
  INFO(run.out << run.err);
  CHECK(run.exit_code == 3);
  CHECK_THAT(run.out, Catch::Contains("copied session 1 's1' frames 0..4"));
  CHECK_THAT(run.out, Catch::Contains("LOST session 2 frames 0.."));
  CHECK_THAT(run.out, Catch::Contains("rolled back"));
}

}  // namespace
}  // namespace reel
