// Reel's Variant codec against a real Godot 4.6 (the web engine of tests/godot4), both ways, on
// thousands of random values of every type (tests/godot4/scripts/variant_crosscheck.gd):
// - Godot's values: Godot's var_to_bytes bytes decode in Reel and re-encode to the same bytes,
//   and Godot's bytes_to_var of Reel's re-encoding is the same value (types and bits).
// - Reel's values: Godot's var_to_bytes(bytes_to_var(Reel's bytes)) equals Reel's bytes.
// NodePath pad bytes are uninitialised in Godot's output, so values holding a NodePath are
// compared as values where Godot wrote the bytes.
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "godot4_runner.h"
#include "reel/variant/variant_binary.h"
#include "reel/variant/variant_text.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::from_hex;
using testing::run_godot4;
using testing::TempDir;
using testing::to_hex;

const std::string& crosscheck_script() {
  static const std::string script =
      testing::read_file(REEL_SOURCE_DIR "/tests/godot4/scripts/variant_crosscheck.gd");
  return script;
}

// Records of u32 LE length + bytes, as the script reads them.
void write_records(const std::string& path, const std::vector<std::vector<uint8_t>>& records) {
  std::ofstream out(path, std::ios::binary);
  for (const auto& r : records) {
    const uint32_t n = static_cast<uint32_t>(r.size());
    const uint8_t len[4] = {uint8_t(n), uint8_t(n >> 8), uint8_t(n >> 16), uint8_t(n >> 24)};
    out.write(reinterpret_cast<const char*>(len), 4);
    out.write(reinterpret_cast<const char*>(r.data()), static_cast<std::streamsize>(r.size()));
  }
  REQUIRE(out.good());
}

// "<tag>|<index>|<rest>" lines of one tag, by index.
std::map<size_t, std::string> tagged(const testing::Godot4Run& run, char tag) {
  std::map<size_t, std::string> out;
  for (const std::string& line : run.lines()) {
    if (line.size() < 3 || line[0] != tag || line[1] != '|') continue;
    const size_t bar = line.find('|', 2);
    REQUIRE(bar != std::string::npos);
    out[std::stoul(line.substr(2, bar - 2))] = line.substr(bar + 1);
  }
  return out;
}

bool holds_node_path(const Variant& v) {
  if (v.is<NodePath>()) return true;
  if (const auto* a = v.get_if<Array>()) {
    for (const Variant& item : a->items) {
      if (holds_node_path(item)) return true;
    }
  }
  if (const auto* d = v.get_if<Dictionary>()) {
    for (size_t i = 0; i < d->size(); ++i) {
      if (holds_node_path(d->keys()[i]) || holds_node_path(d->values()[i])) return true;
    }
  }
  return false;
}

// Values Godot round-trips as they are: every type but Object (an instance id comes back as an
// EncodedObjectAsID object), typed containers only with elements of their type, strings without
// NUL or a leading BOM (Godot drops both), Dictionary keys distinct by Godot's key rule (Reel's
// Dictionary applies it).
class GodotCompatibleValues {
 public:
  explicit GodotCompatibleValues(uint32_t seed) : rng_(seed) {}

  Variant of_type(Type type, int depth) {
    if (depth >= 3 && (type == Type::ARRAY || type == Type::DICTIONARY)) {
      return type == Type::ARRAY ? Variant(Array{}) : Variant(Dictionary{});
    }
    return make(type, depth + 1);
  }

