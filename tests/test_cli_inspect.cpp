// The inspecting subcommands (ls, info, show, history, events, diff) run as the real `reel`
// binary on a session recorded here: good arguments give the recorded facts (checked against the
// Replayer in-process), bad ones give one clear line on stderr and exit code 2.
#include <fstream>

#include <sqlite3.h>

#include "cli_session_fixture.h"
#include "reel/codec/frame_codec.h"
#include "reel/replay/replayer.h"
#include "reel/variant/variant_text.h"

namespace reel {
namespace {

using testing::count_lines;
using testing::json_query;
using testing::ReelRun;
using testing::require_bad_input;
using testing::run_reel;
using testing::TempDir;

using Fixture = testing::SessionFixture;

std::string value_text_at(const std::string& db, FrameIndex frame, EntityId entity,
                          const std::string& path) {
  auto replayer = Replayer::open(db, "");
  REQUIRE_OK(replayer);
  auto property = (*replayer)->property_id(path);
  REQUIRE_OK(property);
  auto state = (*replayer)->seek(frame);
  REQUIRE_OK(state);
  const Variant* v = (*state)->entities.at(entity).find(*property);
  REQUIRE(v != nullptr);
  return to_text(*v);
}

TEST_CASE("reel ls lists each session with its frames, entities and status", "[cli]") {
  Fixture f;
  testing::record_fixture_session(f.db, "match-2");
  auto r = f.reel("ls " + f.db);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(count_lines(r.out) == 3);  // header + two sessions
  REQUIRE(r.out.find("match-1") != std::string::npos);
  REQUIRE(r.out.find("match-2") != std::string::npos);
  REQUIRE(r.out.find("0:05.000") != std::string::npos);  // the end: last frame 0:04.983 + 1 tick
  REQUIRE(r.out.find("closed") != std::string::npos);

  auto j = f.reel("ls " + f.db + " --json");
  REQUIRE(j.exit_code == 0);
  REQUIRE(json_query(f.dir, j.out,
                     "[(s['name'], s['frames'], s['entities'], s['status']) for s in "
                     "d['sessions']]") ==
          "[('match-1', 300, 3, 'closed'), ('match-2', 300, 3, 'closed')]\n");
}

TEST_CASE("reel info summarises a session from the catalog", "[cli]") {
  Fixture f;
  auto r = f.reel("info " + f.db);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find("session      match-1 (id 1), closed") != std::string::npos);
  REQUIRE(r.out.find("frames       300 (") != std::string::npos);
  REQUIRE(r.out.find("tick rate    60 /s") != std::string::npos);
  REQUIRE(r.out.find("entities     3") != std::string::npos);
  REQUIRE(r.out.find("properties   3: position, health, kind") != std::string::npos);
  REQUIRE(r.out.find("events       4") != std::string::npos);
  REQUIRE(r.out.find("jump                 3") != std::string::npos);
  REQUIRE(r.out.find("map = \"arena\"") != std::string::npos);
  REQUIRE(r.out.find(fmt::format("keyframe_interval = {}", CodecOptions{}.keyframe_interval)) !=
          std::string::npos);

