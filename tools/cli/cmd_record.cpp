// `reel record`: records a sample workload into a .reel database, as fast as possible (or at the
// sample's own pace with --realtime), with a progress line on a terminal and a summary at the end.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "file_checks.h"
#include "reel/recorder/recorder.h"
#include "reel/replay/recover.h"
#include "reel/samples/crowd.h"
#include "reel/samples/feeder.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct RecordOptions {
  std::string sample = "crowd";
  std::string duration = "10m";
  std::string out;
  std::string name;
  std::string profile = "local";
  std::string vfs;
  int keyframe_interval = CodecOptions{}.keyframe_interval;
  int commit_interval_ms = static_cast<int>(RecorderOptions{}.commit_interval.count());
  int zstd_level = CodecOptions{}.zstd_level;
  bool lossy = false;
  bool realtime = false;
  bool resume = false;
  samples::CrowdOptions crowd;
};

RecorderOptions recorder_options(const RecordOptions& o) {
  RecorderOptions options;
  options.store.profile = value_or_throw(parse_profile(o.profile), "--profile");
  options.store.vfs = o.vfs;
  options.codec.keyframe_interval = o.keyframe_interval;
  options.codec.zstd_level = o.zstd_level;
  options.codec.lossy.enabled = o.lossy;
  options.commit_interval = std::chrono::milliseconds(o.commit_interval_ms);
  throw_if_error(options.validate(), "recorder options");
  return options;
}

// Redraws "\r frames 12000/36000  33%  1.2 MiB  4123 fps" (the session's stored bytes so far)
// at most 5 times a second.
class ProgressLine {
 public:
  explicit ProgressLine(int64_t total) : total_(total), enabled_(isatty(STDERR_FILENO) == 1) {}
  void update(int64_t done, int64_t bytes, bool force = false) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    fmt::print(stderr, "\r frames {}/{}  {:3.0f}%  {}  {:.0f} fps   ", done, total_,
               100.0 * static_cast<double>(done) / static_cast<double>(total_), human_bytes(bytes),
               elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0);
  }
  void finish() {
    if (enabled_) fmt::print(stderr, "\n");
  }

 private:
  int64_t total_;
  bool enabled_;
  Clock::time_point start_ = Clock::now(), last_{};
};

// SIGINT, SIGTERM and SIGHUP stop the recording loop; the session is then closed cleanly (status
// closed, end_reason "signal SIGTERM") with every frame handed over committed.
volatile std::sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int signal_number) {
  g_stop_signal = signal_number;
}

void install_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &action, nullptr);
}

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
  }
  return "a signal";
}

// Opens the recorder: a new session, or (--resume) the named one continued after its last
// committed frame, the generator fast-forwarded to match. Sets the first frame to record.
std::unique_ptr<Recorder> open_recorder(const RecordOptions& o, const RecorderOptions& options,
                                        samples::CrowdGenerator& crowd, int64_t& first_frame) {
  SessionInfo session{.name = o.name, .tick_rate = o.crowd.tick_rate};
  session.metadata.set(Variant("sample"), Variant(o.sample));
  session.metadata.set(Variant("seed"), Variant(static_cast<int64_t>(o.crowd.seed)));
  first_frame = 0;
  if (!o.resume) return value_or_throw(Recorder::open(o.out, session, options), o.out);
  if (o.name.empty()) throw CliError(kExitBadInput, "--resume needs --name SESSION");
  RecoverOptions recover;
  recover.replay.store = options.store;
  auto segment = value_or_throw(last_keyframe_segment(o.out, o.name, recover), o.out);
  ResumePoint point{std::move(segment.keyframe_state), std::move(segment.frames_after_keyframe),
                    std::move(segment.property_paths)};
  first_frame = (point.frames_after_keyframe.empty() ? point.keyframe_state.frame
                                                     : point.frames_after_keyframe.back().index) +
                1;
  auto recorder = value_or_throw(Recorder::resume(o.out, o.name, std::move(point), options), o.out);
  // The sample is deterministic: the frames after the last committed one are regenerated.
  Frame skipped;
  for (int64_t i = 0; i < first_frame; ++i) crowd.next(skipped);
  return recorder;
}

// The session's size is its stored blobs (chunks + keyframes: what `ls` and `info` report), per
// frame of this session. A local file also shows its own size, which holds every session of the
// database and its indexes; a write-ahead log still beside it is named apart, not counted.
void print_summary(const RecordOptions& o, int64_t frames, const RecorderStats& stats,
                   int64_t session_id, double elapsed, bool local_file) {
  const double seconds = static_cast<double>(frames) / o.crowd.tick_rate;
  fmt::print("recorded {} frames ({:.3f} s at {} Hz) into {}, session {}\n", stats.frames_committed,
             seconds, o.crowd.tick_rate, o.out, session_id);
  fmt::print("session size {} ({:.1f} bytes/frame), elapsed {:.2f} s, {:.0f}x real time\n",
             human_bytes(stats.stored_bytes),
             static_cast<double>(stats.stored_bytes) / static_cast<double>(frames), elapsed,
             seconds / elapsed);
  if (!local_file) return;
  std::error_code ec;
  const auto file = std::filesystem::file_size(o.out, ec);
  if (ec) return;
  const auto wal = std::filesystem::file_size(o.out + "-wal", ec);
  fmt::print("file size {} (all sessions and indexes){}\n", human_bytes(static_cast<int64_t>(file)),
             !ec && wal > 0 ? fmt::format(", plus a write-ahead log of {} not yet checkpointed",
                                          human_bytes(static_cast<int64_t>(wal)))
                            : "");
}