 private:
  uint32_t pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
  uint64_t u64() { return uint64_t{rng_()} << 32 | rng_(); }
  float f32() {
    switch (pick(6)) {
      case 0:
        return -0.0f;
      case 1:
        return std::bit_cast<float>(0x7fc00000u | pick(1u << 22));  // quiet NaN payloads
      case 2:
        return pick(2) ? std::numeric_limits<float>::infinity()
                       : -std::numeric_limits<float>::infinity();
      case 3: {
        // Any bit pattern but a signalling NaN (a float passes through double in Godot, which
        // quiets it).
        const uint32_t bits = rng_();
        const bool snan =
            (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x7fffffu) != 0 && !(bits & 0x400000u);
        return std::bit_cast<float>(snan ? bits | 0x400000u : bits);
      }
      default:
        return std::uniform_real_distribution<float>(-1e4f, 1e4f)(rng_);
    }
  }
  double f64() {
    switch (pick(5)) {
      case 0:
        return -0.0;
      case 1:
        return f32();
      case 2:
        return std::bit_cast<double>(u64());
      case 3:
        return std::array{0.1, 1.0 / 3.0, 1e300, -1e-300, 5e-324}[pick(5)];
      default:
        return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
    }
  }
  int64_t i64() {
    switch (pick(5)) {
      case 0:
        return std::numeric_limits<int64_t>::min() + pick(2);
      case 1:
        return std::numeric_limits<int64_t>::max() - pick(2);
      case 2:
        return std::array<int64_t, 4>{-2147483648LL, -2147483649LL, 2147483647,
                                      2147483648}[pick(4)];
      case 3:
        return static_cast<int64_t>(u64());
      default:
        return static_cast<int32_t>(rng_());
    }
  }
  int32_t i32() { return static_cast<int32_t>(rng_()); }
  std::string str() {
    static const char* pieces[] = {
        "a", "Z",  "position", " ",  "\xc3\xa9",    "\xe6\x97\xa5", "\xf0\x9f\x98\x80",
        "_", "\n", "\"",       "\\", "\xef\xbb\xbf"};
    std::string s;
    for (uint32_t i = 0, n = pick(6); i < n; ++i) s += pieces[pick(12)];
    if (s.rfind("\xef\xbb\xbf", 0) == 0) s.insert(0, "b");
    return s;
  }
  std::string name() {
    static const char* names[] = {"root", "Main", "a", "Player_2", "\xe6\x97\xa5", "x", "origin"};
    return names[pick(7)];
  }
  template <class T, class F>
  std::vector<T> vec(F f) {
    std::vector<T> v(pick(6));
    for (auto& x : v) x = f();
    return v;
  }
  Vector2 v2() { return {f32(), f32()}; }
  Vector3 v3() { return {f32(), f32(), f32()}; }
  Vector4 v4() { return {f32(), f32(), f32(), f32()}; }
  Type any_type() {
    for (;;) {
      const auto t = static_cast<Type>(pick(kTypeCount));
      if (t != Type::OBJECT) return t;
    }
  }
  // Builtin element types of typed containers (not NIL: untyped; not OBJECT).
  Type typed_type() {
    for (;;) {
      const Type t = any_type();
      if (t != Type::NIL) return t;
    }
  }
  Variant make(Type type, int depth) {
    switch (type) {
      case Type::NIL:
        return nullptr;
      case Type::BOOL:
        return pick(2) == 1;
      case Type::INT:
        return i64();
      case Type::FLOAT:
        return f64();
      case Type::STRING:
        return str();
      case Type::VECTOR2:
        return v2();
      case Type::VECTOR2I:
        return Vector2i{i32(), i32()};
      case Type::RECT2:
        return Rect2{v2(), v2()};
      case Type::RECT2I:
        return Rect2i{{i32(), i32()}, {i32(), i32()}};
      case Type::VECTOR3:
        return v3();
      case Type::VECTOR3I:
        return Vector3i{i32(), i32(), i32()};
      case Type::TRANSFORM2D:
        return Transform2D{{v2(), v2(), v2()}};
      case Type::VECTOR4:
        return v4();
      case Type::VECTOR4I:
        return Vector4i{i32(), i32(), i32(), i32()};
      case Type::PLANE:
        return Plane{v3(), f32()};
      case Type::QUATERNION:
        return Quaternion{f32(), f32(), f32(), f32()};
      case Type::AABB:
        return AABB{v3(), v3()};
      case Type::BASIS:
        return Basis{{v3(), v3(), v3()}};
      case Type::TRANSFORM3D:
        return Transform3D{Basis{{v3(), v3(), v3()}}, v3()};
      case Type::PROJECTION:
        return Projection{{v4(), v4(), v4(), v4()}};
      case Type::COLOR:
        return Color{f32(), f32(), f32(), f32()};
      case Type::STRING_NAME:
        return StringName{str()};
      case Type::NODE_PATH: {
        NodePath p{vec<std::string>([&] { return name(); }), {}, pick(3) == 0};
        if (!p.names.empty() || !p.absolute) p.subnames = vec<std::string>([&] { return name(); });
        return p;
      }
      case Type::RID:
        return RID{u64()};
      case Type::OBJECT:
        return nullptr;
      case Type::CALLABLE:
        return Callable{};
      case Type::SIGNAL:
        return Signal{str(), u64()};
      case Type::DICTIONARY:
        return dictionary(depth);
      case Type::ARRAY:
        return array(depth);
      case Type::PACKED_BYTE_ARRAY:
        return vec<uint8_t>([&] { return static_cast<uint8_t>(rng_()); });
      case Type::PACKED_INT32_ARRAY:
        return vec<int32_t>([&] { return i32(); });
      case Type::PACKED_INT64_ARRAY:
        return vec<int64_t>([&] { return i64(); });
      case Type::PACKED_FLOAT32_ARRAY:
        return vec<float>([&] { return f32(); });
      case Type::PACKED_FLOAT64_ARRAY:
        return vec<double>([&] { return f64(); });
      case Type::PACKED_STRING_ARRAY:
        return vec<std::string>([&] { return str(); });
      case Type::PACKED_VECTOR2_ARRAY:
        return vec<Vector2>([&] { return v2(); });
      case Type::PACKED_VECTOR3_ARRAY:
        return vec<Vector3>([&] { return v3(); });
      case Type::PACKED_COLOR_ARRAY:
        return vec<Color>([&] { return Color{f32(), f32(), f32(), f32()}; });
      case Type::PACKED_VECTOR4_ARRAY:
        return vec<Vector4>([&] { return v4(); });
    }
    return nullptr;
  }
  Variant array(int depth) {
    Array a;
    if (pick(3) == 0) {
      const Type t = typed_type();
      a.element_type = {ContainerKind::kBuiltin, t, ""};
      for (uint32_t i = 0, n = pick(5); i < n; ++i) a.items.push_back(of_type(t, depth));
      return a;
    }
    for (uint32_t i = 0, n = pick(6); i < n; ++i) a.items.push_back(of_type(any_type(), depth));
    return a;
  }
  Variant dictionary(int depth) {
    Dictionary d;
    if (pick(4) == 0) {
      const Type k = typed_type(), v = typed_type();
      d.key_type = {ContainerKind::kBuiltin, k, ""};
      d.value_type = {ContainerKind::kBuiltin, v, ""};
      for (uint32_t i = 0, n = pick(5); i < n; ++i) d.set(of_type(k, depth), of_type(v, depth));
      return d;
    }
    for (uint32_t i = 0, n = pick(6); i < n; ++i) {
      d.set(of_type(any_type(), depth), of_type(any_type(), depth));
    }
    return d;
  }

