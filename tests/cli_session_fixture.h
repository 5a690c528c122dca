// A small recorded session shared by the CLI tests ([cli], [cli][play], [cli][scrub]), and a
// runner for the real `reel` binary that captures stdout, stderr and the exit code.
//
// The session "match-1" (60 ticks/s, 300 frames = 0:04.983, frame i at time i/60):
//   entity 1 "Player"  frames 0..299: position = Vector3(i * 0.5, 1, -i), health = 100 - i / 50
//   entity 2 "Enemy"   frames 0..149 (despawned at 150): position = Vector3(10, 0, i % 7)
//   entity 3 "Pickup"  spawned at 100: kind = "coin"
//   events: "jump" (entity 1) at frames 30, 90, 210; "score" (no entity, args [10]) at 120
//   metadata: {"map": "arena"}
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "reel/recorder/recorder.h"
#include "test_util.h"

namespace reel::testing {

inline constexpr int kFixtureFrames = 300;

inline void record_fixture_session(const std::string& path, const std::string& name = "match-1") {
  SessionInfo info{.name = name, .tick_rate = 60};
  info.metadata.set("map", "arena");
  auto rec = Recorder::open(path, info);
  REQUIRE_OK(rec);
  Recorder& r = **rec;
  PropertyId position = r.intern_property("position");
  PropertyId health = r.intern_property("health");
  for (int i = 0; i < kFixtureFrames; ++i) {
    r.begin_frame(i, i / 60.0);
    if (i == 0) {
      r.spawn(1, "Player");
      r.spawn(2, "Enemy");
    }
    if (i == 100) {
      r.spawn(3, "Pickup");
      r.set(3, "kind", "coin");
    }
    r.set(1, position, Vector3{i * 0.5f, 1.0f, static_cast<float>(-i)});
    r.set(1, health, int64_t{100 - i / 50});
    if (i < 150) r.set(2, position, Vector3{10, 0, static_cast<float>(i % 7)});
    if (i == 150) r.despawn(2);
    if (i == 30 || i == 90 || i == 210) r.event("jump", Array{}, 1);
    if (i == 120) {
      Array args;
      args.items.push_back(int64_t{10});
      r.event("score", args);
    }
    REQUIRE_STATUS_OK(r.end_frame());
  }
  REQUIRE_STATUS_OK(r.close());
}

struct ReelRun {
  int exit_code = -1;
  std::string out, err;
};

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `reel <args>` (args are passed to the shell as written), stdin from /dev/null.
inline ReelRun run_reel(const TempDir& dir, const std::string& args) {
  std::string err_file = dir.file("stderr.txt");
  auto r = run_command(std::string(REEL_BINARY) + " " + args + " </dev/null 2>" + err_file);
  return {r.exit_code, r.out, read_text_file(err_file)};
}

// A temporary directory with one recorded fixture session in it (recording takes a few
// milliseconds, so each test case records its own).
struct SessionFixture {
  TempDir dir;
  std::string db = dir.file("match.reel");
  SessionFixture() { record_fixture_session(db); }
  ReelRun reel(const std::string& args) const { return run_reel(dir, args); }
};

inline size_t count_lines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

// REQUIRE a bad-input failure: exit 2, nothing on stdout, one line on stderr holding `needle`.
inline void require_bad_input(const ReelRun& r, const std::string& needle) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 2);
  REQUIRE(r.out.empty());
  REQUIRE(count_lines(r.err) == 1);
  REQUIRE(r.err.find(needle) != std::string::npos);
}

// Runs python3 on `json` (read as strict UTF-8: an invalid byte fails the test), printing `expr`
// evaluated with the parsed document bound to `d`; returns what it printed.
inline std::string json_query(const TempDir& dir, const std::string& json,
                              const std::string& expr) {
  const std::string doc = dir.file("doc.json"), script = dir.file("query.py");
  std::ofstream(doc) << json;
  std::ofstream(script) << "import json, sys\n"
                           "d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
                           "print(("
                        << expr << "))\n";
  auto r = run_command("python3 " + script + " " + doc);
  INFO(json);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

}  // namespace reel::testing
