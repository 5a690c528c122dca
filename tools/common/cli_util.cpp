#include "cli_util.h"

#include <fmt/format.h>

namespace reel::cli {

int exit_code_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kCorruption:
      return kExitDamage;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kOutOfRange:
    case StatusCode::kUnsupported:
      return kExitBadInput;
    case StatusCode::kIoError:
    case StatusCode::kBusy:
    case StatusCode::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

namespace {

std::string& current_file() {
  static std::string path;
  return path;
}

bool is_about_the_file(StatusCode code) {
  return code == StatusCode::kCorruption || code == StatusCode::kIoError ||
         code == StatusCode::kBusy || code == StatusCode::kInternal;
}

}  // namespace

void set_current_file(std::string path) {
  current_file() = std::move(path);
}

void throw_if_error(const Status& status, std::string_view context) {
  if (status.ok()) return;
  Status s = context.empty() ? status : status.with_context(context);
  const std::string& file = current_file();
  if (!file.empty() && is_about_the_file(s.code()) && s.message().find(file) == std::string::npos) {
    s = s.with_context(file);
  }
  throw CliError(exit_code_for(s), s.message());
}

std::string human_bytes(int64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double v = static_cast<double>(bytes) / 1024;
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, units[u]);
}

}  // namespace reel::cli
