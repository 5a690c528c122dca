// Runs the Godot addon (samples/godot) in the real engines for the [godot-e2e] tests: the same
// test script (Godot 4 source; lines marked `# godot3: CODE` read CODE in Godot 3, the rule of
// samples/godot/make_godot3) in Godot 4.6 (the web engine, tests/godot4_runner.h) or Godot 3
// (godot3-server), with the addon as res://addons/reel and the example as res://example.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/variant/variant_binary.h"
#include "test_util.h"

namespace reel::testing {

// samples/godot/make_godot3's rule, applied to a whole source text.
std::string godot3_twin(std::string_view godot4_source);

struct EngineRun {
  int exit_code = -1;
  std::string out;  // what the script printed (Godot 3: with the engine's messages)
  std::vector<std::string> lines_starting(std::string_view prefix) const;
};

class GodotEngine {
 public:
  GodotEngine(int major, const TempDir& dir) : major_(major), dir_(dir) {}
  int major() const { return major_; }
  GodotDialect dialect() const {
    return major_ == 3 ? GodotDialect::kGodot3 : GodotDialect::kGodot4;
  }
  // The path a script uses for a local input file (Godot 4: preloaded as /data/NAME).
  std::string input_path(const std::string& name, const std::string& local);
  // The path a script writes `name` to; after run() the file is at local_output(name).
  std::string output_path(const std::string& name) const;
  std::string local_output(const std::string& name) const;
  // Runs the script (Godot 4 source with godot3 markers, extends Node).
  EngineRun run(std::string_view script);

 private:
  int major_;
  const TempDir& dir_;
  std::vector<std::pair<std::string, std::string>> files_;
};

// The lines replay_dump.gd prints for frame `frame`: "frame|entity|path|hex" of every property of
// every entity in the recorded state, encoded as the engine's var_to_bytes would (Godot 3: after
// to_godot3), sorted.
std::vector<std::string> expected_dump(const std::string& db, FrameIndex frame,
                                       GodotDialect dialect);

// Replaces every "@KEY@" in text.
std::string fill(std::string text, const std::vector<std::pair<std::string, std::string>>& keys);

std::string source_path(const std::string& relative);  // REEL_SOURCE_DIR/relative

}  // namespace reel::testing
