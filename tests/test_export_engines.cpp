// `reel export --format anim` in real engines: the .tres loads in Godot 4.6 (web engine) and in
// Godot 3.2 (godot3-server), drives an AnimationPlayer over a scene of nodes named as the map
// says, and after seeks backwards and forwards the nodes hold the recorded state of those frames
// (exact for discrete values, within float32 rounding for interpolated ones and transforms).
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "cli_session_fixture.h"
#include "godot4_runner.h"
#include "reel/recorder/recorder.h"
#include "reel/replay/replayer.h"
#include "reel/variant/godot3_convert.h"
#include "reel/variant/variant_binary.h"
#include "reel/variant/variant_text.h"

namespace reel {
namespace {

using testing::TempDir;

// One node property the engine reads back: the recorded (entity, property) it shows.
struct Probe {
  EntityId entity = 0;
  PropertyId property = 0;
  std::string node, name;
};

// One exported file checked in the engine: its scene, what to read and when.
struct EngineCase {
  std::string file;                // in the test directory
  std::vector<std::string> nodes;  // every node to create, relative to the scene root
  std::set<std::string> scripted;  // entity nodes (they get entity.gd, for script vars)
  std::vector<Probe> probes;
  std::vector<FrameIndex> frames;  // seek order (backwards and forwards)
  std::vector<double> key_times;   // per frame: float32(frame time - clip start)
  std::string db;
};

// Builds the case: node base path of each entity from `node_of`, probes for every property of
// every entity alive at one of `frames`.
EngineCase make_case(const std::string& db, const std::string& file,
                     const std::function<std::string(EntityId, const std::string&)>& node_of,
                     std::vector<FrameIndex> frames) {
  auto opened = Replayer::open(db, "");
  REQUIRE_OK(opened);
  Replayer& r = **opened;
  EngineCase c;
  c.file = file;
  c.db = db;
  c.frames = frames;
  const double start = (*r.seek(0))->time;
  std::set<std::pair<EntityId, PropertyId>> seen;
  std::set<std::string> nodes;
  for (FrameIndex f : frames) {
    const WorldState& s = **r.seek(f);
    c.key_times.push_back(static_cast<float>(s.time - start));
    for (const auto& [id, e] : s.entities) {
      const std::string base = node_of(id, e.class_name);
      nodes.insert(base);
      c.scripted.insert(base);
      for (const auto& [pid, value] : e.properties) {
        if (!seen.insert({id, pid}).second) continue;
        const std::string& path = r.property_paths()[pid];
        const size_t colon = path.find(':');
        Probe p{id, pid, base, path};
        if (colon != std::string::npos) {
          p.node = base + "/" + path.substr(0, colon);
          p.name = path.substr(colon + 1);
          nodes.insert(p.node);
        }
        c.probes.push_back(p);
      }
    }
  }
  c.nodes.assign(nodes.begin(), nodes.end());
  return c;
}

std::string gd_string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + to_text(Variant(items[i]));
  return out + "]";
}

// GDScript constants describing the cases, and the loop that checks them; `godot3` picks the
// engine's spellings.
std::string case_constants(const std::vector<EngineCase>& cases, bool godot3) {
  std::string files, nodes, scripted, probes, times;
  for (const auto& c : cases) {
    files += to_text(Variant(c.file)) + ", ";
    nodes += gd_string_array(c.nodes) + ", ";
    scripted += gd_string_array({c.scripted.begin(), c.scripted.end()}) + ", ";
    std::string p = "[";
    for (const auto& probe : c.probes) {
      p += fmt::format("[{}, {}], ", to_text(Variant(probe.node)), to_text(Variant(probe.name)));
    }
    probes += p + "], ";
    std::string t = "[";
    for (double k : c.key_times) t += fmt::format("{:.17g}, ", k);
    times += t + "], ";
  }
  (void)godot3;
  return fmt::format(
      "var FILES = [{}]\nvar NODES = [{}]\nvar SCRIPTED = [{}]\nvar PROBES = [{}]\n"
      "var TIMES = [{}]\n",
      files, nodes, scripted, probes, times);
}

constexpr const char* kGodot4Script = R"gd(extends Node
%CONSTANTS%
func make_path(scene, path):
	var node = scene
	for part in path.split("/"):
		var child = node.get_node_or_null(NodePath(part))
		if child == null:
			child = Node3D.new()
			child.name = part
			node.add_child(child)
		node = child
	return node

func _ready():
	var script = load("res://export/entity.gd")
	for c in FILES.size():
		var scene = Node3D.new()
		scene.name = "Scene%d" % c
		add_child(scene)
		for path in NODES[c]:
			var n = make_path(scene, path)
			if SCRIPTED[c].has(path):
				n.set_script(script)
		var lib = load("res://export/" + FILES[c])
		if not (lib is AnimationLibrary):
			print("NOT A LIBRARY ", FILES[c])
			get_tree().quit(4)
			return
		var player = AnimationPlayer.new()
		scene.add_child(player)
		player.add_animation_library("", lib)
		var names = lib.get_animation_list()
		print("ANIMS|%d|%d" % [c, names.size()])
		player.play(names[0])
		for i in TIMES[c].size():
			player.seek(TIMES[c][i], true)
			for p in PROBES[c]:
				var v = scene.get_node(NodePath(p[0])).get(p[1])
				print("%d|%d|%s|%s|%s" % [c, i, p[0], p[1], var_to_str(v).replace("\n", " ")])
	get_tree().quit(0)
)gd";

