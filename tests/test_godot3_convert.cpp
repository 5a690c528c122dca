// to_godot3: Godot 4 values that Godot 3 lacks become their nearest Godot 3 value
// (godot3_convert.h), and what comes out is read by a real Godot 3 (godot3-server 3.2.3).
#include <fstream>
#include <sstream>

#include "reel/variant/godot3_convert.h"
#include "reel/variant/variant_binary.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::to_hex;

// One value of every Godot 4 type but Object (Godot 3 itself reads a null Object back as null, and
// an object id as an EncodedObjectAsID), some nested in a typed Array and a typed Dictionary.
std::vector<Variant> every_godot4_type() {
  Projection projection;
  Array typed;
  typed.element_type = {ContainerKind::kBuiltin, Type::VECTOR2I, ""};
  typed.items = {Vector2i{1, 2}, Vector2i{-3, 4}};
  Dictionary keyed;
  keyed.key_type = {ContainerKind::kBuiltin, Type::STRING_NAME, ""};
  keyed.set(StringName{"hp"}, Vector3i{1, 2, 3});
  keyed.set(StringName{"aim"}, Vector4{0.5f, 1, 2, 3});
  return {nullptr,
          true,
          int64_t{1} << 40,
          0.1,
          "text",
          Vector2{1, 2},
          Vector2i{3, -4},
          Rect2{{1, 2}, {3, 4}},
          Rect2i{{1, 2}, {3, 4}},
          Vector3{1, 2, 3},
          Vector3i{1, 2, 3},
          Transform2D{},
          Vector4{1, 2, 3, 4},
          Vector4i{1, 2, 3, 4},
          Plane{{0, 1, 0}, 2},
          Quaternion{},
          AABB{{1, 2, 3}, {4, 5, 6}},
          Basis{},
          Transform3D{},
          projection,
          Color{1, 0.5f, 0.25f, 1},
          StringName{"idle"},
          NodePath{{"head"}, {"transform"}, false},
          RID{},
          Callable{},
          Signal{"hit", 5},
          keyed,
          typed,
          PackedByteArray{1, 2},
          PackedInt32Array{1, -1},
          PackedInt64Array{int64_t{1} << 40, -1},
          PackedFloat32Array{1.5f},
          PackedFloat64Array{0.1},
          PackedStringArray{"a"},
          PackedVector2Array{{1, 2}},
          PackedVector3Array{{1, 2, 3}},
          PackedColorArray{{1, 0, 0, 1}},
          PackedVector4Array{{1, 2, 3, 4}}};
}

TEST_CASE("to_godot3 converts what Godot 3 lacks by the documented table", "[godot3]") {
  CHECK(to_godot3(Vector2i{3, -4}) == Variant(Vector2{3, -4}));
  CHECK(to_godot3(Rect2i{{1, 2}, {3, 4}}) == Variant(Rect2{{1, 2}, {3, 4}}));
  CHECK(to_godot3(Vector3i{1, 2, 3}) == Variant(Vector3{1, 2, 3}));
  CHECK(to_godot3(Vector4{1, 2, 3, 4}) == Variant(Quaternion{1, 2, 3, 4}));
  CHECK(to_godot3(Vector4i{1, 2, 3, 4}) == Variant(Quaternion{1, 2, 3, 4}));
  CHECK(to_godot3(Projection{}) ==
        Variant(PackedFloat32Array{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}));
  CHECK(to_godot3(StringName{"idle"}) == Variant("idle"));
  CHECK(to_godot3(Callable{}).is_nil());
  CHECK(to_godot3(Signal{"hit", 5}) == Variant("hit"));
  Array ints;
  ints.items = {int64_t{1} << 40, -1};
  CHECK(to_godot3(PackedInt64Array{int64_t{1} << 40, -1}) == Variant(ints));
  Array quats;
  quats.items = {Quaternion{1, 2, 3, 4}};
  CHECK(to_godot3(PackedVector4Array{{1, 2, 3, 4}}) == Variant(quats));
  // Containers lose their types and convert their elements; keys that become equal merge.
  Array typed;
  typed.element_type = {ContainerKind::kBuiltin, Type::STRING_NAME, ""};
  typed.items = {StringName{"a"}};
  Array plain;
  plain.items = {"a"};
  CHECK(to_godot3(typed) == Variant(plain));
  Dictionary keys;
  keys.set(Vector2i{1, 2}, 1);
  keys.set(Vector2{1, 2}, 2);
  Dictionary merged;
  merged.set(Vector2{1, 2}, 2);
  CHECK(to_godot3(keys) == Variant(merged));
  // What Godot 3 has stays as it is.
  CHECK(to_godot3(Transform3D{}) == Variant(Transform3D{}));
  CHECK(to_godot3(NodePath{{"head"}, {"transform"}, false}) ==
        Variant(NodePath{{"head"}, {"transform"}, false}));
}

TEST_CASE("every Godot 4 type converted by to_godot3 is read by a real Godot 3 as written",
          "[godot3]") {
  testing::TempDir dir;
  std::vector<std::string> hexes;
  {
    std::ofstream values(dir.file("values.txt"));
    for (const Variant& v : every_godot4_type()) {
      INFO(type_name(v.type()));
      auto bytes = encode_to_bytes(to_godot3(v), {GodotDialect::kGodot3});
      REQUIRE(bytes.ok());
      hexes.push_back(to_hex(*bytes));
      values << hexes.back() << "\n";
    }
  }
  const auto run = testing::run_godot3(dir, R"GD(extends SceneTree

func _init():
	var f = File.new()
	f.open("values.txt", File.READ)
	while not f.eof_reached():
		var hex = f.get_line()
		if hex == "":
			continue
		var bytes = PoolByteArray()
		for i in range(0, hex.length(), 2):
			bytes.append(("0x" + hex.substr(i, 2)).hex_to_int())
		print("BACK|", var2bytes(bytes2var(bytes)).hex_encode())
	quit()
)GD");
  INFO(run.out);
  REQUIRE(run.exit_code == 0);
  std::vector<std::string> back;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("BACK|", 0) == 0) back.push_back(line.substr(5));
  }
  REQUIRE(back.size() == hexes.size());
  for (size_t i = 0; i < hexes.size(); ++i) {
    INFO(i << ": " << type_name(every_godot4_type()[i].type()));
    CHECK(back[i] == hexes[i]);
  }
}

}  // namespace
}  // namespace reel
