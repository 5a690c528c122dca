// Specification of the Variant text form (to_text / parse_text): Godot spellings, exact round
// trips for every value, Godot 3 alternatives, and errors that name an offset.
#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "reel/variant/variant_text.h"
#include "test_util.h"

namespace reel {
namespace {

Variant parse_ok(std::string_view text) {
  auto r = parse_text(text);
  INFO("input: " << text);
  REQUIRE_OK(r);
  return std::move(r).value();
}

// to_text(v) == golden, and the golden text parses back to exactly v.
void check_golden(const Variant& v, std::string_view golden) {
  CHECK(to_text(v) == golden);
  CHECK(parse_ok(golden) == v);
}

double double_from_bits(uint64_t bits) {
  return std::bit_cast<double>(bits);
}
float float_from_bits(uint32_t bits) {
  return std::bit_cast<float>(bits);
}

TEST_CASE("to_text writes Godot 4 spellings of scalars", "[text]") {
  check_golden(Variant(), "null");
  check_golden(true, "true");
  check_golden(false, "false");
  check_golden(42, "42");
  check_golden(-7, "-7");
  check_golden(1.0, "1.0");
  check_golden(0.5, "0.5");
  check_golden(1e20, "1e+20");
  check_golden(-2.25, "-2.25");
  check_golden(std::numeric_limits<double>::infinity(), "inf");
  check_golden(-std::numeric_limits<double>::infinity(), "-inf");
  check_golden(std::bit_cast<double>(uint64_t{0x7ff8000000000000}), "nan");
}

TEST_CASE("to_text keeps every float bit exact", "[text]") {
  SECTION("negative zero prints as -0.0, not 0") {
    check_golden(-0.0, "-0.0");
  }
  SECTION("doubles that need 17 digits") {
    check_golden(0.1 + 0.2, "0.30000000000000004");
    check_golden(std::numeric_limits<double>::max(), "1.7976931348623157e+308");
    check_golden(std::numeric_limits<double>::denorm_min(), "5e-324");
  }
  SECTION("NaN payloads other than the default quiet NaN") {
    check_golden(double_from_bits(0x7ff8000000000001), "nan(0x7ff8000000000001)");
    check_golden(double_from_bits(0xfff8000000000000), "nan(0xfff8000000000000)");
    check_golden(double_from_bits(0x7ff0000000000001), "nan(0x7ff0000000000001)");
    check_golden(Vector2{float_from_bits(0x7fc00001), float_from_bits(0x7fc00000)},
                 "Vector2(nan(0x7fc00001), nan)");
  }
  SECTION("float32 components print float32-shortest, without a forced .0") {
    check_golden(Vector2{0.1f, 1.0f}, "Vector2(0.1, 1)");
    check_golden(Vector3{-0.0f, 3.4028235e38f, 1e-45f}, "Vector3(-0, 3.4028235e+38, 1e-45)");
  }
  SECTION("int64 extremes") {
    check_golden(std::numeric_limits<int64_t>::max(), "9223372036854775807");
    check_golden(std::numeric_limits<int64_t>::min(), "-9223372036854775808");
  }
}

TEST_CASE("to_text escapes strings so any bytes round-trip", "[text]") {
  check_golden("plain", "\"plain\"");
  check_golden("quote \" and \\ backslash", R"("quote \" and \\ backslash")");
  check_golden("line\nbreak\ttab\r", R"("line\nbreak\ttab\r")");
  check_golden(std::string("nul\0bell\x07"
                           "del\x7f",
                           13),
               R"("nul\u0000bell\u0007del\u007f")");
  check_golden("héllo ✓ 😀", "\"héllo ✓ 😀\"");
  SECTION("bytes that are not valid UTF-8 print as \\xNN") {
    check_golden(std::string("\xff\xc3", 2), R"("\xff\xc3")");
    check_golden(std::string("\xed\xa0\x80", 3), R"("\xed\xa0\x80")");  // encoded surrogate
    check_golden(std::string("\xc0\xaf", 2), R"("\xc0\xaf")");          // overlong '/'
    check_golden(std::string("a\xe2\x9c", 3), R"("a\xe2\x9c")");        // truncated ✓
  }
  SECTION("parse accepts \\u, surrogate pairs, \\U and literal newlines") {
    CHECK(parse_ok(R"("\u00e9\ud83d\ude00\U01F600")") == Variant("é😀😀"));
    CHECK(parse_ok("\"two\nlines\"") == Variant("two\nlines"));
    CHECK(parse_ok(R"("\'\/")") == Variant("'/"));
  }
}

TEST_CASE("to_text writes names, paths and references", "[text]") {
  check_golden(StringName{"name"}, "&\"name\"");
  check_golden(NodePath{{"A", "B"}, {"x"}, false}, "NodePath(\"A/B:x\")");
  check_golden(NodePath{{"root", "Main"}, {}, true}, "NodePath(\"/root/Main\")");
  check_golden(NodePath{}, "NodePath(\"\")");
  CHECK(parse_ok("^\"A/B:x:y\"") == Variant(NodePath{{"A", "B"}, {"x", "y"}, false}));
  SECTION("a path no Godot string can spell uses the structured form") {
    check_golden(NodePath{{"a/b", ""}, {"x:y"}, true},
                 "NodePath(PackedStringArray(\"a/b\", \"\"), PackedStringArray(\"x:y\"), true)");
  }
  check_golden(RID{}, "RID()");
  check_golden(RID{123}, "RID(123)");
  check_golden(RID{UINT64_MAX}, "RID(18446744073709551615)");
  check_golden(Callable{}, "Callable()");
  check_golden(Signal{}, "Signal()");
  check_golden(Signal{"pressed", 77}, "Signal(\"pressed\", 77)");
}

TEST_CASE("to_text writes objects by id and in full", "[text]") {
  check_golden(Object{}, "Object(0)");
  check_golden(Object{1234, nullptr}, "Object(1234)");
  auto full = std::make_shared<FullObject>();
  full->class_name = "Node2D";
  full->property_names = {"name", "position"};
  full->property_values = {Variant("Player"), Variant(Vector2{1, 2})};
  check_golden(Object{0, full}, "Object(Node2D,\"name\":\"Player\",\"position\":Vector2(1, 2))");
  check_golden(Object{9, full}, "Object(9, Node2D,\"name\":\"Player\",\"position\":Vector2(1, 2))");
  auto odd = std::make_shared<FullObject>();
  odd->class_name = "not an identifier";
  check_golden(Object{0, odd}, "Object(\"not an identifier\")");
  CHECK(parse_ok("Object(Node,)").get<Object>().full->class_name == "Node");
}

TEST_CASE("to_text writes math types in Godot's component order", "[text]") {
  check_golden(Vector2{1, 2}, "Vector2(1, 2)");
  check_golden(Vector2i{1, -2}, "Vector2i(1, -2)");
  check_golden(Rect2{{1, 2}, {3, 4}}, "Rect2(1, 2, 3, 4)");
  check_golden(Rect2i{{1, 2}, {3, 4}}, "Rect2i(1, 2, 3, 4)");
  check_golden(Vector3{1.5f, 2, 3}, "Vector3(1.5, 2, 3)");
  check_golden(Vector3i{1, 2, 3}, "Vector3i(1, 2, 3)");
  check_golden(Vector4{1, 2, 3, 4}, "Vector4(1, 2, 3, 4)");
  check_golden(Vector4i{1, 2, 3, 4}, "Vector4i(1, 2, 3, 4)");
  check_golden(Transform2D{{Vector2{1, 2}, Vector2{3, 4}, Vector2{5, 6}}},
               "Transform2D(1, 2, 3, 4, 5, 6)");
  check_golden(Plane{{0, 1, 0}, 5}, "Plane(0, 1, 0, 5)");
  check_golden(Quaternion{}, "Quaternion(0, 0, 0, 1)");
  check_golden(AABB{{1, 2, 3}, {4, 5, 6}}, "AABB(1, 2, 3, 4, 5, 6)");
  Basis b;
  b.rows[0] = {1, 2, 3};  // rows print in order: row 0 first
  check_golden(b, "Basis(1, 2, 3, 0, 1, 0, 0, 0, 1)");
  check_golden(Transform3D{b, {7, 8, 9}}, "Transform3D(1, 2, 3, 0, 1, 0, 0, 0, 1, 7, 8, 9)");
  Projection p;
  p.columns[3] = {5, 6, 7, 1};  // column-major: column 3 is the last four numbers
  check_golden(p, "Projection(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 5, 6, 7, 1)");
  check_golden(Color{1, 0.5f, 0, 1}, "Color(1, 0.5, 0, 1)");
}

TEST_CASE("to_text writes containers in insertion order", "[text]") {
  Array a;
  a.items = {1, "x", Array{}};
  check_golden(a, "[1, \"x\", []]");
  Array typed;
  typed.element_type = {ContainerKind::kBuiltin, Type::INT, ""};
  typed.items = {1, 2};
  check_golden(typed, "Array[int]([1, 2])");
  Array by_class;
  by_class.element_type = {ContainerKind::kClassName, Type::NIL, "Node"};
  check_golden(by_class, "Array[Node]([])");
  Array by_script;
  by_script.element_type = {ContainerKind::kScript, Type::NIL, "res://enemy.gd"};
  check_golden(by_script, "Array[Resource(\"res://enemy.gd\")]([])");

  Dictionary d;
  d.set("b", 1);
  d.set("a", 2);  // not sorted: insertion order is kept
  d.set(3, Array{});
  check_golden(d, "{\"b\": 1, \"a\": 2, 3: []}");
  CHECK(to_text(d, {.multiline = true}) == "{\n\"b\": 1,\n\"a\": 2,\n3: []\n}");
  CHECK(parse_ok(to_text(d, {.multiline = true})) == Variant(d));
  check_golden(Dictionary{}, "{}");

  Dictionary td;
  td.key_type = {ContainerKind::kBuiltin, Type::STRING, ""};
  td.value_type = {ContainerKind::kBuiltin, Type::INT, ""};
  td.set("a", 1);
  check_golden(td, "Dictionary[String, int]({\"a\": 1})");
  Dictionary half;
  half.value_type = {ContainerKind::kClassName, Type::NIL, "int"};  // a class named like a builtin
  check_golden(half, "Dictionary[Variant, \"int\"]({})");
}

TEST_CASE("to_text flattens packed arrays", "[text]") {
  check_golden(PackedByteArray{1, 255}, "PackedByteArray(1, 255)");
  check_golden(PackedInt32Array{1, -2}, "PackedInt32Array(1, -2)");
  check_golden(PackedInt64Array{INT64_MIN}, "PackedInt64Array(-9223372036854775808)");
  check_golden(PackedFloat32Array{0, 0.5f}, "PackedFloat32Array(0, 0.5)");
  check_golden(PackedFloat64Array{1, 0.1}, "PackedFloat64Array(1, 0.1)");
  check_golden(PackedStringArray{"a", "b"}, "PackedStringArray(\"a\", \"b\")");
  check_golden(PackedVector2Array{{1, 2}, {3, 4}}, "PackedVector2Array(1, 2, 3, 4)");
  check_golden(PackedVector3Array{{1, 2, 3}}, "PackedVector3Array(1, 2, 3)");
  check_golden(PackedColorArray{{1, 0, 0, 1}}, "PackedColorArray(1, 0, 0, 1)");
  check_golden(PackedVector4Array{{1, 2, 3, 4}}, "PackedVector4Array(1, 2, 3, 4)");
  check_golden(PackedVector2Array{}, "PackedVector2Array()");
  CHECK(parse_ok("PackedByteArray(\"AQL/\")") == Variant(PackedByteArray{1, 2, 255}));
}

TEST_CASE("parse_text reads the examples of the spec, Godot 3 and 4", "[text]") {
  CHECK(parse_ok("Vector2( 1, 2 )") == Variant(Vector2{1, 2}));
  Transform3D t;
  t.origin = {1, 2, 3};
  CHECK(parse_ok("Transform( 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3 )") == Variant(t));
  CHECK(parse_ok("Quat( 0, 0, 0, 1 )") == Variant(Quaternion{}));
  CHECK(parse_ok("PoolRealArray( 1.5, 0.1 )") == Variant(PackedFloat32Array{1.5f, 0.1f}));
  CHECK(parse_ok("PoolIntArray( 1, 2 )") == Variant(PackedInt32Array{1, 2}));
  CHECK(parse_ok("PoolStringArray( \"a\" )") == Variant(PackedStringArray{"a"}));
  CHECK(parse_ok("PoolVector2Array( 1, 2 )") == Variant(PackedVector2Array{{1, 2}}));
  CHECK(parse_ok("PoolVector3Array( 1, 2, 3 )") == Variant(PackedVector3Array{{1, 2, 3}}));
  CHECK(parse_ok("PoolColorArray( 1, 0, 0, 1 )") == Variant(PackedColorArray{{1, 0, 0, 1}}));
  CHECK(parse_ok("PoolByteArray( 1, 2 )") == Variant(PackedByteArray{1, 2}));
  CHECK(parse_ok("NodePath(\"A/B:x\")") == Variant(NodePath{{"A", "B"}, {"x"}, false}));
  Array ints;
  ints.items = {1, 2};
  CHECK(parse_ok("[ 1, 2 ]") == Variant(ints));
  Dictionary d;
  Array colors;
  colors.items = {Color{1, 0, 0, 1}};
  d.set(2, colors);
  d.set("a", 1);
  CHECK(parse_ok("{\n2: [ Color( 1, 0, 0, 1 ) ],\n\"a\": 1\n}") == Variant(d));
  CHECK(parse_ok("1.0") == Variant(1.0));
  CHECK(parse_ok("0.1") == Variant(0.1));
  CHECK(parse_ok("1.23457e+08") == Variant(1.23457e+08));
  CHECK(parse_ok("Array[int]([1, 2])").get<Array>().element_type.builtin == Type::INT);
}

TEST_CASE("parse_text merges a String key and a StringName key with the same characters",
          "[text]") {
  // Godot 4: str_to_var('{"a": 1, &"a": 2}') has one entry, key String "a", value 2; 1 and 1.0
  // stay two keys.
  auto parsed = parse_text(R"({"a": 1, &"a": 2, 1: 3, 1.0: 4})");
  REQUIRE_OK(parsed);
  const Dictionary& d = parsed->get<Dictionary>();
  REQUIRE(d.size() == 3);
  CHECK(d.keys()[0] == Variant("a"));
  CHECK(*d.find(StringName{"a"}) == Variant(2));
  CHECK(*d.find(Variant(1)) == Variant(3));
  CHECK(*d.find(Variant(1.0)) == Variant(4));
  CHECK(to_text(*parsed) == R"({"a": 2, 1: 3, 1.0: 4})");
}

TEST_CASE("Dictionary keys compare as Godot's: String and StringName alike, floats by value",
          "[text]") {
  CHECK(key_equal(Variant("a"), Variant(StringName{"a"})));
  CHECK(key_equal(Variant(StringName{"a"}), Variant("a")));
  CHECK(key_hash(Variant("a")) == key_hash(Variant(StringName{"a"})));
  CHECK_FALSE(key_equal(Variant("a"), Variant(StringName{"b"})));
  CHECK_FALSE(key_equal(Variant(1), Variant(1.0)));
  CHECK_FALSE(key_equal(Variant("1"), Variant(1)));
  // Float components compare by value, NaN equal to NaN, in keys of every depth.
  CHECK(key_equal(Variant(0.0), Variant(-0.0)));
  CHECK(key_hash(Variant(0.0)) == key_hash(Variant(-0.0)));
  const double other_nan = std::bit_cast<double>(0xfff8000000000001ull);
  CHECK(key_equal(Variant(std::numeric_limits<double>::quiet_NaN()), Variant(other_nan)));
  CHECK(key_hash(Variant(std::numeric_limits<double>::quiet_NaN())) ==
        key_hash(Variant(other_nan)));
  CHECK(key_equal(Variant(Vector3{0.0f, 1, 2}), Variant(Vector3{-0.0f, 1, 2})));
  CHECK(key_equal(Variant(PackedFloat64Array{-0.0}), Variant(PackedFloat64Array{0.0})));
  CHECK_FALSE(key_equal(Variant(Vector3{0.0f, 1, 2}), Variant(Vector3{0.0f, 1, 3})));
  CHECK_FALSE(Variant(0.0) == Variant(-0.0));  // a Variant's own == stays identity
  // Inside an Array key the elements keep their types: "a" and &"a" differ there.
  Array plain, named;
  plain.items = {"a"};
  named.items = {StringName{"a"}};
  CHECK_FALSE(key_equal(Variant(plain), Variant(named)));
  // The hash index of a large Dictionary (16 keys or more) follows the same rule.
  Dictionary d;
  for (int i = 0; i < 40; ++i) d.set("k" + std::to_string(i), i);
  for (int i = 0; i < 40; ++i) d.set(StringName{"k" + std::to_string(i)}, 100 + i);
  REQUIRE(d.size() == 40);
  CHECK(d.keys()[7] == Variant("k7"));
  CHECK(*d.find(Variant("k7")) == Variant(107));
  CHECK(d.erase(StringName{"k7"}));
  CHECK(d.find(Variant("k7")) == nullptr);
}

TEST_CASE("parse_text accepts common alternatives", "[text]") {
  CHECK(parse_ok("0x1F") == Variant(31));
  CHECK(parse_ok("-0x10") == Variant(-16));
  CHECK(parse_ok("1e5") == Variant(1e5));
  CHECK(parse_ok(".5") == Variant(0.5));
  CHECK(parse_ok("inf_neg") == Variant(-std::numeric_limits<double>::infinity()));
  CHECK(parse_ok("nil") == Variant());
  CHECK(parse_ok(" \n\t[\n1 ,\n2 ,\n] \n").get<Array>().items.size() == 2);
  CHECK(parse_ok("{\"a\": 1,}").get<Dictionary>().size() == 1);
  CHECK(parse_ok("Vector3(1, 2, 3,)") == Variant(Vector3{1, 2, 3}));
  CHECK(parse_ok("Vector2(0x10, 1e1)") == Variant(Vector2{16, 10}));
  CHECK(parse_ok("Vector2(-0, -nan(0x7fc00000))") ==
        Variant(Vector2{-0.0f, float_from_bits(0xffc00000)}));
  CHECK(parse_ok("StringName(\"n\")") == Variant(StringName{"n"}));
  CHECK(parse_ok("Dictionary({})") == Variant(Dictionary{}));
}

// ---- randomized round trip over all 39 types ----

class RandomVariants {
 public:
  explicit RandomVariants(uint64_t seed) : rng_(seed) {}

  Variant any(int depth) {
    const int type = pick(0, kTypeCount - 1);
    return of_type(static_cast<Type>(type), depth);
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  uint64_t bits64() { return rng_(); }

  double real64() {
    static const double kEdges[] = {0.0,
                                    -0.0,
                                    1.0,
                                    0.1,
                                    1e308,
                                    std::numeric_limits<double>::denorm_min(),
                                    std::numeric_limits<double>::max(),
                                    std::numeric_limits<double>::infinity(),
                                    -std::numeric_limits<double>::infinity(),
                                    std::bit_cast<double>(uint64_t{0x7ff8000000000000}),
                                    std::bit_cast<double>(uint64_t{0xfff0000000000001}),
                                    123456789.123456789};
    switch (pick(0, 2)) {
      case 0:
        return kEdges[pick(0, std::size(kEdges) - 1)];
      case 1:
        return std::bit_cast<double>(bits64());  // any pattern, NaNs included
      default:
        return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
    }
  }
  float real32() {
    static const float kEdges[] = {0.0f,
                                   -0.0f,
                                   0.1f,
                                   std::numeric_limits<float>::denorm_min(),
                                   std::numeric_limits<float>::max(),
                                   std::numeric_limits<float>::infinity(),
                                   std::bit_cast<float>(uint32_t{0x7fc00000}),
                                   std::bit_cast<float>(uint32_t{0x7f800001})};
    switch (pick(0, 2)) {
      case 0:
        return kEdges[pick(0, std::size(kEdges) - 1)];
      case 1:
        return std::bit_cast<float>(static_cast<uint32_t>(bits64()));
      default:
        return std::uniform_real_distribution<float>(-100, 100)(rng_);
    }
  }
  int64_t integer() {
    switch (pick(0, 2)) {
      case 0:
        return std::numeric_limits<int64_t>::min();
      case 1:
        return static_cast<int64_t>(bits64());
      default:
        return pick(-1000, 1000);
    }
  }
  std::string text() {
    static const char* kPieces[] = {"a", "Z",    " ",    "\"",   "\\",           "\n", "é", "😀",
                                    "✓", "\xff", "\xc3", "\x80", "\xed\xa0\x80", "/",  ":", "\x01"};
    std::string s;
    const int n = pick(0, 6);
    for (int i = 0; i < n; ++i) s += kPieces[pick(0, std::size(kPieces) - 1)];
    if (pick(0, 9) == 0) s.push_back('\0');
    return s;
  }
  std::string identifier() {
    static const char* kNames[] = {"Node", "Node2D", "Sprite_2", "int", "Variant", "a b", ""};
    return kNames[pick(0, std::size(kNames) - 1)];
  }
  ContainerType container_type() {
    ContainerType t;
    switch (pick(0, 3)) {
      case 0:
        break;
      case 1:
        t.kind = ContainerKind::kBuiltin;
        t.builtin = static_cast<Type>(pick(0, kTypeCount - 1));
        break;
      case 2:
        t.kind = ContainerKind::kClassName;
        t.name = identifier();
        break;
      default:
        t.kind = ContainerKind::kScript;
        t.name = "res://" + text() + ".gd";
    }
    return t;
  }
  template <class T>
  T floats() {
    float parts[sizeof(T) / 4];
    for (float& f : parts) f = real32();
    T v;
    std::memcpy(static_cast<void*>(&v), parts, sizeof(T));
    return v;
  }
  template <class T>
  T ints() {
    int32_t parts[sizeof(T) / 4];
    for (int32_t& i : parts) i = static_cast<int32_t>(bits64());
    T v;
    std::memcpy(static_cast<void*>(&v), parts, sizeof(T));
    return v;
  }
  template <class E, class Fn>
  std::vector<E> many(Fn&& make) {
    std::vector<E> out(static_cast<size_t>(pick(0, 4)));
    for (E& e : out) e = make();
    return out;
  }
  Variant nested(int depth) { return depth <= 0 ? Variant(integer()) : any(depth - 1); }

  Variant object(int depth) {
    Object o;
    o.instance_id = pick(0, 1) ? bits64() : 0;
    if (pick(0, 1)) {
      auto full = std::make_shared<FullObject>();
      full->class_name = identifier();
      const int n = pick(0, 3);
      for (int i = 0; i < n; ++i) {
        full->property_names.push_back(text());
        full->property_values.push_back(nested(depth));
      }
      o.full = std::move(full);
    }
    return o;
  }

  Variant of_type(Type type, int depth) {
    switch (type) {
      case Type::NIL:
        return Variant();
      case Type::BOOL:
        return pick(0, 1) == 1;
      case Type::INT:
        return integer();
      case Type::FLOAT:
        return real64();
      case Type::STRING:
        return text();
      case Type::VECTOR2:
        return floats<Vector2>();
      case Type::VECTOR2I:
        return ints<Vector2i>();
      case Type::RECT2:
        return floats<Rect2>();
      case Type::RECT2I:
        return ints<Rect2i>();
      case Type::VECTOR3:
        return floats<Vector3>();
      case Type::VECTOR3I:
        return ints<Vector3i>();
      case Type::VECTOR4:
        return floats<Vector4>();
      case Type::VECTOR4I:
        return ints<Vector4i>();
      case Type::TRANSFORM2D:
        return floats<Transform2D>();
      case Type::PLANE:
        return floats<Plane>();
      case Type::QUATERNION:
        return floats<Quaternion>();
      case Type::AABB:
        return floats<AABB>();
      case Type::BASIS:
        return floats<Basis>();
      case Type::TRANSFORM3D:
        return floats<Transform3D>();
      case Type::PROJECTION:
        return floats<Projection>();
      case Type::COLOR:
        return floats<Color>();
      case Type::STRING_NAME:
        return StringName{text()};
      case Type::NODE_PATH:
        return NodePath{many<std::string>([&] { return text(); }),
                        many<std::string>([&] { return text(); }), pick(0, 1) == 1};
      case Type::RID:
        return RID{pick(0, 1) ? bits64() : 0};
      case Type::OBJECT:
        return object(depth);
      case Type::CALLABLE:
        return Callable{};
      case Type::SIGNAL:
        return Signal{text(), pick(0, 1) ? bits64() : 0};
      case Type::DICTIONARY: {
        Dictionary d;
        if (pick(0, 2) == 0) d.key_type = container_type();
        if (pick(0, 2) == 0) d.value_type = container_type();
        const int n = pick(0, 4);
        for (int i = 0; i < n; ++i) d.set(nested(depth), nested(depth));
        return d;
      }
      case Type::ARRAY: {
        Array a;
        if (pick(0, 2) == 0) a.element_type = container_type();
        a.items = many<Variant>([&] { return nested(depth); });
        return a;
      }
      case Type::PACKED_BYTE_ARRAY:
        return many<uint8_t>([&] { return static_cast<uint8_t>(bits64()); });
      case Type::PACKED_INT32_ARRAY:
        return many<int32_t>([&] { return static_cast<int32_t>(integer()); });
      case Type::PACKED_INT64_ARRAY:
        return many<int64_t>([&] { return integer(); });
      case Type::PACKED_FLOAT32_ARRAY:
        return many<float>([&] { return real32(); });
      case Type::PACKED_FLOAT64_ARRAY:
        return many<double>([&] { return real64(); });
      case Type::PACKED_STRING_ARRAY:
        return many<std::string>([&] { return text(); });
      case Type::PACKED_VECTOR2_ARRAY:
        return many<Vector2>([&] { return floats<Vector2>(); });
      case Type::PACKED_VECTOR3_ARRAY:
        return many<Vector3>([&] { return floats<Vector3>(); });
      case Type::PACKED_COLOR_ARRAY:
        return many<Color>([&] { return floats<Color>(); });
      case Type::PACKED_VECTOR4_ARRAY:
        return many<Vector4>([&] { return floats<Vector4>(); });
    }
    return Variant();
  }

  std::mt19937_64 rng_;
};

TEST_CASE("parse_text(to_text(v)) == v for random values of all 39 types", "[text]") {
  RandomVariants gen(20240611);
  int types_seen[kTypeCount] = {};
  for (int i = 0; i < 3000; ++i) {
    const Variant v = gen.any(3);
    ++types_seen[static_cast<int>(v.type())];
    for (bool multiline : {false, true}) {
      const std::string text = to_text(v, {.multiline = multiline});
      auto back = parse_text(text);
      INFO("text: " << text);
      REQUIRE_OK(back);
      REQUIRE(back.value() == v);
      REQUIRE(to_text(back.value(), {.multiline = multiline}) == text);
    }
  }
  for (int t = 0; t < kTypeCount; ++t) {
    INFO("type " << type_name(static_cast<Type>(t)));
    CHECK(types_seen[t] > 0);
  }
}

// ---- malformed input ----

TEST_CASE("parse_text rejects malformed input with the offset and what was expected", "[text]") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "at char 0: expected a value, found end of input"},
      {"   ", "at char 3: expected a value"},
      {"Vector3(1, 2, 3 4)", "at char 16: expected ')' after Vector3 components"},
      {"Vector3(1, 2)", "at char 12: expected ',' before component 3 of 3 in Vector3"},
      {"Vector2(1, \"x\")", "at char 11: expected a number"},
      {"Vector2i(1, 2.5)", "at char 12: expected an integer"},
      {"Vector2i(1, 4294967296)", "at char 12: 4294967296 is out of range"},
      {"[1, 2", "at char 5: expected ',' or ']' in the array opened at char 0"},
      {"{\"a\" 1}", "at char 5: expected ':' after a dictionary key"},
      {"{\"a\": 1 \"b\": 2}", "at char 8: expected ',' or '}' in the dictionary"},
      {"\"abc", "at char 0: unterminated string"},
      {"\"\\u12\"", "at char 5: expected 4 hex digits after \\u"},
      {"\"\\ud800\"", "at char 1: high surrogate \\ud800 must be followed"},
      {"\"\\udc00\"", "at char 1: unpaired low surrogate"},
      {"\"\\x4\"", "at char 4: expected 2 hex digits after \\x"},
      {"9223372036854775808", "at char 0: integer out of range"},
      {"-9223372036854775809", "at char 0: integer out of range"},
      {"nan(0x7ff0000000000000)", "at char 0: 0x7ff0000000000000 is not a NaN bit pattern"},
      {"Vector2(nan(0x7ff8000000000000), 0)", "is wider than 32 bits"},
      {"nan(0x1", "at char 7: expected ')' after the NaN payload"},
      {"1 2", "at char 2: expected end of input after the value, found '2'"},
      {"Vector9(1)", "at char 0: unknown identifier 'Vector9'"},
      {"PackedVector2Array(1, 2, 3)", "needs a multiple of 2 numbers, got 3"},
      {"PackedByteArray(256)", "256 is out of range for an element of PackedByteArray"},
      {"PackedByteArray(\"A*\")", "invalid base64 character"},
      {"RID(-1)", "at char 4: expected a non-negative integer for a RID id"},
      {"Object(Node, name: 1)", "at char 13: expected a quoted string for an Object property"},
      {"Signal(\"s\")", "at char 10: expected ','"},
      {"NodePath(1, 2, 3)", "at char 9: expected a PackedStringArray for the NodePath names"},
      {"Array[int](1)", "at char 11: expected '[' in Array(...)"},
      {"Dictionary[int]({})", "at char 14: expected ',' between the Dictionary key and value"},
      {"&x", "at char 1: expected '\"' after '&'"},
      {"1.5.5", "at char 3: unexpected '.' in a number"},
      {"12abc", "at char 2: unexpected 'a' in a number"},
      {"1e", "at char 2: expected exponent digits"},
      {"@", "at char 0: expected a value, found '@'"},
      {"\x80", "at char 0: expected a value, found byte 0x80"},
  };
  for (const auto& c : cases) {
    INFO("input: " << c.text);
    auto r = parse_text(c.text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains(c.message));
  }
}

TEST_CASE("parse_text survives truncations of valid text", "[text]") {
  const std::string text =
      R"({"a": [1, 2.5, Vector3(1, 2, 3)], &"k": Object(Node,"x":PackedInt32Array(1, 2)),)"
      R"( 3: Dictionary[String, int]({"q": -0x10}), "s": "\u00e9\xff"})";
  REQUIRE_OK(parse_text(text));
  for (size_t n = 0; n < text.size(); ++n) {
    auto r = parse_text(std::string_view(text).substr(0, n));
    INFO("prefix length " << n);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::StartsWith("at char "));
  }
}

TEST_CASE("parse_text limits nesting to 1024 levels", "[text]") {
  SECTION("1024 nested arrays parse") {
    const std::string deep = std::string(1024, '[') + std::string(1024, ']');
    REQUIRE_OK(parse_text(deep));
  }
  SECTION("1025 nested arrays are refused at the 1025th bracket (offset 1024)") {
    const std::string deep = std::string(1025, '[') + std::string(1025, ']');
    auto r = parse_text(deep);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("at char 1024: nesting deeper than 1024"));
  }
  SECTION("a million open brackets and braces do not overflow the stack") {
    std::string bomb;
    for (int i = 0; i < 500000; ++i) bomb += "[{1:";
    auto r = parse_text(bomb);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("nesting deeper than 1024"));
  }
  SECTION("objects count toward the depth") {
    std::string deep;
    for (int i = 0; i < 1100; ++i) deep += "Object(Node,\"p\":";
    auto r = parse_text(deep);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("nesting deeper than 1024"));
  }
}

}  // namespace
}  // namespace reel
