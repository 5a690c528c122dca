// A temporary database file beside an edit's output, removed unless committed (edit.h: every edit
// builds its result there and renames it over the output at the end).
#pragma once

#include <string>

#include "reel/format/status.h"

namespace reel::edit {

class TempOutput {
 public:
  // Creates an empty file "<output>.tmp-<pid>-<n>" (O_EXCL). kIoError naming the directory when it
  // cannot be written.
  [[nodiscard]] static Result<TempOutput> create(const std::string& output);
  TempOutput(TempOutput&& other) noexcept;
  TempOutput& operator=(TempOutput&&) = delete;
  ~TempOutput();  // removes the file and its -wal/-shm/-journal unless committed

  const std::string& path() const { return path_; }
  const std::string& output() const { return output_; }
  // Renames the file over the output and syncs the directory. REQUIRES: no connection to the
  // temporary file is open. kIoError when the output has a non-empty WAL (a connection to it is
  // open, or a writer crashed there), which a rename would pair with the wrong file.
  [[nodiscard]] Status commit();

 private:
  TempOutput(std::string output, std::string path)
      : output_(std::move(output)), path_(std::move(path)) {}
  std::string output_, path_;
  bool committed_ = false;
};

// Size of a file in bytes (0 when absent).
int64_t file_size(const std::string& path);
bool file_exists(const std::string& path);
// kIoError when the output has a non-empty WAL beside it (see TempOutput::commit).
[[nodiscard]] Status require_no_wal(const std::string& path);

}  // namespace reel::edit
