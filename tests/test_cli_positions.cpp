// Frame and time arguments at the edges of a session, and session lengths: a time reel prints
// names its own frame, the session's end time (its duration) names the last frame, unit groups
// below a larger unit stay below it as in m:ss, and a bare number is a frame count everywhere.
#include <filesystem>
#include <regex>

#include "cli_session_fixture.h"

namespace reel {
namespace {

using testing::require_bad_input;
using testing::TempDir;

// "two-minutes": 7200 frames at 60 Hz, frame i at time i / 60 (the last at 1:59.983), entity 1
// holding its frame number in "n".
struct TwoMinutes {
  TempDir dir;
  std::string db = dir.file("two.reel");
  TwoMinutes() {
    auto rec = Recorder::open(db, {.name = "two-minutes", .tick_rate = 60});
    REQUIRE_OK(rec);
    Recorder& r = **rec;
    PropertyId n = r.intern_property("n");
    for (int i = 0; i < 7200; ++i) {
      r.begin_frame(i, i / 60.0);
      if (i == 0) r.spawn(1, "Counter");
      r.set(1, n, int64_t{i});
      REQUIRE_STATUS_OK(r.end_frame());
    }
    REQUIRE_STATUS_OK(r.close());
  }
  testing::ReelRun reel(const std::string& args) const { return testing::run_reel(dir, args); }
  // The frame `show --at` picks for `at`.
  std::string frame_at(const std::string& at) const {
    auto r = reel("show " + db + " --at " + at + " --entity 1 --property n");
    INFO(at << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out.substr(0, r.out.size() - 1);
  }
};

TEST_CASE("a time as reel prints it names that frame", "[cli][positions]") {
  TwoMinutes f;
  auto error = f.reel("show " + f.db + " --at 2:00.001");
  REQUIRE(error.err.find("session 'two-minutes' ends at 2:00.000 (its last frame, 7199, is at "
                         "1:59.983)") != std::string::npos);
  REQUIRE(f.frame_at("1:59.983") == "7199");
  REQUIRE(f.frame_at("0:00.017") == "1");  // frame 1 is at 0.016667 s
  REQUIRE(f.frame_at("0:00.016") == "0");
  REQUIRE(f.frame_at("16ms") == "0");
  REQUIRE(f.frame_at("1:00") == "3600");
  REQUIRE(f.frame_at("0:59.999") == "3599");
}

TEST_CASE("the session's end time is its duration and names the last frame", "[cli][positions]") {
  TwoMinutes f;
  REQUIRE(f.frame_at("2m") == "7199");
  REQUIRE(f.frame_at("2:00.000") == "7199");
  REQUIRE(f.frame_at("120s") == "7199");
  require_bad_input(f.reel("show " + f.db + " --at 2:00.001"),
                    "--at: time 2:00.001 is out of range: session 'two-minutes' ends at 2:00.000");
  require_bad_input(f.reel("show " + f.db + " --at 7200"),
                    "--at: frame 7200 is out of range: session 'two-minutes' has frames 0..7199");
  auto ls = f.reel("ls " + f.db);
  REQUIRE(ls.out.find("two-minutes      2:00.000      7200") != std::string::npos);
  auto info = f.reel("info " + f.db);
  REQUIRE(info.out.find("duration     2:00.000 (120.000 s; last frame at 1:59.983)") !=
          std::string::npos);
  auto json = f.reel("info " + f.db + " --json");
  REQUIRE(testing::json_query(f.dir, json.out, "d['duration'], round(d['last_frame_time'], 5)") ==
          "(120.0, 119.98333)\n");
}

TEST_CASE("a unit group below a larger one is refused past its range, as in m:ss",
          "[cli][positions]") {
  TwoMinutes f;
  require_bad_input(f.reel("show " + f.db + " --at 1:99"), "below 60");
  require_bad_input(f.reel("show " + f.db + " --at 1h61m"),
                    "'1h61m' is not a frame or time (minutes must be below 60 after a larger unit");
  require_bad_input(f.reel("show " + f.db + " --at 1m60s"),
                    "(seconds must be below 60 after a larger unit");
  require_bad_input(f.reel("show " + f.db + " --at 1s1000ms"),
                    "(milliseconds must be below 1000 after a larger unit");
  // The first group may be any size.
  REQUIRE(f.frame_at("90s") == "5400");
  REQUIRE(f.frame_at("1m59s") == "7140");
  REQUIRE(f.frame_at("1500ms") == "90");
}

// The CLI's size rule: steps of 1024 with IEC names, one decimal.
std::string binary_size(double bytes) {
  if (bytes < 1024) return fmt::format("{:.0f} B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB"};
  int u = 0;
  for (bytes /= 1024; bytes >= 1024 && u < 2; bytes /= 1024) ++u;
  return fmt::format("{:.1f} {}", bytes, units[u]);
}

// The second line of `reel record`'s summary and the session it names, by regex.
std::smatch summary_match(const std::string& out, const std::string& pattern) {
  std::smatch m;
  INFO(out);
  REQUIRE(std::regex_search(out, m, std::regex(pattern)));
  return m;
}

TEST_CASE("reel record --duration takes a frame count or a time, like --at", "[cli][positions]") {
  TempDir dir;
  const std::string db = dir.file("d.reel");
  const std::string small = " --players 2 --props 3 --out " + db;
  auto frames = testing::run_reel(dir, "record --duration 90" + small);
  INFO(frames.err);
  REQUIRE(frames.exit_code == 0);
  REQUIRE(frames.out.find("recorded 90 frames (1.500 s at 60 Hz)") == 0);
  auto clock = testing::run_reel(dir, "record --duration 0:02.5" + small);
  REQUIRE(clock.out.find("recorded 150 frames (2.500 s at 60 Hz)") == 0);
  auto units = testing::run_reel(dir, "record --duration 1s500ms" + small);
  REQUIRE(units.out.find("recorded 90 frames") == 0);
  for (const char* bad : {"0", "0s", "1h61m", "5x", "-3"}) {
    auto r = testing::run_reel(dir, std::string("record --duration ") + bad + small);
    INFO(bad << ": " << r.err);
    REQUIRE(r.exit_code == 2);
    REQUIRE(r.err.find("--duration") != std::string::npos);
  }
}

TEST_CASE("reel record reports the session's size as ls and info do, in binary units",
          "[cli][positions]") {
  TempDir dir;
  const std::string db = dir.file("sizes.reel");
  const std::string args = "record --duration 5s --players 20 --props 50 --out " + db;
  REQUIRE(testing::run_reel(dir, args).exit_code == 0);
  auto second = testing::run_reel(dir, args);  // a second session in the same file
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  auto m = summary_match(second.out, "session size ([0-9.]+ [KMG]iB) \\(([0-9.]+) bytes/frame\\)");
  auto info = testing::run_reel(dir, "info " + db + " 2 --json");
  REQUIRE(info.exit_code == 0);
  const std::string stored = testing::json_query(dir, info.out, "d['stored_bytes'], d['frames']");
  std::smatch n;
  REQUIRE(std::regex_search(stored, n, std::regex("\\(([0-9]+), 300\\)")));
  const double stored_bytes = std::stod(n[1]);
  // The same figure ls prints for the session, and this session's bytes over its own frames.
  auto ls = testing::run_reel(dir, "ls " + db);
  REQUIRE(ls.out.find(m[1].str() + "  closed") != std::string::npos);
  REQUIRE(m[2].str() == fmt::format("{:.1f}", stored_bytes / 300));
  // The file line: the whole file after the log was checkpointed into it.
  // (SQLite may leave an empty -wal file behind; the summary names a non-empty one.)
  REQUIRE((!std::filesystem::exists(db + "-wal") || std::filesystem::file_size(db + "-wal") == 0));
  auto file = summary_match(second.out, "file size (.*) \\(all sessions and indexes\\)\n");
  REQUIRE(file[1].str() == binary_size(static_cast<double>(std::filesystem::file_size(db))));
  REQUIRE(second.out.find(" MB") == std::string::npos);
}

}  // namespace
}  // namespace reel
