// `reel bench replay`: how fast the state of any frame comes back, Reel beside the two plain
// baselines of tools/bench_baselines.h, on the crowd sample.
//
// Each configuration is recorded (or reused from --db DIR) and then measured in a child process of
// its own, so that peak RSS is that configuration's alone. Figures:
//   seek cold   1,000 random frames, caches dropped before each (a fresh reader for baselines)
//   seek warm   the same frames again, shuffled, caches kept
//   step back   1,000 consecutive frames backwards from a random frame
//   forward     frames/s playing forward from frame 0, and that as a multiple of real time
//   peak RSS    of the measuring process
// A configuration whose samples outlast --budget seconds per figure is cut short; the table says
// how many samples each figure rests on.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "bench.h"
#include "bench_baselines.h"
#include "cli_util.h"
#include "reel/recorder/recorder.h"
#include "reel/replay/replayer.h"
#include "reel/samples/crowd.h"
#include "reel/samples/duration.h"
#include "reel/samples/feeder.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchReplayOptions {
  std::string duration = "1h";
  std::string db_dir;  // keep/reuse the recordings here; "" = a temporary directory
  int samples = 1000;
  double budget_seconds = 20;  // per figure and configuration
  uint64_t seed = 1;
  size_t cache_mib = 64;
  int keyframe_interval = 0;  // Reel recording's keyframe interval; 0: the recorder's default
};

enum class Config { kReel, kRosbagStyle, kFullState };
constexpr Config kConfigs[] = {Config::kReel, Config::kRosbagStyle, Config::kFullState};

const char* base_file_name(Config c);

// Recordings with a non-default keyframe interval are kept apart, so a --db directory can hold
// several for side-by-side runs.
std::string file_name(Config c, const BenchReplayOptions& options) {
  if (c == Config::kReel && options.keyframe_interval > 0) {
    return fmt::format("crowd-k{}.reel", options.keyframe_interval);
  }
  return base_file_name(c);
}

const char* config_name(Config c) {
  switch (c) {
    case Config::kReel:
      return "reel";
    case Config::kRosbagStyle:
      return "rosbag-style";
    case Config::kFullState:
      return "full state/frame";
  }
  return "?";
}

const char* base_file_name(Config c) {
  switch (c) {
    case Config::kReel:
      return "crowd.reel";
    case Config::kRosbagStyle:
      return "crowd-rosbag.db";
    case Config::kFullState:
      return "crowd-fullstate.db";
  }
  return "?";
}

// Latencies of one figure; plain data (crosses a pipe from the child).
struct Latency {
  int n = 0;
  double p50_ms = 0, p99_ms = 0;
};

struct Figures {
  bool ok = false;
  char error[400] = {};
  Latency seek_cold, seek_warm, step_back;
  int64_t forward_frames = 0;
  double forward_fps = 0;
  int64_t peak_rss_kb = 0;
};

Latency summarize(std::vector<double> ms) {
  Latency l;
  l.n = static_cast<int>(ms.size());
  if (ms.empty()) return l;
  std::sort(ms.begin(), ms.end());
  auto at = [&](double p) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * ms.size()))];
  };
  l.p50_ms = at(0.50);
  l.p99_ms = at(0.99);
  return l;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Peak RSS since reset_peak_rss() (Linux: clear_refs 5 resets VmHWM), in KiB.
void reset_peak_rss() {
  std::ofstream("/proc/self/clear_refs") << "5";
}
int64_t peak_rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

const std::vector<std::string>& crowd_paths() {
  static const auto paths =
      samples::CrowdGenerator(samples::CrowdOptions{.players = 0, .props = 0}).property_paths();
  return paths;
}

