// libFuzzer target: whole Reel databases, damaged anywhere (SQLite pages, b-trees, blobs, catalog
// rows), through everything that opens a file a user hands over: verify, the replayer (every
// frame, skipping damage) and salvage (its b-tree walk and its page scan, which runs on any file
// SQLite finds damaged). Input: the database file's bytes (seeds: small real recordings in
// tests/fuzz/corpus/damaged_db/). Whatever the bytes, each must finish with a report or a Status,
// never crash, hang or allocate without bound; a salvaged copy must verify clean.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "reel/edit/salvage.h"
#include "reel/replay/replayer.h"
#include "reel/replay/verify.h"

namespace {

using namespace reel;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_damaged_db: %s: %s\n", what, detail.c_str());
  std::abort();
}

// A scratch directory for this process, emptied before each input.
const std::string& scratch() {
  static const std::string dir = [] {
    auto path = std::filesystem::temp_directory_path() /
                ("reel-fuzz-damaged-db-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path.string();
  }();
  return dir;
}

void write_file(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) fail("cannot write", path);
  if (size && std::fwrite(data, 1, size, f) != size) fail("short write", path);
  std::fclose(f);
}

void replay_everything(const std::string& path, const std::string& session) {
  auto replayer = Replayer::open(path, session);
  if (!replayer.ok()) return;
  Replayer& r = **replayer;
  const FrameIndex frames = std::min<FrameIndex>(r.frame_count(), 4096);
  if (frames <= 0) return;
  (void)r.for_each_frame(
      0, frames - 1, [](const Frame&, const WorldState&) -> Status { return {}; },
      [](const SkippedRange&) -> Status { return {}; });
  for (FrameIndex f = frames - 1; f >= 0; f -= std::max<FrameIndex>(1, frames / 16)) {
    (void)r.seek(f);
  }
  (void)r.events(0, frames - 1, {}, [](const Status&) {});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string dir = scratch();
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ignored)) {
    std::filesystem::remove(entry.path(), ignored);
  }
  const std::string path = dir + "/in.reel";
  write_file(path, data, size);

  auto report = verify_database(path);
  if (report.ok()) {
    for (const auto& session : report->sessions) {
      replay_everything(path, std::to_string(session.id));
    }
  }
  const std::string out = dir + "/out.reel";
  auto salvaged = edit::salvage_database(path, out);
  if (salvaged.ok()) {
    auto again = verify_database(out);
    if (!again.ok()) fail("salvaged copy does not open", again.status().to_string());
    if (!again->clean()) {
      fail("salvaged copy is not clean",
           again->damage.front().what + ": " + again->damage.front().detail);
    }
  }
  return 0;
}
