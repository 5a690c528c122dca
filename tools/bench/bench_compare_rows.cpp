// One row of `reel bench compare`: record the workload, then measure reading it back, each in a
// child process of its own (so peak RSS is that phase's alone). Replay figures, the same for
// every row:
//   seek cold   a fresh reader per sample (open + the state of a random frame)
//   seek warm   the same frames, shuffled, on one reader
//   step back   consecutive frames backwards from a random frame, on one reader
//   forward     frames/s playing forward from frame 0
//   recovery    open the file and get the state of its last frame (what a crash leaves to read)
// A figure whose samples outlast the budget is cut short; n says how many it rests on.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "bench_baselines.h"
#include "bench_compare.h"
#include "bench_storevar_log.h"
#include "reel/recorder/recorder.h"
#include "reel/replay/replayer.h"
#include "reel/samples/feeder.h"

namespace reel::bench::compare {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kSessionName = "compare";

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double cpu_seconds_of_process() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](timeval t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
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

// Runs fn in a child process and returns its plain-data result through a pipe; a child that dies
// gives T{} with its error set.
template <class T>
T in_child(const std::function<T()>& fn) {
  T result{};
  int fds[2];
  if (pipe(fds) != 0) {
    std::snprintf(result.error, sizeof result.error, "pipe() failed");
    return result;
  }
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    std::snprintf(result.error, sizeof result.error, "fork() failed");
    return result;
  }
  if (pid == 0) {
    close(fds[0]);
    T figures = fn();
    const char* bytes = reinterpret_cast<const char*>(&figures);
    for (size_t written = 0; written < sizeof figures;) {
      const ssize_t n = write(fds[1], bytes + written, sizeof figures - written);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  size_t got = 0;
  while (got < sizeof result) {
    const ssize_t n = read(fds[0], reinterpret_cast<char*>(&result) + got, sizeof result - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fds[0]);
  int wait_status = 0;
  waitpid(pid, &wait_status, 0);
  if (got != sizeof result) {
    result = T{};
    std::snprintf(result.error, sizeof result.error, "the child process died (status %d)",
                  wait_status);
  }
  return result;
}

template <class T>
void set_error(T& figures, const Status& status) {
  figures.ok = status.ok();
  if (!status.ok())
    std::snprintf(figures.error, sizeof figures.error, "%s", status.to_string().c_str());
}

const std::vector<std::string>& crowd_paths() {
  static const auto paths =
      samples::CrowdGenerator(samples::CrowdOptions{.players = 0, .props = 0}).property_paths();
  return paths;
}

std::string path_of(Row row, const MeasureOptions& options) {
  const char* extension = is_reel(row)            ? "reel"
                          : row == Row::kMcap     ? "mcap"
                          : row == Row::kStoreVar ? "log"
                                                  : "db";
  return (std::filesystem::path(options.dir) / fmt::format("{}.{}", row_key(row), extension))
      .string();
}

bool lossy(Row row) {
  return row == Row::kReelLossy || row == Row::kReelLossyMv;
}
StoreOptions store_options(Row row) {
  StoreOptions store;
  if (row == Row::kReelLosslessMv || row == Row::kReelLossyMv) {
    // mvsqlite is not installed here: its profile (page size 8192, journal_mode=DELETE, commits
    // that may be retried) runs on SQLite's unix VFS, as `reel record --profile mvsqlite --vfs
    // unix` does.
    store.profile = StorageProfile::kMvsqlite;
    store.vfs = "unix";
  }
  return store;
}

// Generates the workload's frames into `sink`.
Status generate(const Workload& workload, const std::function<Status(const Frame&)>& sink) {
  samples::CrowdGenerator crowd(workload.crowd);
  Frame frame;
  for (int64_t i = 0; i < workload.frames; ++i) {
    crowd.next(frame);
    REEL_RETURN_IF_ERROR(sink(frame));
  }
  return Status::ok_status();
}

Status record_reel(Row row, const Workload& workload, const std::string& path) {
  RecorderOptions options;
  options.codec.lossy.enabled = lossy(row);
  options.store = store_options(row);
  SessionInfo session{.name = kSessionName, .tick_rate = workload.crowd.tick_rate};
  REEL_ASSIGN_OR_RETURN(auto recorder, Recorder::open(path, session, options));
  samples::RecorderFeeder feeder(*recorder, crowd_paths());
  REEL_RETURN_IF_ERROR(generate(workload, [&](const Frame& f) { return feeder.feed(f); }));
  return recorder->close();
}

Status record_baseline(Row row, const Workload& workload, const std::string& path) {
  const double rate = workload.crowd.tick_rate;
  auto opened = row == Row::kRosbag      ? open_rosbag_style_writer(path, crowd_paths(), rate)
                : row == Row::kFullState ? open_full_state_writer(path, crowd_paths())
                                         : open_storevar_log_writer(path, crowd_paths(), rate);
  REEL_RETURN_IF_ERROR(opened.status());
  auto& writer = *opened;
  REEL_RETURN_IF_ERROR(generate(workload, [&](const Frame& f) { return writer->write(f); }));
  return writer->close();
}

RowFigures record_mcap(const Workload& workload, const std::string& path,
                       const MeasureOptions& options) {
  RowFigures figures;
  const double cpu_before = cpu_seconds_of_process();
  const auto start = Clock::now();
  auto result = run_node(options.node, {"write", path}, [&](std::FILE* to_node) {
    McapMessageEncoder encoder(to_node, crowd_paths());
    REEL_RETURN_IF_ERROR(generate(workload, [&](const Frame& f) { return encoder.add(f); }));
    return encoder.finish();
  });
  figures.record_wall_seconds = ms_since(start) / 1000;
  set_error(figures, result.status());
  if (!result.ok()) return figures;
  // The feeder's CPU (generator included; the caller subtracts it) plus Node's own.
  figures.record_cpu_seconds =
      cpu_seconds_of_process() - cpu_before + result->value("cpu_seconds", 0.0);
  figures.record_peak_rss_kb = result->value("peak_rss_kb", int64_t{0});
  return figures;
}

RowFigures record(Row row, const Workload& workload, const MeasureOptions& options) {
  const std::string path = path_of(row, options);
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix, ec);
  }
  if (row == Row::kMcap) return record_mcap(workload, path, options);
  RowFigures figures;
  reset_peak_rss();
  const double cpu_before = cpu_seconds_of_process();
  const auto start = Clock::now();
  const Status status =
      is_reel(row) ? record_reel(row, workload, path) : record_baseline(row, workload, path);
  figures.record_wall_seconds = ms_since(start) / 1000;
  figures.record_cpu_seconds = cpu_seconds_of_process() - cpu_before;
  figures.record_peak_rss_kb = peak_rss_kb();
  set_error(figures, status);
  return figures;
}

// What the measurements need of a reader.
class Reader {
 public:
  virtual ~Reader() = default;
  [[nodiscard]] virtual Status seek(FrameIndex frame) = 0;
  [[nodiscard]] virtual Status step_back() = 0;
  [[nodiscard]] virtual Status step_forward() = 0;
};

class ReelReader final : public Reader {
 public:
  Status open(Row row, const std::string& path) {
    ReplayOptions options;
    options.store = store_options(row);
    REEL_ASSIGN_OR_RETURN(replayer_, Replayer::open(path, kSessionName, options));
    return Status::ok_status();
  }
  Status seek(FrameIndex f) override { return replayer_->seek(f).status(); }
  Status step_back() override { return replayer_->step_back().status(); }
  Status step_forward() override { return replayer_->step_forward().status(); }

 private:
  std::unique_ptr<Replayer> replayer_;
};

// Baselines have no cursor: each step asks for the state of a frame, as a plain reader would.
class BaselineReaderAdapter final : public Reader {
 public:
  Status open(Row row, const std::string& path, const Workload& workload) {
    auto opened = row == Row::kRosbag ? open_rosbag_style_reader(path, crowd_paths())
                  : row == Row::kFullState
                      ? open_full_state_reader(path, crowd_paths())
                      : open_storevar_log_reader(path, crowd_paths(), workload.crowd.tick_rate,
                                                 workload.frames);
    REEL_RETURN_IF_ERROR(opened.status());
    reader_ = std::move(*opened);
    return Status::ok_status();
  }
  Status seek(FrameIndex f) override {
    frame_ = f;
    return reader_->state_at(f, state_);
  }
  Status step_back() override { return seek(frame_ - 1); }
  Status step_forward() override { return seek(frame_ + 1); }

 private:
  std::unique_ptr<BaselineReader> reader_;
  WorldState state_;
  FrameIndex frame_ = -1;
};

Result<std::unique_ptr<Reader>> open_reader(Row row, const std::string& path,
                                            const Workload& workload) {
  if (is_reel(row)) {
    auto reader = std::make_unique<ReelReader>();
    REEL_RETURN_IF_ERROR(reader->open(row, path));
    return std::unique_ptr<Reader>(std::move(reader));
  }
  auto reader = std::make_unique<BaselineReaderAdapter>();
  REEL_RETURN_IF_ERROR(reader->open(row, path, workload));
  return std::unique_ptr<Reader>(std::move(reader));
}

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

Status measure_replay(Row row, const Workload& workload, const MeasureOptions& options,
                      RowFigures& out) {
  const std::string path = path_of(row, options);
  const FrameIndex n = workload.frames;
  const double budget_ms = options.budget_seconds * 1000;
  auto start = Clock::now();
  {
    REEL_ASSIGN_OR_RETURN(auto reader, open_reader(row, path, workload));
    REEL_RETURN_IF_ERROR(reader->seek(n - 1));
  }
  out.recovery_ms = ms_since(start);

  std::mt19937_64 rng(options.seed);
  std::vector<FrameIndex> frames(static_cast<size_t>(options.samples));
  for (auto& f : frames) f = static_cast<FrameIndex>(rng() % static_cast<uint64_t>(n));
  std::vector<double> cold, warm, back;
  start = Clock::now();
  for (FrameIndex f : frames) {
    const auto t = Clock::now();
    REEL_ASSIGN_OR_RETURN(auto reader, open_reader(row, path, workload));
    REEL_RETURN_IF_ERROR(reader->seek(f));
    cold.push_back(ms_since(t));
    if (ms_since(start) > budget_ms) break;
  }
  REEL_ASSIGN_OR_RETURN(auto reader, open_reader(row, path, workload));
  frames.resize(cold.size());
  std::shuffle(frames.begin(), frames.end(), rng);
  start = Clock::now();
  for (FrameIndex f : frames) {
    const auto t = Clock::now();
    REEL_RETURN_IF_ERROR(reader->seek(f));
    warm.push_back(ms_since(t));
    if (ms_since(start) > budget_ms) break;
  }
  const FrameIndex steps = std::min<FrameIndex>(options.samples, n - 1);
  REEL_RETURN_IF_ERROR(reader->seek(steps + static_cast<FrameIndex>(rng() % uint64_t(n - steps))));
  start = Clock::now();
  for (FrameIndex i = 0; i < steps; ++i) {
    const auto t = Clock::now();
    REEL_RETURN_IF_ERROR(reader->step_back());
    back.push_back(ms_since(t));
    if (ms_since(start) > budget_ms) break;
  }
  out.seek_cold = summarize(std::move(cold));
  out.seek_warm = summarize(std::move(warm));
  out.step_back = summarize(std::move(back));

  REEL_ASSIGN_OR_RETURN(auto player, open_reader(row, path, workload));
  REEL_RETURN_IF_ERROR(player->seek(0));
  start = Clock::now();
  FrameIndex played = 1;
  for (; played < n; ++played) {
    REEL_RETURN_IF_ERROR(player->step_forward());
    if ((played & 63) == 0 && ms_since(start) > budget_ms) break;
  }
  const double seconds = ms_since(start) / 1000;
  out.forward_frames = played - 1;
  out.forward_fps = seconds > 0 ? static_cast<double>(played - 1) / seconds : 0;
  return Status::ok_status();
}

Latency latency_of(const nlohmann::json& j) {
  Latency l;
  l.n = j.value("n", 0);
  l.p50_ms = j.value("p50_ms", 0.0);
  l.p99_ms = j.value("p99_ms", 0.0);
  return l;
}

Status measure_mcap_replay(const Workload& workload, const MeasureOptions& options,
                           RowFigures& out) {
  const nlohmann::json request = {{"tick_rate", workload.crowd.tick_rate},
                                  {"frames", workload.frames},
                                  {"samples", options.samples},
                                  {"seed", options.seed},
                                  {"budget_seconds", options.budget_seconds}};
  REEL_ASSIGN_OR_RETURN(
      nlohmann::json result,
      run_node(options.node, {"read", path_of(Row::kMcap, options), request.dump()}, nullptr));
  out.recovery_ms = result.value("recovery_ms", 0.0);
  out.seek_cold = latency_of(result["seek_cold"]);
  out.seek_warm = latency_of(result["seek_warm"]);
  out.step_back = latency_of(result["step_back"]);
  out.forward_frames = result.value("forward_frames", int64_t{0});
  out.forward_fps = result.value("forward_fps", 0.0);
  out.replay_peak_rss_kb = result.value("peak_rss_kb", int64_t{0});
  return Status::ok_status();
}

RowFigures replay(Row row, const Workload& workload, const MeasureOptions& options) {
  RowFigures figures;
  reset_peak_rss();
  const Status status = row == Row::kMcap ? measure_mcap_replay(workload, options, figures)
                                          : measure_replay(row, workload, options, figures);
  if (row != Row::kMcap) figures.replay_peak_rss_kb = peak_rss_kb();
  set_error(figures, status);
  return figures;
}

}  // namespace

