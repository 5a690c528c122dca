// Specification tests for the Godot Variant binary codec (format/variant_binary_*.cpp): hostile
// input, random round trips, truncation and corruption; and the Variant model's size and copies.
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "reel/variant/variant_binary.h"
#include "reel/variant/variant_text.h"
#include "test_util.h"
#include "variant_binary_test_helpers.h"

namespace reel {
namespace {

using namespace binary_test;

// ---------------------------------------------------------------------------------------------
// Hostile input.

TEST_CASE("hostile element counts fail before any allocation", "[binary]") {
  for (const char* hex :
       {"1d000000 ffffff7f", "1e000000 ffffff7f", "1f000000 ffffff7f", "20000000 ffffff7f",
        "22000000 ffffff7f", "24000000 ffffff7f", "1c000000 ffffff7f", "1b000000 ffffff7f",
        "16000000 ffffffff ffffffff 00000000"}) {
    INFO(hex);
    const Status s = decode_error(from_hex(hex));
    CHECK(s.code() == StatusCode::kCorruption);
    CHECK(contains(s.message(), "exceeds the input"));
  }
  for (const char* hex : {"1d000000 00000080", "1f000000 ffffffff", "22000000 feffffff"}) {
    INFO(hex);
    CHECK(contains(decode_error(from_hex(hex)).message(), "negative count"));
  }
}

std::vector<uint8_t> nested_arrays(int levels) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < levels; ++i) {
    auto level = from_hex("1c000000 01000000");
    bytes.insert(bytes.end(), level.begin(), level.end());
  }
  bytes.insert(bytes.end(), 4, 0);  // the innermost NIL
  return bytes;
}

