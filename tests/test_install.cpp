// `cmake --install` and CPack from this build: the installed tree holds the binary, headers,
// libraries, the CMake package (a project outside the tree builds against it with
// find_package(Reel) and runs), completion scripts and the help text; cpack makes one .tar.gz.
#include <filesystem>

#include "cli_session_fixture.h"

namespace reel {
namespace {

using testing::run_command;
using testing::TempDir;

namespace fs = std::filesystem;

TEST_CASE("cmake --install gives a tree that find_package(Reel) builds against", "[install]") {
  TempDir dir;
  const std::string prefix = dir.file("prefix");
  auto install = run_command("cmake --install " + std::string(REEL_BUILD_DIR) + " --prefix " +
                             prefix + " 2>&1");
  INFO(install.out);
  REQUIRE(install.exit_code == 0);
  for (const char* file :
       {"bin/reel", "include/reel/recorder/recorder.h", "include/reel/replay/replayer.h",
        "include/reel/format/status.h", "lib/cmake/Reel/ReelConfig.cmake",
        "lib/cmake/Reel/ReelTargets.cmake", "share/bash-completion/completions/reel",
        "share/zsh/site-functions/_reel", "share/doc/reel/reel-help.txt",
        "share/doc/reel/README.md"}) {
    INFO(file);
    REQUIRE(fs::exists(prefix + "/" + file));
  }
  REQUIRE(testing::read_text_file(prefix + "/share/doc/reel/reel-help.txt").find("reel show\n") !=
          std::string::npos);

  const std::string db = dir.file("consumer.reel"), build = dir.file("consumer-build");
  auto configure =
      run_command("cmake -S " + std::string(REEL_SOURCE_DIR) + "/tests/install_consumer -B " +
                  build + " -DCMAKE_PREFIX_PATH=" + prefix + " \"-DCMAKE_CXX_FLAGS=" +
                  REEL_CONSUMER_FLAGS + "\" \"-DCMAKE_EXE_LINKER_FLAGS=" + REEL_CONSUMER_FLAGS +
                  "\" 2>&1");
  INFO(configure.out);
  REQUIRE(configure.exit_code == 0);
  auto compile = run_command("cmake --build " + build + " 2>&1");
  INFO(compile.out);
  REQUIRE(compile.exit_code == 0);
  auto consumer = run_command(build + "/consumer " + db);
  REQUIRE(consumer.exit_code == 0);
  REQUIRE(consumer.out == "frame 2 position x = 2\n");
  // The installed reel reads what the consumer wrote.
  auto ls = run_command(prefix + "/bin/reel ls " + db);
  REQUIRE(ls.exit_code == 0);
  REQUIRE(ls.out.find("consumer") != std::string::npos);
}

TEST_CASE("cpack builds one .tar.gz holding bin/reel", "[install]") {
  TempDir dir;
  auto pack = run_command("cpack --config " + std::string(REEL_BUILD_DIR) +
                          "/CPackConfig.cmake -G TGZ -B " + dir.path().string() + " 2>&1");
  INFO(pack.out);
  REQUIRE(pack.exit_code == 0);
  std::vector<fs::path> archives;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().string().ends_with(".tar.gz")) archives.push_back(e.path());
  }
  REQUIRE(archives.size() == 1);
  auto list = run_command("tar -tzf " + archives[0].string());
  const std::string top = archives[0].filename().string().substr(
      0, archives[0].filename().string().size() - std::string(".tar.gz").size());
  REQUIRE(list.out.find(top + "/bin/reel\n") != std::string::npos);
  REQUIRE(list.out.find(top + "/lib/cmake/Reel/ReelConfig.cmake\n") != std::string::npos);
}

}  // namespace
}  // namespace reel
