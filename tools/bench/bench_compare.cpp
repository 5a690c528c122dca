// `reel bench compare`: the side-by-side table (bench_compare.h lists the rows), this machine's
// limits with each Reel figure as a fraction of its limit, the scaling runs (players, duration)
// and the plots. The report is one JSON document (--json prints it, --report FILE keeps it,
// --plot DIR draws it; --from REPORT draws a kept one without running anything).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench.h"
#include "bench_compare.h"
#include "cli_util.h"
#include "reel/samples/duration.h"

#ifndef REEL_BENCH_MCAP_DIR
#define REEL_BENCH_MCAP_DIR "tools/bench/mcap"
#endif

namespace reel::cli {
namespace {

using nlohmann::json;
using namespace reel::bench::compare;
using reel::bench::NodeSide;

struct CompareOptions {
  std::string duration = "1h";
  int64_t frames = 0;  // overrides duration when > 0
  samples::CrowdOptions crowd;
  std::vector<std::string> rows;  // row keys; empty: all
  MeasureOptions measure;
  bool compare = true;  // --no-compare: scaling runs only
  // Scaling runs (--scaling): players at scale_players_duration, then durations.
  bool scaling = false;
  std::vector<int> scale_players{10, 30, 100, 300, 1000};
  std::string scale_players_duration = "1m";
  std::vector<std::string> scale_durations{"1m", "10m", "1h", "4h"};
  std::vector<std::string> scale_rows{"reel_lossless", "reel_lossy", "mcap",
                                      "rosbag2_style", "full_state", "storevar_lz4"};
  // Rows other than Reel's are left out of duration runs longer than this.
  std::string baseline_max_duration = "1h";
  int scale_samples = 200;
  double scale_budget_seconds = 5;
  bool json = false;
  std::string report_path;
  std::string plot_dir;
  std::string from_report;
};

std::vector<Row> parse_rows(const std::vector<std::string>& keys, const char* option) {
  if (keys.empty()) return {std::begin(kAllRows), std::end(kAllRows)};
  std::vector<Row> rows;
  for (const std::string& key : keys) {
    bool found = false;
    for (Row row : kAllRows) {
      if (key == row_key(row)) {
        rows.push_back(row);
        found = true;
      }
    }
    if (!found) {
      std::string known;
      for (Row row : kAllRows)
        known += fmt::format("{}{}", known.empty() ? "" : ", ", row_key(row));
      throw CliError(kExitBadInput,
                     fmt::format("{}: unknown row '{}' (rows: {})", option, key, known));
    }
  }
  return rows;
}

json latency_json(const Latency& l) {
  return {{"n", l.n}, {"p50_ms", l.p50_ms}, {"p99_ms", l.p99_ms}};
}

json workload_json(const Workload& w) {
  return {{"players", w.crowd.players},
          {"props", w.crowd.props},
          {"moving_fraction", w.crowd.moving_fraction},
          {"tick_rate", w.crowd.tick_rate},
          {"seed", w.crowd.seed},
          {"frames", w.frames},
          {"seconds", static_cast<double>(w.frames) / w.crowd.tick_rate}};
}

// Runs the rows on one workload; returns {"workload", "generator_us_per_frame", "rows": [...]}.
json run_rows(const std::vector<Row>& rows, const Workload& workload, MeasureOptions measure,
              bool quiet) {
  const double frames = static_cast<double>(workload.frames);
  const double generator_us = generator_cpu_seconds(workload) * 1e6 / frames;
  json out = {{"workload", workload_json(workload)}, {"generator_us_per_frame", generator_us}};
  json list = json::array();
  for (Row row : rows) {
    if (!quiet) {
      fmt::print(stderr, "  {} ({} players, {} frames) ...\n", row_name(row),
                 workload.crowd.players, workload.frames);
    }
    const RowFigures f = run_row(row, workload, measure);
    json r = {{"key", row_key(row)}, {"name", row_name(row)}, {"ok", f.ok}};
    if (!f.ok) {
      r["error"] = f.error;
      fmt::print(stderr, "  {}: FAILED: {}\n", row_name(row), f.error);
    }
    r["bytes"] = f.bytes;
    r["bytes_per_frame"] = static_cast<double>(f.bytes) / frames;
    r["record_cpu_us_per_frame"] = f.record_cpu_seconds * 1e6 / frames - generator_us;
    r["record_wall_seconds"] = f.record_wall_seconds;
    r["record_peak_rss_kb"] = f.record_peak_rss_kb;
    r["seek_cold"] = latency_json(f.seek_cold);
    r["seek_warm"] = latency_json(f.seek_warm);
    r["step_back"] = latency_json(f.step_back);
    r["forward_frames"] = f.forward_frames;
    r["forward_fps"] = f.forward_fps;
    r["recovery_ms"] = f.recovery_ms;
    r["replay_peak_rss_kb"] = f.replay_peak_rss_kb;
    list.push_back(r);
  }
  out["rows"] = list;
  return out;
}

Workload make_workload(samples::CrowdOptions crowd, const std::string& duration, int64_t frames) {
  Workload w;
  w.crowd = crowd;
  if (frames > 0) {
    w.frames = frames;
  } else {
    const double seconds = value_or_throw(samples::parse_duration_seconds(duration), "--duration");
    w.frames = samples::frames_in(seconds, crowd.tick_rate);
  }
  if (w.frames < 2) throw CliError(kExitBadInput, "the workload needs at least 2 frames");
  return w;
}

json limits_json(const MachineLimits& l) {
  return {{"memcpy_gbps", l.memcpy_gbps},
          {"zstd1_compress_mbps", l.zstd1_compress_mbps},
          {"zstd1_decompress_mbps", l.zstd1_decompress_mbps},
          {"zstd1_ratio", l.zstd1_ratio},
          {"xxh3_gbps", l.xxh3_gbps},
          {"sqlite_blob_mbps", l.sqlite_blob_mbps},
          {"sqlite_blob_rows_per_s", l.sqlite_blob_rows_per_s},
          {"sqlite_blob_bytes", l.sqlite_blob_bytes},
          {"raw_bytes_per_frame", l.raw_bytes_per_frame},
          {"full_state_bytes", l.full_state_bytes}};
}

// Each Reel row's figures beside the limit they are bounded by (fractions: 1 = at the limit).
json fractions_json(const json& comparison, const json& limits) {
  json out = json::array();
  const double raw = limits.value("raw_bytes_per_frame", 0.0);
  const double floor_record_us = raw / limits.value("zstd1_compress_mbps", 1e-9) +
                                 raw / (limits.value("xxh3_gbps", 1e-9) * 1e3);
  const double floor_fps = limits.value("zstd1_decompress_mbps", 0.0) * 1e6 / std::max(raw, 1.0);
  const double floor_seek_ms =
      limits.value("full_state_bytes", 0.0) / (limits.value("memcpy_gbps", 1e-9) * 1e6);
  const double zstd1_bytes = raw / std::max(limits.value("zstd1_ratio", 1.0), 1e-9);
  for (const json& r : comparison["rows"]) {
    if (r["key"].get<std::string>().rfind("reel", 0) != 0 || !r.value("ok", false)) continue;
    const double cpu = r.value("record_cpu_us_per_frame", 0.0);
    const double bytes = r.value("bytes_per_frame", 0.0);
    const double write_mbps = cpu > 0 ? bytes / cpu : 0;  // bytes per us = MB/s
    out.push_back(
        {{"key", r["key"]},
         {"record_floor_us", floor_record_us},
         {"record_fraction", cpu > 0 ? floor_record_us / cpu : 0},
         {"forward_floor_fps", floor_fps},
         {"forward_fraction", floor_fps > 0 ? r.value("forward_fps", 0.0) / floor_fps : 0},
         {"seek_floor_ms", floor_seek_ms},
         {"seek_fraction", floor_seek_ms / std::max(r["seek_warm"].value("p50_ms", 0.0), 1e-9)},
         {"zstd1_bytes_per_frame", zstd1_bytes},
         {"size_vs_zstd1", zstd1_bytes > 0 ? bytes / zstd1_bytes : 0},
         {"write_mbps", write_mbps},
         {"sqlite_fraction", write_mbps / std::max(limits.value("sqlite_blob_mbps", 0.0), 1e-9)}});
  }
  return out;
}

std::string latency_cell(const json& l) {
  if (l.value("n", 0) == 0) return "-";
  return fmt::format("{:.3g}/{:.3g}{}", l.value("p50_ms", 0.0), l.value("p99_ms", 0.0),
                     l.value("n", 0) < 100 ? fmt::format(" n={}", l.value("n", 0)) : "");
}

std::string mb(const json& kb) {
  return fmt::format("{:.0f}", kb.get<double>() / 1024.0);
}

void print_rows_table(const json& comparison) {
  const json& w = comparison["workload"];
  fmt::print(
      "crowd workload: {} players, {} props, {:.0f}% props moving, {} Hz, {} frames ({:.0f} s); "
      "generator {:.2f} us CPU/frame (excluded)\n\n",
      w["players"].get<int>(), w["props"].get<int>(), w["moving_fraction"].get<double>() * 100,
      w["tick_rate"].get<double>(), w["frames"].get<int64_t>(), w["seconds"].get<double>(),
      comparison["generator_us_per_frame"].get<double>());
  fmt::print("{:<32} {:>9} {:>9} {:>7} {:>15} {:>15} {:>15} {:>10} {:>10} {:>7}\n", "row",
             "bytes/fr", "rec us/fr", "rec MB", "seek cold ms", "seek warm ms", "step back ms",
             "fwd fr/s", "recover ms", "rep MB");
  fmt::print("{:<32} {:>9} {:>9} {:>7} {:>15} {:>15} {:>15} {:>10} {:>10} {:>7}\n", "", "", "", "",
             "p50/p99", "p50/p99", "p50/p99", "", "", "");
  for (const json& r : comparison["rows"]) {
    if (!r.value("ok", false)) {
      fmt::print("{:<32} FAILED: {}\n", r["name"].get<std::string>(), r.value("error", ""));
      continue;
    }
    fmt::print("{:<32} {:>9.0f} {:>9.1f} {:>7} {:>15} {:>15} {:>15} {:>10.0f} {:>10.1f} {:>7}\n",
               r["name"].get<std::string>(), r["bytes_per_frame"].get<double>(),
               r["record_cpu_us_per_frame"].get<double>(), mb(r["record_peak_rss_kb"]),
               latency_cell(r["seek_cold"]), latency_cell(r["seek_warm"]),
               latency_cell(r["step_back"]), r["forward_fps"].get<double>(),
               r["recovery_ms"].get<double>(), mb(r["replay_peak_rss_kb"]));
  }
}

void print_report(const json& report) {
  if (report.contains("comparison")) {
    fmt::print("reel bench compare\n");
    print_rows_table(report["comparison"]);
    fmt::print(
        "\nMCAP: @mcap/core 2.2.2 in Node {} (its CPU, seek and playback figures are Node's; its "
        "sizes are the format's; its seeks return undecoded message bytes). rec MB / rep MB: peak "
        "RSS of the recording / replaying process.\n",
        report.value("node_version", std::string("?")));
    const json& l = report["limits"];
    fmt::print(
        "\nthis machine's limits: memcpy {:.1f} GB/s; zstd -1 on the raw state stream ({:.0f} "
        "bytes/frame): compress {:.0f} MB/s, decompress {:.0f} MB/s, ratio {:.2f}; XXH3 {:.1f} "
        "GB/s; SQLite {} KiB blob inserts {:.0f}/s = {:.0f} MB/s\n",
        l["memcpy_gbps"].get<double>(), l["raw_bytes_per_frame"].get<double>(),
        l["zstd1_compress_mbps"].get<double>(), l["zstd1_decompress_mbps"].get<double>(),
        l["zstd1_ratio"].get<double>(), l["xxh3_gbps"].get<double>(),
        l["sqlite_blob_bytes"].get<int>() / 1024, l["sqlite_blob_rows_per_s"].get<double>(),
        l["sqlite_blob_mbps"].get<double>());
    fmt::print("{:<32} {:>22} {:>22} {:>22} {:>18} {:>18}\n", "Reel against the limits",
               "record: floor/CPU", "forward: fps/floor", "seek warm: floor/p50", "size / zstd -1",
               "writes / SQLite");
    for (const json& f : report["fractions"]) {
      fmt::print("{:<32} {:>22} {:>22} {:>22} {:>18} {:>18}\n", f["key"].get<std::string>(),
                 fmt::format("{:.2f} us: {:.1f}%", f["record_floor_us"].get<double>(),
                             f["record_fraction"].get<double>() * 100),
                 fmt::format("{:.0f}: {:.1f}%", f["forward_floor_fps"].get<double>(),
                             f["forward_fraction"].get<double>() * 100),
                 fmt::format("{:.3f} ms: {:.1f}%", f["seek_floor_ms"].get<double>(),
                             f["seek_fraction"].get<double>() * 100),
                 fmt::format("{:.2f}x", f["size_vs_zstd1"].get<double>()),
                 fmt::format("{:.1f}%", f["sqlite_fraction"].get<double>() * 100));
    }
  }
  if (report.contains("scaling")) {
    for (const char* axis : {"players", "duration"}) {
      if (!report["scaling"].contains(axis)) continue;
      fmt::print("\nscaling by {}:\n", axis);
      fmt::print("{:>8} {:>8} {:<26} {:>10} {:>11} {:>10} {:>14} {:>14}\n", "players", "frames",
                 "row", "bytes/fr", "changes/fr", "rec us/fr", "seek cold ms", "seek warm ms");
      for (const json& run : report["scaling"][axis]) {
        for (const json& r : run["rows"]) {
          if (!r.value("ok", false)) {
            fmt::print("{:>8} {:>8} {:<26} FAILED: {}\n", run["workload"]["players"].get<int>(),
                       run["workload"]["frames"].get<int64_t>(), r["key"].get<std::string>(),
                       r.value("error", ""));
            continue;
          }
          fmt::print("{:>8} {:>8} {:<26} {:>10.0f} {:>11.0f} {:>10.1f} {:>14} {:>14}\n",
                     run["workload"]["players"].get<int>(),
                     run["workload"]["frames"].get<int64_t>(), r["key"].get<std::string>(),
                     r["bytes_per_frame"].get<double>(), run.value("changes_per_frame", 0.0),
                     r["record_cpu_us_per_frame"].get<double>(), latency_cell(r["seek_cold"]),
                     latency_cell(r["seek_warm"]));
        }
      }
    }
  }
}

// Changes per frame of a workload (the first 600 frames after the spawn frame).
double changes_per_frame(const Workload& w) {
  samples::CrowdGenerator crowd(w.crowd);
  Frame frame;
  crowd.next(frame);
  const int64_t n = std::min<int64_t>(600, w.frames - 1);
  size_t changes = 0;
  for (int64_t i = 0; i < n; ++i) {
    crowd.next(frame);
    changes += frame.changes.size();
  }
  return n > 0 ? static_cast<double>(changes) / static_cast<double>(n) : 0;
}

// Each scaling run keeps its recordings in a folder of its own under --dir.
MeasureOptions run_dir(MeasureOptions measure, const std::string& name) {
  measure.dir = (std::filesystem::path(measure.dir) / name).string();
  std::error_code ec;
  std::filesystem::create_directories(measure.dir, ec);
  if (ec)
    throw CliError(kExitBadInput, fmt::format("cannot create {}: {}", measure.dir, ec.message()));
  return measure;
}

json run_scaling(const CompareOptions& o) {
  const std::vector<Row> rows = parse_rows(o.scale_rows, "--scale-rows");
  MeasureOptions measure = o.measure;
  measure.samples = o.scale_samples;
  measure.budget_seconds = o.scale_budget_seconds;
  json scaling;
  for (int players : o.scale_players) {
    samples::CrowdOptions crowd = o.crowd;
    crowd.players = players;
    const Workload w = make_workload(crowd, o.scale_players_duration, 0);
    fmt::print(stderr, "scaling: {} players\n", players);
    json run = run_rows(rows, w, run_dir(measure, fmt::format("players-{}", players)), false);
    run["changes_per_frame"] = changes_per_frame(w);
    scaling["players"].push_back(run);
  }
  const double baseline_max =
      value_or_throw(samples::parse_duration_seconds(o.baseline_max_duration), "--baseline-max");
  for (const std::string& duration : o.scale_durations) {
    const Workload w = make_workload(o.crowd, duration, 0);
    std::vector<Row> these;
    for (Row row : rows) {
      if (is_reel(row) || static_cast<double>(w.frames) / w.crowd.tick_rate <= baseline_max + 1e-9)
        these.push_back(row);
    }
    fmt::print(stderr, "scaling: {}\n", duration);
    json run = run_rows(these, w, run_dir(measure, "duration-" + duration), false);
    run["changes_per_frame"] = changes_per_frame(w);
    run["duration"] = duration;
    scaling["duration"].push_back(run);
  }
  return scaling;
}

std::string node_version(const NodeSide& node) {
  std::string command = node.node + " --version 2>/dev/null";
  std::FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return "?";
  char buffer[64] = {};
  const size_t n = std::fread(buffer, 1, sizeof buffer - 1, p);
  pclose(p);
  std::string v(buffer, n);
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v.empty() ? "?" : v;
}

void run_compare(const CompareOptions& o) {
  json report;
  if (!o.from_report.empty()) {
    std::ifstream in(o.from_report);
    report = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!report.is_object()) {
      throw CliError(kExitBadInput, fmt::format("--from: {} is not a report", o.from_report));
    }
  } else {
    throw_if_error(o.crowd.validate(), "workload");
    const std::vector<Row> rows = parse_rows(o.rows, "--rows");
    namespace fs = std::filesystem;
    CompareOptions options = o;
    const bool own_dir = options.measure.dir.empty();
    if (own_dir) {
      options.measure.dir =
          (fs::temp_directory_path() / fmt::format("reel-bench-compare-{}", getpid())).string();
    }
    std::error_code ec;
    fs::create_directories(options.measure.dir, ec);
    if (ec) {
      throw CliError(kExitBadInput,
                     fmt::format("--dir: cannot create {}: {}", options.measure.dir, ec.message()));
    }
    report["node_version"] = node_version(options.measure.node);
    if (options.compare) {
      const Workload w = make_workload(options.crowd, options.duration, options.frames);
      fmt::print(stderr, "comparison on {} frames\n", w.frames);
      report["comparison"] = run_rows(rows, w, options.measure, false);
      report["limits"] = limits_json(measure_limits(w, options.measure.dir));
      report["fractions"] = fractions_json(report["comparison"], report["limits"]);
    }
    if (options.scaling) report["scaling"] = run_scaling(options);
    if (own_dir) fs::remove_all(options.measure.dir, ec);
  }
  if (!o.report_path.empty()) {
    std::ofstream out(o.report_path);
    out << report.dump(1) << "\n";
    if (!out)
      throw CliError(kExitBadInput, fmt::format("--report: cannot write {}", o.report_path));
  }
  if (o.json) {
    fmt::print("{}\n", report.dump(1));
  } else {
    print_report(report);
  }
  if (!o.plot_dir.empty()) throw_if_error(plot(report, o.plot_dir), "--plot");
  bool failed = false;
  auto check = [&](const json& run) {
    for (const json& r : run["rows"]) failed = failed || !r.value("ok", false);
  };
  if (report.contains("comparison")) check(report["comparison"]);
  if (report.contains("scaling")) {
    for (const auto& [axis, runs] : report["scaling"].items()) {
      for (const json& run : runs) check(run);
    }
  }
  if (failed && o.from_report.empty()) throw CliError(kExitInternal, "some rows failed (above)");
}

}  // namespace