TEST_CASE("a depth bomb is refused at max_depth", "[binary]") {
  CHECK(contains(decode_error(nested_arrays(100000)).message(), "nesting deeper than 1024"));
  // 1024 levels, as the text parser and FORMAT.md 1 (Godot lets a 1025th through).
  CHECK(decode_variant(nested_arrays(1024)).ok());
  CHECK(contains(decode_error(nested_arrays(1025)).message(), "nesting deeper than 1024"));
  DecodeOptions shallow;
  shallow.max_depth = 10;
  CHECK(decode_variant(nested_arrays(10), shallow).ok());
  CHECK(contains(decode_error(nested_arrays(11), shallow).message(), "nesting deeper than 10"));
  // Encoding refuses the same depth.
  Variant nested = nullptr;
  for (int i = 0; i < 1024; ++i) nested = array_of({std::move(nested)});
  CHECK(encode_to_bytes(nested).ok());
  nested = array_of({std::move(nested)});
  CHECK(encode_to_bytes(nested).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("the allocation budget bounds what one decode may allocate", "[binary]") {
  // 50,000 NILs: 200 KB of input that becomes 7.6 MB of Variants.
  std::vector<uint8_t> nils = from_hex("1c000000 50c30000");
  nils.resize(nils.size() + 4 * 50000, 0);
  CHECK(decode_variant(nils).ok());  // the default budget admits legitimate data
  DecodeOptions tight;
  tight.max_alloc_factor = 8;
  tight.max_alloc_base = 0;
  CHECK(contains(decode_error(nils, tight).message(), "allocation budget exhausted"));
  // Budget is shared across the whole decode: many small nested arrays add up.
  std::vector<uint8_t> nested = from_hex("1c000000 e8030000");
  for (int i = 0; i < 1000; ++i) {
    auto inner = from_hex("1c000000 10000000");
    nested.insert(nested.end(), inner.begin(), inner.end());
    nested.resize(nested.size() + 64, 0);
  }
  CHECK(contains(decode_error(nested, tight).message(), "allocation budget exhausted"));
}

// ---------------------------------------------------------------------------------------------
// Random values: round trips, truncation, corruption.

class RandomVariants {
 public:
  RandomVariants(uint32_t seed, bool godot3, bool objects)
      : rng_(seed), godot3_(godot3), objects_(objects) {}

  Variant any(int depth) {
    for (;;) {
      const auto type = static_cast<Type>(pick(kTypeCount));
      if (godot3_ && kGodot3Lacks[static_cast<size_t>(type)]) continue;
      if (depth > 3 && (type == Type::ARRAY || type == Type::DICTIONARY || type == Type::OBJECT))
        continue;
      return make(type, depth);
    }
  }

 private:
  static constexpr std::array<bool, kTypeCount> kGodot3Lacks = [] {
    std::array<bool, kTypeCount> a{};
    for (Type t :
         {Type::VECTOR2I, Type::RECT2I, Type::VECTOR3I, Type::VECTOR4, Type::VECTOR4I,
          Type::PROJECTION, Type::STRING_NAME, Type::CALLABLE, Type::SIGNAL,
          Type::PACKED_INT64_ARRAY, Type::PACKED_FLOAT64_ARRAY, Type::PACKED_VECTOR4_ARRAY})
      a[static_cast<size_t>(t)] = true;
    return a;
  }();

  uint32_t pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
  float f32() {
    switch (pick(6)) {
      case 0:
        return -0.0f;
      case 1:
        return std::bit_cast<float>(0x7fc00000u | pick(1u << 22));  // NaN payloads
      case 2:
        return std::numeric_limits<float>::infinity();
      case 3:
        return std::bit_cast<float>(static_cast<uint32_t>(rng_()));
      default:
        return std::uniform_real_distribution<float>(-1e4f, 1e4f)(rng_);
    }
  }
  double f64() {
    switch (pick(6)) {
      case 0:
        return -0.0;
      case 1:
        return std::bit_cast<double>(0x7ff8000000000000ull | (uint64_t{rng_()} << 20 | rng_()));
      case 2:
        return f32();
      case 3:
        return std::bit_cast<double>(uint64_t{rng_()} << 32 | rng_());
      default:
        return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
    }
  }
  int64_t i64() {
    switch (pick(5)) {
      case 0:
        return std::numeric_limits<int64_t>::min();
      case 1:
        return std::numeric_limits<int64_t>::max();
      case 2:
        return int64_t{std::numeric_limits<int32_t>::min()} - pick(2);
      case 3:
        return static_cast<int64_t>(uint64_t{rng_()} << 32 | rng_());
      default:
        return static_cast<int32_t>(rng_());
    }
  }
  int32_t i32() { return static_cast<int32_t>(rng_()); }
  // Valid UTF-8 without NUL and without a leading BOM (which Godot's decoder strips).
  std::string str() {
    static const char* pieces[] = {"a",
                                   "Z",
                                   "position",
                                   " ",
                                   "\xc3\xa9",
                                   "\xe6\x97\xa5",
                                   "\xf0\x9f\x98\x80",
                                   "\xef\xbb\xbf",
                                   "_",
                                   "xyz12"};
    std::string s;
    const uint32_t n = pick(6);
    for (uint32_t i = 0; i < n; ++i) s += pieces[pick(10)];
    if (s.rfind("\xef\xbb\xbf", 0) == 0) s.insert(0, "b");
    return s;
  }
  template <class T, class F>
  std::vector<T> vec(F f) {
    std::vector<T> v(pick(5));
    for (auto& x : v) x = f();
    return v;
  }
  ContainerType container_type() {
    switch (pick(godot3_ ? 1 : 4)) {
      case 1: {
        const auto t = static_cast<Type>(1 + pick(kTypeCount - 1));
        return builtin(t);
      }
      case 2:
        return {ContainerKind::kClassName, Type::OBJECT, objects_ ? "Node3D" : "EncodedObjectAsID"};
      case 3:
        if (objects_) return {ContainerKind::kScript, Type::OBJECT, "res://a/b.gd"};
        [[fallthrough]];
      default:
        return {};
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
        return Vector2{f32(), f32()};
      case Type::VECTOR2I:
        return Vector2i{i32(), i32()};
      case Type::RECT2:
        return Rect2{{f32(), f32()}, {f32(), f32()}};
      case Type::RECT2I:
        return Rect2i{{i32(), i32()}, {i32(), i32()}};
      case Type::VECTOR3:
        return Vector3{f32(), f32(), f32()};
      case Type::VECTOR3I:
        return Vector3i{i32(), i32(), i32()};
      case Type::VECTOR4:
        return Vector4{f32(), f32(), f32(), f32()};
      case Type::VECTOR4I:
        return Vector4i{i32(), i32(), i32(), i32()};
      case Type::TRANSFORM2D:
        return Transform2D{{Vector2{f32(), f32()}, Vector2{f32(), f32()}, Vector2{f32(), f32()}}};
      case Type::PLANE:
        return Plane{{f32(), f32(), f32()}, f32()};
      case Type::QUATERNION:
        return Quaternion{f32(), f32(), f32(), f32()};
      case Type::AABB:
        return AABB{{f32(), f32(), f32()}, {f32(), f32(), f32()}};
      case Type::BASIS:
        return Basis{{Vector3{f32(), f32(), f32()}, Vector3{f32(), f32(), f32()},
                      Vector3{f32(), f32(), f32()}}};
      case Type::TRANSFORM3D:
        return Transform3D{Basis{{Vector3{f32(), f32(), f32()}, Vector3{f32(), f32(), f32()},
                                  Vector3{f32(), f32(), f32()}}},
                           {f32(), f32(), f32()}};
      case Type::PROJECTION: {
        Projection p;
        for (auto& c : p.columns) c = Vector4{f32(), f32(), f32(), f32()};
        return p;
      }
      case Type::COLOR:
        return Color{f32(), f32(), f32(), f32()};
      case Type::STRING_NAME:
        return StringName{str()};
      case Type::NODE_PATH:
        return NodePath{vec<std::string>([&] { return str(); }),
                        vec<std::string>([&] { return str(); }), pick(2) == 1};
      case Type::RID:
        return RID{godot3_ ? 0 : uint64_t{rng_()} << 32 | rng_()};
      case Type::OBJECT: {
        if (objects_ && pick(2) == 0) {
          auto full = std::make_shared<FullObject>();
          full->class_name = "Node" + str();
          for (uint32_t i = 0, n = pick(3); i < n; ++i) {
            full->property_names.push_back(str());
            full->property_values.push_back(any(depth + 1));
          }
          return Object{0, full};
        }
        return Object{1 + (uint64_t{rng_()} << 32 | rng_()), nullptr};
      }
      case Type::CALLABLE:
        return Callable{};
      case Type::SIGNAL:
        return Signal{str(), uint64_t{rng_()} << 32 | rng_()};
      case Type::DICTIONARY: {
        Dictionary d;
        d.key_type = container_type();
        d.value_type = container_type();
        for (uint32_t i = 0, n = pick(6); i < n; ++i) d.set(any(depth + 1), any(depth + 1));
        return d;
      }
      case Type::ARRAY: {
        Array a;
        a.element_type = container_type();
        for (uint32_t i = 0, n = pick(6); i < n; ++i) a.items.push_back(any(depth + 1));
        return a;
      }
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
        return vec<Vector2>([&] { return Vector2{f32(), f32()}; });
      case Type::PACKED_VECTOR3_ARRAY:
        return vec<Vector3>([&] { return Vector3{f32(), f32(), f32()}; });
      case Type::PACKED_COLOR_ARRAY:
        return vec<Color>([&] { return Color{f32(), f32(), f32(), f32()}; });
      case Type::PACKED_VECTOR4_ARRAY:
        return vec<Vector4>([&] { return Vector4{f32(), f32(), f32(), f32()}; });
    }
    return nullptr;
  }

  std::mt19937 rng_;
  bool godot3_, objects_;
};

struct Mode {
  const char* name;
  GodotDialect dialect;
  bool objects;
};
constexpr Mode kModes[] = {{"godot4", GodotDialect::kGodot4, false},
                           {"godot4 with objects", GodotDialect::kGodot4, true},
                           {"godot3", GodotDialect::kGodot3, false},
                           {"godot3 with objects", GodotDialect::kGodot3, true}};

TEST_CASE("random Variants round-trip exactly in every dialect", "[binary]") {
  for (const Mode& mode : kModes) {
    RandomVariants gen(1234, mode.dialect == GodotDialect::kGodot3, mode.objects);
    for (int i = 0; i < 2000; ++i) {
      const Variant v = gen.any(0);
      INFO(mode.name << " #" << i);
      const auto bytes = encode_ok(v, {mode.dialect, mode.objects});
      REQUIRE(bytes.size() % 4 == 0);
      const Variant back =
          decode_ok(bytes, {.dialect = mode.dialect, .allow_objects = mode.objects});
      INFO(to_hex(bytes));
      REQUIRE(back == v);
    }
  }
}

TEST_CASE("every strict prefix of a valid encoding fails cleanly", "[binary]") {
  std::vector<std::pair<Mode, std::vector<uint8_t>>> samples;
  for (const VectorRow& row : read_vectors()) {
    const bool objects = contains(row.literal, "with_objects");
    samples.push_back({{"vector", GodotDialect::kGodot4, objects}, from_hex(row.hex)});
  }
  for (const Mode& mode : kModes) {
    RandomVariants gen(99, mode.dialect == GodotDialect::kGodot3, mode.objects);
    for (int i = 0; i < 150; ++i)
      samples.push_back({mode, encode_ok(gen.any(0), {mode.dialect, mode.objects})});
  }
  for (const auto& [mode, bytes] : samples) {
    const DecodeOptions opt{.dialect = mode.dialect, .allow_objects = mode.objects};
    for (size_t n = 0; n < bytes.size(); ++n) {
      const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n));
      auto r = decode_variant(prefix, opt);
      INFO(to_hex(bytes) << " cut at " << n);
      REQUIRE_FALSE(r.ok());
      REQUIRE(r.status().code() == StatusCode::kCorruption);
      REQUIRE(r.status().message().rfind("at byte ", 0) == 0);
    }
  }
}