constexpr const char* kGodot3Script = R"gd(extends SceneTree
%CONSTANTS%
func make_path(scene, path):
	var node = scene
	for part in path.split("/"):
		var child = node.get_node_or_null(NodePath(part))
		if child == null:
			child = Spatial.new()
			child.name = part
			node.add_child(child)
		node = child
	return node

func _initialize():
	var script = load("res://entity.gd")
	for c in range(FILES.size()):
		var scene = Spatial.new()
		scene.name = "Scene%d" % c
		get_root().add_child(scene)
		for path in NODES[c]:
			var n = make_path(scene, path)
			if SCRIPTED[c].has(path):
				n.set_script(script)
		var anim = load("res://" + FILES[c])
		if not (anim is Animation):
			print("NOT AN ANIMATION ", FILES[c])
			quit()
			return
		var player = AnimationPlayer.new()
		scene.add_child(player)
		player.add_animation("clip", anim)
		print("ANIMS|%d|1" % c)
		player.play("clip")
		for i in range(TIMES[c].size()):
			player.seek(TIMES[c][i], true)
			for p in PROBES[c]:
				var v = scene.get_node(NodePath(p[0])).get(p[1])
				print("%d|%d|%s|%s|%s" % [c, i, p[0], p[1], var2str(v).replace("\n", " ")])
	print("DONE")
	quit()
)gd";

constexpr const char* kEntityScript4 =
    "extends Node3D\nvar health = 0\nvar kind = \"\"\nvar animation = &\"\"\nvar inventory = {}\n";
constexpr const char* kEntityScript3 =
    "extends Spatial\nvar position = Vector3()  # Spatial has translation, not position\nvar "
    "health = 0\n"
    "var kind = \"\"\nvar animation = \"\"\nvar inventory = {}\n";

std::string script_for(const char* tmpl, const std::string& constants) {
  std::string s = tmpl;
  s.replace(s.find("%CONSTANTS%"), std::strlen("%CONSTANTS%"), constants);
  return s;
}

// The float32 components of math values, for a comparison within rounding.
bool float_parts(const Variant& v, std::vector<float>& out) {
  out.clear();
  const auto take = [&](const auto& x) {
    const size_t n = sizeof(x) / 4;
    out.resize(n);
    std::memcpy(out.data(), &x, sizeof(x));
  };
  if (v.is<Vector3>()) take(v.get<Vector3>());
  if (v.is<Transform3D>()) take(v.get<Transform3D>());
  if (v.is<double>()) out.push_back(static_cast<float>(v.get<double>()));
  return !out.empty();
}

bool close_enough(const Variant& expected, const Variant& actual) {
  std::vector<float> a, b;
  if (!float_parts(expected, a) || !float_parts(actual, b) || a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::fabs(a[i] - b[i]) > 1e-4f * std::max(1.0f, std::fabs(a[i]))) return false;
  }
  return true;
}

// Godot 3's var2str lists a Dictionary's keys sorted: compare as maps (Godot's key equality).
bool same_dictionary(const Dictionary& a, const Dictionary& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const Variant* v = b.find(a.keys()[i]);
    if (!v || !(*v == a.values()[i])) return false;
  }
  return true;
}

