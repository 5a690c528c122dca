// Databases written before format version 3 number three Godot 4 type ids Reel's old way
// (Vector4 = 11, Vector4i = 12, Transform2D = 13; Godot: Transform2D = 11, Vector4 = 12,
// Vector4i = 13). tests/fixtures/legacy-type-ids.reel was written by that code (commit d9a0788),
// and legacy-type-ids.expected is that code's own reading of it: today's readers must read the
// same values, types included, everywhere a type id is stored.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sqlite3.h>

#include "fixtures/legacy_type_ids_values.h"
#include "reel/blob/blob.h"
#include "reel/variant/variant_binary.h"
#include "reel/recorder/recorder.h"
#include "reel/replay/replayer.h"
#include "test_util.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using namespace legacy_fixture;

const std::string kFixture = REEL_SOURCE_DIR "/tests/fixtures/legacy-type-ids.reel";

// A writable copy: the fixture itself stays as committed.
std::string copy_fixture(const testing::TempDir& dir) {
  const std::string path = dir.file("legacy.reel");
  fs::copy_file(kFixture, path);
  return path;
}

std::string dump_session(const std::string& path, const char* name) {
  auto replayer = Replayer::open(path, name);
  REQUIRE_OK(replayer);
  std::ostringstream out;
  REQUIRE_STATUS_OK(dump(**replayer, out));
  return out.str();
}

