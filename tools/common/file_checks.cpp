#include "file_checks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "cli_util.h"

namespace reel::cli {
namespace {

constexpr std::string_view kSqliteHeader{"SQLite format 3\0", 16};

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw CliError(kExitBadInput, fmt::format("{}: {}", path, why));
}

[[noreturn]] void fail_errno(const std::string& path, int err) {
  fail(path, errno_text(err));
}

// Closes the descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Opens `path` for reading after checking that it is a readable file, not a directory.
int open_for_reading(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) fail_errno(path, errno);
  if (S_ISDIR(st.st_mode)) fail(path, "is a directory");
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_errno(path, errno);
  return fd;
}

// Reads up to `n` bytes from the start of the file.
std::string read_head(const std::string& path, size_t n) {
  Fd fd(open_for_reading(path));
  std::string head(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd.get(), head.data() + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail_errno(path, errno);
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  head.resize(got);
  return head;
}

void require_sqlite_header(const std::string& path, bool empty_ok) {
  const std::string head = read_head(path, kSqliteHeader.size());
  if (head.empty()) {
    if (empty_ok) return;
    fail(path, "not a Reel database (the file is empty)");
  }
  if (head != kSqliteHeader) fail(path, "not a Reel database (file is not a database)");
}

}  // namespace

std::string errno_text(int err) {
  switch (err) {
    case ENOENT:
      return "no such file";
    case ENOTDIR:
      return "a part of the path is not a directory";
    case EISDIR:
      return "is a directory";
    case EACCES:
    case EPERM:
      return "permission denied";
    case EROFS:
      return "read-only file system";
    case ENOSPC:
      return "no space left on the device";
    case ELOOP:
      return "too many symbolic links";
    case ENAMETOOLONG:
      return "the name is too long";
    default: {
      std::string text = std::strerror(err);
      if (!text.empty())
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
      return text;
    }
  }
}

void require_readable_file(const std::string& path) {
  Fd fd(open_for_reading(path));
}

void require_database_file(const std::string& path) {
  require_sqlite_header(path, /*empty_ok=*/false);
}

void require_database_output(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) fail(path, "is a directory");
    if (access(path.c_str(), R_OK | W_OK) != 0) fail_errno(path, errno);
    require_sqlite_header(path, /*empty_ok=*/true);
    return;
  }
  if (errno != ENOENT) fail_errno(path, errno);
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string dir = parent.empty() ? "." : parent.string();
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    fail(path, fmt::format("no such directory '{}'", dir));
  }
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    fail(path, fmt::format("cannot create it: {} in '{}'", errno_text(errno), dir));
  }
}

std::vector<uint8_t> read_whole_file(const std::string& path) {
  Fd fd(open_for_reading(path));
  std::vector<uint8_t> bytes;
  std::array<uint8_t, 1 << 16> buffer{};
  while (true) {
    ssize_t r = read(fd.get(), buffer.data(), buffer.size());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail_errno(path, errno);
    if (r == 0) break;
    bytes.insert(bytes.end(), buffer.begin(), buffer.begin() + r);
  }
  return bytes;
}

}  // namespace reel::cli
