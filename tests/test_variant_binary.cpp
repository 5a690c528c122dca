// Specification tests for the Godot Variant binary codec (format/variant_binary_*.cpp).
#include <bit>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <sstream>

#include "reel/variant/variant_binary.h"
#include "reel/variant/variant_text.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::from_hex;
using testing::to_hex;

constexpr EncodeOptions kG3Encode{GodotDialect::kGodot3, false};
constexpr EncodeOptions kG4Full{GodotDialect::kGodot4, true};
DecodeOptions g3_decode() {
  return DecodeOptions{.dialect = GodotDialect::kGodot3};
}
DecodeOptions with_objects(GodotDialect d = GodotDialect::kGodot4) {
  return DecodeOptions{.dialect = d, .allow_objects = true};
}

std::vector<uint8_t> encode_ok(const Variant& v, const EncodeOptions& o = {}) {
  auto r = encode_to_bytes(v, o);
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  return *r;
}

Variant decode_ok(const std::vector<uint8_t>& bytes, const DecodeOptions& o = {}) {
  auto r = decode_variant(bytes, o);
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  CHECK(r->bytes_read == bytes.size());
  return std::move(r->value);
}

Status decode_error(const std::vector<uint8_t>& bytes, const DecodeOptions& o = {}) {
  auto r = decode_variant(bytes, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().rfind("at byte ", 0) == 0);
  return r.status();
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

Variant array_of(std::vector<Variant> items, ContainerType type = {}) {
  Array a;
  a.element_type = std::move(type);
  a.items = std::move(items);
  return a;
}

Variant dict_of(std::vector<std::pair<Variant, Variant>> pairs, ContainerType key_type = {},
                ContainerType value_type = {}) {
  Dictionary d;
  d.key_type = std::move(key_type);
  d.value_type = std::move(value_type);
  for (auto& [k, v] : pairs) d.set(k, v);
  return d;
}

ContainerType builtin(Type t) {
  return {ContainerKind::kBuiltin, t, ""};
}

NodePath node_path(std::vector<std::string> names, std::vector<std::string> subnames,
                   bool absolute) {
  return NodePath{std::move(names), std::move(subnames), absolute};
}

// ---------------------------------------------------------------------------------------------
// The Godot 4 vectors (tests/vectors/godot4.tsv: what a real Godot 4.6 prints for each value,
// made by tests/vectors/make_godot4_vectors.gd; tests/test_godot4_vectors.cpp keeps it so).

struct VectorRow {
  std::string version, description, literal, hex;
};

std::vector<VectorRow> read_vectors() {
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

// Hand-built values for the vector rows, keyed by description.
const std::map<std::string, Variant>& expected_values() {
  static const std::map<std::string, Variant> table = [] {
    std::map<std::string, Variant> t;
    t["BOOL true"] = true;
    t["BOOL false"] = false;
    t["INT 0"] = 0;
    t["INT -1"] = -1;
    t["INT INT32_MAX (32-bit)"] = int64_t{2147483647};
    t["INT INT32_MAX+1 (64-bit)"] = int64_t{2147483648};
    t["INT INT32_MIN (32-bit)"] = int64_t{-2147483648LL};
    t["INT INT32_MIN-1 (64-bit)"] = int64_t{-2147483649LL};
    t["INT INT64_MIN"] = std::numeric_limits<int64_t>::min();
    t["INT INT64_MAX"] = std::numeric_limits<int64_t>::max();
    t["FLOAT 0.0"] = 0.0;
    t["FLOAT -0.0 (float32-representable -> 4 bytes, sign kept)"] = -0.0;
    t["FLOAT 1.0"] = 1.0;
    t["FLOAT 0.5 (fits float32)"] = 0.5;
    t["FLOAT 0.1 (64-bit)"] = 0.1;
    t["FLOAT 1e300 (64-bit)"] = 1e300;
    t["FLOAT INF (fits float32)"] = std::numeric_limits<double>::infinity();
    t["FLOAT -INF (fits float32)"] = -std::numeric_limits<double>::infinity();
    t["FLOAT NAN (NaN!=NaN -> 64-bit)"] = std::numeric_limits<double>::quiet_NaN();
    t["STRING empty"] = "";
    t["STRING a (3 pad bytes)"] = "a";
    t["STRING abcd (no pad)"] = "abcd";
    t["STRING abcde (3 pad)"] = "abcde";
    t["STRING UTF-8 h\\u00e9llo (6 bytes)"] = "h\xc3\xa9llo";
    t["STRING_NAME abc (same payload as String)"] = StringName{"abc"};
    t["STRING_NAME empty"] = StringName{};
    t["VECTOR2 (1,2)"] = Vector2{1, 2};
    t["VECTOR2 (0.1,-3.5)"] = Vector2{0.1f, -3.5f};
    t["VECTOR2I (1,-2)"] = Vector2i{1, -2};
    t["RECT2 (1,2,3,4)"] = Rect2{{1, 2}, {3, 4}};
    t["RECT2I (1,2,3,4)"] = Rect2i{{1, 2}, {3, 4}};
    t["VECTOR3 (1,2,3)"] = Vector3{1, 2, 3};
    t["VECTOR3I (1,2,-3)"] = Vector3i{1, 2, -3};
    constexpr float kInf = std::numeric_limits<float>::infinity();
    constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();
    constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();
    t["VECTOR4 (1,2,3,4)"] = Vector4{1, 2, 3, 4};
    t["VECTOR4 zero"] = Vector4{};
    t["VECTOR4 (0.1,-2.5,1e30,-0.0) (float32 each, -0.0 kept)"] =
        Vector4{0.1f, -2.5f, 1e30f, -0.0f};
    t["VECTOR4 (INF,-INF,0.5,-1)"] = Vector4{kInf, -kInf, 0.5f, -1};
    t["VECTOR4I (1,2,3,-4)"] = Vector4i{1, 2, 3, -4};
    t["VECTOR4I zero"] = Vector4i{};
    t["VECTOR4I (INT32_MAX,INT32_MIN,0,-1)"] = Vector4i{kI32Max, kI32Min, 0, -1};
    const Transform2D xform{{Vector2{1, 2}, Vector2{3, 4}, Vector2{5, 6}}};
    t["TRANSFORM2D x=(1,2) y=(3,4) origin=(5,6): columns x,y,origin"] = xform;
    t["TRANSFORM2D identity"] = Transform2D{};
    t["TRANSFORM2D FLIP_X"] = Transform2D{{Vector2{-1, 0}, Vector2{0, 1}, Vector2{0, 0}}};
    t["TRANSFORM2D quarter turn x=(0,1) y=(-1,0) origin=(-1.5,0.25)"] =
        Transform2D{{Vector2{0, 1}, Vector2{-1, 0}, Vector2{-1.5f, 0.25f}}};
    t["TRANSFORM2D x=(0.1,0.2) y=(0.3,0.4) origin=(1e10,-7) (float32 each)"] =
        Transform2D{{Vector2{0.1f, 0.2f}, Vector2{0.3f, 0.4f}, Vector2{1e10f, -7}}};
    t["PLANE normal (1,0,0) d=5"] = Plane{{1, 0, 0}, 5};
    t["QUATERNION identity (x,y,z,w)"] = Quaternion{};
    t["AABB pos(1,2,3) size(4,5,6)"] = AABB{{1, 2, 3}, {4, 5, 6}};
    const Basis basis{{Vector3{1, 4, 7}, Vector3{2, 5, 8}, Vector3{3, 6, 9}}};  // rows
    t["BASIS columns x=(1,2,3) y=(4,5,6) z=(7,8,9): written ROW-major => 1,4,7,2,5,8,3,6,9"] =
        basis;
    t["TRANSFORM3D basis columns (1,2,3)(4,5,6)(7,8,9) origin (10,11,12): basis rows then origin"] =
        Transform3D{basis, {10, 11, 12}};
    t["PROJECTION identity (column-major)"] = Projection{};
    t["PROJECTION columns x=(1,2,3,4) y=(5,6,7,8) z=(9,10,11,12) w=(13,14,15,16)"] =
        Projection{{Vector4{1, 2, 3, 4}, Vector4{5, 6, 7, 8}, Vector4{9, 10, 11, 12},
                    Vector4{13, 14, 15, 16}}};
    t["COLOR (1,0.5,0.25,1) (always float32)"] = Color{1, 0.5f, 0.25f, 1};
    t["NODE_PATH empty"] = NodePath{};
    t["NODE_PATH relative Path2D/PathFollow2D/Sprite:position:x (3 names, 2 subnames)"] =
        node_path({"Path2D", "PathFollow2D", "Sprite"}, {"position", "x"}, false);
    t["NODE_PATH absolute /root/Main (flags=1)"] = node_path({"root", "Main"}, {}, true);
    t["NODE_PATH :position (0 names, 1 subname)"] = node_path({}, {"position"}, false);
    t["RID() (u64 id 0; Godot 4 writes the id, Godot 3 wrote nothing)"] = RID{};
    t["CALLABLE (header only, no payload; decodes to empty Callable)"] = Callable{};
    t["SIGNAL empty (name '' + u64 object id 0)"] = Signal{};
    t["DICTIONARY empty"] = Dictionary{};
    t["DICTIONARY {\"a\": 1}"] = dict_of({{"a", 1}});
    t["DICTIONARY {1: \"x\", \"k\": [1, 2]} (insertion order)"] =
        dict_of({{1, "x"}, {"k", array_of({1, 2})}});
    t["DICTIONARY {Vector4(1,2,3,4): Vector4i(5,6,7,8), Transform2D.IDENTITY: 1}"] =
        dict_of({{Vector4{1, 2, 3, 4}, Vector4i{5, 6, 7, 8}}, {Transform2D{}, 1}});
    // Keys Godot takes as one: dict_of() sets them in order, as the GDScript does.
    t["DICTIONARY \"a\" then &\"a\": one key, the first key's form (String), the last value"] =
        dict_of({{"a", 1}, {StringName{"a"}, 2}});
    t["DICTIONARY &\"a\" then \"a\": one key, the first key's form (StringName), the last value"] =
        dict_of({{StringName{"a"}, 1}, {"a", 2}});
    t["DICTIONARY 0.0 then -0.0: one key, 0.0 kept, the last value"] =
        dict_of({{0.0, 1}, {-0.0, 2}});
    const double nan = std::numeric_limits<double>::quiet_NaN();
    t["DICTIONARY NAN then -NAN (sign bit set): one key, the first NaN kept, the last value"] =
        dict_of({{nan, 1}, {-nan, 2}});
    t["ARRAY empty"] = Array{};
    t["ARRAY [1, \"a\", null]"] = array_of({1, "a", nullptr});
    t["ARRAY [Transform2D(...), Vector4(1,2,3,4), Vector4i(1,2,3,-4)] (untyped)"] =
        array_of({xform, Vector4{1, 2, 3, 4}, Vector4i{1, 2, 3, -4}});
    t["ARRAY typed String [\"a\"]"] = array_of({"a"}, builtin(Type::STRING));
    t["ARRAY typed float, empty"] = array_of({}, builtin(Type::FLOAT));
    t["ARRAY typed Node, empty, var_to_bytes (full_objects=false): CLASS_NAME kind but the "
      "written class is EncodedObjectAsID"] =
        array_of({}, {ContainerKind::kClassName, Type::OBJECT, "EncodedObjectAsID"});
    t["DICTIONARY typed [String, int] {\"a\": 1}"] =
        dict_of({{"a", 1}}, builtin(Type::STRING), builtin(Type::INT));
    t["DICTIONARY typed [Variant, int] {} (only value kind set, bits 18-19; key type not "
      "written)"] = dict_of({}, {}, builtin(Type::INT));
    t["DICTIONARY typed [String, Variant] {} (only key kind set; value type not written)"] =
        dict_of({}, builtin(Type::STRING), {});
    t["ARRAY typed Transform2D [identity, x=(1,2) y=(3,4) origin=(5,6)]"] =
        array_of({Transform2D{}, xform}, builtin(Type::TRANSFORM2D));
    t["ARRAY typed Vector4 [(1,2,3,4), (-0.5,0.25,0,8)]"] =
        array_of({Vector4{1, 2, 3, 4}, Vector4{-0.5f, 0.25f, 0, 8}}, builtin(Type::VECTOR4));
    t["ARRAY typed Vector4, empty"] = array_of({}, builtin(Type::VECTOR4));
    t["ARRAY typed Vector4i [(1,2,3,-4), (INT32_MAX,INT32_MIN,0,0)]"] = array_of(
        {Vector4i{1, 2, 3, -4}, Vector4i{kI32Max, kI32Min, 0, 0}}, builtin(Type::VECTOR4I));
    t["ARRAY typed PackedVector4Array [[(1,2,3,4)], []]"] =
        array_of({PackedVector4Array{{1, 2, 3, 4}}, PackedVector4Array{}},
                 builtin(Type::PACKED_VECTOR4_ARRAY));
    t["DICTIONARY typed [Vector4i, Transform2D] {(1,2,3,4): identity}"] =
        dict_of({{Vector4i{1, 2, 3, 4}, Transform2D{}}}, builtin(Type::VECTOR4I),
                builtin(Type::TRANSFORM2D));
    t["DICTIONARY typed [Transform2D, Vector4] {x=(1,2) y=(3,4) origin=(5,6): (1,2,3,4)}"] =
        dict_of({{xform, Vector4{1, 2, 3, 4}}}, builtin(Type::TRANSFORM2D), builtin(Type::VECTOR4));
    t["DICTIONARY typed [Vector4, Vector4i] {(0.5,0,0,1): (1,-1,0,0)}"] =
        dict_of({{Vector4{0.5f, 0, 0, 1}, Vector4i{1, -1, 0, 0}}}, builtin(Type::VECTOR4),
                builtin(Type::VECTOR4I));
    t["DICTIONARY typed [String, PackedVector4Array] {\"v\": [(1,2,3,4)]}"] =
        dict_of({{"v", PackedVector4Array{{1, 2, 3, 4}}}}, builtin(Type::STRING),
                builtin(Type::PACKED_VECTOR4_ARRAY));
    t["PACKED_BYTE_ARRAY [1,2,3] (1 pad)"] = PackedByteArray{1, 2, 3};
    t["PACKED_BYTE_ARRAY empty"] = PackedByteArray{};
    t["PACKED_INT32_ARRAY [1,-1]"] = PackedInt32Array{1, -1};
    t["PACKED_INT64_ARRAY [1,-1,4294967296]"] = PackedInt64Array{1, -1, 4294967296LL};
    t["PACKED_FLOAT32_ARRAY [1.5,0.1]"] = PackedFloat32Array{1.5f, 0.1f};
    t["PACKED_FLOAT64_ARRAY [1.5,0.1]"] = PackedFloat64Array{1.5, 0.1};
    t["PACKED_STRING_ARRAY [\"a\",\"bc\",\"\",\"abcd\"] (each length includes a NUL terminator)"] =
        PackedStringArray{"a", "bc", "", "abcd"};
    t["PACKED_VECTOR2_ARRAY [(1,2),(3,4)]"] = PackedVector2Array{{1, 2}, {3, 4}};
    t["PACKED_VECTOR3_ARRAY [(1,2,3)]"] = PackedVector3Array{{1, 2, 3}};
    t["PACKED_COLOR_ARRAY [(1,0,0,1)]"] = PackedColorArray{{1, 0, 0, 1}};
    t["PACKED_VECTOR4_ARRAY [(1,2,3,4)] (4.3+)"] = PackedVector4Array{{1, 2, 3, 4}};
    t["PACKED_VECTOR4_ARRAY empty"] = PackedVector4Array{};
    t["PACKED_VECTOR4_ARRAY [(1,2,3,4),(-0.5,0.1,1e-3,-8)]"] =
        PackedVector4Array{{1, 2, 3, 4}, {-0.5f, 0.1f, 1e-3f, -8}};
    t["ARRAY typed Node, empty, var_to_bytes_with_objects: CLASS_NAME kind with real class name"] =
        array_of({}, {ContainerKind::kClassName, Type::OBJECT, "Node"});
    return t;
  }();
  return table;
}

TEST_CASE("every Godot 4 vector decodes and re-encodes to the same bytes", "[binary]") {
  for (const VectorRow& row : read_vectors()) {
    INFO(row.description << " | " << row.hex);
    const bool objects = contains(row.literal, "with_objects");
    DecodeOptions dopt{.dialect = GodotDialect::kGodot4, .allow_objects = objects};
    EncodeOptions eopt{dopt.dialect, objects};
    const auto bytes = from_hex(row.hex);
    const Variant decoded = decode_ok(bytes, dopt);
    CHECK(to_hex(encode_ok(decoded, eopt)) == row.hex);
  }
}

TEST_CASE("Godot 4 vectors decode to hand-built values and those encode to the vector bytes",
          "[binary]") {
  size_t checked = 0;
  std::vector<std::string> unmatched;
  for (const VectorRow& row : read_vectors()) {
    auto it = expected_values().find(row.description);
    if (it == expected_values().end()) {
      unmatched.push_back(row.description);
      continue;
    }
    INFO(row.description << " | " << row.literal);
    const bool objects = contains(row.literal, "with_objects");
    DecodeOptions dopt{.dialect = GodotDialect::kGodot4, .allow_objects = objects};
    CHECK(decode_ok(from_hex(row.hex), dopt) == it->second);
    CHECK(to_hex(encode_ok(it->second, {dopt.dialect, objects})) == row.hex);
    ++checked;
  }
  // Every row but the null-Object one has a hand-built value, and every value a row.
  CHECK(unmatched == std::vector<std::string>{
                         "OBJECT null (Godot 4 encodes an invalid/null Object as plain NIL)"});
  CHECK(checked == expected_values().size());
  CHECK(checked >= 100);
}

TEST_CASE("Godot 3 writes -0.0 as a 4-byte float with the sign kept", "[binary]") {
  // Was a 3.x row of the old derived vector table; tests/vectors/godot4.tsv is Godot 4 only.
  CHECK(to_hex(encode_ok(-0.0, kG3Encode)) == "0300000000000080");
  const Variant back = decode_ok(from_hex("0300000000000080"), g3_decode());
  REQUIRE(back.get_if<double>() != nullptr);
  CHECK(std::signbit(*back.get_if<double>()));
}

TEST_CASE("a null Object encodes as NIL in Godot 4 and per full_objects in Godot 3", "[binary]") {
  CHECK(to_hex(encode_ok(Object{})) == "00000000");
  CHECK(to_hex(encode_ok(Object{}, kG4Full)) == "00000000");
  CHECK(to_hex(encode_ok(Object{}, kG3Encode)) == "110001000000000000000000");
  CHECK(to_hex(encode_ok(Object{}, {GodotDialect::kGodot3, true})) == "1100000000000000");
  CHECK(decode_ok(from_hex("1100000000000000"), with_objects(GodotDialect::kGodot3)) == Object{});
}

TEST_CASE("an Object id round-trips and needs no allow_objects", "[binary]") {
  const Variant id = Object{0x8000000058000054ull, nullptr};
  CHECK(to_hex(encode_ok(id)) == "180001005400005800000080");
  CHECK(decode_ok(encode_ok(id)) == id);
  CHECK(decode_ok(encode_ok(id, kG3Encode), g3_decode()) == id);
}

Variant resource_object() {
  auto full = std::make_shared<FullObject>();
  full->class_name = "Resource";
  full->property_names = {"resource_local_to_scene", "resource_name", "script"};
  full->property_values = {false, "", nullptr};
  return Object{0, full};
}

TEST_CASE("full objects are written with full_objects and refused unless allow_objects",
          "[binary]") {
  const Variant obj = resource_object();
  const auto bytes = encode_ok(array_of({obj}), kG4Full);
  CHECK(to_hex(bytes).rfind("1c0000000100000018000000080000005265736f7572636503000000", 0) == 0);
  const Status refused = decode_error(bytes);
  CHECK(refused.code() == StatusCode::kUnsupported);
  CHECK(contains(refused.message(), "allow_objects"));
  CHECK(decode_ok(bytes, with_objects()) == array_of({obj}));
  // Without full_objects the same object is written as its id.
  CHECK(to_hex(encode_ok(obj)) == "180001000000000000000000");
}

TEST_CASE("a full object's script property must be a res:// path in Godot 4", "[binary]") {
  auto full = std::make_shared<FullObject>();
  full->class_name = "Node";
  full->property_names = {"script"};
  full->property_values = {"user://evil.gd"};
  const auto bytes = encode_ok(Object{0, full}, kG4Full);
  CHECK(contains(decode_error(bytes, with_objects()).message(), "res://"));
  full->property_values = {"res://player.gd"};
  CHECK(decode_ok(encode_ok(Object{0, full}, kG4Full), with_objects()) == Object{0, full});
}

TEST_CASE("typed containers of objects are retyped to EncodedObjectAsID without allow_objects",
          "[binary]") {
  const Variant scripted = array_of({}, {ContainerKind::kScript, Type::OBJECT, "res://enemy.gd"});
  const auto full_bytes = encode_ok(scripted, kG4Full);
  CHECK(to_hex(full_bytes).rfind("1c000300", 0) == 0);
  CHECK(decode_ok(full_bytes, with_objects()) == scripted);
  CHECK(decode_ok(full_bytes) ==
        array_of({}, {ContainerKind::kClassName, Type::OBJECT, "EncodedObjectAsID"}));
  // var_to_bytes writes a scripted type as class EncodedObjectAsID.
  CHECK(to_hex(encode_ok(scripted)) ==
        "1c00020011000000456e636f6465644f626a6563744173494400000000000000");
  // A script descriptor that is not a res:// path is rejected when objects are allowed.
  CHECK(contains(
      decode_error(
          encode_ok(array_of({}, {ContainerKind::kScript, Type::OBJECT, "/etc/passwd"}), kG4Full),
          with_objects())
          .message(),
      "res://"));
}

TEST_CASE("engine-test vectors for typed int containers", "[binary]") {
  const int64_t big = static_cast<int64_t>(0xF123456789ABCDEFull);
  CHECK(to_hex(encode_ok(array_of({big}, builtin(Type::INT)))) ==
        "1c000100020000000100000002000100efcdab89674523f1");
  CHECK(to_hex(encode_ok(dict_of({{big, big}}, builtin(Type::INT), builtin(Type::INT)))) ==
        "1b00050002000000020000000100000002000100efcdab89674523f102000100efcdab89674523f1");
  // kBuiltin NIL means untyped, both ways.
  CHECK(to_hex(encode_ok(array_of({}, builtin(Type::NIL)))) == "1c00000000000000");
  CHECK(decode_ok(from_hex("1c0001000000000000000000")) == Array{});
}

TEST_CASE("Godot 3 dialect uses its own type ids", "[binary]") {
  CHECK(to_hex(encode_ok(Vector3{1, 2, 3}, kG3Encode)) == "070000000000803f0000004000004040");
  CHECK(to_hex(encode_ok(node_path({"root", "Main"}, {}, true), kG3Encode)) ==
        "0f00000002000080000000000100000004000000726f6f74040000004d61696e");
  CHECK(to_hex(encode_ok(RID{77}, kG3Encode)) == "10000000");
  CHECK(decode_ok(from_hex("10000000"), g3_decode()) == RID{});
  CHECK(to_hex(encode_ok(dict_of({{"a", 1}}), kG3Encode)) ==
        "12000000010000000400000001000000610000000200000001000000");
  CHECK(to_hex(encode_ok(PackedStringArray{"a", "bc", "", "abcd"}, kG3Encode)) ==
        "17000000040000000200000061000000030000006263000001000000000000000500000061626364"
        "00000000");
  CHECK(decode_ok(from_hex("1500000001000000feffffff"), g3_decode()) == PackedInt32Array{-2});
  CHECK(decode_ok(from_hex("16000000010000000000c03f"), g3_decode()) == PackedFloat32Array{1.5f});
}

TEST_CASE("Godot 3 dialect refuses types Godot 3 lacks, naming the type", "[binary]") {
  const std::vector<Variant> missing = {Vector2i{},
                                        Rect2i{},
                                        Vector3i{},
                                        Vector4{},
                                        Vector4i{},
                                        Projection{},
                                        StringName{"x"},
                                        Callable{},
                                        Signal{},
                                        PackedInt64Array{},
                                        PackedFloat64Array{},
                                        PackedVector4Array{},
                                        array_of({}, builtin(Type::INT)),
                                        dict_of({}, builtin(Type::STRING))};
  for (const Variant& v : missing) {
    auto r = encode_to_bytes(v, kG3Encode);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    CHECK(contains(r.status().message(), type_name(v.type())));
  }
  // Nested inside a container the whole encode fails and the buffer is left as it was.
  std::vector<uint8_t> out = {9, 9};
  CHECK_FALSE(encode_variant(array_of({1, Vector2i{}}), out, kG3Encode).ok());
  CHECK(out == std::vector<uint8_t>{9, 9});
}

TEST_CASE("a 64-bit real_t payload is refused as a double-precision build", "[binary]") {
  // Vector2(1, 2) as a double-precision build writes it.
  const auto bytes = from_hex("05000100000000000000f03f0000000000000040");
  const Status s = decode_error(bytes);
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(contains(s.message(), "double-precision real_t build"));
  CHECK(decode_error(from_hex("2400010000000000")).code() == StatusCode::kUnsupported);
  // Color is always f32: the flag is ignored, as Godot does.
  CHECK(decode_ok(from_hex("140001000000803f0000003f0000803e0000803f")) ==
        Color{1, 0.5f, 0.25f, 1});
}

TEST_CASE("decode tolerates trailing bytes, unknown header bits and non-0/1 bools", "[binary]") {
  auto r = decode_variant(from_hex("0200000007000000 63636363"));
  REQUIRE_OK(r);
  CHECK(r->value == 7);
  CHECK(r->bytes_read == 8);
  CHECK(decode_ok(from_hex("0200000105000000")) == 5);
  CHECK(decode_ok(from_hex("0100000002000000")) == true);
  CHECK(decode_ok(from_hex("1c00000001000080 00000000")) == array_of({nullptr}));  // "shared" bit
}

TEST_CASE("decode rejects a truncated string and requires its padding", "[binary]") {
  const Status s = decode_error(from_hex("04000000 01000000 61"));
  CHECK(s.code() == StatusCode::kCorruption);
  CHECK(s.message() == "at byte 8: truncated input (String, need 4 bytes, have 1)");
}

TEST_CASE("string decoding stops at NUL, skips a BOM and rejects invalid UTF-8", "[binary]") {
  CHECK(decode_ok(from_hex("04000000 04000000 61006200")) == "a");
  CHECK(decode_ok(from_hex("04000000 04000000 efbbbf61")) == "a");
  const Status bad = decode_error(from_hex("04000000 04000000 61ff6262"));
  CHECK(bad.message() == "at byte 9: invalid UTF-8 (String, byte 1 of 4)");
  CHECK(contains(decode_error(from_hex("04000000 03000000 eda08000")).message(),
                 "invalid UTF-8"));  // a UTF-16 surrogate
  CHECK(contains(decode_error(from_hex("04000000 02000000 c0af0000")).message(),
                 "invalid UTF-8"));  // overlong '/'
  CHECK(contains(decode_error(from_hex("04000000 04000000 f4908080")).message(),
                 "invalid UTF-8"));  // above U+10FFFF
  CHECK(decode_ok(from_hex("04000000 04000000 f09f9880")) == "\xf0\x9f\x98\x80");
  CHECK(contains(decode_error(from_hex("04000000 ffffffff")).message(),
                 "negative string length"));  // negative length
}

TEST_CASE(
    "NodePath decode ignores pad garbage, honours the legacy property flag, rejects the old "
    "format",
    "[binary]") {
  // "/root/Main" with garbage in the pad bytes of nothing (4-byte names) and of "ab".
  CHECK(decode_ok(from_hex("16000000 01000080 00000000 01000000 02000000 6162dead")) ==
        node_path({"ab"}, {}, true));
  // What Godot 4.6 once wrote for NodePath("Path2D/PathFollow2D/Sprite:position:x"): "th" and
  // "00" left in the pads after "Path2D" and "Sprite" (tests/vectors/README.md).
  CHECK(decode_ok(from_hex("16000000030000800200000000000000060000005061746832447468"
                           "0c00000050617468466f6c6c6f7732440600000053707269746530300800"
                           "0000706f736974696f6e0100000078000000")) ==
        node_path({"Path2D", "PathFollow2D", "Sprite"}, {"position", "x"}, false));
  // Flags bit 1: one extra subname follows.
  CHECK(decode_ok(from_hex("16000000 01000080 00000000 02000000 01000000 61000000 01000000 "
                           "78000000")) == node_path({"a"}, {"x"}, false));
  CHECK(contains(decode_error(from_hex("16000000 01000000 00000000 00000000")).message(),
                 "old-format NodePath"));
}

TEST_CASE("a repeated Dictionary key overwrites the earlier value in place", "[binary]") {
  // {"a": 1, "b": 2, "a": 3} -> {"a": 3, "b": 2}
  const auto bytes = from_hex(
      "1b000000 03000000 04000000 01000000 61000000 02000000 01000000"
      "04000000 01000000 62000000 02000000 02000000"
      "04000000 01000000 61000000 02000000 03000000");
  const Variant d = decode_ok(bytes);
  CHECK(d == dict_of({{"a", 3}, {"b", 2}}));
  // Large dictionaries (the de-duplicating path): keys i % 50 for i in 0..199, value i.
  std::vector<uint8_t> big = from_hex("1b000000 c8000000");
  Dictionary expected;
  for (int i = 0; i < 200; ++i) {
    for (int x : {2, i % 50, 2, i}) {
      std::vector<uint8_t> word(4);
      std::memcpy(word.data(), &x, 4);
      big.insert(big.end(), word.begin(), word.end());
    }
    expected.set(i % 50, i);
  }
  CHECK(decode_ok(big) == Variant(expected));
}

TEST_CASE("a String key and a StringName key with the same characters are one key, as in Godot 4",
          "[binary]") {
  // {"a": 1, &"a": 2, 1: 3, 1.0: 4}: Godot keeps the first key's form and takes the last value; an
  // int and a float stay two keys.
  const auto bytes = from_hex(
      "1b000000 04000000 04000000 01000000 61000000 02000000 01000000"
      "15000000 01000000 61000000 02000000 02000000"
      "02000000 01000000 02000000 03000000"
      "03000000 0000803f 02000000 04000000");
  const Variant d = decode_ok(bytes);
  REQUIRE(d.get<Dictionary>().size() == 3);
  CHECK(d.get<Dictionary>().keys()[0].type() == Type::STRING);
  CHECK(d == dict_of({{"a", 2}, {1, 3}, {1.0, 4}}));
  // StringName first: the key stays a StringName.
  const Variant named = decode_ok(from_hex("1b000000 02000000 15000000 01000000 61000000 "
                                           "02000000 01000000 04000000 01000000 61000000 "
                                           "02000000 02000000"));
  CHECK(named == dict_of({{StringName{"a"}, 2}}));
  // The large-dictionary path: 40 names, each as a String then as a StringName.
  std::vector<uint8_t> big = from_hex("1b000000 50000000");
  const auto put_u32 = [&big](uint32_t v) {
    for (int i = 0; i < 4; ++i) big.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  Dictionary expected;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 40; ++i) {
      const std::string name = "k" + std::to_string(i);
      put_u32(static_cast<uint32_t>(round == 0 ? Type::STRING : Type::STRING_NAME));
      put_u32(static_cast<uint32_t>(name.size()));
      big.insert(big.end(), name.begin(), name.end());
      big.resize(big.size() + (4 - name.size() % 4) % 4, 0);
      put_u32(static_cast<uint32_t>(Type::INT));
      put_u32(static_cast<uint32_t>(round * 100 + i));
      if (round == 1) expected.set(name, round * 100 + i);
    }
  }
  const Variant large = decode_ok(big);
  REQUIRE(large.get<Dictionary>().size() == 40);
  CHECK(large == Variant(expected));
}

TEST_CASE("repeated StringName keys of every length class overwrite in place", "[binary]") {
  // The small-dictionary duplicate scan compares StringName keys with word loads by length
  // (1-3, 4-7, 8-16, >16 bytes): same-length near misses must stay distinct.
  // 8 names twice: 16 entries, the largest count that takes the small-dictionary path.
  const std::vector<std::string> names = {"a",
                                          "b",
                                          "abcd",
                                          "abce",
                                          "velocity",
                                          "angular_velocity",
                                          "angular_velocitz",
                                          "angular_velocity_x"};
  std::vector<uint8_t> bytes = from_hex("1b000000");
  const auto put_u32 = [&bytes](uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  put_u32(static_cast<uint32_t>(2 * names.size()));
  Dictionary expected;
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < names.size(); ++i) {
      const int value = round * 100 + static_cast<int>(i);
      put_u32(static_cast<uint32_t>(Type::STRING_NAME));
      put_u32(static_cast<uint32_t>(names[i].size()));
      bytes.insert(bytes.end(), names[i].begin(), names[i].end());
      bytes.resize(bytes.size() + (4 - names[i].size() % 4) % 4, 0);
      put_u32(static_cast<uint32_t>(Type::INT));
      put_u32(static_cast<uint32_t>(value));
      expected.set(StringName{names[i]}, value);
    }
  }
  const Variant d = decode_ok(bytes);
  REQUIRE(d.get<Dictionary>().size() == names.size());
  CHECK(d == Variant(expected));
}

TEST_CASE("FLOAT and INT use 32 bits exactly when the value survives it", "[binary]") {
  CHECK(to_hex(encode_ok(0.5)) == "030000000000003f");
  CHECK(to_hex(encode_ok(-std::numeric_limits<double>::infinity())) == "03000000000080ff");
  CHECK(to_hex(encode_ok(1e-300)).rfind("03000100", 0) == 0);  // underflows as float
  CHECK(to_hex(encode_ok(double{std::numeric_limits<float>::max()})) == "03000000ffff7f7f");
  CHECK(to_hex(encode_ok(std::nextafter(double{std::numeric_limits<float>::max()}, 1e300)))
            .rfind("03000100", 0) == 0);
  const double payload_nan = std::bit_cast<double>(0x7ff8000000000123ull);
  CHECK(to_hex(encode_ok(payload_nan)) == "03000100230100000000f87f");
  CHECK(decode_ok(encode_ok(payload_nan)) == payload_nan);
  CHECK(to_hex(encode_ok(std::numeric_limits<int64_t>::max())) == "02000100ffffffffffffff7f");
}

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