const char* row_name(Row row) {
  switch (row) {
    case Row::kReelLossless:
      return "Reel lossless";
    case Row::kReelLossy:
      return "Reel lossy";
    case Row::kReelLosslessMv:
      return "Reel lossless, mvsqlite profile";
    case Row::kReelLossyMv:
      return "Reel lossy, mvsqlite profile";
    case Row::kMcap:
      return "MCAP zstd (@mcap/core, Node)";
    case Row::kRosbag:
      return "(a) rosbag2-style rows";
    case Row::kFullState:
      return "(b) zstd snapshot/frame";
    case Row::kStoreVar:
      return "(c) store_var log, LZ4";
  }
  return "?";
}

const char* row_key(Row row) {
  switch (row) {
    case Row::kReelLossless:
      return "reel_lossless";
    case Row::kReelLossy:
      return "reel_lossy";
    case Row::kReelLosslessMv:
      return "reel_lossless_mvsqlite";
    case Row::kReelLossyMv:
      return "reel_lossy_mvsqlite";
    case Row::kMcap:
      return "mcap";
    case Row::kRosbag:
      return "rosbag2_style";
    case Row::kFullState:
      return "full_state";
    case Row::kStoreVar:
      return "storevar_lz4";
  }
  return "?";
}

bool is_reel(Row row) {
  return row == Row::kReelLossless || row == Row::kReelLossy || row == Row::kReelLosslessMv ||
         row == Row::kReelLossyMv;
}

