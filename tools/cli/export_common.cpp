// `reel export`'s shared pieces: the format table, progress on a terminal, the output file.
#include "export_common.h"

#include <unistd.h>

#include <cerrno>

#include <fmt/core.h>

#include "cli_util.h"
#include "file_checks.h"

namespace reel::cli {

const std::vector<ExportFormat>& export_formats() {
  static const std::vector<ExportFormat> kFormats = {
      {"anim", "Godot Animation resource (.tres) for an AnimationPlayer", false, write_anim_export},
      {"jsonl", "one JSON object per frame (frame, tick, time, spawns, despawns, changes, events)",
       true, write_jsonl_export},
      {"varstream", "seekable store_var stream that ReelPlayer plays (FORMAT.md 9)", false,
       write_varstream_export},
  };
  return kFormats;
}

ExportProgress::ExportProgress(std::string label, int64_t total_frames)
    : label_(std::move(label)),
      total_(total_frames > 0 ? total_frames : 1),
      enabled_(isatty(STDERR_FILENO) != 0),
      next_draw_(std::chrono::steady_clock::now()) {}

ExportProgress::~ExportProgress() {
  clear();
}

void ExportProgress::frame_done(FrameIndex frames_done) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_draw_) return;
  next_draw_ = now + std::chrono::milliseconds(100);
  std::fprintf(stderr, "\r%s: frame %lld of %lld (%.0f%%)\x1b[K", label_.c_str(),
               static_cast<long long>(frames_done), static_cast<long long>(total_),
               100.0 * static_cast<double>(frames_done) / static_cast<double>(total_));
  std::fflush(stderr);
  drawn_ = true;
}

void ExportProgress::clear() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\x1b[K");
  std::fflush(stderr);
  drawn_ = false;
}

OutputFile::OutputFile(const std::string& path) : path_(path) {
  if (path == "-") {
    file_ = stdout;
    path_ = "stdout";
    return;
  }
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) {
    const int err = errno;
    throw CliError(kExitBadInput, fmt::format("--out {}: {}", path,
                                              err == ENOENT ? "cannot create it: no such directory"
                                                            : errno_text(err)));
  }
  owned_ = true;
}

OutputFile::~OutputFile() {
  if (owned_ && file_) std::fclose(file_);
}

void OutputFile::write(std::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    throw CliError(kExitInternal, fmt::format("{}: write failed: {}", path_, errno_text(errno)));
  }
  bytes_ += static_cast<int64_t>(bytes.size());
}

void OutputFile::close() {
  bool failed = std::fflush(file_) != 0;
  if (owned_) {
    failed = std::fclose(file_) != 0 || failed;
    file_ = nullptr;
    owned_ = false;
  }
  if (failed) throw CliError(kExitInternal, fmt::format("{}: write failed", path_));
}

}  // namespace reel::cli
