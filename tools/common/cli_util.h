// Shared helpers for the CLI subcommands: the exception type that carries an exit code, and the
// conversion from library Status to it.
#pragma once

#include <stdexcept>
#include <string>

#include "reel/format/status.h"

namespace reel::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;
// Damaged data: a file whose bytes fail their checks (`reel verify` finding damage, a reader
// meeting a damaged blob, a walk with --skip-damaged that skipped frames).
inline constexpr int kExitDamage = 3;

class CliError : public std::runtime_error {
 public:
  CliError(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Corruption exits 3 (kExitDamage); other bad input (not found, out of range, invalid argument,
// unsupported) 2; everything else (I/O, busy, internal) 1.
int exit_code_for(const Status& status);

// The file the command is reading (set by open_database), named by throw_if_error in failures
// that are about it: corruption, I/O, busy, internal ("m.reel: session 1: chunk frames 30-34:
// blob checksum mismatch").
void set_current_file(std::string path);

// Throws CliError when `status` is not ok, prefixing `context` when given.
void throw_if_error(const Status& status, std::string_view context = {});

// A size in binary units with IEC names, everywhere in the CLI: "812 B", "12.4 KiB" (x 1024),
// "3.1 MiB" (x 1024^2), "1.2 GiB".
std::string human_bytes(int64_t bytes);

template <class T>
T value_or_throw(Result<T> result, std::string_view context = {}) {
  throw_if_error(result.status(), context);
  return std::move(result).value();
}

}  // namespace reel::cli
