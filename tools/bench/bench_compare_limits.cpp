// This machine's limits for `reel bench compare`, measured on the workload's own bytes:
//   memcpy      bandwidth of copying a 64 MiB buffer (best of 5)
//   zstd -1     compress and decompress speed of the raw state stream (below), in 1 MiB pieces
//   XXH3        XXH3_64bits over the same stream
//   SQLite      blob inserts (64 KiB blobs, WAL, synchronous=NORMAL, one transaction per 16)
// The raw state stream: every change of the workload's frames (up to 1,200 of them) as
// var_to_bytes of its value, back to back: what any recorder has to move at the least.
#include <xxhash.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "bench_baselines.h"
#include "bench_compare.h"
#include "reel/store/store.h"
#include "reel/variant/variant_binary.h"

namespace reel::bench::compare {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs body `repeats` times and returns the fastest run's seconds.
template <class F>
double fastest(int repeats, F&& body) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    body();
    best = std::min(best, seconds_since(start));
  }
  return best;
}

double memcpy_gbps() {
  const size_t size = 64u << 20;
  std::vector<uint8_t> from(size, 1), to(size, 0);
  const double s = fastest(5, [&] { std::memcpy(to.data(), from.data(), size); });
  return to[size / 2] == 1 ? static_cast<double>(size) / s / 1e9 : 0;
}

void sqlite_blob_rate(const std::string& dir, MachineLimits& limits) {
  const std::string path = (std::filesystem::path(dir) / "limits-sqlite.db").string();
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  auto store = Store::open(path, StoreOptions{});
  if (!store.ok()) return;
  const int blob_bytes = 64 << 10, rows = 512, per_transaction = 16;
  std::vector<uint8_t> blob(blob_bytes);
  for (size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<uint8_t>(i * 2654435761u >> 24);
  if (!(*store)->exec("CREATE TABLE blobs(id INTEGER PRIMARY KEY, data BLOB)").ok()) return;
  const auto start = Clock::now();
  for (int i = 0; i < rows; ++i) {
    if (i % per_transaction == 0 && !(*store)->exec("BEGIN").ok()) return;
    auto insert = (*store)->prepare("INSERT INTO blobs(data) VALUES(?)");
    if (!insert.ok() || !(*insert)->bind(1, std::span<const uint8_t>(blob)).ok() ||
        !(*insert)->run().ok())
      return;
    if (i % per_transaction == per_transaction - 1 && !(*store)->exec("COMMIT").ok()) return;
  }
  const double s = seconds_since(start);
  limits.sqlite_blob_bytes = blob_bytes;
  limits.sqlite_blob_rows_per_s = rows / s;
  limits.sqlite_blob_mbps = static_cast<double>(rows) * blob_bytes / s / 1e6;
  store->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
}

}  // namespace

MachineLimits measure_limits(const Workload& workload, const std::string& dir) {
  MachineLimits limits;
  limits.memcpy_gbps = memcpy_gbps();

  // The raw state stream, and the world at its last frame.
  samples::CrowdGenerator crowd(workload.crowd);
  const int64_t frames = std::min<int64_t>(workload.frames, 1200);
  std::vector<uint8_t> raw, value;
  Frame frame;
  WorldDictionary world(crowd.property_paths());
  for (int64_t i = 0; i < frames; ++i) {
    crowd.next(frame);
    for (const PropertyChange& change : frame.changes) {
      // Encoded apart and appended: encode_variant may size its output up to capacity first.
      value.clear();
      (void)encode_variant(change.value, value);
      raw.insert(raw.end(), value.begin(), value.end());
    }
    (void)world.apply(frame);
  }
  std::vector<uint8_t> full;
  (void)encode_variant(Variant(world.world()), full);
  limits.full_state_bytes = static_cast<double>(full.size());
  // Frame 0 spawns everything: the steady-state frames are what a recorder sees per frame.
  limits.raw_bytes_per_frame = frames > 0 ? static_cast<double>(raw.size()) / frames : 0;

  const size_t piece = 1u << 20;
  std::vector<uint8_t> compressed(ZSTD_compressBound(piece) * (raw.size() / piece + 1));
  std::vector<size_t> sizes;
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  size_t total = 0;
  const double c = fastest(3, [&] {
    sizes.clear();
    total = 0;
    for (size_t at = 0; at < raw.size(); at += piece) {
      const size_t n = std::min(piece, raw.size() - at);
      const size_t got = ZSTD_compressCCtx(cctx, compressed.data() + total,
                                           compressed.size() - total, raw.data() + at, n, 1);
      if (ZSTD_isError(got)) return;
      sizes.push_back(got);
      total += got;
    }
  });
  std::vector<uint8_t> back(raw.size());
  const double d = fastest(3, [&] {
    size_t in = 0, out = 0;
    for (size_t got : sizes) {
      out += ZSTD_decompressDCtx(dctx, back.data() + out, back.size() - out, compressed.data() + in,
                                 got);
      in += got;
    }
  });
  ZSTD_freeCCtx(cctx);
  ZSTD_freeDCtx(dctx);
  if (!raw.empty() && back == raw) {
    limits.zstd1_compress_mbps = static_cast<double>(raw.size()) / c / 1e6;
    limits.zstd1_decompress_mbps = static_cast<double>(raw.size()) / d / 1e6;
    limits.zstd1_ratio = static_cast<double>(raw.size()) / static_cast<double>(total);
  }
  volatile XXH64_hash_t sink = 0;  // keeps the hashing from being optimised away
  const double x = fastest(5, [&] { sink = XXH3_64bits(raw.data(), raw.size()); });
  (void)sink;
  limits.xxh3_gbps = raw.empty() ? 0 : static_cast<double>(raw.size()) / x / 1e9;
  sqlite_blob_rate(dir, limits);
  return limits;
}

}  // namespace reel::bench::compare
