// Capture records (FORMAT.md 10) of a small game, as ReelRecorder writes them: for the
// `reel import` and `reel ingest` tests.
#pragma once

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "reel/variant/variant.h"
#include "reel/variant/variant_binary.h"
#include "test_util.h"

namespace reel::testing {

inline Array items(std::initializer_list<Variant> values) {
  Array a;
  a.items.assign(values.begin(), values.end());
  return a;
}

// One record as StreamPeer.put_var frames it: u32 LE length + var_to_bytes.
inline std::vector<uint8_t> framed(const Variant& value, GodotDialect dialect) {
  std::vector<uint8_t> out(4);
  REQUIRE_STATUS_OK(encode_variant(value, out, {.dialect = dialect}));
  const auto n = static_cast<uint32_t>(out.size() - 4);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  return out;
}

// A small game's capture records: entity 1 walks, entity `2` lives in frames 10..29, a jump event
// every 10 frames, `seed` varies the values so that two games differ.
struct GameRecords {
  std::vector<uint8_t> header;
  std::vector<std::vector<uint8_t>> frames;
  std::vector<uint8_t> all() const {
    std::vector<uint8_t> out = header;
    for (const auto& f : frames) out.insert(out.end(), f.begin(), f.end());
    return out;
  }
};

inline Dictionary game_header(const std::string& name, GodotDialect dialect,
                              const std::string& token = "", const std::string& stream = "") {
  Dictionary header;
  header.set("reel_capture", int64_t{1});
  header.set("godot", int64_t{static_cast<int>(dialect)});
  header.set("name", name);
  header.set("tick_rate", 60.0);
  header.set("properties", items({"position", "head:transform"}));
  Dictionary meta;
  meta.set("map", "yard");
  header.set("metadata", meta);
  if (!token.empty()) header.set("token", token);
  if (!stream.empty()) header.set("stream", stream);
  return header;
}

inline Dictionary game_frame(int i, int seed) {
  Array spawns, changes, despawns, events;
  if (i == 0) spawns.items.push_back(items({int64_t{1}, "res://walker.tscn"}));
  if (i == 10) spawns.items.push_back(items({int64_t{2}, "Node3D"}));
  changes.items.push_back(items({int64_t{1}, "position", Vector3{i * 0.25f, float(seed), 1}}));
  if (i >= 10 && i < 30 && i % 2 == 0) {
    Transform3D t;
    t.origin = Vector3{0, 1.7f, static_cast<float>(i + seed)};
    changes.items.push_back(items({int64_t{2}, "head:transform", t}));
  }
  if (i == 30) despawns.items.push_back(int64_t{2});
  if (i % 10 == 5) events.items.push_back(items({"jump", int64_t{1}, items({int64_t{i}})}));
  Dictionary rec;
  rec.set("frame", int64_t{i});
  rec.set("tick", int64_t{100 + i});
  rec.set("time", i / 60.0);
  rec.set("changes", changes);
  rec.set("spawns", spawns);
  rec.set("despawns", despawns);
  rec.set("events", events);
  return rec;
}

inline GameRecords make_game(const std::string& name, int frames, int seed = 0,
                             GodotDialect dialect = GodotDialect::kGodot4,
                             const std::string& token = "", const std::string& stream = "") {
  GameRecords g;
  g.header = framed(game_header(name, dialect, token, stream), dialect);
  for (int i = 0; i < frames; ++i) g.frames.push_back(framed(game_frame(i, seed), dialect));
  return g;
}

}  // namespace reel::testing
