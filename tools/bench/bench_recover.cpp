// `reel bench recover`: crash recovery of the crowd sample, measured.
//
//   recovery time   for each session length: a recorder process records that long (as fast as
//                   it can), commits, and is SIGKILLed; then reel::recover_state is timed: the
//                   first call (which also checkpoints the WAL and seals the session
//                   `interrupted`) and the median / max of --repeats more. Goal: <= 50 ms and
//                   flat in the length (only the last keyframe and the chunks after it are read).
//   loss window     for each commit interval T: a recorder paced like a game (--tick-rate) is
//                   SIGKILLed at a random moment; lost = frames handed over (end_frame returned)
//                   minus frames committed. The row "sync" flushes after every frame.
// Recorders are child processes of this one (fork), so the kill is real.
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench.h"
#include "bench_baselines.h"
#include "cli_util.h"
#include "reel/recorder/recorder.h"
#include "reel/replay/recover.h"
#include "reel/samples/crowd.h"
#include "reel/samples/duration.h"
#include "reel/samples/feeder.h"
#include "reel/store/schema.h"

namespace reel::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchRecoverOptions {
  std::vector<std::string> lengths = {"1m", "10m", "1h"};
  int repeats = 9;
  std::vector<int> commit_intervals_ms = {0, 16, 100, 500};
  int loss_repeats = 5;
  double loss_seconds = 1.5;  // a loss-window recorder runs up to this long before the kill
  double tick_rate = 60;
  std::string db_dir;  // "" = a temporary directory, removed at the end
  uint64_t seed = 1;
};

// What a recorder child does, then it waits to be killed (never closing its session).
struct ChildJob {
  std::string path;
  int64_t frames = 0;
  RecorderOptions options;
  double pace_hz = 0;  // 0: as fast as possible
  bool flush_each_frame = false;
  uint64_t seed = 1;
};

// Runs `job` in a child process; returns its pid once `ready` says the recording is under way
// (pace_hz > 0) or fully committed (pace_hz == 0). `handed` (shared memory) counts end_frame calls.
pid_t start_child(const ChildJob& job, std::atomic<int64_t>* handed) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw CliError(kExitInternal, "pipe() failed");
  const pid_t pid = fork();
  if (pid < 0) throw CliError(kExitInternal, "fork() failed");
  if (pid == 0) {
    close(pipe_fds[0]);
    samples::CrowdOptions crowd_options;
    crowd_options.seed = job.seed;
    crowd_options.tick_rate = job.pace_hz > 0 ? job.pace_hz : 60;
    auto rec = Recorder::open(job.path, SessionInfo{.name = "bench"}, job.options);
    if (!rec.ok()) _exit(3);
    samples::CrowdGenerator crowd(crowd_options);
    samples::RecorderFeeder feeder(**rec, crowd.property_paths());
    Frame frame;
    const char go = 'G';
    if (job.pace_hz > 0) (void)!write(pipe_fds[1], &go, 1);
    const auto start = Clock::now();
    for (int64_t i = 0; i < job.frames; ++i) {
      crowd.next(frame);
      if (job.pace_hz > 0) {
        std::this_thread::sleep_until(start + std::chrono::duration<double>(i / job.pace_hz));
      }
      if (!feeder.feed(frame).ok()) _exit(4);
      if (handed) handed->store(i + 1);
      if (job.flush_each_frame && !(*rec)->flush().ok()) _exit(5);
    }
    if (!(*rec)->flush().ok()) _exit(6);
    const char done = 'D';
    if (job.pace_hz == 0) (void)!write(pipe_fds[1], &done, 1);
    for (;;) pause();
  }
  close(pipe_fds[1]);
  char state = 0;
  const bool ok = read(pipe_fds[0], &state, 1) == 1;
  close(pipe_fds[0]);
  if (!ok) {
    int status = 0;
    waitpid(pid, &status, 0);
    throw CliError(kExitInternal, fmt::format("the recorder process for {} failed (exit {})",
                                              job.path, WEXITSTATUS(status)));
  }
  return pid;
}

