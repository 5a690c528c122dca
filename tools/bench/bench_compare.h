// `reel bench compare`: Reel beside the ways a Godot user would otherwise record a session, on the
// same generated crowd workload (samples/), in one invocation. Shared declarations of
// bench_compare*.cpp:
//   bench_compare_rows.cpp    records and replays one row (each in a child process of its own)
//   bench_compare_limits.cpp  this machine's limits (memcpy, zstd -1, XXH3, SQLite blob inserts)
//   bench_compare_plot.cpp    the gnuplot plots
//   bench_compare.cpp         the command: options, the table, JSON, the scaling runs
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_mcap_feed.h"
#include "reel/samples/crowd.h"

namespace reel::bench::compare {

enum class Row {
  kReelLossless,
  kReelLossy,
  kReelLosslessMv,  // the mvsqlite storage profile (page 8192, journal DELETE) on the unix VFS
  kReelLossyMv,
  kMcap,       // @mcap/core in Node, zstd chunks
  kRosbag,     // (a) one SQLite row per change
  kFullState,  // (b) zstd full snapshot per frame in SQLite
  kStoreVar,   // (c) store_var log in LZ4 blocks
};
inline constexpr Row kAllRows[] = {Row::kReelLossless, Row::kReelLossy, Row::kReelLosslessMv,
                                   Row::kReelLossyMv,  Row::kMcap,      Row::kRosbag,
                                   Row::kFullState,    Row::kStoreVar};

const char* row_name(Row row);  // for the table
const char* row_key(Row row);   // for JSON, file names and --rows
bool is_reel(Row row);

struct Workload {
  samples::CrowdOptions crowd;
  int64_t frames = 0;
};

struct MeasureOptions {
  int samples = 1000;          // seeks and steps back per figure
  double budget_seconds = 10;  // per figure and row: a figure stops sampling past it
  uint64_t seed = 1;
  std::string dir;  // where the recordings go (kept when given)
  NodeSide node;
};

// Plain data: crosses a pipe from a child process.
struct Latency {
  int n = 0;
  double p50_ms = 0, p99_ms = 0;
};
struct RowFigures {
  bool ok = false;
  char error[400] = {};
  uint64_t bytes = 0;
  // Recording: CPU of every process involved (for MCAP: the C++ feeder's message encoding and the
  // Node writer), generator excluded by the caller; peak RSS of the recording process (MCAP: Node).
  double record_cpu_seconds = 0;
  double record_wall_seconds = 0;
  int64_t record_peak_rss_kb = 0;
  // Replay, in a fresh process.
  Latency seek_cold, seek_warm, step_back;
  int64_t forward_frames = 0;
  double forward_fps = 0;
  double recovery_ms = 0;  // open the file and get the state of its last frame
  int64_t replay_peak_rss_kb = 0;
};

// Generator-only CPU seconds for the workload (in a child process).
double generator_cpu_seconds(const Workload& workload);
// Records then replays one row; never throws (failures are in .ok/.error).
RowFigures run_row(Row row, const Workload& workload, const MeasureOptions& options);

struct MachineLimits {
  double memcpy_gbps = 0;
  double zstd1_compress_mbps = 0, zstd1_decompress_mbps = 0;
  double zstd1_ratio = 0;  // raw / compressed of the raw state stream
  double xxh3_gbps = 0;
  double sqlite_blob_mbps = 0, sqlite_blob_rows_per_s = 0;
  int sqlite_blob_bytes = 0;       // the blob size inserted
  double raw_bytes_per_frame = 0;  // the raw change stream: var_to_bytes of each change's value
  double full_state_bytes = 0;     // var_to_bytes of the whole world at the last frame
};
MachineLimits measure_limits(const Workload& workload, const std::string& dir);

// Writes DIR/*.dat, DIR/*.gp and runs gnuplot on them (SVG and PNG). kInternal when gnuplot
// fails or is missing.
Status plot(const nlohmann::json& report, const std::string& dir);

}  // namespace reel::bench::compare
