// Crash recovery: recorder processes SIGKILLed at random moments, then the database opens, the
// session is sealed `interrupted`, and recovery returns exactly the last committed frame, equal
// to a clean recording's state at that frame. Also: signals close cleanly, --resume continues a
// crashed session exactly, read-only directories open, readers never fail with "locked".
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "fake_mvsqlite_vfs.h"
#include "reel/recorder/recorder.h"
#include "reel/replay/recover.h"
#include "reel/replay/replayer.h"
#include "reel/samples/crowd.h"
#include "reel/samples/feeder.h"
#include "reel/store/liveness.h"
#include "reel/store/schema.h"
#include "reel/store/store.h"
#include "reel/variant/variant_binary.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::TempDir;

// A small crowd: deterministic (fixed seed), fast to record, every property kind of the sample.
samples::CrowdOptions small_crowd() {
  return samples::CrowdOptions{.players = 12, .props = 40, .seed = 7};
}

StoreOptions store_for(StorageProfile profile) {
  StoreOptions o;
  o.profile = profile;
  if (profile == StorageProfile::kMvsqlite) o.vfs = testing::fake_mvsqlite::kVfsName;
  return o;
}

// Records `frames` frames of the small crowd cleanly (closed).
void record_clean(const std::string& path, int64_t frames, const RecorderOptions& options) {
  samples::CrowdGenerator crowd(small_crowd());
  auto rec = Recorder::open(path, SessionInfo{.name = "clean"}, options);
  REQUIRE_OK(rec);
  samples::RecorderFeeder feeder(**rec, crowd.property_paths());
  Frame frame;
  for (int64_t i = 0; i < frames; ++i) {
    crowd.next(frame);
    REQUIRE_STATUS_OK(feeder.feed(frame));
  }
  REQUIRE_STATUS_OK((*rec)->close());
}

// Frames the child handed over (end_frame returned), in memory shared with the parent.
struct SharedCounter {
  SharedCounter() {
    void* p = mmap(nullptr, sizeof(std::atomic<int64_t>), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    value = new (p) std::atomic<int64_t>(0);
  }
  ~SharedCounter() { munmap(value, sizeof(std::atomic<int64_t>)); }
  std::atomic<int64_t>* value;
};

struct ChildPlan {
  RecorderOptions options;
  int64_t max_frames = 4000;  // then the child waits to be killed, the session still open
  bool flush_each_frame = false;
  double pace_hz = 0;  // > 0: at most this many frames per second (a game's tick)
};

// Forks a recorder process (a real process: its own writer thread, its own SQLite connection)
// that records the small crowd into session "crash" of `path`. Returns once the session exists.
pid_t start_recorder(const std::string& path, const ChildPlan& plan, SharedCounter* handed) {
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(ready[0]);
    auto rec = Recorder::open(path, SessionInfo{.name = "crash"}, plan.options);
    const char state = rec.ok() ? 'R' : 'E';
    (void)!write(ready[1], &state, 1);
    if (!rec.ok()) _exit(3);
    samples::CrowdGenerator crowd(small_crowd());
    samples::RecorderFeeder feeder(**rec, crowd.property_paths());
    Frame frame;
    const auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < plan.max_frames; ++i) {
      crowd.next(frame);
      if (plan.pace_hz > 0) {
        std::this_thread::sleep_until(start + std::chrono::duration<double>(i / plan.pace_hz));
      }
      if (!feeder.feed(frame).ok()) _exit(4);
      if (handed) handed->value->store(i + 1);
      if (plan.flush_each_frame && !(*rec)->flush().ok()) _exit(5);
    }
    for (;;) pause();  // never closes: only a kill ends it
  }
  close(ready[1]);
  char state = 0;
  REQUIRE(read(ready[0], &state, 1) == 1);
  close(ready[0]);
  REQUIRE(state == 'R');
  return pid;
}