void kill_child(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void bench_recovery_time(const BenchRecoverOptions& o, const std::string& dir) {
  fmt::print("recovery after a SIGKILL (crowd sample: 100 players, 400 props, {} Hz)\n",
             o.tick_rate);
  fmt::print("{:>8}  {:>9}  {:>10}  {:>12}  {:>10}  {:>10}  {:>8}\n", "LENGTH", "FRAMES", "FILE",
             "FIRST ms", "MEDIAN ms", "MAX ms", "FRAME");
  for (const std::string& length : o.lengths) {
    const double seconds = value_or_throw(samples::parse_duration_seconds(length), "--lengths");
    ChildJob job;
    job.path = (std::filesystem::path(dir) / fmt::format("recover-{}.reel", length)).string();
    std::filesystem::remove(job.path);
    std::filesystem::remove(job.path + "-wal");
    std::filesystem::remove(job.path + "-shm");
    job.frames = samples::frames_in(seconds, o.tick_rate);
    job.seed = o.seed;
    kill_child(start_child(job, nullptr));

    auto first_start = Clock::now();
    auto first = recover_state(job.path, "bench");
    const double first_ms = ms_since(first_start);
    throw_if_error(first.status(), job.path);
    if (first->session.status != format::SessionStatus::kInterrupted) {
      throw CliError(kExitInternal, fmt::format("{}: the killed session was not sealed", job.path));
    }
    std::vector<double> times;
    for (int r = 0; r < o.repeats; ++r) {
      auto start = Clock::now();
      auto again = recover_state(job.path, "bench");
      times.push_back(ms_since(start));
      throw_if_error(again.status(), job.path);
    }
    fmt::print("{:>8}  {:>9}  {:>7.1f} MB  {:>12.2f}  {:>10.2f}  {:>10.2f}  {:>8}\n", length,
               job.frames, static_cast<double>(bench::database_bytes(job.path)) / 1e6, first_ms,
               median(times), *std::max_element(times.begin(), times.end()), first->state.frame);
    std::fflush(stdout);
  }
}

struct LossRow {
  std::string label;
  int interval_ms = 0;
  bool sync = false;
};

void bench_loss_window(const BenchRecoverOptions& o, const std::string& dir) {
  fmt::print(
      "\nloss window: a recorder paced at {} Hz SIGKILLed at a random moment ({} kills each)\n",
      o.tick_rate, o.loss_repeats);
  fmt::print("{:>14}  {:>14}  {:>12}  {:>14}  {:>12}\n", "COMMIT EVERY", "MEDIAN frames",
             "MEDIAN ms", "MAX frames", "MAX ms");
  std::vector<LossRow> rows;
  rows.push_back({"sync", 0, true});
  for (int t : o.commit_intervals_ms) rows.push_back({fmt::format("{} ms", t), t, false});
  void* shared = mmap(nullptr, sizeof(std::atomic<int64_t>), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) throw CliError(kExitInternal, "mmap failed");
  auto* handed = new (shared) std::atomic<int64_t>(0);
  std::mt19937_64 rng(o.seed);
  for (const LossRow& row : rows) {
    std::vector<double> lost;
    for (int r = 0; r < o.loss_repeats; ++r) {
      ChildJob job;
      job.path = (std::filesystem::path(dir) / fmt::format("loss-{}-{}.reel", row.interval_ms, r))
                     .string();
      std::filesystem::remove(job.path);
      job.frames = samples::frames_in(o.loss_seconds * 2 + 1, o.tick_rate);
      job.pace_hz = o.tick_rate;
      job.options.commit_interval = std::chrono::milliseconds(row.interval_ms);
      job.flush_each_frame = row.sync;
      job.seed = o.seed;
      handed->store(0);
      const pid_t pid = start_child(job, handed);
      const double wait_s = o.loss_seconds * (0.5 + 0.5 * double(rng() % 1000) / 1000.0);
      std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
      kill_child(pid);
      const int64_t handed_over = handed->load();
      auto recovered = recover_state(job.path, "bench");
      const int64_t committed = recovered.ok() ? recovered->session.frame_count : 0;
      lost.push_back(static_cast<double>(std::max<int64_t>(0, handed_over - committed)));
      std::filesystem::remove(job.path);
    }
    const double med = median(lost), worst = *std::max_element(lost.begin(), lost.end());
    fmt::print("{:>14}  {:>14.0f}  {:>12.1f}  {:>14.0f}  {:>12.1f}\n", row.label, med,
               med * 1000 / o.tick_rate, worst, worst * 1000 / o.tick_rate);
    std::fflush(stdout);
  }
  munmap(shared, sizeof(std::atomic<int64_t>));
}

void run(const BenchRecoverOptions& o) {
  std::string dir = o.db_dir;
  bool temporary = false;
  if (dir.empty()) {
    dir = (std::filesystem::temp_directory_path() / fmt::format("reel-bench-recover-{}", getpid()))
              .string();
    temporary = true;
  }
  std::filesystem::create_directories(dir);
  if (!o.lengths.empty()) bench_recovery_time(o, dir);
  if (o.loss_repeats > 0 && !o.commit_intervals_ms.empty()) bench_loss_window(o, dir);
  if (temporary) std::filesystem::remove_all(dir);
}

}  // namespace

void register_bench_recover(CLI::App& bench) {
  auto o = std::make_shared<BenchRecoverOptions>();
  auto* cmd = bench.add_subcommand(
      "recover", "Recovery time after a kill against session length, and the loss window");
  cmd->add_option("--lengths", o->lengths, "Session lengths to recover (1m 10m 1h 4h)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--repeats", o->repeats, "Timed recoveries per length after the first")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_option("--commit-intervals", o->commit_intervals_ms,
                  "Commit intervals (ms) whose loss window is measured")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--loss-repeats", o->loss_repeats, "Kills per commit interval (0: skip)")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  cmd->add_option("--loss-seconds", o->loss_seconds, "Longest run before a loss-window kill")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();
  cmd->add_option("--tick-rate", o->tick_rate, "Frames per second")
      ->check(CLI::Range(1.0, 10000.0))
      ->capture_default_str();
  cmd->add_option("--db", o->db_dir, "Directory for the recordings (kept); default: temporary");
  cmd->add_option("--seed", o->seed, "Crowd seed")->capture_default_str();
  cmd->footer("Example: reel bench recover --lengths 1m,10m,1h,4h --commit-intervals 0,100,1000");
  cmd->callback([o] { run(*o); });
}

}  // namespace reel::cli