  std::mt19937 rng_;
};

// Values per type on each side (the script's VALUES_PER_TYPE): 38 types, nested values besides.
constexpr int kValuesPerType = 1000;

std::vector<Variant> reel_values() {
  GodotCompatibleValues gen(20261204);
  std::vector<Variant> out;
  for (int t = 0; t < kTypeCount; ++t) {
    if (Type(t) == Type::OBJECT) continue;
    for (int i = 0; i < kValuesPerType; ++i) out.push_back(gen.of_type(Type(t), 0));
  }
  return out;
}

TEST_CASE("Reel's codec and Godot 4.6 agree on thousands of random values of every type, both ways",
          "[godot4]") {
  TempDir dir;
  // Run 1: Godot's values, as Godot writes them.
  const auto first = run_godot4(dir, crosscheck_script());
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  const auto godot = tagged(first, 'G');
  REQUIRE(godot.size() == size_t(kValuesPerType) * (kTypeCount - 1));
  REQUIRE(first.lines().back() == "DONE|" + std::to_string(godot.size()));

  std::vector<std::vector<uint8_t>> reel_of_godot;
  std::set<int> godot_types;
  size_t byte_identical = 0;
  for (const auto& [i, hex] : godot) {
    INFO("Godot value " << i << ": " << hex);
    REQUIRE(i == reel_of_godot.size());
    const auto bytes = from_hex(hex);
    godot_types.insert(bytes.at(0));
    auto decoded = decode_variant(bytes);
    INFO(decoded.status().to_string());
    REQUIRE(decoded.ok());
    CHECK(decoded->bytes_read == bytes.size());
    auto ours = encode_to_bytes(decoded->value);
    REQUIRE(ours.ok());
    if (!holds_node_path(decoded->value)) {
      CHECK(to_hex(*ours) == hex);
      ++byte_identical;
    }
    reel_of_godot.push_back(std::move(*ours));
  }
  CHECK(godot_types.size() == kTypeCount - 1);  // every type but Object
  CHECK(byte_identical > godot.size() * 9 / 10);

  // Run 2: Godot reads Reel's re-encodings of its values and Reel's own values.
  const std::vector<Variant> values = reel_values();
  std::vector<std::vector<uint8_t>> reel_bytes;
  for (const Variant& v : values) {
    auto b = encode_to_bytes(v);
    REQUIRE(b.ok());
    reel_bytes.push_back(std::move(*b));
  }
  write_records(dir.file("reel_of_godot.bin"), reel_of_godot);
  write_records(dir.file("reel_values.bin"), reel_bytes);
  const auto second = run_godot4(dir, crosscheck_script(),
                                 {{"reel_of_godot.bin", dir.file("reel_of_godot.bin")},
                                  {"reel_values.bin", dir.file("reel_values.bin")}});
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  const auto same = tagged(second, 'S');
  REQUIRE(same.size() == godot.size());
  for (const auto& [i, verdict] : same) {
    INFO("Godot value " << i << " " << godot.at(i) << " came back from Reel as "
                        << to_hex(reel_of_godot[i]) << ": " << verdict);
    CHECK(verdict == "1");
  }
  const auto reread = tagged(second, 'R');
  REQUIRE(reread.size() == values.size());
  for (const auto& [i, hex] : reread) {
    INFO("Reel value " << i << ": " << to_text(values[i]) << "\nReel:  " << to_hex(reel_bytes[i])
                       << "\nGodot: " << hex);
    if (holds_node_path(values[i])) {
      auto back = decode_variant(from_hex(hex));
      REQUIRE(back.ok());
      CHECK(back->value == values[i]);
    } else {
      CHECK(hex == to_hex(reel_bytes[i]));
    }
  }
}

