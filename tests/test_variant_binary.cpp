// Specification tests for the Godot Variant binary codec (format/variant_binary_*.cpp).
// Godot 4 vectors and the encode/decode rules of both dialects; hostile input and random round
// trips are in test_variant_binary_robustness.cpp.
#include <bit>
#include <cmath>
#include <limits>
#include <map>

#include "reel/variant/variant_binary.h"
#include "reel/variant/variant_text.h"
#include "test_util.h"
#include "variant_binary_test_helpers.h"

namespace reel {
namespace {

using namespace binary_test;

// ---------------------------------------------------------------------------------------------
// The Godot 4 vectors (tests/vectors/godot4.tsv: what a real Godot 4.6 prints for each value,
// made by tests/vectors/make_godot4_vectors.gd; tests/test_godot4_vectors.cpp keeps it so).

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
  const Variant named =
      decode_ok(from_hex("1b000000 02000000 15000000 01000000 61000000 "
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

}  // namespace
}  // namespace reel

namespace reel {
namespace {

TEST_CASE("values appended to one buffer are the concatenation of their encodings", "[binary]") {
  // One buffer growing by many small appends (a log of records): every append keeps what was
  // there and adds exactly the value's own encoding.
  std::vector<uint8_t> log;
  std::vector<uint8_t> expected;
  for (int i = 0; i < 20000; ++i) {
    const Variant value = i % 3 == 0 ? Variant(int64_t{i}) : Variant(Vector3{float(i), 1, 2});
    const size_t before = log.size();
    REQUIRE(encode_variant(value, log).ok());
    auto alone = encode_to_bytes(value);
    REQUIRE(alone.ok());
    REQUIRE(log.size() == before + alone->size());
    expected.insert(expected.end(), alone->begin(), alone->end());
  }
  CHECK(log == expected);
}

}  // namespace
}  // namespace reel