// Checks every probe line of the engine's output against the recorded states; returns how many
// values were compared.
int check_output(const std::vector<EngineCase>& cases, const std::string& out, bool godot3) {
  std::vector<std::unique_ptr<Replayer>> replayers;
  for (const auto& c : cases) {
    auto r = Replayer::open(c.db, "");
    REQUIRE_OK(r);
    replayers.push_back(std::move(*r));
  }
  int compared = 0;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    size_t start = 0;
    for (int k = 0; k < 4; ++k) {
      const size_t bar = line.find('|', start);
      if (bar == std::string::npos) break;
      f.push_back(line.substr(start, bar - start));
      start = bar + 1;
    }
    if (f.size() != 4 || f[0] == "ANIMS") continue;
    f.push_back(line.substr(start));
    const auto& c = cases.at(std::stoul(f[0]));
    const FrameIndex frame = c.frames.at(std::stoul(f[1]));
    const Probe* probe = nullptr;
    for (const auto& p : c.probes) {
      if (p.node == f[2] && p.name == f[3]) probe = &p;
    }
    REQUIRE(probe != nullptr);
    const WorldState& state = **replayers[std::stoul(f[0])]->seek(frame);
    const auto entity = state.entities.find(probe->entity);
    if (entity == state.entities.end()) continue;  // not alive at this frame: not in the clip
    const Variant* recorded = entity->second.find(probe->property);
    if (!recorded) continue;
    const Variant expected = godot3 ? to_godot3(*recorded) : *recorded;
    auto actual = parse_text(f[4]);
    INFO("file " << c.file << " frame " << frame << " " << f[2] << ":" << f[3] << " engine " << f[4]
                 << " recorded " << to_text(expected));
    REQUIRE_OK(actual);
    if (expected.is<Vector3>() || expected.is<Transform3D>() || expected.is<double>()) {
      CHECK(close_enough(expected, *actual));
    } else if (expected.is<Dictionary>() && actual->is<Dictionary>()) {
      CHECK(same_dictionary(expected.get<Dictionary>(), actual->get<Dictionary>()));
    } else {
      CHECK(*actual == expected);
    }
    ++compared;
  }
  return compared;
}

// The fixture session (Vector3 position: continuous; int health, String kind: discrete) and a
// small crowd (head/hand/prop transforms as position/rotation/scale tracks, StringName animation,
// Dictionary inventory), each exported with `args` into `dir`.
std::vector<EngineCase> export_cases(const TempDir& dir, const std::string& args) {
  const std::string fixture = dir.file("match.reel"), crowd = dir.file("crowd.reel");
  testing::record_fixture_session(fixture);
  auto rec = testing::run_reel(dir,
                               "record --sample crowd --duration 1s --players 4 --props 6 "
                               "--out " +
                                   crowd);
  REQUIRE(rec.exit_code == 0);
  std::ofstream(dir.file("nodes.map")) << "res://player.tscn = Players/player_{id}\n"
                                          "res://prop.tscn = Props/prop_{id}  # props\n";
  auto a = testing::run_reel(
      dir, "export " + fixture + " --format anim --out " + dir.file("match.tres") + " " + args);
  INFO(a.err);
  REQUIRE(a.exit_code == 0);
  auto b =
      testing::run_reel(dir, "export " + crowd + " --format anim --map " + dir.file("nodes.map") +
                                 " --out " + dir.file("crowd.tres") + " " + args);
  INFO(b.err);
  REQUIRE(b.exit_code == 0);
  std::vector<EngineCase> cases;
  cases.push_back(
      make_case(fixture, "match.tres",
                [](EntityId id, const std::string&) { return fmt::format("entity_{}", id); },
                {299, 0, 150, 1, 210, 59, 149, 100}));
  cases.push_back(make_case(crowd, "crowd.tres",
                            [](EntityId id, const std::string& cls) {
                              return (cls == "res://player.tscn" ? "Players/player_"
                                                                 : "Props/prop_") +
                                     std::to_string(id);
                            },
                            {59, 0, 30, 1, 45, 17}));
  return cases;
}

TEST_CASE("anim export plays in Godot 4.6: nodes hold the recorded state after seeks",
          "[cli][export][godot4]") {
  TempDir dir;
  const auto cases = export_cases(dir, "");
  std::filesystem::create_directories(dir.file("res"));
  for (const auto& c : cases) {
    std::filesystem::copy_file(dir.file(c.file), dir.file("res/" + c.file));
  }
  std::ofstream(dir.file("res/entity.gd")) << kEntityScript4;
  testing::Godot4Options options;
  options.dirs.push_back({"export", dir.file("res")});
  const auto run = testing::run_godot4(dir, script_for(kGodot4Script, case_constants(cases, false)),
                                       {}, options);
  INFO(run.err);
  INFO(run.out.substr(0, 2000));
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("ANIMS|0|1") != std::string::npos);
  CHECK(run.out.find("ANIMS|1|1") != std::string::npos);
  CHECK(check_output(cases, run.out, false) > 100);
}