void register_bench_compare(CLI::App& bench) {
  auto o = std::make_shared<CompareOptions>();
  o->measure.node.script_dir = REEL_BENCH_MCAP_DIR;
  auto* cmd = bench.add_subcommand(
      "compare",
      "Reel beside MCAP, rosbag2-style rows, zstd snapshots and a store_var log on the crowd "
      "workload; machine limits; scaling runs; plots");
  cmd->add_option("--duration", o->duration, "Session length: 90s, 10m, 1h, 2h30m")
      ->capture_default_str();
  cmd->add_option("--frames", o->frames, "Number of frames (overrides --duration)");
  cmd->add_option("--players", o->crowd.players, "Players online")->capture_default_str();
  cmd->add_option("--props", o->crowd.props, "Physics props")->capture_default_str();
  cmd->add_option("--moving-fraction", o->crowd.moving_fraction, "Share of props moving, [0, 1)")
      ->capture_default_str();
  cmd->add_option("--tick-rate", o->crowd.tick_rate, "Frames per second")->capture_default_str();
  cmd->add_option("--seed", o->crowd.seed, "Generator seed")->capture_default_str();
  cmd->add_option("--rows", o->rows,
                  "Rows to run (default all): reel_lossless reel_lossy reel_lossless_mvsqlite "
                  "reel_lossy_mvsqlite mcap rosbag2_style full_state storevar_lz4")
      ->delimiter(',');
  cmd->add_option("--samples", o->measure.samples, "Seeks and steps back per figure")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--budget", o->measure.budget_seconds,
                  "Seconds a figure may take per row before it is cut short")
      ->capture_default_str();
  cmd->add_option("--dir", o->measure.dir, "Directory for the recordings (kept); default: temp");
  cmd->add_option("--node", o->measure.node.node, "Node.js executable")->capture_default_str();
  cmd->add_option("--mcap-dir", o->measure.node.script_dir,
                  "Folder of mcap_bench.mjs with its node_modules (scripts/setup installs them)")
      ->capture_default_str();
  cmd->add_flag("!--no-compare", o->compare, "Skip the side-by-side table (scaling runs only)");
  cmd->add_flag("--scaling", o->scaling, "Also run the scaling runs");
  cmd->add_option("--scale-players", o->scale_players, "Player counts of the scaling runs")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--scale-players-duration", o->scale_players_duration,
                  "Session length of the player scaling runs")
      ->capture_default_str();
  cmd->add_option("--scale-durations", o->scale_durations, "Session lengths of the scaling runs")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--scale-rows", o->scale_rows, "Rows of the scaling runs")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--baseline-max", o->baseline_max_duration,
                  "Duration runs longer than this run the Reel rows only")
      ->capture_default_str();
  cmd->add_option("--scale-samples", o->scale_samples, "Seeks per figure in the scaling runs")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--scale-budget", o->scale_budget_seconds,
                  "Seconds per figure and row in the scaling runs")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print the report as JSON instead of tables");
  cmd->add_option("--report", o->report_path, "Also write the report (JSON) to this file");
  cmd->add_option("--plot", o->plot_dir, "Draw the plots (SVG and PNG, gnuplot) into this folder");
  cmd->add_option("--from", o->from_report, "Print/plot a report written by --report; run nothing");
  cmd->footer(
      "Example: reel bench compare --duration 1h --scaling --report r.json --plot docs/bench");
  cmd->callback([o] { run_compare(*o); });
}

}  // namespace reel::cli
