// `--json` output: always valid UTF-8 JSON (invalid bytes in recorded strings are replaced by
// U+FFFD), and math types carry their numeric components beside the text form.
#include <cmath>
#include <limits>

#include "cli_session_fixture.h"

namespace reel {
namespace {

using testing::json_query;
using testing::TempDir;

// One frame: entity 7 of class "Bad\xffName", a property path and an event name with invalid
// bytes (names are stored as given; String values must be valid UTF-8 to decode), and math types.
void record_odd_session(const std::string& path) {
  SessionInfo info{.name = "odd", .tick_rate = 60};
  auto rec = Recorder::open(path, info);
  REQUIRE_OK(rec);
  Recorder& r = **rec;
  r.begin_frame(0, 0.0);
  r.spawn(7, "Bad\xffName");
  r.set(7, "label\xc3", "cafe");
  r.set(7, "v2", Vector2{0.1f, -2});
  r.set(7, "v3i", Vector3i{1, -2, 3});
  r.set(7, "rect", Rect2{{1, 2}, {3, 4}});
  r.set(7, "xform",
        Transform3D{Basis{{Vector3{1, 2, 3}, Vector3{4, 5, 6}, Vector3{7, 8, 9}}},
                    Vector3{10, 11, 12}});
  r.set(7, "tint", Color{0.5f, 0.25f, 1, 1});
  r.set(7, "odd", Vector2{std::numeric_limits<float>::infinity(), 1});
  r.event("hit\xfe", Array{}, 7);
  REQUIRE_STATUS_OK(r.end_frame());
  REQUIRE_STATUS_OK(r.close());
}

struct OddFixture {
  TempDir dir;
  std::string db = dir.file("odd.reel");
  OddFixture() { record_odd_session(db); }
  testing::ReelRun reel(const std::string& args) const { return testing::run_reel(dir, args); }
};

TEST_CASE("JSON output (--json) is valid UTF-8 even when recorded strings are not", "[cli][json]") {
  OddFixture f;
  auto show = f.reel("show " + f.db + " --at 0 --json");
  INFO(show.err);
  REQUIRE(show.exit_code == 0);
  // json_query reads the document as strict UTF-8: it fails on any raw invalid byte.
  REQUIRE(json_query(f.dir, show.out,
                     "d['entities'][0]['class'] == 'Bad\\ufffdName', "
                     "d['entities'][0]['properties']['label\\ufffd']['value'] == 'cafe'") ==
          "(True, True)\n");
  auto events = f.reel("events " + f.db + " --json");
  REQUIRE(events.exit_code == 0);
  REQUIRE(json_query(f.dir, events.out, "d['events'][0]['name'] == 'hit\\ufffd'") == "True\n");
  auto info = f.reel("info " + f.db + " --json");
  REQUIRE(info.exit_code == 0);
  REQUIRE(json_query(f.dir, info.out, "'label\\ufffd' in d['properties']") == "True\n");
}

TEST_CASE("JSON output (--json) gives math types their numeric components in the text form's order",
          "[cli][json]") {
  OddFixture f;
  auto r = f.reel("show " + f.db + " --at 0 --entity 7 --json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto value_of = [&](const std::string& property) {
    return json_query(f.dir, r.out,
                      "d['entities'][0]['properties']['" + property + "'].get('value')");
  };
  REQUIRE(value_of("v2") == "[0.1, -2.0]\n");  // float32 0.1 prints as its text form does
  REQUIRE(value_of("v3i") == "[1, -2, 3]\n");
  REQUIRE(value_of("rect") == "[1.0, 2.0, 3.0, 4.0]\n");
  REQUIRE(value_of("xform") == "[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0]\n");
  REQUIRE(value_of("tint") == "[0.5, 0.25, 1.0, 1.0]\n");
  REQUIRE(value_of("odd") == "[None, 1.0]\n");  // JSON has no infinity
  REQUIRE(json_query(f.dir, r.out, "d['entities'][0]['properties']['xform']['text']") ==
          "Transform3D(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)\n");
  // The raw text shows the float32 component as its shortest decimal.
  REQUIRE(r.out.find("\"value\":[0.1,-2.0]") != std::string::npos);
}

}  // namespace
}  // namespace reel
