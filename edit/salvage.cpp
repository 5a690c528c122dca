// `reel salvage` (reel/edit/salvage.h): the b-tree walk, the page scan when SQLite's structure is
// damaged, and the choice between their outputs.
#include "reel/edit/salvage.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "reel/store/schema.h"
#include "salvage_internal.h"
#include "scan_rebuild.h"

namespace reel::edit {
namespace {

// A temporary database file (and its -wal/-shm/-journal), removed unless released.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) { remove(); }
  ~TempFile() {
    if (!released_) remove();
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  void release() { released_ = true; }

 private:
  void remove() const {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path_ + suffix, ignored);
    }
  }
  std::string path_;
  bool released_ = false;
};

std::string temp_name(const std::string& output, const char* what) {
  return fmt::format("{}.salvage-{}-{}.tmp", output, what, ::getpid());
}

bool has_sqlite_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[16] = {};
  return in.read(magic, sizeof magic) &&
         std::string_view(magic, 16) == std::string_view("SQLite format 3\0", 16);
}

// The page count the header promises (bytes 28..31, big-endian, valid when the header's
// "version-valid-for" number at 92 equals the change counter at 24) times the page size, or 0.
uint64_t promised_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  uint8_t h[100] = {};
  if (!in.read(reinterpret_cast<char*>(h), sizeof h)) return 0;
  if (std::string_view(reinterpret_cast<const char*>(h), 16) !=
      std::string_view("SQLite format 3\0", 16)) {
    return 0;
  }
  auto be32 = [&](int at) {
    return uint32_t{h[at]} << 24 | uint32_t{h[at + 1]} << 16 | uint32_t{h[at + 2]} << 8 | h[at + 3];
  };
  uint64_t page_size = uint64_t{h[16]} << 8 | h[17];
  if (page_size == 1) page_size = 65536;
  if (be32(92) != be32(24)) return 0;
  return page_size * be32(28);
}

// Why the walk's result cannot be trusted to hold everything the file has ("" when it can).
std::string scan_reason(const std::string& input, const Status& walked,
                        const SalvageReport& report) {
  if (!walked.ok()) return fmt::format("SQLite cannot read the file: {}", walked.message());
  for (const auto& d : report.damage.damage) {
    if (d.what == "sqlite" || d.what == "schema" || d.what == "catalog") {
      return fmt::format("SQLite's own structure is damaged ({}: {})", d.what, d.detail);
    }
  }
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(input, ec);
  const uint64_t promised = promised_bytes(input);
  if (!ec && promised > size) {
    return fmt::format("the file has {} bytes, its header promises {}", size, promised);
  }
  return {};
}

// Scans the pages of `input` into an intermediate database, then walks that into `output`.
Status salvage_scan(const std::string& input, const std::string& output, SalvageReport& report) {
  TempFile rebuilt(temp_name(output, "pages"));
  ScanRebuild scanned;
  {
    REEL_ASSIGN_OR_RETURN(auto store, Store::open(rebuilt.path(), StoreOptions{}));
    REEL_RETURN_IF_ERROR(schema::ensure_schema(*store));
    REEL_ASSIGN_OR_RETURN(scanned, rebuild_from_pages(input, *store));
  }
  report.page_size = scanned.stats.page_size;
  report.pages_scanned = scanned.stats.pages;
  report.blobs_verified = scanned.blobs_verified;
  report.blobs_rejected = scanned.blobs_rejected;
  if (scanned.blobs_verified == 0) {
    return Status::corruption("no intact Reel blob in its {} pages of {} bytes",
                              scanned.stats.pages, scanned.stats.page_size);
  }
  report.notes = std::move(scanned.notes);
  if (!scanned.stats.page_size_from_header) {
    report.notes.insert(report.notes.begin(),
                        fmt::format("the file header is damaged: pages read as {} bytes (the size "
                                    "with the most page starts that look like b-tree pages)",
                                    scanned.stats.page_size));
  }
  SalvageReport walked;
  REEL_RETURN_IF_ERROR(salvage_walk(rebuilt.path(), output, walked));
  report.runs = std::move(walked.runs);
  report.lost = std::move(walked.lost);
  report.lost_range_sessions = std::move(walked.lost_range_sessions);
  report.lost_sessions = std::move(walked.lost_sessions);
  report.events_dropped = walked.events_dropped;
  report.frames_copied = walked.frames_copied;
  return {};
}

}  // namespace

const char* salvage_method_name(SalvageMethod method) {
  return method == SalvageMethod::kPageScan ? "page scan" : "b-tree walk";
}

Result<SalvageReport> salvage_database(const std::string& input, const std::string& output,
                                       const SalvageOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  TempFile walk_out(temp_name(output, "walk"));
  SalvageReport report;
  const Status walked = salvage_walk(input, walk_out.path(), report);
  if (!walked.ok() && walked.code() != StatusCode::kCorruption &&
      walked.code() != StatusCode::kInvalidArgument && walked.code() != StatusCode::kUnsupported) {
    return walked;  // an unreadable input or an unwritable output: nothing to scan for
  }
  report.walk_frames = walked.ok() ? report.frames_copied : -1;
  std::string reason = options.scan == SalvageOptions::Scan::kNever ? std::string{}
                       : options.scan == SalvageOptions::Scan::kAlways
                           ? std::string("asked for")
                           : scan_reason(input, walked, report);
  std::string chosen = walk_out.path();
  std::optional<TempFile> scan_out;
  if (!reason.empty()) {
    scan_out.emplace(temp_name(output, "scan"));
    SalvageReport scanned;
    scanned.damage = report.damage;
    scanned.walk_frames = report.walk_frames;
    scanned.scan_reason = reason;
    const Status s = salvage_scan(input, scan_out->path(), scanned);
    const bool use_scan =
        s.ok() && (!walked.ok() || options.scan == SalvageOptions::Scan::kAlways ||
                   scanned.frames_copied > report.frames_copied);
    if (use_scan) {
      scanned.method = SalvageMethod::kPageScan;
      report = std::move(scanned);
      chosen = scan_out->path();
    } else if (!walked.ok()) {
      // A file that is no Reel database (or no database) and holds no Reel blob: bad input.
      if (walked.code() != StatusCode::kCorruption) return walked;
      if (!has_sqlite_header(input)) {
        return Status::invalid_argument(
            "not a Reel database: no SQLite header, and no Reel blob "
            "in its pages");
      }
      return Status::corruption("nothing can be salvaged: {}; the page scan: {}", walked.message(),
                                s.ok() ? "found no frame" : s.message());
    } else {
      report.scan_reason = reason;
      report.notes.push_back(
          fmt::format("the page scan ({}) found no more frames than the b-tree walk{}", reason,
                      s.ok() ? "" : ": " + s.message()));
    }
  } else if (!walked.ok()) {
    return walked;
  }
  std::error_code ec;
  std::filesystem::rename(chosen, output, ec);
  if (ec) {
    return Status::io_error("{}: cannot rename the salvaged copy into place: {}", output,
                            ec.message());
  }
  (chosen == walk_out.path() ? walk_out : *scan_out).release();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace reel::edit
