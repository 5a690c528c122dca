// `reel bench record`: records the crowd sample four ways (Reel lossless, Reel lossy, and the two
// baselines of bench_baselines.h) and prints one table of size, CPU, speed, game-thread cost and
// memory, with the project's goals beside the figures.
//
// Each configuration runs in a forked child (so peak RSS is its own) which sends its figures back
// through a pipe as one plain struct. A fifth child only runs the generator: its CPU per frame is
// subtracted from the others' so "CPU/frame" is the recording's alone.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench.h"
#include "bench_baselines.h"
#include "cli_util.h"
#include "reel/recorder/recorder.h"
#include "reel/samples/crowd.h"
#include "reel/samples/duration.h"
#include "reel/samples/feeder.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchRecordOptions {
  std::string duration = "1h";
  int64_t frames = 0;  // overrides duration when > 0
  samples::CrowdOptions crowd;
  std::string dir;  // "" = a fresh directory under the system temp dir
  // Session seconds fed at real time first: the game-thread figures come from these frames, as a
  // game at its tick rate would see them. The rest is fed as fast as the recorder takes it.
  double paced_seconds = 30;
  int keyframe_interval = 0;  // 0: the recorder's default
  // When set, each configuration writes <dir>/<config>.tsv: one line per paced frame with its
  // hand-over time and what the kernel counted for the thread meanwhile.
  std::string game_trace_dir;
  bool json = false;
  bool in_process = false;  // debugging: no fork (peak RSS is then cumulative)
};

// kCopyFloor: the game thread's floor, each frame's changes copied into one reused Frame (no
// recorder, no other thread), paced like the others: what this machine adds to any game thread.
enum class Config {
  kGeneratorOnly,
  kCopyFloor,
  kReelLossless,
  kReelLossy,
  kRosbagStyle,
  kFullState
};
constexpr Config kRecordingConfigs[] = {Config::kReelLossless, Config::kReelLossy,
                                        Config::kRosbagStyle, Config::kFullState};

const char* config_name(Config config) {
  switch (config) {
    case Config::kGeneratorOnly:
      return "generator only";
    case Config::kCopyFloor:
      return "copy floor";
    case Config::kReelLossless:
      return "reel lossless";
    case Config::kReelLossy:
      return "reel lossy";
    case Config::kRosbagStyle:
      return "(a) rosbag2-style";
    case Config::kFullState:
      return "(b) full state/frame";
  }
  return "?";
}
const char* config_key(Config config) {
  switch (config) {
    case Config::kGeneratorOnly:
      return "generator";
    case Config::kCopyFloor:
      return "copy_floor";
    case Config::kReelLossless:
      return "reel_lossless";
    case Config::kReelLossy:
      return "reel_lossy";
    case Config::kRosbagStyle:
      return "rosbag2_style";
    case Config::kFullState:
      return "full_state";
  }
  return "?";
}

// What a child reports. Plain data: it crosses the pipe as bytes.
struct Figures {
  bool ok = false;
  char error[480] = {};
  int64_t frames = 0;
  uint64_t bytes = 0;
  double cpu_seconds = 0;  // user + system, all threads of the child
  double wall_seconds = 0;
  // Game thread per frame: paced at real time (p50, p99, max), and fed as fast as possible
  // (burst p99: includes waiting for a full queue, i.e. the writer's throughput).
  double game_p50_us = 0, game_p99_us = 0, game_max_us = 0, burst_p99_us = 0;
  int64_t paced_frames = 0;  // 0: --paced 0, the game-thread p50/p99 were not measured
  int64_t peak_rss_kb = 0;
};

double cpu_seconds_of_process() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](timeval t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

int64_t peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// One paced frame of the game thread: the hand-over's wall time, and what the kernel counted for
// the thread around it (RUSAGE_THREAD): minor page faults, voluntary context switches (the thread
// slept: a lock or condition variable the writer held) and involuntary ones (it was preempted).
struct PacedSample {
  float us;
  long minor_faults;
  long voluntary_switches;
  long involuntary_switches;
};

// The game thread's time per frame handed over: paced frames, then back-to-back ones.
struct GameTimes {
  std::vector<float> paced_us, burst_us;
  bool trace = false;                // fill `samples` too
  std::vector<PacedSample> samples;  // one per paced frame
};

double percentile(std::vector<float>& values, double p) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(k), values.end());
  return values[k];
}

