#include "temp_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace reel::edit {
namespace {

std::atomic<int> g_counter{0};

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

void remove_database_files(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((path + suffix).c_str());
}

}  // namespace

int64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Status require_no_wal(const std::string& path) {
  if (file_size(path + "-wal") > 0) {
    return Status::io_error(
        "{}: has unmerged changes in {}-wal (a program has it open, or one crashed while "
        "writing): close it first",
        path, path);
  }
  return {};
}

Result<TempOutput> TempOutput::create(const std::string& output) {
  std::string path = fmt::format("{}.tmp-{}-{}", output, ::getpid(), g_counter++);
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::io_error("{}: cannot write a temporary file in the directory {}: {}", output,
                            directory_of(output), std::strerror(errno));
  }
  ::close(fd);
  return TempOutput(output, std::move(path));
}

TempOutput::TempOutput(TempOutput&& other) noexcept
    : output_(std::move(other.output_)),
      path_(std::move(other.path_)),
      committed_(other.committed_) {
  other.committed_ = true;  // the moved-from object owns nothing
}

TempOutput::~TempOutput() {
  if (!committed_) remove_database_files(path_);
}

Status TempOutput::commit() {
  REEL_RETURN_IF_ERROR(require_no_wal(output_));
  // The temporary database was closed cleanly, so its WAL is empty or gone; drop the leftovers so
  // that nothing is paired with the renamed file.
  for (const char* suffix : {"-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
  {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
  if (::rename(path_.c_str(), output_.c_str()) != 0) {
    return Status::io_error("{}: cannot replace it: {}", output_, std::strerror(errno));
  }
  committed_ = true;
  const int dir = ::open(directory_of(output_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

}  // namespace reel::edit