void run_record(const RecordOptions& o) {
  if (o.sample != "crowd") {
    throw CliError(kExitBadInput, fmt::format("unknown sample '{}' (available: crowd)", o.sample));
  }
  throw_if_error(o.crowd.validate(), "sample options");
  const int64_t frames =
      value_or_throw(parse_frame_count(o.duration, o.crowd.tick_rate), "--duration");
  const RecorderOptions options = recorder_options(o);

  // A local file is checked first: SQLite reports a bad path without its name or reason. (Another
  // VFS may not take file paths.)
  if (options.store.profile == StorageProfile::kLocal && o.vfs.empty()) {
    require_database_output(o.out);
  }
  set_current_file(o.out);  // failures while recording name it

  samples::CrowdGenerator crowd(o.crowd);
  int64_t first_frame = 0;
  auto recorder = open_recorder(o, options, crowd, first_frame);
  samples::RecorderFeeder feeder(*recorder, crowd.property_paths());
  ProgressLine progress(frames);
  Frame frame;
  install_stop_signals();
  const auto start = Clock::now();
  const double start_time = static_cast<double>(first_frame) / o.crowd.tick_rate;
  int64_t fed = first_frame;
  for (; fed < frames && g_stop_signal == 0; ++fed) {
    crowd.next(frame);
    if (o.realtime) {
      std::this_thread::sleep_until(start + std::chrono::duration<double>(frame.time - start_time));
    }
    Status fed_status = feeder.feed(frame);
    if (is_disk_full(fed_status)) break;  // close() below ends the session `failed: disk full`
    throw_if_error(fed_status, fmt::format("frame {}", fed));
    progress.update(fed + 1, recorder->stats().stored_bytes);
  }
  const int stop_signal = g_stop_signal;
  Status closed =
      recorder->close(stop_signal != 0 ? fmt::format("signal {}", signal_name(stop_signal)) : "");
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const RecorderStats stats = recorder->stats();
  const int64_t session_id = recorder->session_id();
  progress.update(fed, stats.stored_bytes, /*force=*/true);
  progress.finish();
  throw_if_error(closed, "closing the recording");
  if (stop_signal != 0) {
    fmt::print(stderr, "stopped by {} after frame {}: session closed, every frame committed\n",
               signal_name(stop_signal), fed - 1);
  }
  recorder.reset();  // the last connection: SQLite checkpoints the write-ahead log into the file
  const int64_t recorded = std::max<int64_t>(1, fed - first_frame);
  print_summary(o, recorded, stats, session_id, elapsed,
                options.store.profile == StorageProfile::kLocal && o.vfs.empty());
}

}  // namespace

void register_record(CLI::App& app) {
  auto o = std::make_shared<RecordOptions>();
  auto* cmd = app.add_subcommand("record", "Record a sample workload into a .reel database");
  cmd->add_option("--sample", o->sample, "Workload: crowd (100 VR players, 400 props)")
      ->capture_default_str();
  cmd->add_option("--duration", o->duration,
                  "Session length: a time (90s, 10m, 1:30, 2h30m) or a frame count (5400)")
      ->capture_default_str();
  cmd->add_option("--out", o->out,
                  "Database to write (created if missing; a new session is added to an existing "
                  "one)")
      ->required();
  cmd->add_option("--name", o->name, "Session name (default: session-<start time>)");
  cmd->add_option("--tick-rate", o->crowd.tick_rate, "Frames per second")->capture_default_str();
  cmd->add_option("--profile", o->profile, "Storage profile: local | mvsqlite")
      ->capture_default_str();
  cmd->add_option("--vfs", o->vfs, "SQLite VFS name (default: per profile)");
  cmd->add_option("--keyframe-interval", o->keyframe_interval, "A keyframe every N frames")
      ->capture_default_str();
  cmd->add_option("--commit-interval-ms", o->commit_interval_ms, "Group commit interval")
      ->capture_default_str();
  cmd->add_option("--zstd-level", o->zstd_level, "zstd level")->capture_default_str();
  cmd->add_flag("--lossy", o->lossy, "Quantize positions (0.1 mm) and rotations (0.01 deg)");
  cmd->add_flag("--realtime", o->realtime,
                "Record at the tick rate instead of as fast as possible");
  cmd->add_flag("--resume", o->resume,
                "Continue the session --name after its last committed frame (after a crash, a "
                "signal or a full disk); the sample is regenerated from there");
  cmd->add_option("--seed", o->crowd.seed, "Sample seed")->capture_default_str();
  cmd->add_option("--players", o->crowd.players, "Players online")->capture_default_str();
  cmd->add_option("--props", o->crowd.props, "Physics props")->capture_default_str();
  cmd->footer(
      "SIGINT, SIGTERM and SIGHUP stop the recording and close the session cleanly (status\n"
      "closed, reason 'signal SIGTERM'); a full disk ends it 'failed: disk full'.\n"
      "Example: reel record --sample crowd --duration 10m --out movie.reel\n"
      "         reel record --duration 10m --out movie.reel --name m1 --resume   # after a crash");
  cmd->callback([o] { run_record(*o); });
}

}  // namespace reel::cli
