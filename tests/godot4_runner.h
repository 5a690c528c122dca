// Runs GDScript in a real Godot 4.6-stable: the official web export template in headless
// Chromium, through tests/godot4/run.mjs (see tests/godot4/README.md). A run takes ~5 s.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "test_util.h"

namespace reel::testing {

struct Godot4Options {
  int timeout_seconds = 120;
  // WebGL 2 on SwiftShader instead of --headless, for a script that renders (and reads back).
  bool render = false;
  // (res:// directory, local directory): each tree is packed under res://DIR/.
  std::vector<std::pair<std::string, std::string>> dirs;
  // When set, what the script wrote under /out/ and user://out/ is copied here after it quits.
  std::string out_dir;
};

// exit_code: the script's get_tree().quit(code); 3 when the run itself failed (the runner says
// why on err with a "godot4-runner: " line). out: exactly what the script printed, a '\n' after
// each print(). err: printerr(), engine errors and start-up messages.
struct Godot4Run {
  int exit_code = -1;
  std::string out;
  std::string err;
  std::vector<std::string> lines() const;  // out split at '\n'
};

// Runs `script` (GDScript source, extends Node; it is added to the tree and its _ready() runs)
// in the Godot 4.6 web engine. Each (NAME, local path) of `files` is preloaded as /data/NAME.
// The script is written into `dir`. FAILs when the runner is not set up (run scripts/setup).
Godot4Run run_godot4(const TempDir& dir, std::string_view script,
                     const std::vector<std::pair<std::string, std::string>>& files = {},
                     const Godot4Options& opt = {});

}  // namespace reel::testing