// Runs `frames` crowd frames through `sink` (the game thread's work for one frame), timing each
// call: the first `paced_seconds` of session at real time (into paced_us), the rest back to back
// (into burst_us). The generator is outside the timed region. A paced frame is generated after
// the wait for its tick, as a game computes its state and then hands it over: the values are as
// warm in cache as a game's own (generated before the 16 ms sleep, they measured the sleep too).
Status drive(const BenchRecordOptions& options, int64_t frames,
             const std::function<Status(const Frame&)>& sink, GameTimes& times) {
  samples::CrowdGenerator crowd(options.crowd);
  Frame frame;
  const int64_t paced =
      std::min<int64_t>(frames, std::llround(options.paced_seconds * options.crowd.tick_rate));
  const auto period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / options.crowd.tick_rate));
  times.paced_us.reserve(static_cast<size_t>(paced));
  times.burst_us.reserve(static_cast<size_t>(frames - paced));
  auto due = Clock::now();
  for (int64_t i = 0; i < frames; ++i) {
    if (i < paced) {
      due += period;
      std::this_thread::sleep_until(due);
    }
    crowd.next(frame);
    const bool traced = times.trace && i < paced;
    rusage before{}, after{};
    if (traced) getrusage(RUSAGE_THREAD, &before);
    const auto start = Clock::now();
    REEL_RETURN_IF_ERROR(sink(frame));
    const float us = std::chrono::duration<float, std::micro>(Clock::now() - start).count();
    (i < paced ? times.paced_us : times.burst_us).push_back(us);
    if (traced) {
      getrusage(RUSAGE_THREAD, &after);
      times.samples.push_back(PacedSample{us, after.ru_minflt - before.ru_minflt,
                                          after.ru_nvcsw - before.ru_nvcsw,
                                          after.ru_nivcsw - before.ru_nivcsw});
    }
  }
  return Status::ok_status();
}

Status record_with_reel(const BenchRecordOptions& options, int64_t frames, bool lossy,
                        const std::string& path, GameTimes& times) {
  RecorderOptions recorder_options;
  recorder_options.codec.lossy.enabled = lossy;
  if (options.keyframe_interval > 0) {
    recorder_options.codec.keyframe_interval = options.keyframe_interval;
  }
  SessionInfo session{.name = "bench", .tick_rate = options.crowd.tick_rate};
  REEL_ASSIGN_OR_RETURN(auto recorder, Recorder::open(path, session, recorder_options));
  const samples::CrowdGenerator paths_source(samples::CrowdOptions{.players = 0, .props = 0});
  samples::RecorderFeeder feeder(*recorder, paths_source.property_paths());
  REEL_RETURN_IF_ERROR(drive(
      options, frames, [&](const Frame& frame) { return feeder.feed(frame); }, times));
  return recorder->close();
}

Status record_with_baseline(const BenchRecordOptions& options, int64_t frames, Config config,
                            const std::string& path, GameTimes& times) {
  const samples::CrowdGenerator paths_source(samples::CrowdOptions{.players = 0, .props = 0});
  const auto& paths = paths_source.property_paths();
  auto opened = config == Config::kRosbagStyle
                    ? bench::open_rosbag_style_writer(path, paths, options.crowd.tick_rate)
                    : bench::open_full_state_writer(path, paths);
  REEL_RETURN_IF_ERROR(opened.status());
  auto& writer = *opened;
  REEL_RETURN_IF_ERROR(drive(
      options, frames, [&](const Frame& frame) { return writer->write(frame); }, times));
  return writer->close();
}