TEST_CASE("anim export with --transform-tracks value plays in Godot 4.6", "[cli][export][godot4]") {
  TempDir dir;
  auto cases = export_cases(dir, "--transform-tracks value");
  cases.erase(cases.begin());  // the fixture has no transforms
  const std::string text = testing::read_text_file(dir.file("crowd.tres"));
  CHECK(text.find("position_3d") == std::string::npos);
  std::filesystem::create_directories(dir.file("res"));
  std::filesystem::copy_file(dir.file("crowd.tres"), dir.file("res/crowd.tres"));
  std::ofstream(dir.file("res/entity.gd")) << kEntityScript4;
  testing::Godot4Options options;
  options.dirs.push_back({"export", dir.file("res")});
  const auto run = testing::run_godot4(dir, script_for(kGodot4Script, case_constants(cases, false)),
                                       {}, options);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(check_output(cases, run.out, false) > 50);
}

TEST_CASE("anim export --godot 3 plays in Godot 3.2: nodes hold the recorded state after seeks",
          "[cli][export][godot3]") {
  TempDir dir;
  const auto cases = export_cases(dir, "--godot 3");
  std::ofstream(dir.file("entity.gd")) << kEntityScript3;
  const auto run = testing::run_godot3(dir, script_for(kGodot3Script, case_constants(cases, true)));
  INFO(run.out.substr(0, 3000));
  REQUIRE(run.exit_code == 0);
  REQUIRE(run.out.find("DONE") != std::string::npos);
  CHECK(check_output(cases, run.out, true) > 100);
}

// One value of every type a recording can hold in a .tres (RID, Object, Callable and Signal are
// runtime handles, not data), with floats that need every digit.
std::vector<std::pair<std::string, Variant>> every_type_values() {
  Array typed;
  typed.element_type = {ContainerKind::kBuiltin, Type::INT, ""};
  typed.items = {int64_t{1}, int64_t{-2}};
  Array mixed;
  mixed.items = {Variant("x"), Variant(0.1), Variant(StringName{"n"}), Variant(Vector3{1, 2, 3})};
  Dictionary dict;
  dict.set(Variant(int64_t{1}), Variant(StringName{"sword"}));
  dict.set(Variant("k"), Variant(Vector2i{3, -4}));
  Projection projection;
  projection.columns[3] = {0.1f, 0.2f, 0.3f, 0.4f};
  Transform3D transform;
  transform.basis.rows[0] = {0.36f, -0.48f, 0.8f};
  transform.origin = {-14.543638f, 1.6499671f, 1e-7f};
  return {
      {"bool", true},
      {"int", int64_t{-9007199254740993}},
      {"float", 0.1},
      {"float_big", 1.5e300},
      {"string", Variant("quote\" back\\ nl\n tab\t é ✓")},
      {"vector2", Vector2{0.1f, -3.4028235e38f}},
      {"vector2i", Vector2i{-2147483647, 7}},
      {"rect2", Rect2{{1.5f, 2}, {3, 4.25f}}},
      {"rect2i", Rect2i{{1, 2}, {3, 4}}},
      {"vector3", Vector3{0.1f, 2.5e-8f, -7}},
      {"vector3i", Vector3i{1, -2, 3}},
      {"transform2d", Transform2D{{Vector2{0.6f, 0.8f}, Vector2{-0.8f, 0.6f}, Vector2{5, -6}}}},
      {"vector4", Vector4{0.1f, 0.2f, 0.3f, 0.4f}},
      {"vector4i", Vector4i{1, 2, 3, -4}},
      {"plane", Plane{{0, 1, 0}, -2.5f}},
      {"quaternion", Quaternion{0.5f, -0.5f, 0.5f, 0.5f}},
      {"aabb", AABB{{-1, -2, -3}, {2, 4, 6.5f}}},
      {"basis", transform.basis},
      {"transform3d", transform},
      {"projection", projection},
      {"color", Color{0.2f, 0.4f, 0.6f, 0.8f}},
      {"string_name", StringName{"walk"}},
      {"node_path", NodePath{{"A", "B"}, {"x"}, false}},
      {"dictionary", dict},
      {"array", mixed},
      {"typed_array", typed},
      {"packed_byte", PackedByteArray{0, 1, 255}},
      {"packed_int32", PackedInt32Array{-1, 2147483647}},
      {"packed_int64", PackedInt64Array{-1, 9007199254740993}},
      {"packed_float32", PackedFloat32Array{0.1f, -2.5f}},
      {"packed_float64", PackedFloat64Array{0.1, 1e-300}},
      {"packed_string", PackedStringArray{"a", "b\"c"}},
      {"packed_vector2", PackedVector2Array{{1, 2}, {0.1f, 0.2f}}},
      {"packed_vector3", PackedVector3Array{{1, 2, 3}}},
      {"packed_color", PackedColorArray{{0.1f, 0.2f, 0.3f, 1}}},
      {"packed_vector4", PackedVector4Array{{1, 2, 3, 4}}},
  };
}

