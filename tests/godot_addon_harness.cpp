#include "godot_addon_harness.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/core.h>

#include "godot4_runner.h"
#include "reel/variant/godot3_convert.h"
#include "reel/replay/replayer.h"

namespace reel::testing {
namespace fs = std::filesystem;

std::string source_path(const std::string& relative) {
  return std::string(REEL_SOURCE_DIR) + "/" + relative;
}

std::string godot3_twin(std::string_view godot4_source) {
  static const std::regex marked(R"(^([ \t]*)[^# \t].*  # godot3: (.*)$)");
  std::string out;
  std::istringstream in{std::string(godot4_source)};
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    out += std::regex_match(line, m, marked) ? m[1].str() + m[2].str() : line;
    out += '\n';
  }
  return out;
}

std::vector<std::string> EngineRun::lines_starting(std::string_view prefix) const {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.starts_with(prefix)) lines.push_back(line);
  }
  return lines;
}

std::string GodotEngine::input_path(const std::string& name, const std::string& local) {
  if (major_ == 3) return local;
  files_.emplace_back(name, local);
  return "/data/" + name;
}

std::string GodotEngine::output_path(const std::string& name) const {
  return major_ == 3 ? dir_.file("out/" + name) : "user://out/" + name;
}

std::string GodotEngine::local_output(const std::string& name) const {
  return dir_.file("out/" + name);
}

EngineRun GodotEngine::run(std::string_view script) {
  fs::create_directories(dir_.file("out"));
  if (major_ == 4) {
    Godot4Options options;
    options.dirs = {{"addons", source_path("samples/godot/addons")},
                    {"example", source_path("samples/godot/example")}};
    options.out_dir = dir_.file("out");
    options.timeout_seconds = 90;
    const Godot4Run r = run_godot4(dir_, script, files_, options);
    INFO("Godot 4 stderr:\n" << r.err);
    return {r.exit_code, r.out};
  }
  for (const char* sub : {"addons", "example"}) {
    fs::remove_all(dir_.file(sub));
    fs::copy(source_path(std::string("samples/godot/godot3/") + sub), dir_.file(sub),
             fs::copy_options::recursive);
  }
  { std::ofstream(dir_.file("test.gd")) << godot3_twin(script); }
  const CommandResult r = run_godot3(dir_,
                                     "extends SceneTree\n"
                                     "func _init():\n"
                                     "\tget_root().call_deferred(\"add_child\", "
                                     "load(\"res://test.gd\").new())\n");
  return {r.exit_code, r.out};
}

std::vector<std::string> expected_dump(const std::string& db, FrameIndex frame,
                                       GodotDialect dialect) {
  auto replayer = Replayer::open(db, "");
  REQUIRE_OK(replayer);
  const auto& paths = (*replayer)->property_paths();
  auto state = (*replayer)->seek(frame);
  REQUIRE_OK(state);
  std::vector<std::string> lines;
  for (const auto& [id, entity] : (*state)->entities) {
    for (const auto& [pid, value] : entity.properties) {
      const Variant v = dialect == GodotDialect::kGodot3 ? to_godot3(value) : value;
      auto bytes = encode_to_bytes(v, {.dialect = dialect});
      REQUIRE_OK(bytes);
      lines.push_back(fmt::format("{}|{}|{}|{}", frame, id, paths[pid], to_hex(*bytes)));
    }
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::string fill(std::string text, const std::vector<std::pair<std::string, std::string>>& keys) {
  for (const auto& [key, value] : keys) {
    const std::string marker = "@" + key + "@";
    for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at)) {
      text.replace(at, marker.size(), value);
      at += value.size();
    }
  }
  return text;
}

}  // namespace reel::testing