// The floor under any recorder's game-thread figures: the same values copied into one Frame that
// stays hot in this thread's cache.
Status copy_only(const BenchRecordOptions& options, int64_t frames, GameTimes& times) {
  Frame copy;
  size_t changes = 0;
  REEL_RETURN_IF_ERROR(drive(
      options, frames,
      [&](const Frame& frame) {
        copy.clear();
        for (const PropertyChange& c : frame.changes) {
          PropertyChange& to = copy.changes.emplace_back();
          to.entity = c.entity;
          to.property = c.property;
          to.value = c.value;
        }
        changes += copy.changes.size();
        return Status::ok_status();
      },
      times));
  return changes > 0 ? Status::ok_status() : Status::internal("the generator produced nothing");
}

Status generate_only(const BenchRecordOptions& options, int64_t frames) {
  samples::CrowdGenerator crowd(options.crowd);
  Frame frame;
  size_t changes = 0;
  for (int64_t i = 0; i < frames; ++i) {
    crowd.next(frame);
    changes += frame.changes.size();
  }
  return changes > 0 ? Status::ok_status() : Status::internal("the generator produced nothing");
}

// <dir>/<config>.tsv: a header, then per paced frame its index, hand-over time and the kernel's
// counts for the game thread around it.
Status write_trace(const std::string& dir, Config config, const std::vector<PacedSample>& samples) {
  const std::string path =
      (std::filesystem::path(dir) / fmt::format("{}.tsv", config_key(config))).string();
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return Status::io_error("--game-trace: cannot write {}: {}", path, std::strerror(errno));
  }
  fmt::print(f, "frame\tus\tminor_faults\tvoluntary_switches\tinvoluntary_switches\n");
  for (size_t i = 0; i < samples.size(); ++i) {
    const PacedSample& s = samples[i];
    fmt::print(f, "{}\t{:.1f}\t{}\t{}\t{}\n", i, s.us, s.minor_faults, s.voluntary_switches,
               s.involuntary_switches);
  }
  const bool ok = std::ferror(f) == 0;
  if (std::fclose(f) != 0 || !ok) return Status::io_error("--game-trace: writing {} failed", path);
  return Status::ok_status();
}

// The body of a child process.
Figures run_config(const BenchRecordOptions& options, int64_t frames, Config config,
                   const std::string& path) {
  Figures figures;
  GameTimes times;
  times.trace = !options.game_trace_dir.empty();
  const double cpu_before = cpu_seconds_of_process();
  const auto start = Clock::now();
  Status status;
  switch (config) {
    case Config::kGeneratorOnly:
      status = generate_only(options, frames);
      break;
    case Config::kCopyFloor:
      status = copy_only(options, frames, times);
      break;
    case Config::kReelLossless:
      status = record_with_reel(options, frames, false, path, times);
      break;
    case Config::kReelLossy:
      status = record_with_reel(options, frames, true, path, times);
      break;
    case Config::kRosbagStyle:
    case Config::kFullState:
      status = record_with_baseline(options, frames, config, path, times);
      break;
  }
  figures.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  figures.cpu_seconds = cpu_seconds_of_process() - cpu_before;
  if (status.ok() && times.trace && !times.samples.empty()) {
    status = write_trace(options.game_trace_dir, config, times.samples);
  }
  figures.ok = status.ok();
  if (!status.ok()) {
    std::snprintf(figures.error, sizeof figures.error, "%s", status.to_string().c_str());
  }
  figures.frames = frames;
  figures.bytes = path.empty() ? 0 : bench::database_bytes(path);
  std::vector<float>& paced = times.paced_us;
  figures.paced_frames = static_cast<int64_t>(paced.size());
  figures.game_p50_us = percentile(paced, 0.50);
  figures.game_p99_us = percentile(paced, 0.99);
  figures.game_max_us = paced.empty() ? 0 : *std::max_element(paced.begin(), paced.end());
  figures.burst_p99_us = percentile(times.burst_us, 0.99);
  figures.peak_rss_kb = peak_rss_kb();
  return figures;
}

