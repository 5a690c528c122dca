// Byte-identity with a real Godot 3 (godot3-server, Debian 12's 3.2.3): Godot writes var2bytes()
// of values covering all 27 Godot 3 types; our Godot 3 dialect must produce the same bytes for
// the same values and decode Godot's bytes back to them.
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "reel/variant/variant_binary.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::from_hex;
using testing::to_hex;

// VEC|<name>|<hex>. Names starting with "rt_" have runtime-specific bytes (object ids, the
// platform's NaN): they are checked by decode + re-encode only.
constexpr const char* kScript = R"GD(extends SceneTree

func v(name, value, full = false):
	print("VEC|", name, "|", var2bytes(value, full).hex_encode())

func _init():
	v("nil", null)
	v("bool_true", true)
	v("bool_false", false)
	v("int_42", 42)
	v("int_neg1", -1)
	v("int_2p31", 2147483648)
	v("int_min", -9223372036854775807 - 1)
	v("real_1_5", 1.5)
	v("real_0_1", 0.1)
	v("real_neg_zero", -0.0)
	v("real_inf", INF)
	v("rt_real_nan", NAN)
	v("string", "h\u00e9llo \u65e5\u672c")
	v("string_empty", "")
	v("vector2", Vector2(1.5, -2))
	v("rect2", Rect2(1, 2, 3, 4))
	v("vector3", Vector3(1, 2, 3))
	v("transform2d", Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6)))
	v("plane", Plane(1, 0, 0, 5))
	v("quat", Quat(0.1, 0.2, 0.3, 0.9))
	v("aabb", AABB(Vector3(1, 2, 3), Vector3(4, 5, 6)))
	v("basis", Basis(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9)))
	v("transform", Transform(Basis(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9)), Vector3(10, 11, 12)))
	v("color", Color(1, 0.5, 0.25, 1))
	v("nodepath", NodePath("Path2D/PathFollow2D/Sprite:position:x"))
	v("nodepath_abs", NodePath("/root/Main"))
	v("nodepath_empty", NodePath(""))
	v("rid", RID())
	v("object_reference", Reference.new(), true)
	v("object_resource", Resource.new(), true)
	v("rt_object_id", Reference.new())
	v("dictionary", {"a": 1, 2: [true, null], "c": {"d": Vector2(1, 2)}})
	v("dictionary_empty", {})
	v("array", [1, "a", null, 1.5, [2]])
	v("pool_byte", PoolByteArray([1, 2, 3]))
	v("pool_int", PoolIntArray([1, -1, 2147483647]))
	v("pool_real", PoolRealArray([1.5, 0.1]))
	v("pool_string", PoolStringArray(["a", "bc", "", "abcd", "\u65e5\u672c"]))
	v("pool_vector2", PoolVector2Array([Vector2(1, 2), Vector2(3, 4)]))
	v("pool_vector3", PoolVector3Array([Vector3(1, 2, 3)]))
	v("pool_color", PoolColorArray([Color(1, 0, 0, 1)]))
	quit()
)GD";

Variant full_object(std::string cls, std::vector<std::string> names, std::vector<Variant> values) {
  auto full = std::make_shared<FullObject>();
  full->class_name = std::move(cls);
  full->property_names = std::move(names);
  full->property_values = std::move(values);
  return Object{0, full};
}