TEST_CASE("corrupted encodings decode or fail cleanly, and what decodes re-encodes", "[binary]") {
  for (const Mode& mode : kModes) {
    RandomVariants gen(7, mode.dialect == GodotDialect::kGodot3, mode.objects);
    const DecodeOptions dopt{.dialect = mode.dialect, .allow_objects = mode.objects};
    for (int i = 0; i < 80; ++i) {
      const auto bytes = encode_ok(gen.any(0), {mode.dialect, mode.objects});
      for (size_t at = 0; at < bytes.size(); ++at) {
        for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
          auto bad = bytes;
          bad[at] ^= mask;
          auto r = decode_variant(bad, dopt);
          if (!r.ok()) {
            REQUIRE(r.status().message().rfind("at byte ", 0) == 0);
            continue;
          }
          REQUIRE(r->bytes_read <= bad.size());
          REQUIRE(encode_to_bytes(r->value, {mode.dialect, mode.objects}).ok());
        }
      }
    }
  }
}

TEST_CASE("an entity-state Dictionary round-trips with StringName keys", "[binary]") {
  Dictionary d;
  d.set(StringName{"transform"}, Transform3D{Basis{}, {1, 2, 3}});
  d.set(StringName{"velocity"}, Vector3{0.5f, 0, -1});
  d.set(StringName{"health"}, 87.5);
  d.set(StringName{"state"}, StringName{"running"});
  d.set(StringName{"path"}, node_path({"World", "Player"}, {"position"}, false));
  const auto bytes = encode_ok(d);
  CHECK(decode_ok(bytes) == Variant(d));
}