// Forks, runs the configuration in the child, and returns its figures.
Figures run_in_child(const BenchRecordOptions& options, int64_t frames, Config config,
                     const std::string& path) {
  if (options.in_process) return run_config(options, frames, config, path);
  int fds[2];
  if (pipe(fds) != 0) throw CliError(kExitInternal, "pipe() failed");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw CliError(kExitInternal, "fork() failed");
  if (pid == 0) {
    close(fds[0]);
    Figures figures;
    try {
      figures = run_config(options, frames, config, path);
    } catch (const std::exception& e) {
      std::snprintf(figures.error, sizeof figures.error, "exception: %s", e.what());
    }
    const char* bytes = reinterpret_cast<const char*>(&figures);
    size_t written = 0;
    while (written < sizeof figures) {
      const ssize_t n = write(fds[1], bytes + written, sizeof figures - written);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  Figures figures;
  char* bytes = reinterpret_cast<char*>(&figures);
  size_t got = 0;
  while (got < sizeof figures) {
    const ssize_t n = read(fds[0], bytes + got, sizeof figures - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fds[0]);
  int wait_status = 0;
  waitpid(pid, &wait_status, 0);
  if (got != sizeof figures) {
    figures = Figures{};
    std::snprintf(figures.error, sizeof figures.error, "the child process died (status %d)",
                  wait_status);
  }
  return figures;
}

struct Row {
  Config config;
  Figures figures;
  double recording_cpu_us = 0;  // per frame, generator excluded
};

struct Report {
  int64_t frames = 0;
  double session_seconds = 0;
  double tick_rate = 60;
  double generator_us = 0;
  Figures floor;  // Config::kCopyFloor
  std::vector<Row> rows;

  const Figures& of(Config config) const {
    for (const Row& row : rows) {
      if (row.config == config) return row.figures;
    }
    throw CliError(kExitInternal, "missing configuration");
  }
  double bytes_per_frame(Config config) const {
    return static_cast<double>(of(config).bytes) / static_cast<double>(frames);
  }
  double times_smaller(Config config, Config baseline) const {
    return bytes_per_frame(baseline) / bytes_per_frame(config);
  }
  // How many times faster than the session's own pace one core records it: the frame period over
  // the recording's CPU time per frame (all its threads, SQLite commits included).
  double times_real_time(const Row& row) const {
    return row.recording_cpu_us > 0 ? 1e6 / tick_rate / row.recording_cpu_us : 0;
  }
};

struct Goal {
  std::string text;
  bool met;
  bool measured = true;
};

std::vector<Goal> goals(const Report& r) {
  std::vector<Goal> out;
  for (const Row& row : r.rows) {
    const Config c = row.config;
    if (c != Config::kReelLossless && c != Config::kReelLossy) continue;
    const Figures& f = row.figures;
    out.push_back({fmt::format("{}: >= 300x real time on one core (is {:.0f}x)", config_name(c),
                               r.times_real_time(row)),
                   r.times_real_time(row) >= 300});
    if (f.paced_frames == 0) {
      out.push_back(
          {fmt::format("{}: game-thread p99 <= 20 us (not measured: --paced 0)", config_name(c)),
           false, false});
    } else {
      out.push_back({fmt::format("{}: game-thread p99 <= 20 us (is {:.1f} us)", config_name(c),
                                 f.game_p99_us),
                     f.game_p99_us <= 20});
    }
  }
  const double vs_a = r.times_smaller(Config::kReelLossless, Config::kRosbagStyle);
  const double vs_b = r.times_smaller(Config::kReelLossless, Config::kFullState);
  const double lossy_b = r.times_smaller(Config::kReelLossy, Config::kFullState);
  out.push_back({fmt::format("lossless <= 1/4 of (a) (is 1/{:.1f})", vs_a), vs_a >= 4});
  out.push_back({fmt::format("lossless <= 1/4 of (b) (is 1/{:.1f})", vs_b), vs_b >= 4});
  out.push_back({fmt::format("lossy <= 1/12 of (b) (is 1/{:.1f})", lossy_b), lossy_b >= 12});
  return out;
}

void print_table(const Report& r) {
  fmt::print(
      "reel bench record: crowd sample, {} frames ({:.0f} s of session at {} Hz); "
      "generator {:.2f} us CPU/frame (excluded from CPU and game-thread figures)\n\n",
      r.frames, r.session_seconds, r.tick_rate, r.generator_us);
  if (r.floor.paced_frames > 0) {
    fmt::print(
        "game-thread floor on this machine (the same values copied into one reused frame, no "
        "recorder): paced p50 {:.1f} us, p99 {:.1f} us; burst p99 {:.1f} us\n\n",
        r.floor.game_p50_us, r.floor.game_p99_us, r.floor.burst_p99_us);
  }
  fmt::print("{:<22} {:>11} {:>8} {:>8} {:>10} {:>10} {:>9} {:>9} {:>10} {:>9}\n", "configuration",
             "bytes/frame", "vs (a)", "vs (b)", "CPU us/fr", "x realtime", "game p50", "game p99",
             "burst p99", "peak RSS");
  for (const Row& row : r.rows) {
    const Figures& f = row.figures;
    if (!f.ok) {
      fmt::print("{:<22} FAILED: {}\n", config_name(row.config), f.error);
      continue;
    }
    fmt::print(
        "{:<22} {:>11.1f} {:>8} {:>8} {:>10.2f} {:>9.0f}x {:>7.1f}us {:>7.1f}us {:>8.1f}us "
        "{:>6.1f}MiB\n",
        config_name(row.config), r.bytes_per_frame(row.config),
        fmt::format("1/{:.1f}", r.times_smaller(row.config, Config::kRosbagStyle)),
        fmt::format("1/{:.1f}", r.times_smaller(row.config, Config::kFullState)),
        row.recording_cpu_us, r.times_real_time(row), f.game_p50_us, f.game_p99_us, f.burst_p99_us,
        static_cast<double>(f.peak_rss_kb) / 1024.0);
  }
  fmt::print("\ngoals:\n");
  for (const Goal& goal : goals(r))
    fmt::print("  [{}] {}\n", !goal.measured ? "n/a " : goal.met ? "met " : "MISS", goal.text);
}

void print_json(const Report& r) {
  fmt::print(
      "{{\"frames\": {}, \"session_seconds\": {}, \"generator_us_per_frame\": {:.3f}, "
      "\"game_floor_p50_us\": {:.2f}, \"game_floor_p99_us\": {:.2f}, "
      "\"game_floor_burst_p99_us\": {:.2f}, \"configurations\": [",
      r.frames, r.session_seconds, r.generator_us, r.floor.game_p50_us, r.floor.game_p99_us,
      r.floor.burst_p99_us);
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const Row& row = r.rows[i];
    const Figures& f = row.figures;
    fmt::print(
        "{}\n  {{\"name\": \"{}\", \"ok\": {}, \"bytes\": {}, \"bytes_per_frame\": {:.2f}, "
        "\"cpu_us_per_frame\": {:.3f}, \"wall_seconds\": {:.3f}, \"x_real_time\": {:.1f}, "
        "\"game_p50_us\": {:.2f}, \"game_p99_us\": {:.2f}, \"game_max_us\": {:.1f}, "
        "\"burst_p99_us\": {:.1f}, \"peak_rss_kb\": {}}}",
        i ? "," : "", config_key(row.config), f.ok, f.bytes, r.bytes_per_frame(row.config),
        row.recording_cpu_us, f.wall_seconds, r.times_real_time(row), f.game_p50_us, f.game_p99_us,
        f.game_max_us, f.burst_p99_us, f.peak_rss_kb);
  }
  fmt::print("],\n \"goals\": [");
  const auto list = goals(r);
  for (size_t i = 0; i < list.size(); ++i) {
    fmt::print("{}\n  {{\"goal\": \"{}\", \"met\": {}}}", i ? "," : "", list[i].text,
               list[i].measured ? (list[i].met ? "true" : "false") : "null");
  }
  fmt::print("]}}\n");
}

void run_bench_record(const BenchRecordOptions& options) {
  throw_if_error(options.crowd.validate(), "bench record");
  int64_t frames = options.frames;
  if (frames <= 0) {
    frames =
        value_or_throw(parse_frame_count(options.duration, options.crowd.tick_rate), "--duration");
  }
  namespace fs = std::filesystem;
  const bool own_dir = options.dir.empty();
  const fs::path dir = own_dir ? fs::temp_directory_path() / fmt::format("reel-bench-{}", getpid())
                               : fs::path(options.dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw CliError(kExitInternal, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  if (!options.game_trace_dir.empty()) {
    fs::create_directories(options.game_trace_dir, ec);
    if (ec) {
      throw CliError(kExitBadInput, fmt::format("--game-trace: cannot create {}: {}",
                                                options.game_trace_dir, ec.message()));
    }
  }

  Report report;
  report.frames = frames;
  report.session_seconds = static_cast<double>(frames) / options.crowd.tick_rate;
  report.tick_rate = options.crowd.tick_rate;
  const Figures generator = run_in_child(options, frames, Config::kGeneratorOnly, "");
  report.generator_us = generator.cpu_seconds * 1e6 / static_cast<double>(frames);
  if (!options.json) fmt::print(stderr, "measuring the game-thread floor ...\n");
  report.floor = run_in_child(options, frames, Config::kCopyFloor, "");
  for (Config config : kRecordingConfigs) {
    const std::string path = (dir / fmt::format("{}.db", config_key(config))).string();
    fs::remove(path, ec);
    if (!options.json) fmt::print(stderr, "recording {} ...\n", config_name(config));
    Row row{config, run_in_child(options, frames, config, path)};
    row.recording_cpu_us =
        row.figures.cpu_seconds * 1e6 / static_cast<double>(frames) - report.generator_us;
    report.rows.push_back(row);
  }
  if (own_dir) fs::remove_all(dir, ec);
  if (!report.floor.ok) {
    throw CliError(kExitInternal, fmt::format("copy floor: {}", report.floor.error));
  }
  for (const Row& row : report.rows) {
    if (!row.figures.ok) {
      throw CliError(kExitInternal,
                     fmt::format("{}: {}", config_name(row.config), row.figures.error));
    }
  }
  if (options.json) {
    print_json(report);
  } else {
    print_table(report);
  }
}

}  // namespace

void register_bench_record(CLI::App& bench) {
  auto options = std::make_shared<BenchRecordOptions>();
  auto* cmd = bench.add_subcommand(
      "record",
      "Record the crowd sample with Reel (lossless, lossy) and two plain SQLite baselines");
  cmd->add_option("--duration", options->duration,
                  "Session length: a time (90s, 10m, 1:30, 2h30m) or a frame count (5400)")
      ->capture_default_str();
  cmd->add_option("--frames", options->frames, "Number of frames (overrides --duration)");
  cmd->add_option("--players", options->crowd.players, "Players online")->capture_default_str();
  cmd->add_option("--props", options->crowd.props, "Physics props")->capture_default_str();
  cmd->add_option("--tick-rate", options->crowd.tick_rate, "Frames per second")
      ->capture_default_str();
  cmd->add_option("--seed", options->crowd.seed, "Generator seed")->capture_default_str();
  cmd->add_option("--dir", options->dir,
                  "Directory for the recordings (kept); default: a temp dir");
  cmd->add_option("--paced", options->paced_seconds,
                  "Session seconds fed at real time first; the game-thread p50/p99 come from "
                  "these frames (the rest is fed back to back: 'burst p99')")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--keyframe-interval", options->keyframe_interval,
                  "Keyframe interval of the Reel recordings, in frames (default: the recorder's)")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--game-trace", options->game_trace_dir,
                  "Directory for one <configuration>.tsv each: per paced frame the hand-over "
                  "time (us), minor page faults, voluntary and involuntary context switches of "
                  "the game thread");
  cmd->add_flag("--json", options->json, "Print JSON instead of the table");
  cmd->add_flag("--in-process", options->in_process,
                "Run every configuration in this process (debugging; peak RSS is then shared)");
  cmd->footer("Example: reel bench record --duration 10m");
  cmd->callback([options] { run_bench_record(*options); });
}

}  // namespace reel::cli