  auto j = f.reel("info " + f.db + " match-1 --json");
  REQUIRE(j.exit_code == 0);
  REQUIRE(json_query(f.dir, j.out,
                     "d['frames'], d['events'], d['metadata']['map'], d['keyframes'] >= 5") ==
          "(300, {'jump': 3, 'score': 1}, {'type': 'String', 'text': '\"arena\"', 'value': "
          "'arena'}, True)\n");
}

TEST_CASE("reel show prints the exact state at a frame or a time", "[cli]") {
  Fixture f;
  const std::string position_120 = value_text_at(f.db, 120, 1, "position");
  REQUIRE(position_120 == "Vector3(60, 1, -120)");

  SECTION("by frame number, all entities") {
    auto r = f.reel("show " + f.db + " --at 120");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.out.find("frame 120  tick 120  time 0:02.000  entities 3") == 0);
    REQUIRE(r.out.find("entity 1 Player (spawned at frame 0)\n  position = " + position_120 +
                       "\n  health = 98\n") != std::string::npos);
    REQUIRE(r.out.find("entity 3 Pickup (spawned at frame 100)\n  kind = \"coin\"\n") !=
            std::string::npos);
  }
  SECTION("by time, in every accepted spelling") {
    for (const char* at : {"2s", "0:02", "0:02.0", "2000ms", "0m2s"}) {
      auto r = f.reel("show " + f.db + " --at " + at + " --entity 1 --property position");
      INFO(at << ": " << r.err);
      REQUIRE(r.exit_code == 0);
      REQUIRE(r.out == position_120 + "\n");
    }
    auto r = f.reel("show " + f.db + " --at 1.5s --entity 1 --property health");
    REQUIRE(r.out == "99\n");  // frame 90
  }
  SECTION("one property across entities") {
    auto r = f.reel("show " + f.db + " match-1 --at 10 --property position");
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.out.find("position = Vector3(10, 0, 3)") != std::string::npos);
    REQUIRE(r.out.find("health") == std::string::npos);
  }
  SECTION("as JSON") {
    auto r = f.reel("show " + f.db + " --at 120 --entity 1 --json");
    REQUIRE(r.exit_code == 0);
    REQUIRE(json_query(f.dir, r.out,
                       "d['frame'], d['entities'][0]['class'], "
                       "d['entities'][0]['properties']['position']") ==
            "(120, 'Player', {'type': 'Vector3', 'text': '" + position_120 +
                "', 'value': [60.0, 1.0, -120.0]})\n");
  }
}

TEST_CASE("reel show rejects positions outside the session and unknown names", "[cli]") {
  Fixture f;
  require_bad_input(f.reel("show " + f.db + " --at 300"),
                    "--at: frame 300 is out of range: session 'match-1' has frames 0..299");
  require_bad_input(f.reel("show " + f.db + " --at 1:00"), "--at: time 1:00 is out of range");
  require_bad_input(f.reel("show " + f.db + " --at 1m2m"), "'1m2m' is not a frame or time");
  require_bad_input(f.reel("show " + f.db + " --at 0:75"), "below 60");
  require_bad_input(f.reel("show " + f.db + " --at -5"), "negative: frames and times start at 0");
  require_bad_input(f.reel("show " + f.db + " --at 10 --entity 99"),
                    "--entity 99: no such entity at frame 10");
  require_bad_input(f.reel("show " + f.db + " --at 200 --entity 2"), "--entity 2");
  require_bad_input(f.reel("show " + f.db + " --at 10 --property velocity"), "velocity");
  require_bad_input(f.reel("show " + f.db + " nosuch --at 10"), "no session named 'nosuch'");
  require_bad_input(f.reel("show " + f.db + " 42 --at 10"), "no session named '42'");
  auto usage = f.reel("show " + f.db);  // --at is required
  REQUIRE(usage.exit_code == 2);
  REQUIRE(usage.err.find("--at") != std::string::npos);
}