Status record(Config config, const std::string& path, int64_t frames,
              const samples::CrowdOptions& crowd_options, int keyframe_interval) {
  samples::CrowdGenerator crowd(crowd_options);
  Frame frame;
  if (config == Config::kReel) {
    SessionInfo session{.name = "crowd", .tick_rate = crowd_options.tick_rate};
    RecorderOptions recorder_options;
    if (keyframe_interval > 0) recorder_options.codec.keyframe_interval = keyframe_interval;
    REEL_ASSIGN_OR_RETURN(auto recorder, Recorder::open(path, session, recorder_options));
    samples::RecorderFeeder feeder(*recorder, crowd_paths());
    for (int64_t i = 0; i < frames; ++i) {
      crowd.next(frame);
      REEL_RETURN_IF_ERROR(feeder.feed(frame));
    }
    return recorder->close();
  }
  auto writer = config == Config::kRosbagStyle
                    ? bench::open_rosbag_style_writer(path, crowd_paths(), crowd_options.tick_rate)
                    : bench::open_full_state_writer(path, crowd_paths());
  REEL_RETURN_IF_ERROR(writer.status());
  for (int64_t i = 0; i < frames; ++i) {
    crowd.next(frame);
    REEL_RETURN_IF_ERROR((*writer)->write(frame));
  }
  return (*writer)->close();
}

// What the measurements need of a reader: the state of a frame, stepping back and forward.
class Subject {
 public:
  virtual ~Subject() = default;
  virtual FrameIndex frame_count() const = 0;
  virtual void drop_caches() = 0;
  [[nodiscard]] virtual Status seek(FrameIndex frame) = 0;
  [[nodiscard]] virtual Status step_back() = 0;
  [[nodiscard]] virtual Status step_forward() = 0;
};

class ReelSubject : public Subject {
 public:
  explicit ReelSubject(std::unique_ptr<Replayer> r) : r_(std::move(r)) {}
  FrameIndex frame_count() const override { return r_->frame_count(); }
  void drop_caches() override { r_->drop_caches(); }
  Status seek(FrameIndex f) override { return r_->seek(f).status(); }
  Status step_back() override { return r_->step_back().status(); }
  Status step_forward() override { return r_->step_forward().status(); }

 private:
  std::unique_ptr<Replayer> r_;
};

// Baselines have no cursor: each step asks for the state of a frame, as a plain reader would.
class BaselineSubject : public Subject {
 public:
  BaselineSubject(Config config, std::string path) : config_(config), path_(std::move(path)) {}
  Status open() {
    auto r = config_ == Config::kRosbagStyle ? bench::open_rosbag_style_reader(path_, crowd_paths())
                                             : bench::open_full_state_reader(path_, crowd_paths());
    REEL_RETURN_IF_ERROR(r.status());
    reader_ = std::move(*r);
    return {};
  }
  FrameIndex frame_count() const override { return reader_->frame_count(); }
  void drop_caches() override { (void)open(); }
  Status seek(FrameIndex f) override {
    frame_ = f;
    return reader_->state_at(f, state_);
  }
  Status step_back() override { return seek(frame_ - 1); }
  Status step_forward() override { return seek(frame_ + 1); }

 private:
  Config config_;
  std::string path_;
  std::unique_ptr<bench::BaselineReader> reader_;
  WorldState state_;
  FrameIndex frame_ = -1;
};

Status measure(Subject& subject, const BenchReplayOptions& options, double tick_rate,
               Figures& out) {
  const FrameIndex n = subject.frame_count();
  if (n < 2) return Status::invalid_argument("the recording holds {} frames", n);
  const double budget_ms = options.budget_seconds * 1000;
  std::mt19937_64 rng(options.seed);
  std::vector<FrameIndex> frames(static_cast<size_t>(options.samples));
  for (auto& f : frames) f = static_cast<FrameIndex>(rng() % static_cast<uint64_t>(n));

  auto timed = [&](std::vector<double>& ms, const std::function<Status()>& body) -> Status {
    const auto start = Clock::now();
    REEL_RETURN_IF_ERROR(body());
    ms.push_back(ms_since(start));
    return {};
  };
  std::vector<double> cold, warm, back;
  auto figure_start = Clock::now();
  for (FrameIndex f : frames) {
    subject.drop_caches();
    REEL_RETURN_IF_ERROR(timed(cold, [&] { return subject.seek(f); }));
    if (ms_since(figure_start) > budget_ms) break;
  }
  std::shuffle(frames.begin(), frames.end(), rng);
  frames.resize(cold.size());
  figure_start = Clock::now();
  for (FrameIndex f : frames) {
    REEL_RETURN_IF_ERROR(timed(warm, [&] { return subject.seek(f); }));
    if (ms_since(figure_start) > budget_ms) break;
  }
  const FrameIndex steps = std::min<FrameIndex>(options.samples, n - 1);
  REEL_RETURN_IF_ERROR(subject.seek(steps + static_cast<FrameIndex>(rng() % uint64_t(n - steps))));
  figure_start = Clock::now();
  for (FrameIndex i = 0; i < steps; ++i) {
    REEL_RETURN_IF_ERROR(timed(back, [&] { return subject.step_back(); }));
    if (ms_since(figure_start) > budget_ms) break;
  }
  out.seek_cold = summarize(std::move(cold));
  out.seek_warm = summarize(std::move(warm));
  out.step_back = summarize(std::move(back));

  subject.drop_caches();
  REEL_RETURN_IF_ERROR(subject.seek(0));
  const auto start = Clock::now();
  FrameIndex played = 1;
  for (; played < n; ++played) {
    REEL_RETURN_IF_ERROR(subject.step_forward());
    if ((played & 63) == 0 && ms_since(start) > budget_ms) break;
  }
  const double seconds = ms_since(start) / 1000;
  out.forward_frames = played - 1;
  out.forward_fps = seconds > 0 ? static_cast<double>(played - 1) / seconds : 0;
  (void)tick_rate;
  return {};
}