// A one-frame session with entity 1 holding every value as property "p_<name>", exported as
// anim for `godot`; returns the property names by track path.
std::map<std::string, Variant> export_every_type(const TempDir& dir, int godot) {
  const std::string db = dir.file("types.reel");
  auto rec = Recorder::open(db, SessionInfo{.name = "types", .tick_rate = 60});
  REQUIRE_OK(rec);
  (*rec)->begin_frame(0, 0.0);
  (*rec)->spawn(1, "Thing");
  std::map<std::string, Variant> by_path;
  for (const auto& [name, value] : every_type_values()) {
    (*rec)->set(1, "p_" + name, value);
    by_path["entity_1:p_" + name] = value;
  }
  REQUIRE_STATUS_OK((*rec)->end_frame());
  REQUIRE_STATUS_OK((*rec)->close());
  const auto run = testing::run_reel(dir, fmt::format("export {} --format anim --godot {} --out {}",
                                                      db, godot, dir.file("types.tres")));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  return by_path;
}

// Lines "PATH|HEX" (var_to_bytes of the track's first key) against the recorded values.
void check_key_bytes(const std::map<std::string, Variant>& by_path, const std::string& out,
                     GodotDialect dialect) {
  std::set<std::string> seen;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t bar = line.find('|');
    if (line.rfind("KEY ", 0) != 0 || bar == std::string::npos) continue;
    const std::string path = line.substr(4, bar - 4);
    const auto it = by_path.find(path);
    REQUIRE(it != by_path.end());
    auto decoded = decode_variant(testing::from_hex(line.substr(bar + 1)), {.dialect = dialect});
    REQUIRE_OK(decoded);
    const Variant expected = dialect == GodotDialect::kGodot3 ? to_godot3(it->second) : it->second;
    INFO(path << ": engine " << to_text(decoded->value) << ", recorded " << to_text(expected));
    CHECK(decoded->value == expected);
    seen.insert(path);
  }
  CHECK(seen.size() == by_path.size());
}

TEST_CASE("anim export: every Variant type's .tres text loads in Godot 4.6 as the recorded value",
          "[cli][export][godot4]") {
  TempDir dir;
  const auto by_path = export_every_type(dir, 4);
  std::filesystem::create_directories(dir.file("res"));
  std::filesystem::copy_file(dir.file("types.tres"), dir.file("res/types.tres"));
  testing::Godot4Options options;
  options.dirs.push_back({"export", dir.file("res")});
  const auto run = testing::run_godot4(dir, R"gd(extends Node
func _ready():
	var lib = load("res://export/types.tres")
	var anim = lib.get_animation(lib.get_animation_list()[0])
	for t in anim.get_track_count():
		print("KEY %s|%s" % [anim.track_get_path(t), var_to_bytes(anim.track_get_key_value(t, 0)).hex_encode()])
	get_tree().quit(0)
)gd",
                                       {}, options);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  check_key_bytes(by_path, run.out, GodotDialect::kGodot4);
}

TEST_CASE(
    "anim export --godot 3: every Variant type's .tres text loads in Godot 3.2 as the "
    "recorded value converted for Godot 3",
    "[cli][export][godot3]") {
  TempDir dir;
  const auto by_path = export_every_type(dir, 3);
  const auto run = testing::run_godot3(dir, R"gd(extends SceneTree
func _initialize():
	var anim = load("res://types.tres")
	for t in range(anim.get_track_count()):
		print("KEY %s|%s" % [anim.track_get_path(t), var2bytes(anim.track_get_key_value(t, 0)).hex_encode()])
	quit()
)gd");
  INFO(run.out);
  REQUIRE(run.exit_code == 0);
  check_key_bytes(by_path, run.out, GodotDialect::kGodot3);
}

}  // namespace
}  // namespace reel