TEST_CASE("every inspecting command names a missing or foreign file", "[cli]") {
  Fixture f;
  const std::string missing = f.dir.file("absent.reel");
  const std::string text_file = f.dir.file("notes.txt");
  std::ofstream(text_file) << "this is not a database, just some text that is long enough\n";
  const std::string plain_sqlite = f.dir.file("plain.db");
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(plain_sqlite.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  for (const char* command : {"ls", "info", "show --at 0", "history --entity 1 --property x",
                              "events", "diff 0 1", "play --rate 0"}) {
    std::string cmd(command);
    std::string verb = cmd.substr(0, cmd.find(' '));
    std::string rest = cmd.size() > verb.size() ? cmd.substr(verb.size()) : "";
    INFO(command);
    require_bad_input(f.reel(verb + " " + missing + rest), missing + ": no such file");
    require_bad_input(f.reel(verb + " " + f.dir.path().string() + rest), "is a directory");
    require_bad_input(f.reel(verb + " " + text_file + rest), text_file);
    require_bad_input(f.reel(verb + " " + plain_sqlite + rest),
                      plain_sqlite + ": not a Reel database");
  }
  // No file was created by looking.
  REQUIRE(!std::filesystem::exists(missing));
}

TEST_CASE("SESSION may be omitted only when the database holds one session", "[cli]") {
  Fixture f;
  testing::record_fixture_session(f.db, "match-2");
  require_bad_input(f.reel("info " + f.db), "holds 2 sessions, name one: ");
  auto by_name = f.reel("info " + f.db + " match-2");
  REQUIRE(by_name.exit_code == 0);
  REQUIRE(by_name.out.find("match-2 (id 2)") != std::string::npos);
  auto by_id = f.reel("events " + f.db + " 2 --name score");
  REQUIRE(by_id.exit_code == 0);
  REQUIRE(count_lines(by_id.out) == 2);
}

TEST_CASE("reel history prints a property at every frame where it changed", "[cli]") {
  Fixture f;
  auto r = f.reel("history " + f.db + " --entity 1 --property health");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  // 100 at frame 0, then 99, 98, 97, 96, 95 at frames 50, 100, 150, 200, 250.
  REQUIRE(count_lines(r.out) == 2 + 6);
  REQUIRE(r.out.find("     250      0:04.167  95\n") != std::string::npos);

  auto window = f.reel("history " + f.db + " --entity 1 --property health --from 1s --to 160");
  REQUIRE(window.exit_code == 0);
  REQUIRE(window.out.find("frames 60..160: 3 samples") != std::string::npos);

  auto gone = f.reel("history " + f.db + " --entity 2 --property position --from 149 --json");
  REQUIRE(gone.exit_code == 0);
  REQUIRE(json_query(f.dir, gone.out, "[(s['frame'], s['present']) for s in d['samples']]") ==
          "[(149, True), (150, False)]\n");

  require_bad_input(f.reel("history " + f.db + " --entity 1 --property health --from 200 --to 100"),
                    "is after --to");
  require_bad_input(f.reel("history " + f.db + " --entity 1 --property health --to 999"),
                    "--to: frame 999 is out of range");
  require_bad_input(f.reel("history " + f.db + " --entity 1 --property mana"), "mana");
}

TEST_CASE("reel events lists events in frame order, filtered by name and range", "[cli]") {
  Fixture f;
  auto all = f.reel("events " + f.db);
  INFO(all.err);
  REQUIRE(all.exit_code == 0);
  REQUIRE(count_lines(all.out) == 1 + 4);
  REQUIRE(all.out.find("     120      0:02.000  score                    -  [10]") !=
          std::string::npos);
  auto jumps = f.reel("events " + f.db + " --name jump --from 1s --to 3s");
  REQUIRE(count_lines(jumps.out) == 1 + 1);  // only frame 90
  REQUIRE(jumps.out.find("      90      0:01.500  jump") != std::string::npos);
  auto both = f.reel("events " + f.db + " --name score --name jump --json");
  REQUIRE(
      json_query(f.dir, both.out, "[(e['frame'], e['name'], e['entity']) for e in d['events']]") ==
      "[(30, 'jump', 1), (90, 'jump', 1), (120, 'score', None), (210, 'jump', 1)]\n");
  auto none = f.reel("events " + f.db + " --name score --from 200");  // recorded, not there
  REQUIRE(none.exit_code == 0);
  REQUIRE(count_lines(none.out) == 1);
  require_bad_input(f.reel("events " + f.db + " --from 2:00"), "--from: time 2:00 is out of range");
}

TEST_CASE("unknown entities, event names, sessions and properties are errors listing what exists",
          "[cli]") {
  Fixture f;
  require_bad_input(f.reel("history " + f.db + " --entity 99999 --property position"),
                    "reel history: --entity 99999: session 'match-1' has no entity 99999");
  require_bad_input(f.reel("history " + f.db + " --entity 2 --property position --from 200"),
                    "entity 2 is not alive in frames 200..299 of session 'match-1' (it lives in "
                    "frames 0..149)");
  require_bad_input(f.reel("history " + f.db + " --entity 3 --property kind --to 99"),
                    "entity 3 is not alive in frames 0..99");
  // Alive at some frames of the range: (absent) at the others, as before.
  auto partly = f.reel("history " + f.db + " --entity 3 --property kind --from 90 --to 110");
  REQUIRE(partly.exit_code == 0);
  REQUIRE(partly.out.find("      90      0:01.500  (absent)\n") != std::string::npos);
  REQUIRE(partly.out.find("     100      0:01.667  \"coin\"\n") != std::string::npos);

  require_bad_input(f.reel("events " + f.db + " --name nosuch"),
                    "reel events: --name nosuch: no events named 'nosuch' in session 'match-1' "
                    "(names: jump, score)");
  require_bad_input(f.reel("events " + f.db + " --name jump --name jmp"), "'jmp'");

  require_bad_input(
      f.reel("info " + f.db + " 2"),
      f.db + ": no session named '2' and none with id 2 (sessions: 'match-1' (id 1))");
  require_bad_input(f.reel("show " + f.db + " final --at 0"),
                    f.db + ": no session named 'final' (sessions: 'match-1' (id 1))");
  auto by_id = f.reel("info " + f.db + " 1");
  REQUIRE(by_id.exit_code == 0);
  REQUIRE(by_id.out.find("session      match-1 (id 1)") == 0);

  require_bad_input(f.reel("show " + f.db + " --at 0 --property velocity"),
                    "reel show: --property velocity: session 'match-1' has no property 'velocity' "
                    "(properties: position, health, kind)");
  require_bad_input(f.reel("history " + f.db + " --entity 1 --property mana"),
                    "(properties: position, health, kind)");
}

TEST_CASE("reel diff lists spawns, despawns and changed properties between two frames", "[cli]") {
  Fixture f;
  auto r = f.reel("diff " + f.db + " 100 200");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find("frame 100 (0:01.667) -> frame 200 (0:03.333): 0 spawned, 1 despawned, 2 "
                     "changed\n") == 0);
  REQUIRE(r.out.find("- entity 2 Enemy\n") != std::string::npos);
  REQUIRE(r.out.find("~ entity 1 position: Vector3(50, 1, -100) -> Vector3(100, 1, -200)\n") !=
          std::string::npos);
  REQUIRE(r.out.find("~ entity 1 health: 98 -> 96\n") != std::string::npos);

  auto backwards = f.reel("diff " + f.db + " match-1 3s 0");
  REQUIRE(backwards.exit_code == 0);
  REQUIRE(backwards.out.find("+ entity 2 Enemy\n") != std::string::npos);
  REQUIRE(backwards.out.find("- entity 3 Pickup\n") != std::string::npos);

  auto same = f.reel("diff " + f.db + " 5 5 --json");
  REQUIRE(json_query(f.dir, same.out, "d['spawned'], d['despawned'], d['changed']") ==
          "([], [], [])\n");
  auto j = f.reel("diff " + f.db + " 99 100 --json");
  REQUIRE(json_query(f.dir, j.out, "d['spawned'], d['changed'][-1]") ==
          "([{'id': 3, 'class': 'Pickup'}], {'entity': 3, 'property': 'kind', 'old': None, "
          "'new': {'type': 'String', 'text': '\"coin\"', 'value': 'coin'}})\n");

  require_bad_input(f.reel("diff " + f.db + " 0 300"), "B: frame 300 is out of range");
  require_bad_input(f.reel("diff " + f.db + " nosuch 0 1"), "no session named 'nosuch'");
  REQUIRE(f.reel("diff " + f.db + " 0").exit_code == 2);
}

TEST_CASE("every inspecting command has examples in its help", "[cli]") {
  Fixture f;
  for (const char* command : {"ls", "info", "show", "history", "events", "diff", "play", "scrub"}) {
    auto r = f.reel(std::string(command) + " --help");
    INFO(command << ": " << r.out);
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.out.find("Examples:\n  reel " + std::string(command)) != std::string::npos);
  }
}

}  // namespace
}  // namespace reel
