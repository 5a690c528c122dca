// ReelPlayer's HTTP source in the real engines: Godot 4.6 (the web engine in headless Chromium,
// whose page is served from another port than `reel serve`: CORS for real, with a preflight
// for the Authorization header) and Godot 3 (godot3-server) play a varstream fetched from a real
// `reel serve` with HTTPRequest, and fetch one entity's last state and instance it.
#include <fmt/format.h>

#include <map>
#include <set>

#include "cli_session_fixture.h"
#include "godot_addon_harness.h"
#include "reel/replay/replayer.h"
#include "reel/variant/godot3_convert.h"
#include "serve_process.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::GodotEngine;
using testing::ServeProcess;
using testing::TempDir;

void plays_through_reel_serve(int major) {
  TempDir dir;
  GodotEngine engine(major, dir);
  const std::string db = dir.file("crowd.reel");
  auto recorded = testing::run_reel(
      dir, "record --sample crowd --duration 3s --players 6 --props 24 --name crowd --out " + db);
  INFO(recorded.err);
  REQUIRE(recorded.exit_code == 0);
  ServeProcess server(dir, db, {"--token", "tok-123", "--cors-origin", "*"});

  auto replayer = Replayer::open(db, "crowd");
  REQUIRE_OK(replayer);
  Replayer& r = **replayer;
  const FrameIndex last = r.frame_count() - 1;
  // An entity alive at the last frame, and its recorded properties there.
  auto state = r.seek(last);
  REQUIRE_OK(state);
  EntityId entity = -1;
  for (const auto& [id, e] : (*state)->entities) {
    if (e.class_name == "res://player.tscn" && (entity < 0 || id < entity)) entity = id;
  }
  REQUIRE(entity >= 0);
  const EntityState& e = (*state)->entities.at(entity);
  std::string paths;
  std::vector<std::string> expected_props;
  for (const auto& [pid, value] : e.properties) {
    paths += fmt::format("{}\"{}\"", paths.empty() ? "" : ", ", r.property_paths()[pid]);
    const Variant v = major == 3 ? to_godot3(value) : value;
    auto bytes = encode_to_bytes(v, {.dialect = engine.dialect()});
    REQUIRE_OK(bytes);
    expected_props.push_back(
        fmt::format("EPROP|{}|{}", r.property_paths()[pid], testing::to_hex(*bytes)));
  }
  const std::string godot = major == 3 ? "?godot=3" : "";
  const std::vector<FrameIndex> seeks = {120, 5, 179, 61};
  const auto run = engine.run(
      testing::fill(testing::read_file(testing::source_path("tests/godot_addon/serve_play.gd")),
                    {{"VARSTREAM_URL", server.base() + "/v1/sessions/crowd/varstream" + godot},
                     {"ENTITY_URL", fmt::format("{}/v1/sessions/crowd/frames/last/entities/{}{}",
                                                server.base(), entity, godot)},
                     {"TOKEN", "tok-123"},
                     {"SEEKS", "120, 5, 179, 61"},
                     {"ENTITY_PATHS", paths}}));
  INFO(run.out << "\nserve log:\n" << server.log());
  REQUIRE(run.exit_code == 0);
  REQUIRE(run.lines_starting("DONE").size() == 1);
  std::map<FrameIndex, std::vector<std::string>> seen;
  for (const auto& line : run.lines_starting("")) {
    const size_t bar = line.find('|');
    if (bar == std::string::npos || bar == 0 || !std::isdigit(line[0])) continue;
    seen[std::stoll(line.substr(0, bar))].push_back(line);
  }
  REQUIRE(seen.size() == seeks.size());
  for (FrameIndex f : seeks) {
    INFO("frame " << f);
    auto& lines = seen[f];
    std::sort(lines.begin(), lines.end());
    CHECK(lines == testing::expected_dump(db, f, engine.dialect()));
  }
  const auto instanced = run.lines_starting("ENTITY|");
  REQUIRE(instanced.size() == 1);
  CHECK(instanced[0] ==
        fmt::format("ENTITY|entity_{}|world|res://example/crowd_player.tscn", entity));
  CHECK(run.lines_starting("EPROP|") == expected_props);
  const auto refused = run.lines_starting("REFUSED|");
  REQUIRE(refused.size() == 1);
  CHECK_THAT(refused[0], Catch::StartsWith("REFUSED|null|") &&
                             Catch::Contains("HTTP 401: missing bearer token"));
  const std::string log = server.log();
  CHECK_THAT(log,
             Catch::Contains(fmt::format(
                 "401 GET /v1/sessions/crowd/frames/last/entities/{} from 127.0.0.1", entity)));
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE(
    "Godot 4 web: ReelPlayer plays through reel serve across origins and instances an "
    "entity's last state",
    "[serve][godot-e2e][godot4]") {
  plays_through_reel_serve(4);
}

TEST_CASE("Godot 3: ReelPlayer plays through reel serve and instances an entity's last state",
          "[serve][godot-e2e][godot3]") {
  plays_through_reel_serve(3);
}

}  // namespace
}  // namespace reel