double generator_cpu_seconds(const Workload& workload) {
  struct Result {
    bool ok = false;
    char error[400] = {};
    double seconds = 0;
  };
  const Result r = in_child<Result>([&] {
    Result out;
    const double before = cpu_seconds_of_process();
    size_t changes = 0;
    (void)generate(workload, [&](const Frame& f) {
      changes += f.changes.size();
      return Status::ok_status();
    });
    out.seconds = cpu_seconds_of_process() - before;
    out.ok = changes > 0;
    return out;
  });
  return r.seconds;
}

RowFigures run_row(Row row, const Workload& workload, const MeasureOptions& options) {
  RowFigures recorded = in_child<RowFigures>([&] { return record(row, workload, options); });
  if (!recorded.ok) return recorded;
  const std::string path = path_of(row, options);
  std::error_code ec;
  recorded.bytes = row == Row::kMcap || row == Row::kStoreVar
                       ? static_cast<uint64_t>(std::filesystem::file_size(path, ec))
                       : database_bytes(path);
  if (ec) recorded.bytes = 0;
  RowFigures replayed = in_child<RowFigures>([&] { return replay(row, workload, options); });
  RowFigures figures = recorded;
  figures.ok = replayed.ok;
  std::memcpy(figures.error, replayed.error, sizeof figures.error);
  figures.seek_cold = replayed.seek_cold;
  figures.seek_warm = replayed.seek_warm;
  figures.step_back = replayed.step_back;
  figures.forward_frames = replayed.forward_frames;
  figures.forward_fps = replayed.forward_fps;
  figures.recovery_ms = replayed.recovery_ms;
  figures.replay_peak_rss_kb = replayed.replay_peak_rss_kb;
  return figures;
}

}  // namespace reel::bench::compare
