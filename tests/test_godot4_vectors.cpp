// tests/vectors/godot4.tsv is what a real Godot 4.6 prints: make_godot4_vectors.gd runs in the
// engine (tests/godot4, ~5 s) and its lines, turned into TSV rows as tests/vectors/regenerate
// does, must be the committed file exactly. So the vectors tests/test_variant_binary.cpp checks
// Reel against cannot drift from the engine. When this fails: bash tests/vectors/regenerate,
// review the diff, and see tests/vectors/README.md.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "godot4_runner.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::run_godot4;
using testing::TempDir;

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::stringstream ss(s);
  while (std::getline(ss, part, sep)) parts.push_back(part);
  if (!s.empty() && s.back() == sep) parts.push_back("");
  return parts;
}

TEST_CASE("tests/vectors/godot4.tsv is what Godot 4.6 prints for make_godot4_vectors.gd",
          "[godot4]") {
  const std::string script =
      testing::read_file(REEL_SOURCE_DIR "/tests/vectors/make_godot4_vectors.gd");
  TempDir dir;
  const auto run = run_godot4(dir, script);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);

  // The conversion tests/vectors/regenerate makes (VERSION, VEC..., DONE).
  std::vector<std::string> engine_rows = {
      "godot_version\tsource\tdescription\tgdscript_literal\thex_bytes"};
  std::string version;
  bool done = false;
  for (const std::string& line : run.lines()) {
    INFO(line);
    const auto f = split(line, '|');
    if (f.size() == 2 && f[0] == "VERSION") {
      version = f[1];
    } else if (f.size() == 4 && f[0] == "VEC") {
      REQUIRE(!version.empty());
      engine_rows.push_back(version + "\tgodot-4.6-web\t" + f[1] + "\t" + f[2] + "\t" + f[3]);
    } else if (f.size() == 3 && f[0] == "DONE") {
      CHECK(f[1] == std::to_string(engine_rows.size() - 1));
      done = true;
    } else {
      FAIL("unexpected line from make_godot4_vectors.gd");
    }
  }
  REQUIRE(done);
  CHECK(version == "4.6-stable");

  const std::string committed = testing::read_file(REEL_SOURCE_DIR "/tests/vectors/godot4.tsv");
  std::vector<std::string> file_rows = split(committed, '\n');
  REQUIRE(!file_rows.empty());
  CHECK(file_rows.back().empty());  // ends with a newline
  file_rows.pop_back();

  // Row by row first, so a drift names the row; then the whole file.
  for (size_t i = 0; i < std::max(engine_rows.size(), file_rows.size()); ++i) {
    const std::string engine = i < engine_rows.size() ? engine_rows[i] : "(none)";
    const std::string file = i < file_rows.size() ? file_rows[i] : "(none)";
    INFO("line " << i + 1 << " of tests/vectors/godot4.tsv; run tests/vectors/regenerate");
    CHECK(file == engine);
  }
  CHECK(file_rows.size() == engine_rows.size());
  CHECK(file_rows.size() >= 102);  // header + 101 rows
}

}  // namespace
}  // namespace reel