void kill_and_reap(pid_t pid, int signal_number = SIGKILL) {
  REQUIRE(kill(pid, signal_number) == 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
}

int64_t max_chunk_frame(const std::string& path, const StoreOptions& read) {
  StoreOptions o = read;
  o.read_only = true;
  auto store = Store::open(path, o);
  REQUIRE_OK(store);
  auto st = (*store)->prepare("SELECT coalesce(max(last_frame), -1) FROM chunks");
  REQUIRE_OK(st);
  REQUIRE(*(*st)->step());
  const int64_t last = (*st)->column_int64(0);
  (*st)->reset();
  auto check = (*store)->prepare("PRAGMA quick_check");
  REQUIRE_OK(check);
  REQUIRE(*(*check)->step());
  REQUIRE((*check)->column_text(0) == "ok");
  (*check)->reset();
  return last;
}

schema::SessionRow session_row(const std::string& path, const StoreOptions& read,
                               std::string_view name) {
  StoreOptions o = read;
  o.read_only = true;
  auto store = Store::open(path, o);
  REQUIRE_OK(store);
  auto row = schema::find_session(**store, name);
  REQUIRE_OK(row);
  return *row;
}

// Kills `kills` recorders at random moments and checks each recovery against `clean`.
void crash_many_times(StorageProfile profile, int kills, uint64_t seed) {
  if (profile == StorageProfile::kMvsqlite) {
    REQUIRE_STATUS_OK(testing::fake_mvsqlite::register_vfs());
    testing::fake_mvsqlite::reset();
  }
  TempDir dir;
  const StoreOptions store = store_for(profile);
  RecorderOptions clean_options;
  clean_options.store = store;
  const std::string clean_path = dir.file("clean.reel");
  const int64_t max_frames = 4000;
  record_clean(clean_path, max_frames, clean_options);
  ReplayOptions replay_options;
  replay_options.store = store;
  auto clean = Replayer::open(clean_path, "clean", replay_options);
  REQUIRE_OK(clean);

  std::mt19937_64 rng(seed);
  SharedCounter handed;
  const int commit_intervals_ms[] = {0, 0, 3, 20};
  int recovered_frames = 0, empty_sessions = 0;
  for (int k = 0; k < kills; ++k) {
    const std::string path = dir.file(fmt::format("crash-{}.reel", k));
    ChildPlan plan;
    plan.options.store = store;
    plan.options.commit_interval = std::chrono::milliseconds(commit_intervals_ms[rng() % 4]);
    plan.max_frames = max_frames;
    handed.value->store(0);
    const pid_t pid = start_recorder(path, plan, &handed);
    // Random moments (before the first commit, between frames, mid-commit, mid-keyframe write):
    // after a random number of frames handed over, plus a random delay, so that the spread does
    // not depend on how fast a loaded machine records.
    const int64_t target = int64_t(rng() % 1500);
    for (int spins = 0; handed.value->load() < target && spins < 20'000; ++spins) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20'000));
    kill_and_reap(pid);
    INFO("kill " << k << ", commit interval " << plan.options.commit_interval.count() << " ms");

    RecoverOptions recover;
    recover.replay.store = store;
    auto got = recover_state(path, "crash", recover);
    const schema::SessionRow row = session_row(path, store, "crash");
    REQUIRE(row.status == format::SessionStatus::kInterrupted);
    REQUIRE(row.end_reason.find("no longer running") != std::string::npos);
    const int64_t last_committed = max_chunk_frame(path, store);
    REQUIRE(row.frame_count == last_committed + 1);
    REQUIRE(row.frames_handed_over >= row.frame_count);
    if (row.frame_count == 0) {
      REQUIRE(got.status().code() == StatusCode::kOutOfRange);
      ++empty_sessions;
      continue;
    }
    REQUIRE_OK(got);
    REQUIRE(got->sessions_sealed == 1);
    REQUIRE(got->state.frame == last_committed);
    auto expected = (*clean)->seek(last_committed);
    REQUIRE_OK(expected);
    REQUIRE(got->state == **expected);
    ++recovered_frames;
    if (profile == StorageProfile::kMvsqlite) {
      // The killed writer's hot journal was rolled back: no reader meets it again.
      std::error_code missing;
      const auto journal_bytes = std::filesystem::file_size(path + "-journal", missing);
      REQUIRE((missing || journal_bytes == 0));
    } else if (k % 10 == 0) {
      // Everything is in the main file: a copy of the .reel file alone holds every frame.
      const std::string copy = dir.file(fmt::format("copy-{}.reel", k));
      std::filesystem::copy_file(path, copy);
      REQUIRE(session_row(copy, store, "crash").frame_count == row.frame_count);
    }
    std::filesystem::remove(path);
  }
  INFO("recovered " << recovered_frames << " sessions, " << empty_sessions << " empty");
  REQUIRE(recovered_frames >= kills / 4);  // most kills land after a commit
}

