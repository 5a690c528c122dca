#include "play_records.h"

#include <algorithm>
#include <cerrno>

#include <fmt/core.h>

#include "cli_util.h"
#include "file_checks.h"

namespace reel::cli {

std::vector<Event> events_of(Replayer& replayer, FrameIndex frame) {
  std::vector<Event> out;
  for (auto& r : value_or_throw(replayer.events(frame, frame))) {
    out.push_back({std::move(r.name), r.entity, std::move(r.args)});
  }
  return out;
}

StoreVarWriter::StoreVarWriter(const std::string& path, GodotDialect dialect, bool flush_each)
    : path_(path.empty() ? "stdout" : path), flush_each_(flush_each) {
  options_.dialect = dialect;
  if (path.empty()) {
    file_ = stdout;
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

StoreVarWriter::~StoreVarWriter() {
  if (owned_) std::fclose(file_);
}

int64_t StoreVarWriter::write(const Variant& record, const std::string& what) {
  buffer_.clear();
  throw_if_error(append_store_var(record, options_.dialect, buffer_), what);
  const int64_t at = position_;
  write_raw(buffer_, what);
  return at;
}

void StoreVarWriter::write_raw(const std::vector<uint8_t>& bytes, const std::string& what) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size() ||
      (flush_each_ && std::fflush(file_) != 0)) {
    throw CliError(kExitInternal, fmt::format("{}: write failed at {}", path_, what));
  }
  position_ += static_cast<int64_t>(bytes.size());
}

void StoreVarWriter::finish() {
  if (std::fflush(file_) != 0) throw CliError(kExitInternal, path_ + ": write failed");
}

}  // namespace reel::cli