Figures run_config(Config config, const std::string& path, const BenchReplayOptions& options,
                   double tick_rate) {
  Figures figures;
  reset_peak_rss();
  Status status;
  if (config == Config::kReel) {
    ReplayOptions replay_options;
    replay_options.cache_budget_bytes = options.cache_mib << 20;
    auto replayer = Replayer::open(path, "crowd", replay_options);
    if (replayer.ok()) {
      ReelSubject subject(std::move(*replayer));
      status = measure(subject, options, tick_rate, figures);
    } else {
      status = replayer.status();
    }
  } else {
    BaselineSubject subject(config, path);
    status = subject.open();
    if (status.ok()) status = measure(subject, options, tick_rate, figures);
  }
  figures.ok = status.ok();
  if (!status.ok()) {
    std::snprintf(figures.error, sizeof figures.error, "%s", status.to_string().c_str());
  }
  figures.peak_rss_kb = peak_rss_kb();
  return figures;
}

// Runs fn in a child process and returns its plain-data result through a pipe.
template <class T>
T in_child(const std::function<T()>& fn) {
  int fds[2];
  if (pipe(fds) != 0) throw CliError(kExitInternal, "pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw CliError(kExitInternal, "fork failed");
  if (pid == 0) {
    close(fds[0]);
    T result = fn();
    const ssize_t written = write(fds[1], &result, sizeof result);
    _exit(written == static_cast<ssize_t>(sizeof result) ? 0 : 1);
  }
  close(fds[1]);
  T result{};
  size_t got = 0;
  while (got < sizeof result) {
    const ssize_t r = read(fds[0], reinterpret_cast<char*>(&result) + got, sizeof result - got);
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  close(fds[0]);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  if (got != sizeof result) throw CliError(kExitInternal, "a benchmark child process died");
  return result;
}

struct RecordResult {
  bool ok = false;
  char error[400] = {};
  double seconds = 0;
};

std::string latency_cell(const Latency& l) {
  if (l.n == 0) return "-";
  return fmt::format("{:.3f} / {:.3f}{}", l.p50_ms, l.p99_ms,
                     l.n < 1000 ? fmt::format(" (n={})", l.n) : "");
}

void run(const BenchReplayOptions& options) {
  samples::CrowdOptions crowd_options;
  crowd_options.seed = options.seed;
  const int64_t frames =
      value_or_throw(parse_frame_count(options.duration, crowd_options.tick_rate), "--duration");
  if (options.samples < 1) throw CliError(kExitBadInput, "--samples must be >= 1");

  std::filesystem::path dir = options.db_dir;
  std::filesystem::path temp;
  if (dir.empty()) {
    temp = std::filesystem::temp_directory_path() / fmt::format("reel-bench-replay-{}", getpid());
    dir = temp;
  }
  std::filesystem::create_directories(dir);

  fmt::print("crowd sample: {} frames ({}) at {} Hz, {} players, {} props; files in {}\n", frames,
             options.duration, crowd_options.tick_rate, crowd_options.players, crowd_options.props,
             dir.string());
  std::vector<Figures> results;
  for (Config config : kConfigs) {
    const std::string path = (dir / file_name(config, options)).string();
    if (!std::filesystem::exists(path)) {
      fmt::print("recording {} ...\n", config_name(config));
      std::fflush(stdout);
      auto recorded = in_child<RecordResult>([&] {
        RecordResult r;
        const auto start = Clock::now();
        Status s = record(config, path, frames, crowd_options, options.keyframe_interval);
        r.seconds = ms_since(start) / 1000;
        r.ok = s.ok();
        std::snprintf(r.error, sizeof r.error, "%s", s.to_string().c_str());
        return r;
      });
      if (!recorded.ok) throw CliError(kExitInternal, recorded.error);
      fmt::print("  {:.1f} s\n", recorded.seconds);
    } else {
      fmt::print("reusing {}\n", path);
    }
    std::fflush(stdout);
    results.push_back(in_child<Figures>(
        [&] { return run_config(config, path, options, crowd_options.tick_rate); }));
  }

  fmt::print("\n{:<28}", "latency ms p50 / p99");
  for (Config c : kConfigs) fmt::print(" {:>25}", config_name(c));
  fmt::print("{:>16}\n", "goal (reel)");
  auto row = [&](const char* label, auto cell, const char* goal) {
    fmt::print("{:<28}", label);
    for (const Figures& f : results) fmt::print(" {:>25}", f.ok ? cell(f) : std::string("failed"));
    fmt::print("{:>16}\n", goal);
  };
  row(
      "random seek, cold", [](const Figures& f) { return latency_cell(f.seek_cold); },
      "p99 <= 5 ms");
  row(
      "random seek, warm", [](const Figures& f) { return latency_cell(f.seek_warm); }, "");
  row(
      "step back (consecutive)", [](const Figures& f) { return latency_cell(f.step_back); },
      "p99 <= 1 ms");
  row(
      "forward playback frames/s",
      [](const Figures& f) {
        return fmt::format("{:.0f}{}", f.forward_fps,
                           f.forward_frames < 1000 ? fmt::format(" (n={})", f.forward_frames) : "");
      },
      "");
  row(
      "forward x real time",
      [&](const Figures& f) {
        return fmt::format("{:.0f}x", f.forward_fps / crowd_options.tick_rate);
      },
      ">= 600x");
  row(
      "peak RSS MiB",
      [](const Figures& f) { return fmt::format("{:.1f}", f.peak_rss_kb / 1024.0); }, "<= 256 MiB");
  fmt::print("{:<28}", "file MiB");
  for (Config c : kConfigs) {
    fmt::print(" {:>25.1f}",
               bench::database_bytes((dir / file_name(c, options)).string()) / (1024.0 * 1024.0));
  }
  fmt::print("\n");
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok) fmt::print("{}: {}\n", config_name(kConfigs[i]), results[i].error);
  }
  if (!temp.empty()) std::filesystem::remove_all(temp);
}

}  // namespace

void register_bench_replay(CLI::App& bench) {
  auto options = std::make_shared<BenchReplayOptions>();
  auto* cmd = bench.add_subcommand(
      "replay", "Seek, step-back and playback speed of Reel vs the plain baselines (crowd sample)");
  cmd->add_option("--duration", options->duration,
                  "Session length: a time (90s, 10m, 1:30, 1h) or a frame count (5400)")
      ->capture_default_str();
  cmd->add_option("--db", options->db_dir,
                  "Directory holding the recordings: reused when present, else recorded and kept");
  cmd->add_option("--samples", options->samples, "Seeks and steps back per figure")
      ->capture_default_str();
  cmd->add_option("--budget", options->budget_seconds,
                  "Seconds a figure may take per configuration before it is cut short")
      ->capture_default_str();
  cmd->add_option("--keyframe-interval", options->keyframe_interval,
                  "Keyframe interval of the Reel recording, in frames (default: the recorder's)")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--cache-mib", options->cache_mib, "Replayer cache budget")
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Crowd generator and sampling seed")
      ->capture_default_str();
  cmd->footer("Example: reel bench replay --duration 10m --db /tmp/replay-bench");
  cmd->callback([options] { run(*options); });
}

}  // namespace reel::cli