TEST_CASE("Dictionary keys: Reel merges exactly the keys Godot 4.6 merges", "[godot4]") {
  // Godot builds each Dictionary by assignment and prints its var_to_bytes; Reel builds the same
  // with Dictionary::set and must write the same bytes, and decode Godot's to the same entries.
  TempDir dir;
  const auto run = run_godot4(dir, R"GD(extends Node

func show(name: String, pairs: Array) -> void:
	var d := {}
	for p in pairs:
		d[p[0]] = p[1]
	print("K|", name, "|", var_to_bytes(d).hex_encode())

func _ready() -> void:
	var nan2 := PackedByteArray([1, 0, 0xc0, 0x7f]).decode_float(0)
	show("string_and_name", [["a", 1], [&"a", 2]])
	show("name_and_string", [[&"a", 1], ["a", 2]])
	show("zero_signs", [[0.0, 1], [-0.0, 2]])
	show("nans", [[NAN, 1], [nan2, 2]])
	show("vector_zero_signs", [[Vector2(0.0, 1), 1], [Vector2(-0.0, 1), 2]])
	show("array_zero_signs", [[[0.0], 1], [[-0.0], 2]])
	show("array_string_and_name", [[["a"], 1], [[&"a"], 2]])
	show("dict_string_and_name", [[{"a": 1}, 1], [{&"a": 1}, 2]])
	show("dict_order", [[{"a": 1, "b": 2}, 1], [{"b": 2, "a": 1}, 2]])
	show("int_float_bool", [[1, 1], [1.0, 2], [true, 3]])
	show("node_path_and_string", [[NodePath("a"), 1], ["a", 2]])
	show("packed_zero_signs", [[PackedFloat32Array([0.0]), 1], [PackedFloat32Array([-0.0]), 2]])
	get_tree().quit(0)
)GD");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto nan2 = std::bit_cast<float>(0x7fc00001u);
  const auto array_of = [](Variant v) {
    Array a;
    a.items = {std::move(v)};
    return Variant(a);
  };
  const auto dict_of = [](std::vector<std::pair<Variant, Variant>> pairs) {
    Dictionary d;
    for (auto& [k, v] : pairs) d.set(k, v);
    return Variant(d);
  };
  const std::map<std::string, std::vector<std::pair<Variant, Variant>>> cases = {
      {"string_and_name", {{"a", 1}, {StringName{"a"}, 2}}},
      {"name_and_string", {{StringName{"a"}, 1}, {"a", 2}}},
      {"zero_signs", {{0.0, 1}, {-0.0, 2}}},
      {"nans", {{std::numeric_limits<double>::quiet_NaN(), 1}, {double(nan2), 2}}},
      {"vector_zero_signs", {{Vector2{0.0f, 1}, 1}, {Vector2{-0.0f, 1}, 2}}},
      {"array_zero_signs", {{array_of(0.0), 1}, {array_of(-0.0), 2}}},
      {"array_string_and_name", {{array_of("a"), 1}, {array_of(StringName{"a"}), 2}}},
      {"dict_string_and_name", {{dict_of({{"a", 1}}), 1}, {dict_of({{StringName{"a"}, 1}}), 2}}},
      {"dict_order", {{dict_of({{"a", 1}, {"b", 2}}), 1}, {dict_of({{"b", 2}, {"a", 1}}), 2}}},
      {"int_float_bool", {{1, 1}, {1.0, 2}, {true, 3}}},
      {"node_path_and_string", {{NodePath{{"a"}, {}, false}, 1}, {"a", 2}}},
      {"packed_zero_signs", {{PackedFloat32Array{0.0f}, 1}, {PackedFloat32Array{-0.0f}, 2}}},
  };
  std::map<std::string, std::string> by_name;
  for (const std::string& line : run.lines()) {
    if (line.rfind("K|", 0) != 0) continue;
    const size_t bar = line.find('|', 2);
    by_name[line.substr(2, bar - 2)] = line.substr(bar + 1);
  }
  REQUIRE(by_name.size() == cases.size());
  for (const auto& [name, pairs] : cases) {
    INFO(name << ": Godot " << by_name.at(name));
    const Variant ours = dict_of(pairs);
    if (name != "node_path_and_string") {  // NodePath pads: compare values
      auto bytes = encode_to_bytes(ours);
      REQUIRE(bytes.ok());
      CHECK(to_hex(*bytes) == by_name.at(name));
    }
    auto theirs = decode_variant(from_hex(by_name.at(name)));
    REQUIRE(theirs.ok());
    CHECK(theirs->value == ours);
  }
}

}  // namespace
}  // namespace reel