std::map<std::string, Variant> expected_values() {
  std::map<std::string, Variant> t;
  t["nil"] = nullptr;
  t["bool_true"] = true;
  t["bool_false"] = false;
  t["int_42"] = 42;
  t["int_neg1"] = -1;
  t["int_2p31"] = int64_t{2147483648LL};
  t["int_min"] = std::numeric_limits<int64_t>::min();
  t["real_1_5"] = 1.5;
  t["real_0_1"] = 0.1;
  t["real_neg_zero"] = -0.0;
  t["real_inf"] = std::numeric_limits<double>::infinity();
  t["string"] = "h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac";
  t["string_empty"] = "";
  t["vector2"] = Vector2{1.5f, -2};
  t["rect2"] = Rect2{{1, 2}, {3, 4}};
  t["vector3"] = Vector3{1, 2, 3};
  t["transform2d"] = Transform2D{{Vector2{1, 2}, Vector2{3, 4}, Vector2{5, 6}}};
  t["plane"] = Plane{{1, 0, 0}, 5};
  t["quat"] = Quaternion{0.1f, 0.2f, 0.3f, 0.9f};
  t["aabb"] = AABB{{1, 2, 3}, {4, 5, 6}};
  const Basis basis{{Vector3{1, 4, 7}, Vector3{2, 5, 8}, Vector3{3, 6, 9}}};  // rows
  t["basis"] = basis;
  t["transform"] = Transform3D{basis, {10, 11, 12}};
  t["color"] = Color{1, 0.5f, 0.25f, 1};
  t["nodepath"] = NodePath{{"Path2D", "PathFollow2D", "Sprite"}, {"position", "x"}, false};
  t["nodepath_abs"] = NodePath{{"root", "Main"}, {}, true};
  t["nodepath_empty"] = NodePath{};
  t["rid"] = RID{};
  t["object_reference"] = full_object("Reference", {"script"}, {nullptr});
  t["object_resource"] = full_object(
      "Resource", {"resource_local_to_scene", "resource_name", "script"}, {false, "", nullptr});
  Dictionary inner;
  inner.set("d", Vector2{1, 2});
  Array pair;
  pair.items = {true, nullptr};
  Dictionary dict;
  dict.set("a", 1);
  dict.set(2, pair);
  dict.set("c", inner);
  t["dictionary"] = dict;
  t["dictionary_empty"] = Dictionary{};
  Array nested;
  nested.items = {2};
  Array array;
  array.items = {1, "a", nullptr, 1.5, nested};
  t["array"] = array;
  t["pool_byte"] = PackedByteArray{1, 2, 3};
  t["pool_int"] = PackedInt32Array{1, -1, 2147483647};
  t["pool_real"] = PackedFloat32Array{1.5f, 0.1f};
  t["pool_string"] = PackedStringArray{"a", "bc", "", "abcd", "\xe6\x97\xa5\xe6\x9c\xac"};
  t["pool_vector2"] = PackedVector2Array{{1, 2}, {3, 4}};
  t["pool_vector3"] = PackedVector3Array{{1, 2, 3}};
  t["pool_color"] = PackedColorArray{{1, 0, 0, 1}};
  return t;
}

// Runs the script in a real Godot 3; returns name -> hex.
std::map<std::string, std::string> godot3_vectors(const testing::TempDir& dir) {
  const auto run = testing::run_godot3(dir, kScript);
  INFO(run.out);
  REQUIRE(run.exit_code == 0);
  std::map<std::string, std::string> vectors;
  std::istringstream lines(run.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("VEC|", 0) != 0) continue;
    const size_t bar = line.find('|', 4);
    REQUIRE(bar != std::string::npos);
    std::string hex = line.substr(bar + 1);
    while (!hex.empty() && (hex.back() == '\r' || hex.back() == ' ')) hex.pop_back();
    vectors[line.substr(4, bar - 4)] = hex;
  }
  return vectors;
}

TEST_CASE("Godot 3 dialect is byte-identical with a real godot3-server for all 27 types",
          "[godot3]") {
  testing::TempDir dir;
  const auto vectors = godot3_vectors(dir);
  const auto expected = expected_values();
  REQUIRE(vectors.size() == expected.size() + 2);  // + the two runtime-specific rows
  std::set<uint8_t> type_ids;
  for (const auto& [name, hex] : vectors) {
    INFO(name << " | " << hex);
    const auto bytes = from_hex(hex);
    REQUIRE(bytes.size() >= 4);
    type_ids.insert(bytes[0]);
    const bool objects = name.rfind("object_", 0) == 0;
    const EncodeOptions eopt{GodotDialect::kGodot3, objects};
    const DecodeOptions dopt{.dialect = GodotDialect::kGodot3, .allow_objects = objects};
    auto decoded = decode_variant(bytes, dopt);
    INFO(decoded.status().to_string());
    REQUIRE(decoded.ok());
    CHECK(decoded->bytes_read == bytes.size());
    auto reencoded = encode_to_bytes(decoded->value, eopt);
    REQUIRE(reencoded.ok());
    CHECK(to_hex(*reencoded) == hex);
    if (name.rfind("rt_", 0) == 0) continue;
    auto it = expected.find(name);
    REQUIRE(it != expected.end());
    CHECK(decoded->value == it->second);
    auto ours = encode_to_bytes(it->second, eopt);
    REQUIRE(ours.ok());
    CHECK(to_hex(*ours) == hex);
  }
  CHECK(type_ids.size() == 27);  // every Godot 3 type id 0..26 was exercised
  CHECK(*type_ids.rbegin() == 26);
}

}  // namespace
}  // namespace reel
