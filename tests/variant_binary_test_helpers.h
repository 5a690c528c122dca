// Helpers shared by the Variant binary codec's specification tests (test_variant_binary.cpp,
// test_variant_binary_robustness.cpp): encode/decode that must succeed or fail, value builders,
// and the Godot 4 vector rows (tests/vectors/godot4.tsv).
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reel/variant/variant_binary.h"
#include "test_util.h"

namespace reel::binary_test {

using testing::from_hex;
using testing::to_hex;

inline constexpr EncodeOptions kG3Encode{GodotDialect::kGodot3, false};
inline constexpr EncodeOptions kG4Full{GodotDialect::kGodot4, true};
inline DecodeOptions g3_decode() {
  return DecodeOptions{.dialect = GodotDialect::kGodot3};
}
inline DecodeOptions with_objects(GodotDialect d = GodotDialect::kGodot4) {
  return DecodeOptions{.dialect = d, .allow_objects = true};
}

inline std::vector<uint8_t> encode_ok(const Variant& v, const EncodeOptions& o = {}) {
  auto r = encode_to_bytes(v, o);
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  return *r;
}

inline Variant decode_ok(const std::vector<uint8_t>& bytes, const DecodeOptions& o = {}) {
  auto r = decode_variant(bytes, o);
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  CHECK(r->bytes_read == bytes.size());
  return std::move(r->value);
}

inline Status decode_error(const std::vector<uint8_t>& bytes, const DecodeOptions& o = {}) {
  auto r = decode_variant(bytes, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().rfind("at byte ", 0) == 0);
  return r.status();
}

inline bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

inline Variant array_of(std::vector<Variant> items, ContainerType type = {}) {
  Array a;
  a.element_type = std::move(type);
  a.items = std::move(items);
  return a;
}

inline Variant dict_of(std::vector<std::pair<Variant, Variant>> pairs, ContainerType key_type = {},
                       ContainerType value_type = {}) {
  Dictionary d;
  d.key_type = std::move(key_type);
  d.value_type = std::move(value_type);
  for (auto& [k, v] : pairs) d.set(k, v);
  return d;
}

inline ContainerType builtin(Type t) {
  return {ContainerKind::kBuiltin, t, ""};
}

inline NodePath node_path(std::vector<std::string> names, std::vector<std::string> subnames,
                          bool absolute) {
  return NodePath{std::move(names), std::move(subnames), absolute};
}

// One row of tests/vectors/godot4.tsv: what a real Godot 4.6 prints for one value (see
// test_variant_binary.cpp).
struct VectorRow {
  std::string version, description, literal, hex;
};

inline std::vector<VectorRow> read_vectors() {
  std::ifstream in(REEL_SOURCE_DIR "/tests/vectors/godot4.tsv");
  REQUIRE(in.good());
  std::vector<VectorRow> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    REQUIRE(cols.size() == 5);
    REQUIRE(cols[0].rfind("4.", 0) == 0);  // every row is Godot 4's (the engine's version)
    rows.push_back({cols[0], cols[2], cols[3], cols[4]});
  }
  REQUIRE(rows.size() >= 101);
  return rows;
}

}  // namespace reel::binary_test