TEST_CASE("copies of a large Dictionary keep finding their own keys after each appends",
          "[model]") {
  Dictionary a;
  for (int i = 0; i < 40; ++i) a.set(int64_t{i}, int64_t{i});
  REQUIRE(a.find(int64_t{3}) != nullptr);  // builds the hash index, which the copy then shares
  Dictionary b = a;
  a.append_unique(int64_t{100}, int64_t{1});
  b.append_unique(int64_t{200}, int64_t{2});
  REQUIRE(a.find(int64_t{100}) != nullptr);
  REQUIRE(a.find(int64_t{200}) == nullptr);
  REQUIRE(b.find(int64_t{200}) != nullptr);
  REQUIRE(b.find(int64_t{100}) == nullptr);
  REQUIRE(b.find(int64_t{39})->get<int64_t>() == 39);
}

TEST_CASE("a Variant stays small: a Dictionary is held out of line", "[model]") {
  // Every frame change, world-state slot and undo-log entry holds a Variant: the largest inline
  // alternatives (Projection, Array) set its size, not the Dictionary.
  STATIC_REQUIRE(sizeof(Variant) <= sizeof(Projection) + 8);
  STATIC_REQUIRE(sizeof(Array) <= sizeof(Projection));
}

TEST_CASE("a Dictionary Variant copies deeply and reads empty once moved from", "[model]") {
  Dictionary d;
  d.set(StringName{"hp"}, int64_t{10});
  Variant a = d;
  Variant b = a;
  b.get<Dictionary>().set(StringName{"hp"}, int64_t{11});
  REQUIRE(a.get<Dictionary>().find(StringName{"hp"})->get<int64_t>() == 10);
  REQUIRE(b.get<Dictionary>().find(StringName{"hp"})->get<int64_t>() == 11);
  REQUIRE_FALSE(a == b);
  b = a;
  REQUIRE(a == b);
  REQUIRE(a.hash() == b.hash());

  Variant moved = std::move(a);
  REQUIRE(moved.get<Dictionary>().size() == 1);
  // NOLINTNEXTLINE(bugprone-use-after-move): the moved-from state is specified
  REQUIRE(a.type() == Type::DICTIONARY);
  REQUIRE(a.get<Dictionary>().empty());
  REQUIRE(a == Variant(Dictionary{}));
  REQUIRE(a.hash() == Variant(Dictionary{}).hash());
  a.get<Dictionary>().set(int64_t{1}, int64_t{2});  // a moved-from box takes values again
  REQUIRE(a.get<Dictionary>().size() == 1);

  Variant e;
  e.emplace<Dictionary>().set(int64_t{5}, true);
  REQUIRE(e.is<Dictionary>());
  REQUIRE(e.get_if<Dictionary>()->size() == 1);
  REQUIRE(e.get_if<Array>() == nullptr);
  REQUIRE(to_text(e) == "{5: true}");
}

}  // namespace
}  // namespace reel
