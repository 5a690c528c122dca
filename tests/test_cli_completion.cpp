// `reel completion bash|zsh`: the bash script loads in a real bash and completes commands,
// nested commands and options; the zsh script names every command (no zsh on this machine).
#include <fstream>

#include "cli_session_fixture.h"

namespace reel {
namespace {

using testing::run_command;
using testing::TempDir;

// What bash's completion of `words` (the last one being completed) offers, space separated.
std::string bash_completes(const TempDir& dir, const std::string& script,
                           const std::string& words) {
  const std::string driver = dir.file("complete.sh");
  std::ofstream(driver) << "source " << script << "\n"
                        << "COMP_WORDS=(" << words << ")\n"
                        << "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                        << "_reel\n"
                        << "echo \"${COMPREPLY[@]}\"\n";
  auto r = run_command("cd " + dir.path().string() + " && bash " + driver + " 2>&1");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

TEST_CASE("bash completion completes reel's commands and options", "[cli][completion]") {
  TempDir dir;
  const std::string script = dir.file("reel.bash");
  auto r = testing::run_reel(dir, "completion bash > " + script);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(bash_completes(dir, script, "reel sh") == "show\n");
  REQUIRE(bash_completes(dir, script, "reel s") == "show scrub salvage serve\n");
  REQUIRE(bash_completes(dir, script, "reel show --a") == "--at\n");
  REQUIRE(bash_completes(dir, script, "reel show m.reel --at 5 --en") == "--entity\n");
  REQUIRE(bash_completes(dir, script, "reel bench re") == "record replay recover\n");
  REQUIRE(bash_completes(dir, script, "reel bench record --game") == "--game-trace\n");
  REQUIRE(bash_completes(dir, script, "reel help di") == "diff\n");
  std::ofstream(dir.file("match.reel")) << "x";
  REQUIRE(bash_completes(dir, script, "reel info mat") == "match.reel\n");
}

TEST_CASE("zsh completion names every command", "[cli][completion]") {
  TempDir dir;
  auto r = testing::run_reel(dir, "completion zsh");
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.rfind("#compdef reel\n", 0) == 0);
  for (const char* command :
       {"'ls':", "'show':", "'scrub':", "'completion':", "\"/bench\")", "\"/show\")", "--entity"}) {
    INFO(command);
    REQUIRE(r.out.find(command) != std::string::npos);
  }
  testing::require_bad_input(testing::run_reel(dir, "completion fish"), "fish");
}

}  // namespace
}  // namespace reel
