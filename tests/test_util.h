// Helpers shared by the tests: temporary directories, hex, byte flipping, Status checks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "reel/format/status.h"

namespace reel::testing {

// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::vector<uint8_t> from_hex(std::string_view hex);
// The whole file (REQUIREs that it can be read).
std::string read_file(const std::string& path);
std::string to_hex(const std::vector<uint8_t>& bytes);

// Flips bit `bit` of byte `offset` (corruption tests).
inline void flip_bit(std::vector<uint8_t>& bytes, size_t offset, int bit = 0) {
  bytes.at(offset) ^= static_cast<uint8_t>(1u << bit);
}

// Runs a shell command, returns its exit status (as from waitpid, decoded) and captures stdout.
struct CommandResult {
  int exit_code = -1;
  std::string out;
};
CommandResult run_command(const std::string& command);

// Runs `script` (GDScript source, extends SceneTree) in a real Godot 3 (Debian's godot3-server),
// with `dir` as its working and home directory; out is stdout and stderr together. FAILs when
// godot3-server is not installed.
CommandResult run_godot3(const TempDir& dir, std::string_view script);

}  // namespace reel::testing

// REQUIRE that a Status/Result is ok, printing its message when it is not.
#define REQUIRE_OK(expr)                  \
  do {                                    \
    const auto& reel_req_ = (expr);       \
    INFO(reel_req_.status().to_string()); \
    REQUIRE(reel_req_.ok());              \
  } while (0)
#define REQUIRE_STATUS_OK(expr)              \
  do {                                       \
    const ::reel::Status reel_req_ = (expr); \
    INFO(reel_req_.to_string());             \
    REQUIRE(reel_req_.ok());                 \
  } while (0)