int64_t query_int(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

TEST_CASE("a format-2 database is read with its old type numbering, every value as it was written",
          "[replay][legacy]") {
  testing::TempDir dir;
  const std::string path = copy_fixture(dir);
  REQUIRE(query_int(path, "PRAGMA user_version") == 2);
  const std::string got = dump_session(path, kLosslessSession) + dump_session(path, kLossySession);
  const std::string want =
      testing::read_file(REEL_SOURCE_DIR "/tests/fixtures/legacy-type-ids.expected");
  REQUIRE(std::count(want.begin(), want.end(), '\n') > 1800);
  // Line by line first, so that a failure names the first value read differently.
  std::istringstream got_lines(got), want_lines(want);
  std::string g, w;
  int line = 0;
  while (std::getline(want_lines, w)) {
    ++line;
    INFO("line " << line);
    REQUIRE(std::getline(got_lines, g));
    REQUIRE(g == w);
  }
  REQUIRE_FALSE(std::getline(got_lines, g));
}

TEST_CASE("the legacy fixture holds the three renumbered types in every stored form",
          "[replay][legacy]") {
  testing::TempDir dir;
  const std::string path = copy_fixture(dir);
  auto replayer = Replayer::open(path, kLosslessSession);
  REQUIRE_OK(replayer);
  auto& r = **replayer;
  REQUIRE(r.session().type_ids == TypeIds::kReelLegacy);
  REQUIRE(Variant(r.session().metadata) == Variant(metadata()));
  // The lossless session stores the values exactly: they equal the fixture's formulas at every
  // frame (keyframe frames 0, 10, ... and the deltas between them).
  for (FrameIndex f = 0; f < kFrames; ++f) {
    auto state = r.seek(f);
    REQUIRE_OK(state);
    for (int e = 1; e <= kEntities; ++e) {
      INFO("frame " << f << " entity " << e);
      const EntityState& entity = (*state)->entities.at(e);
      auto value = [&](const char* path) { return *entity.find(*r.property_id(path)); };
      REQUIRE(value("xform") == Variant(transform2d(f, e)));
      REQUIRE(value("v4") == Variant(vector4(f, e)));
      REQUIRE(value("v4i") == Variant(vector4i(f, e)));
      REQUIRE(value("transforms") == Variant(typed_transforms(f, e)));
      REQUIRE(value("dict") == Variant(typed_dict(f, e)));
      REQUIRE(value("mixed") == Variant(mixed(f, e)));
      REQUIRE(value("flat") == Variant(flat(f, e)));
    }
  }
  auto events = r.events(0, kFrames - 1);
  REQUIRE_OK(events);
  REQUIRE(events->size() == 9);
  for (const EventRecord& e : *events) REQUIRE(e.args == Variant(event_args(int(e.frame))));
  auto lossy = Replayer::open(path, kLossySession);
  REQUIRE_OK(lossy);
  auto last = (*lossy)->seek(kFrames - 1);
  REQUIRE_OK(last);
  // Grid-form keyframe values carry a type byte too (FORMAT.md 7): 13 was Transform2D.
  REQUIRE((*last)->entities.at(1).find(*(*lossy)->property_id("flat"))->type() ==
          Type::TRANSFORM2D);
}

TEST_CASE(
    "a recorder adding a session to a format-2 database migrates it to format 3, old sessions "
    "keep their numbering",
    "[replay][legacy]") {
  testing::TempDir dir;
  const std::string path = copy_fixture(dir);
  const std::string before = dump_session(path, kLosslessSession);
  {
    RecorderOptions options;
    options.codec.keyframe_interval = kKeyframeInterval;
    auto rec = Recorder::open(path, {.name = "new", .metadata = metadata()}, options);
    REQUIRE_OK(rec);
    auto& recorder = **rec;
    const PropertyId xform = recorder.intern_property("xform");
    const PropertyId mixed_id = recorder.intern_property("mixed");
    for (int f = 0; f < 12; ++f) {
      recorder.begin_frame(f, f / 60.0);
      recorder.set(1, xform, transform2d(f, 1));
      recorder.set(1, mixed_id, mixed(f, 1));
      if (has_event(f)) recorder.event("hit", event_args(f), 1);
      REQUIRE_STATUS_OK(recorder.end_frame());
    }
    REQUIRE_STATUS_OK(recorder.close());
  }
  REQUIRE(query_int(path, "PRAGMA user_version") == format::kFormatVersion);
  REQUIRE(dump_session(path, kLosslessSession) == before);

  auto replayer = Replayer::open(path, "new");
  REQUIRE_OK(replayer);
  REQUIRE((*replayer)->session().type_ids == TypeIds::kGodot);
  REQUIRE(Variant((*replayer)->session().metadata) == Variant(metadata()));
  auto state = (*replayer)->seek(11);
  REQUIRE_OK(state);
  REQUIRE(*(*state)->entities.at(1).find(*(*replayer)->property_id("xform")) ==
          Variant(transform2d(11, 1)));
  REQUIRE(*(*state)->entities.at(1).find(*(*replayer)->property_id("mixed")) ==
          Variant(mixed(11, 1)));
  auto events = (*replayer)->events(0, 11);
  REQUIRE_OK(events);
  REQUIRE(events->size() == 2);
  REQUIRE(events->at(0).args == Variant(event_args(2)));

  // The new session's bytes use Godot's ids: its metadata blob holds Transform2D as 0x0b.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT metadata FROM sessions WHERE name = 'new'", -1, &st,
                             nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const auto* blob = static_cast<const uint8_t*>(sqlite3_column_blob(st, 0));
  std::vector<uint8_t> raw;
  REQUIRE_OK(open_blob({blob, size_t(sqlite3_column_bytes(st, 0))}, BlobKind::kSessionData, raw));
  sqlite3_finalize(st);
  sqlite3_close(db);
  auto godot = decode_variant(raw);
  REQUIRE_OK(godot);
  REQUIRE(godot->value == Variant(metadata()));
  // Read with the old numbering the same bytes are not the metadata (a Transform2D read as a
  // Vector4 leaves the decoder in the middle of a value).
  auto as_legacy = decode_variant(raw, DecodeOptions{.type_ids = TypeIds::kReelLegacy});
  REQUIRE_FALSE((as_legacy.ok() && as_legacy->value == Variant(metadata())));
}

TEST_CASE("legacy numbering maps ids 11, 12, 13 in headers and typed-container descriptors",
          "[variant][legacy]") {
  // Reel's old bytes of Vector4(1, 2, 3, 4) started 0b000000; Godot's start 0c000000.
  const auto old_vector4 = testing::from_hex("0b0000000000803f000000400000404000008040");
  auto legacy = decode_variant(old_vector4, DecodeOptions{.type_ids = TypeIds::kReelLegacy});
  REQUIRE_OK(legacy);
  REQUIRE(legacy->value == Variant(Vector4{1, 2, 3, 4}));
  auto godot = encode_to_bytes(legacy->value);
  REQUIRE_OK(godot);
  REQUIRE(testing::to_hex(*godot) == "0c0000000000803f000000400000404000008040");
  // An Array typed Transform2D: the old descriptor said 13 (header 1c000100, then u32 13).
  const auto old_typed = testing::from_hex(
      "1c000100"
      "0d000000"
      "00000000");
  auto typed = decode_variant(old_typed, DecodeOptions{.type_ids = TypeIds::kReelLegacy});
  REQUIRE_OK(typed);
  REQUIRE(typed->value.get<Array>().element_type.builtin == Type::TRANSFORM2D);
  auto as_godot = decode_variant(old_typed);
  REQUIRE_OK(as_godot);
  REQUIRE(as_godot->value.get<Array>().element_type.builtin == Type::VECTOR4I);
  // The Godot 3 dialect has its own ids: the option does not touch them.
  auto g3 = decode_variant(
      testing::from_hex("0b000000"
                        "0000803f000000400000404000000000"
                        "0000803f000000400000404000000000"
                        "0000803f0000004000004040"),
      DecodeOptions{.dialect = GodotDialect::kGodot3, .type_ids = TypeIds::kReelLegacy});
  REQUIRE_OK(g3);
  REQUIRE(g3->value.type() == Type::AABB);
}

}  // namespace
}  // namespace reel