TEST_CASE(
    "a recorder killed at random moments 100 times: every recovery is the last committed "
    "frame, exactly (local profile)",
    "[crash]") {
  crash_many_times(StorageProfile::kLocal, 100, 1);
}

TEST_CASE(
    "a recorder killed at random moments 100 times: every recovery is the last committed "
    "frame, exactly (mvsqlite profile, hot journals rolled back)",
    "[crash][mvsqlite]") {
  crash_many_times(StorageProfile::kMvsqlite, 100, 2);
}

TEST_CASE("with a commit every frame a kill loses at most the frame in flight", "[crash]") {
  TempDir dir;
  SharedCounter handed;
  std::mt19937_64 rng(5);
  for (int k = 0; k < 10; ++k) {
    const std::string path = dir.file(fmt::format("window-{}.reel", k));
    ChildPlan plan;
    plan.options.commit_interval = std::chrono::milliseconds(0);
    plan.flush_each_frame = true;  // the server's "sync every frame"
    handed.value->store(0);
    const pid_t pid = start_recorder(path, plan, &handed);
    std::this_thread::sleep_for(std::chrono::microseconds(2000 + rng() % 40'000));
    kill_and_reap(pid);
    const int64_t handed_over = handed.value->load();
    const auto row = session_row(path, {}, "crash");
    // end_frame returned for `handed_over` frames; the flush of the last may not have.
    INFO("handed over " << handed_over << ", committed " << row.frame_count);
    REQUIRE(row.frame_count <= handed_over + 1);
    REQUIRE(handed_over - row.frame_count <= 1);
  }
}

TEST_CASE("with commit interval T a kill loses at most the frames of T plus the queue", "[crash]") {
  TempDir dir;
  SharedCounter handed;
  const std::string path = dir.file("interval.reel");
  ChildPlan plan;
  plan.options.commit_interval = std::chrono::milliseconds(100);
  plan.options.queue_frames = 16;
  plan.pace_hz = 240;  // a game at 240 Hz: T = 100 ms holds 24 frames
  const pid_t pid = start_recorder(path, plan, &handed);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill_and_reap(pid);
  const int64_t handed_over = handed.value->load();
  const auto row = session_row(path, {}, "crash");
  INFO("handed over " << handed_over << ", committed " << row.frame_count);
  REQUIRE(row.frame_count > 0);
  // At most one interval's frames (T at 240 Hz = 24; one more interval of slack for a commit
  // under way on a loaded machine) plus the queue.
  REQUIRE(handed_over - row.frame_count <= 2 * 24 + plan.options.queue_frames);
}

TEST_CASE("the recovered state is a Godot Dictionary of every entity with class and properties",
          "[crash]") {
  TempDir dir;
  const std::string path = dir.file("dict.reel");
  record_clean(path, 95, {});
  RecoverOptions o;
  auto got = recover_state(path, "clean", o);
  REQUIRE_OK(got);
  REQUIRE(got->state.frame == 94);
  const Dictionary d = state_dictionary(*got);
  auto bytes = encode_to_bytes(Variant(d));
  REQUIRE_OK(bytes);
  auto decoded = decode_variant(*bytes);
  REQUIRE_OK(decoded);
  REQUIRE(decoded->value == Variant(d));
  REQUIRE(d.find(Variant("frame"))->get<int64_t>() == 94);
  REQUIRE(d.find(Variant("session"))->get<std::string>() == "clean");
  const Dictionary& entities = d.find(Variant("entities"))->get<Dictionary>();
  REQUIRE(entities.size() == got->state.entities.size());
  const auto& [id, entity] = *got->state.entities.begin();
  const Dictionary& e = entities.find(Variant(id))->get<Dictionary>();
  REQUIRE(e.find(Variant("class"))->get<std::string>() == entity.class_name);
  const Dictionary& props = e.find(Variant("properties"))->get<Dictionary>();
  REQUIRE(props.size() == entity.properties.size());
  for (const auto& [property, value] : entity.properties) {
    REQUIRE(*props.find(Variant(got->property_paths[property])) == value);
  }
  // --at a frame: the state there, from its keyframe.
  o.at = 40;
  auto at = recover_state(path, "clean", o);
  REQUIRE_OK(at);
  ReplayOptions replay;
  auto replayer = Replayer::open(path, "clean", replay);
  REQUIRE_OK(replayer);
  REQUIRE(at->state == **(*replayer)->seek(40));
}

TEST_CASE("a live recording is never sealed and readers beside it never fail with locked",
          "[crash][mvsqlite]") {
  REQUIRE_STATUS_OK(testing::fake_mvsqlite::register_vfs());
  testing::fake_mvsqlite::reset();
  for (StorageProfile profile : {StorageProfile::kLocal, StorageProfile::kMvsqlite}) {
    INFO(storage_profile_name(profile));
    TempDir dir;
    const std::string path = dir.file("live.reel");
    ChildPlan plan;
    plan.options.store = store_for(profile);
    plan.options.commit_interval = std::chrono::milliseconds(0);  // a commit per frame
    plan.pace_hz = 2000;
    plan.max_frames = 1'000'000;
    const pid_t pid = start_recorder(path, plan, nullptr);
    RecoverOptions o;
    o.replay.store = store_for(profile);
    // Reads go on until 20 have succeeded (at least 300 ms of them): how many fit in a given
    // time depends on the machine's load, never on correctness. The deadline only ends a hang.
    int reads = 0;
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::seconds(30);
    while ((reads < 20 || std::chrono::steady_clock::now() < start + std::chrono::milliseconds(300)) &&
           std::chrono::steady_clock::now() < deadline) {
      auto got = recover_state(path, "crash", o);
      if (!got.ok() && got.status().code() == StatusCode::kOutOfRange) continue;  // no frame yet
      INFO(got.status().to_string());
      REQUIRE(got.ok());
      REQUIRE(got->sessions_sealed == 0);
      REQUIRE(got->session.status == format::SessionStatus::kRecording);
      ++reads;
    }
    kill_and_reap(pid);
    REQUIRE(reads >= 20);
    auto after = recover_state(path, "crash", o);
    REQUIRE_OK(after);
    REQUIRE(after->session.status == format::SessionStatus::kInterrupted);
  }
}

TEST_CASE("a session on a read-only directory opens immutable and says so", "[crash]") {
  TempDir dir;
  const std::string sub = dir.file("archive");
  std::filesystem::create_directory(sub);
  const std::string path = sub + "/old.reel";
  record_clean(path, 60, {});
  chmod(path.c_str(), 0444);
  chmod(sub.c_str(), 0555);
  chmod(dir.path().c_str(), 0755);
  // Root writes anywhere: the reader runs as an unprivileged user, as an operator's would.
  int result[2];
  REQUIRE(pipe(result) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(result[0]);
    if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(6);
    auto got = recover_state(path, "clean");
    std::string report = got.ok() ? fmt::format("frame {} notice {}", got->state.frame, got->notice)
                                  : got.status().to_string();
    StoreOptions o{.read_only = true, .create = false};
    auto store = Store::open(path, o);
    report += store.ok() ? " | " + (*store)->notice() : " | " + store.status().to_string();
    (void)!write(result[1], report.data(), report.size());
    _exit(got.ok() && store.ok() ? 0 : 7);
  }
  close(result[1]);
  std::string report;
  char buffer[512];
  for (ssize_t n; (n = read(result[0], buffer, sizeof buffer)) > 0;) report.append(buffer, n);
  close(result[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  chmod(sub.c_str(), 0755);
  INFO(report);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(report.find("frame 59") != std::string::npos);
  REQUIRE(report.find("opened immutable") != std::string::npos);
}

TEST_CASE("a recorder stopped by a full disk ends its session failed, with the reason", "[crash]") {
  TempDir dir;
  const std::string path = dir.file("full.reel");
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto rec = Recorder::open(path, SessionInfo{.name = "full"}, RecorderOptions{});
    if (!rec.ok()) _exit(3);
    for (int i = 0; i < 20; ++i) {
      (*rec)->begin_frame(i, i / 60.0);
      (*rec)->set(1, "p", int64_t(i));
      (void)(*rec)->end_frame();
    }
    if (!(*rec)->flush().ok()) _exit(4);
    // The disk fills up: the WAL cannot grow past its size now (RLIMIT_FSIZE makes write() fail
    // with EFBIG, as ENOSPC would).
    struct stat st {};
    stat((path + "-wal").c_str(), &st);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit tight {};
    getrlimit(RLIMIT_FSIZE, &tight);
    tight.rlim_cur = static_cast<rlim_t>(st.st_size);
    setrlimit(RLIMIT_FSIZE, &tight);
    Status failure;
    for (int i = 20; i < 400 && failure.ok(); ++i) {
      (*rec)->begin_frame(i, i / 60.0);
      (*rec)->set(1, "p", std::string(4096, char('a' + i % 26)));
      failure = (*rec)->end_frame();
      if (failure.ok()) failure = (*rec)->flush();
    }
    (void)(*rec)->close();
    _exit(failure.code() == StatusCode::kIoError ? 0 : 5);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);  // the recorder saw the storage error
  // Its last word: failed, disk full. (Were even that write refused, the next opener would seal
  // the session interrupted, as the recorder is gone.)
  (void)schema::settle_for_reading(path, StoreOptions{});
  const auto row = session_row(path, {}, "full");
  INFO(schema::session_ending(row));
  REQUIRE((row.status == format::SessionStatus::kFailed ||
           row.status == format::SessionStatus::kInterrupted));
  // "disk full" for SQLITE_FULL and for write errors SQLite reports with ENOSPC/EFBIG/EDQUOT;
  // otherwise the storage error's own words.
  REQUIRE_FALSE(row.end_reason.empty());
  REQUIRE(row.frame_count >= 20);
}

// ---- the CLI: a real `reel record` process ------------------------------------------------

pid_t spawn_reel(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::vector<char*> argv;
    std::string binary = REEL_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// Waits until session `name` of `path` has committed frames (the recorder is under way).
void wait_for_frames(const std::string& path, std::string_view name) {
  for (int i = 0; i < 400; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!std::filesystem::exists(path)) continue;
    StoreOptions o{.read_only = true, .create = false};
    auto store = Store::open(path, o);
    if (!store.ok()) continue;
    auto row = schema::find_session(**store, name);
    if (row.ok() && row->frame_count > 30) return;
  }
  FAIL("the recorder committed no frame in 4 s");
}

TEST_CASE("reel record closes the session cleanly on SIGINT, SIGTERM and SIGHUP", "[crash][cli]") {
  TempDir dir;
  for (auto [signal_number, name] :
       {std::pair{SIGINT, "SIGINT"}, std::pair{SIGTERM, "SIGTERM"}, std::pair{SIGHUP, "SIGHUP"}}) {
    INFO(name);
    const std::string path = dir.file(fmt::format("{}.reel", name));
    const pid_t pid = spawn_reel({"record", "--duration", "10h", "--players", "12", "--props", "40",
                                  "--out", path, "--name", "s"});
    wait_for_frames(path, "s");
    REQUIRE(kill(pid, signal_number) == 0);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    const auto row = session_row(path, {}, "s");
    REQUIRE(row.status == format::SessionStatus::kClosed);
    REQUIRE(row.end_reason == fmt::format("signal {}", name));
    REQUIRE(row.frames_handed_over == row.frame_count);  // nothing handed over was lost
  }
}

TEST_CASE("reel record --resume continues a killed session exactly as if it had never stopped",
          "[crash][cli]") {
  TempDir dir;
  const std::string path = dir.file("resume.reel");
  const std::vector<std::string> common = {"--players", "12",    "--props", "40",     "--seed",
                                           "7",         "--out", path,      "--name", "s"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), common.begin(), common.end());
    return args;
  };
  const pid_t pid = spawn_reel(with({"record", "--duration", "10h"}));
  wait_for_frames(path, "s");
  kill_and_reap(pid);
  const int64_t committed = session_row(path, {}, "s").frame_count;
  REQUIRE(committed > 0);
  // The kill lands whenever the machine lets it: on a fast machine the recorder may be minutes
  // of game time in. The resumed run records a whole minute beyond what was committed.
  const int64_t total = (committed / 60 + 61) * 60;
  const pid_t resumed =
      spawn_reel(with({"record", "--duration", fmt::format("{}s", total / 60), "--resume"}));
  int status = 0;
  REQUIRE(waitpid(resumed, &status, 0) == resumed);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const auto row = session_row(path, {}, "s");
  REQUIRE(row.status == format::SessionStatus::kClosed);
  REQUIRE(row.resumes == 1);
  REQUIRE(row.frame_count == total);
  // The resumed session equals a clean recording of the same sample, frame by frame.
  const std::string clean_path = dir.file("clean.reel");
  record_clean(clean_path, total, {});
  auto clean = Replayer::open(clean_path, "clean");
  auto got = Replayer::open(path, "s");
  REQUIRE_OK(clean);
  REQUIRE_OK(got);
  for (FrameIndex f : {committed - 2, committed - 1, committed, committed + 1, committed + 29,
                       committed + 31, total / 2, total - 1}) {
    if (f < 0 || f >= total) continue;
    INFO("frame " << f << " (resumed after frame " << committed - 1 << ")");
    auto want = (*clean)->seek(f);
    auto have = (*got)->seek(f);
    REQUIRE_OK(want);
    REQUIRE_OK(have);
    REQUIRE(**have == **want);
  }
  // Walking across the resume point decodes the same states too.
  const FrameIndex from = std::max<FrameIndex>(0, committed - 40);
  const FrameIndex to = std::min<FrameIndex>(total - 1, committed + 40);
  std::vector<WorldState> walked;
  REQUIRE_STATUS_OK((*got)->for_each_frame(from, to, [&](const Frame&, const WorldState& s) {
    walked.push_back(s);
    return Status{};
  }));
  for (FrameIndex f = from; f <= to; ++f) {
    auto want = (*clean)->seek(f);
    REQUIRE_OK(want);
    REQUIRE(walked[size_t(f - from)] == **want);
  }
}

TEST_CASE("reel recover writes the last committed state and accepts --at end", "[crash][cli]") {
  TempDir dir;
  const std::string path = dir.file("cli.reel");
  const pid_t pid = spawn_reel({"record", "--duration", "10h", "--players", "12", "--props", "40",
                                "--out", path, "--name", "s"});
  wait_for_frames(path, "s");
  kill_and_reap(pid);
  const std::string out = dir.file("state.bin");
  auto r = testing::run_command(std::string(REEL_BINARY) + " recover " + path +
                                " s --at end --out " + out);
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find("interrupted") != std::string::npos);
  const auto row = session_row(path, {}, "s");
  REQUIRE(row.status == format::SessionStatus::kInterrupted);
  const std::string bytes = testing::read_file(out);
  auto decoded = decode_variant(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  REQUIRE_OK(decoded);
  const Dictionary& d = decoded->value.get<Dictionary>();
  REQUIRE(d.find(Variant("frame"))->get<int64_t>() == row.frame_count - 1);
  auto ls = testing::run_command(std::string(REEL_BINARY) + " ls " + path);
  REQUIRE(ls.out.find("interrupted: recorder process") != std::string::npos);
  auto json = testing::run_command(std::string(REEL_BINARY) + " recover " + path +
                                   " --format json --out " + dir.file("state.json"));
  REQUIRE(json.exit_code == 0);
  REQUIRE(testing::read_file(dir.file("state.json")).find("\"entities\"") != std::string::npos);
}

}  // namespace
}  // namespace reel
