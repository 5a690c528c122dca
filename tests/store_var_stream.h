// Reading store_var record streams in the tests (`reel play`, tools/cli/PLAY.md; `reel export
// --format varstream`, FORMAT.md 9): splitting and decoding records, and a consumer world that
// applies them, compared with the Replayer's state.
#pragma once

#include <fstream>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "reel/variant/variant_binary.h"
#include "reel/variant/variant_text.h"
#include "reel/replay/replayer.h"
#include "test_util.h"

namespace reel::testing {

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Splits a stream into records and decodes each; a trailing partial record (a cut pipe) is
// ignored when `allow_partial_tail`.
inline std::vector<Dictionary> decode_stream(const std::vector<uint8_t>& bytes,
                                             GodotDialect dialect,
                                             bool allow_partial_tail = false) {
  std::vector<Dictionary> out;
  size_t pos = 0;
  DecodeOptions options;
  options.dialect = dialect;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 4) {
      REQUIRE(allow_partial_tail);
      break;
    }
    uint32_t n = bytes[pos] | bytes[pos + 1] << 8 | bytes[pos + 2] << 16 |
                 static_cast<uint32_t>(bytes[pos + 3]) << 24;
    if (bytes.size() - pos - 4 < n) {
      REQUIRE(allow_partial_tail);
      break;
    }
    auto decoded = decode_variant(std::span(bytes).subspan(pos + 4, n), options);
    INFO("record at byte " << pos);
    REQUIRE_OK(decoded);
    REQUIRE(decoded->bytes_read == n);
    REQUIRE(decoded->value.is<Dictionary>());
    out.push_back(decoded->value.get<Dictionary>());
    pos += 4 + n;
  }
  return out;
}

inline const Variant& field(const Dictionary& d, const char* key) {
  const Variant* v = d.find(Variant(key));
  INFO("missing key " << key);
  REQUIRE(v != nullptr);
  return *v;
}
inline int64_t int_field(const Dictionary& d, const char* key) {
  return field(d, key).get<int64_t>();
}
inline const std::vector<Variant>& array_field(const Dictionary& d, const char* key) {
  return field(d, key).get<Array>().items;
}

// What a consumer builds from the records: entity -> class and path -> value.
struct ConsumerWorld {
  std::map<EntityId, std::string> classes;
  std::map<std::pair<EntityId, std::string>, Variant> values;

  void apply(const Dictionary& record) {
    if (field(record, "reset").get<bool>()) *this = {};
    for (const auto& s : array_field(record, "spawns")) {
      const auto& pair = s.get<Array>().items;
      classes[pair[0].get<int64_t>()] = pair[1].get<std::string>();
    }
    for (const auto& c : array_field(record, "changes")) {
      const auto& item = c.get<Array>().items;
      values[{item[0].get<int64_t>(), item[1].get<std::string>()}] = item[2];
    }
    for (const auto& d : array_field(record, "despawns")) despawn(d.get<int64_t>());
  }
  // A varstream segment record (FORMAT.md 9) applied onto the full state before it.
  void apply_segment(const Dictionary& record) {
    for (const auto& d : array_field(record, "segment_despawns")) despawn(d.get<int64_t>());
    for (const auto& s : array_field(record, "segment_spawns")) {
      const auto& pair = s.get<Array>().items;
      classes.emplace(pair[0].get<int64_t>(), pair[1].get<std::string>());
    }
    for (const auto& c : array_field(record, "changes")) {
      const auto& item = c.get<Array>().items;
      values[{item[0].get<int64_t>(), item[1].get<std::string>()}] = item[2];
    }
  }
  void despawn(EntityId id) {
    classes.erase(id);
    std::erase_if(values, [&](const auto& kv) { return kv.first.first == id; });
  }
};

// REQUIRE that `world` holds exactly the Replayer's state at `frame`.
inline void require_same_as_replayer(const ConsumerWorld& world, const std::string& db,
                                     FrameIndex frame) {
  auto replayer = Replayer::open(db, "");
  REQUIRE_OK(replayer);
  auto state = (*replayer)->seek(frame);
  REQUIRE_OK(state);
  const auto& paths = (*replayer)->property_paths();
  ConsumerWorld expected;
  for (const auto& [id, e] : (*state)->entities) {
    expected.classes[id] = e.class_name;
    for (const auto& [pid, value] : e.properties) expected.values[{id, paths.at(pid)}] = value;
  }
  REQUIRE(world.classes == expected.classes);
  REQUIRE(world.values.size() == expected.values.size());
  for (const auto& [key, value] : expected.values) {
    INFO("entity " << key.first << " " << key.second);
    REQUIRE(world.values.count(key) == 1);
    REQUIRE(to_text(world.values.at(key)) == to_text(value));
    REQUIRE(world.values.at(key) == value);
  }
}

}  // namespace reel::testing
