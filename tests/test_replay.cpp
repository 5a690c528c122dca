// Replayer: every frame of a recording comes back exactly as the recorder saw it, whichever way
// the cursor travels, while recording goes on in another process, and around damaged blobs.
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "reel/recorder/recorder.h"
#include "reel/replay/replayer.h"
#include "reel/samples/crowd.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::TempDir;

constexpr int kEntities = 14;
constexpr int kProperties = 8;

double double_from_bits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

// Random frames over a small world: spawns, respawns of live entities, despawns, implicit spawns
// (a change of an entity never spawned), changes of many Variant types including NaN payloads,
// -0.0 and slots that change type, and events.
class RandomFrames {
 public:
  explicit RandomFrames(uint64_t seed) : rng_(seed) {}

  Frame next() {
    Frame f;
    f.index = index_++;
    tick_ += 1 + static_cast<int64_t>(rng_() % 2);
    f.tick = tick_;
    f.time = static_cast<double>(tick_) / 60.0;
    if (chance(0.05)) return f;  // an empty frame
    std::set<EntityId> touched;
    for (EntityId e = 0; e < kEntities; ++e) {
      const bool alive = alive_.count(e) > 0;
      if ((!alive && chance(0.15)) || (alive && chance(0.01))) {  // spawn, or respawn
        f.spawns.push_back(Spawn{e, "res://thing_" + std::to_string(e % 3) + ".tscn"});
        alive_.insert(e);
      } else if (alive && chance(0.03)) {
        f.despawns.push_back(e);
        alive_.erase(e);
        continue;
      } else if (!alive && chance(0.01)) {
        alive_.insert(e);  // implicit spawn through a change below
      }
      if (!alive_.count(e)) continue;
      for (PropertyId p = 0; p < kProperties; ++p) {
        if (chance(0.4)) f.changes.push_back(PropertyChange{e, p, value(e, p)});
      }
      if (chance(0.02)) f.changes.push_back(PropertyChange{e, 1, value(e, 1)});  // duplicate
    }
    if (chance(0.3)) {
      Array args;
      args.items.push_back(int64_t(rng_() % 100));
      args.items.push_back(std::string("arg"));
      f.events.push_back(Event{chance(0.5) ? "jump" : "grab", int64_t(rng_() % kEntities), args});
    }
    if (chance(0.1)) f.events.push_back(Event{"tick", -1, Variant{}});
    return f;
  }

 private:
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  float jitter(float base) {
    return base + static_cast<float>(std::uniform_real_distribution<double>(-1e-2, 1e-2)(rng_));
  }

  Variant value(EntityId e, PropertyId p) {
    Transform3D& t = transforms_[e];
    const int kind = static_cast<int>(p + (chance(0.04) ? 1 + rng_() % 3 : 0)) % kProperties;
    switch (kind) {
      case 0:
        for (auto& row : t.basis.rows) row = {jitter(row.x), jitter(row.y), jitter(row.z)};
        t.origin = {jitter(t.origin.x) + 0.05f, jitter(t.origin.y), jitter(t.origin.z)};
        return t;
      case 1:
        return Vector3{jitter(float(e)), jitter(1), chance(0.1) ? -0.0f : jitter(2)};
      case 2: {
        const double specials[] = {0.0,
                                   -0.0,
                                   std::numeric_limits<double>::infinity(),
                                   double_from_bits(0x7ff8000000000123ull),  // NaN with payload
                                   std::numeric_limits<double>::quiet_NaN(),
                                   1e300};
        if (chance(0.4)) return specials[rng_() % 6];
        return std::uniform_real_distribution<double>(-10, 10)(rng_);
      }
      case 3:
        return static_cast<int64_t>(rng_() % 1000) - 500;
      case 4:
        return std::string(rng_() % 24, static_cast<char>('a' + rng_() % 26));
      case 5: {
        if (chance(0.5)) {
          Array a;
          for (int i = 0, n = int(rng_() % 4); i < n; ++i) a.items.push_back(int64_t(i));
          return a;
        }
        Dictionary d;
        d.set("hp", int64_t(rng_() % 100));
        d.set(StringName{"tag"}, NodePath{{"A", "B"}, {"x"}, true});
        return d;
      }
      case 6: {
        switch (rng_() % 3) {
          case 0:
            return Quaternion{jitter(0), jitter(0), jitter(0), 1};
          case 1:
            return Color{jitter(0.5f), jitter(0.5f), jitter(0.5f), 1};
          default:
            return Vector2i{int32_t(rng_() % 50), -int32_t(rng_() % 50)};
        }
      }
      default: {
        if (chance(0.2)) return Variant{};
        PackedFloat32Array a(rng_() % 5);
        for (float& x : a) x = jitter(0);
        return a;
      }
    }
  }

  std::mt19937_64 rng_;
  FrameIndex index_ = 0;
  int64_t tick_ = 0;
  std::set<EntityId> alive_;
  std::map<EntityId, Transform3D> transforms_;
};

// A recorded session and what the replayer must reproduce: the brute-force state after each frame.
struct Recording {
  std::vector<Frame> frames;
  std::vector<WorldState> states;  // states[f]: after frame f
};

void feed(Recorder& rec, const Frame& f) {
  rec.begin_frame(f.tick, f.time);
  for (const Spawn& s : f.spawns) rec.spawn(s.entity, s.class_name);
  for (const PropertyChange& c : f.changes) rec.set(c.entity, c.property, c.value);
  for (EntityId e : f.despawns) rec.despawn(e);
  for (const Event& e : f.events) rec.event(e.name, e.args, e.entity);
}

Recording generate(uint64_t seed, int frame_count) {
  RandomFrames gen(seed);
  Recording r;
  WorldState state;
  for (int i = 0; i < frame_count; ++i) {
    r.frames.push_back(gen.next());
    state.apply(r.frames.back());
    r.states.push_back(state);
  }
  return r;
}

RecorderOptions small_options(int commit_ms) {
  RecorderOptions o;
  o.codec.keyframe_interval = 7;
  o.commit_interval = std::chrono::milliseconds(commit_ms);
  o.max_frames_per_chunk = 5;
  return o;
}

Recording record(const std::string& path, uint64_t seed, int frame_count,
                 const RecorderOptions& options, const std::string& name = "random") {
  Recording r = generate(seed, frame_count);
  auto rec = Recorder::open(path, SessionInfo{.name = name}, options);
  REQUIRE_OK(rec);
  for (PropertyId p = 0; p < kProperties; ++p) {
    REQUIRE((*rec)->intern_property("p" + std::to_string(p)) == p);
  }
  for (const Frame& f : r.frames) {
    feed(**rec, f);
    REQUIRE_STATUS_OK((*rec)->end_frame());
  }
  REQUIRE_STATUS_OK((*rec)->close());
  return r;
}

std::unique_ptr<Replayer> open_replayer(const std::string& path, std::string_view session = {},
                                        ReplayOptions options = {}) {
  auto r = Replayer::open(path, session, options);
  REQUIRE_OK(r);
  return std::move(*r);
}

void require_state(Result<const WorldState*> got, const WorldState& expected) {
  REQUIRE_OK(got);
  INFO("frame " << expected.frame);
  REQUIRE(**got == expected);
}

// Runs `sql` with one blob parameter on the database file (damage injection).
void exec_sql(const std::string& path, const std::string& sql,
              const std::vector<uint8_t>* blob = nullptr) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  if (blob) sqlite3_bind_blob(st, 1, blob->data(), int(blob->size()), SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  REQUIRE(sqlite3_changes(db) == 1);
  sqlite3_close(db);
}

// Runs SQL statements that need not change a row (DDL, pragmas).
void exec_script(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

int64_t query_int(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

// The database as format version 1 wrote it: events had no time column, sessions none of the
// version-4 liveness columns.
void downgrade_to_format_1(const std::string& path) {
  exec_script(path,
              "ALTER TABLE events DROP COLUMN time; ALTER TABLE sessions DROP COLUMN end_reason; "
              "ALTER TABLE sessions DROP COLUMN frames_handed_over; "
              "ALTER TABLE sessions DROP COLUMN owner_host; "
              "ALTER TABLE sessions DROP COLUMN owner_pid; "
              "ALTER TABLE sessions DROP COLUMN owner_boot_id; "
              "ALTER TABLE sessions DROP COLUMN owner_token; "
              "ALTER TABLE sessions DROP COLUMN heartbeat_us; "
              "ALTER TABLE sessions DROP COLUMN resumes; PRAGMA user_version = 1; "
              "UPDATE reel_meta SET value = 1 WHERE key = 'format_version';");
}

std::vector<uint8_t> read_blob(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st, 0));
  std::vector<uint8_t> out(p, p + sqlite3_column_bytes(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

TEST_CASE("seeking to every frame reproduces the recorded state bit for bit", "[replay]") {
  const int commit_ms = GENERATE(0, 20);
  TempDir dir;
  const auto path = dir.file("s.reel");
  const Recording r = record(path, 11 + commit_ms, 150, small_options(commit_ms));
  auto replay = open_replayer(path);
  REQUIRE(replay->frame_count() == 150);
  REQUIRE(replay->codec().keyframe_interval == 7);
  REQUIRE(replay->current() == nullptr);
  for (FrameIndex f = 0; f < 150; ++f) require_state(replay->seek(f), r.states[f]);
  // Backwards too (each seek crosses into an earlier segment or moves within one).
  for (FrameIndex f = 149; f >= 0; f -= 3) require_state(replay->seek(f), r.states[f]);
  REQUIRE(replay->seek(150).status().code() == StatusCode::kOutOfRange);
  REQUIRE(replay->seek(-1).status().code() == StatusCode::kOutOfRange);
}

TEST_CASE("random seek orders reproduce every state, with a tiny cache too", "[replay]") {
  TempDir dir;
  const auto path = dir.file("s.reel");
  const Recording r = record(path, 5, 200, small_options(10));
  const size_t budget = GENERATE(size_t{4096}, size_t{64} << 20);
  auto replay = open_replayer(path, "random", ReplayOptions{.cache_budget_bytes = budget});
  std::mt19937_64 rng(99);
  for (int i = 0; i < 400; ++i) {
    const FrameIndex f = static_cast<FrameIndex>(rng() % 200);
    require_state(replay->seek(f), r.states[f]);
    REQUIRE(replay->current() == &*replay->seek(f).value());
  }
  // Only the undo log of one segment lives outside the budget.
  const auto stats = replay->cache_stats();
  CHECK(stats.keyframe_loads > 0);
  if (budget == 4096) CHECK(stats.bytes_in_use < budget + (1u << 20));
}

TEST_CASE("after drop_caches every frame is read again and lands on its exact state", "[replay]") {
  TempDir dir;
  const auto path = dir.file("s.reel");
  const Recording r = record(path, 6, 120, small_options(10));
  auto replay = open_replayer(path);
  for (FrameIndex f = 0; f < 120; f += 5) require_state(replay->seek(f), r.states[f]);
  for (int round = 0; round < 3; ++round) {
    replay->drop_caches();  // the dropped payloads' buffers are reused by the loads below
    const auto before = replay->cache_stats();
    CHECK(before.bytes_in_use == 0);
    for (FrameIndex f = 119; f >= 0; f -= 4) require_state(replay->seek(f), r.states[f]);
    CHECK(replay->cache_stats().chunk_loads > before.chunk_loads);
  }
}

TEST_CASE("step_back walks from the end to frame 0 across keyframe boundaries", "[replay]") {
  TempDir dir;
  const auto path = dir.file("s.reel");
  const Recording r = record(path, 3, 120, small_options(0));
  auto replay = open_replayer(path);
  REQUIRE(replay->step_back().status().code() == StatusCode::kOutOfRange);  // no cursor yet
  require_state(replay->seek(119), r.states[119]);
  for (FrameIndex f = 118; f >= 0; --f) require_state(replay->step_back(), r.states[f]);
  REQUIRE(replay->step_back().status().code() == StatusCode::kOutOfRange);
  REQUIRE(replay->current()->frame == 0);
  // And back and forth inside a segment (undo entries turned into redo entries and back).
  require_state(replay->seek(40), r.states[40]);
  require_state(replay->step_back(), r.states[39]);
  require_state(replay->step_back(), r.states[38]);
  require_state(replay->step_forward(), r.states[39]);
  require_state(replay->seek(41), r.states[41]);
  require_state(replay->seek(36), r.states[36]);
}

TEST_CASE("step_forward plays from frame 0 to the end", "[replay]") {
  TempDir dir;
  const auto path = dir.file("s.reel");
  const Recording r = record(path, 4, 120, small_options(15));
  auto replay = open_replayer(path);
  require_state(replay->step_forward(), r.states[0]);  // the first step lands on frame 0
  for (FrameIndex f = 1; f < 120; ++f) require_state(replay->step_forward(), r.states[f]);
  REQUIRE(replay->step_forward().status().code() == StatusCode::kOutOfRange);
  REQUIRE(replay->current()->frame == 119);
  // Keyframe frames on the way were decoded on to, not loaded: only frame 0's was read.
  REQUIRE(replay->cache_stats().keyframe_loads == 1);
}

TEST_CASE("for_each_frame yields each frame's content and state without moving the cursor",
          "[replay]") {
  TempDir dir;
  const auto path = dir.file("s.reel");
  const Recording r = record(path, 8, 90, small_options(0));
  auto replay = open_replayer(path);
  require_state(replay->seek(50), r.states[50]);
  FrameIndex expected = 0;
  REQUIRE_STATUS_OK(replay->for_each_frame(0, 89, [&](const Frame& f, const WorldState& s) {
    REQUIRE(f.index == expected);
    REQUIRE(s == r.states[expected]);
    // Replaying the frame contents alone rebuilds the same states.
    WorldState before = expected == 0 ? WorldState{} : r.states[expected - 1];
    before.apply(f);
    REQUIRE(before == s);
    const auto& ev = r.frames[expected].events;
    REQUIRE(f.events.size() == ev.size());
    for (size_t i = 0; i < ev.size(); ++i) {
      REQUIRE(f.events[i].name == ev[i].name);
      REQUIRE(f.events[i].args == ev[i].args);
    }
    ++expected;
    return Status{};
  }));
  REQUIRE(expected == 90);
  REQUIRE(replay->current()->frame == 50);
  // A non-ok status from fn stops the walk and comes back.
  int calls = 0;
  Status stop = replay->for_each_frame(10, 20, [&](const Frame&, const WorldState&) {
    return ++calls == 3 ? Status::invalid_argument("enough") : Status{};
  });
  REQUIRE(stop.code() == StatusCode::kInvalidArgument);
  REQUIRE(calls == 3);
}

TEST_CASE("history lists a property's value wherever it changed", "[replay]") {
  TempDir dir;
  const auto path = dir.file("s.reel");
  const Recording r = record(path, 21, 100, small_options(0));
  auto replay = open_replayer(path);
  REQUIRE(*replay->property_id("p1") == 1);
  REQUIRE(replay->property_id("nope").status().code() == StatusCode::kNotFound);
  for (EntityId e : {0, 5, 13}) {
    auto h = replay->history(e, 1, 10, 90);
    REQUIRE_OK(h);
    // Brute force: a sample at 10 and at every frame whose value or presence differs.
    std::vector<PropertySample> want;
    for (FrameIndex f = 10; f <= 90; ++f) {
      const WorldState& s = r.states[f];
      PropertySample p{f, s.time, Variant{}, false};
      if (auto it = s.entities.find(e); it != s.entities.end()) {
        if (const Variant* v = it->second.find(1)) {
          p.value = *v;
          p.present = true;
        }
      }
      if (want.empty() || want.back().present != p.present || !(want.back().value == p.value)) {
        want.push_back(p);
      }
    }
    REQUIRE(h->size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      REQUIRE(h->at(i).frame == want[i].frame);
      REQUIRE(h->at(i).present == want[i].present);
      REQUIRE(h->at(i).value == want[i].value);
    }
  }
}

TEST_CASE("events, event counts, keyframes and times come back as recorded", "[replay]") {
  TempDir dir;
  const auto path = dir.file("s.reel");
  const Recording r = record(path, 31, 100, small_options(25));
  auto replay = open_replayer(path);

  auto all = replay->events(20, 60);
  REQUIRE_OK(all);
  std::vector<EventRecord> want;
  std::map<std::string, int64_t> counts;
  for (const Frame& f : r.frames) {
    for (size_t i = 0; i < f.events.size(); ++i) {
      ++counts[f.events[i].name];
      if (f.index >= 20 && f.index <= 60) {
        want.push_back(EventRecord{f.index, int64_t(i), f.events[i].name, f.events[i].entity,
                                   f.events[i].args});
      }
    }
  }
  REQUIRE(all->size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    REQUIRE(all->at(i).frame == want[i].frame);
    REQUIRE(all->at(i).seq == want[i].seq);
    REQUIRE(all->at(i).name == want[i].name);
    REQUIRE(all->at(i).entity == want[i].entity);
    REQUIRE(all->at(i).args == want[i].args);
    REQUIRE(all->at(i).time == r.states[want[i].frame].time);  // stored with the event
  }
  auto jumps = replay->events(0, 99, "jump");
  REQUIRE_OK(jumps);
  REQUIRE(int64_t(jumps->size()) == counts["jump"]);
  for (const auto& e : *jumps) REQUIRE(e.name == "jump");

  auto by_name = replay->event_counts();
  REQUIRE_OK(by_name);
  REQUIRE(std::map<std::string, int64_t>(by_name->begin(), by_name->end()) == counts);

  auto keyframes = replay->keyframe_frames();
  REQUIRE_OK(keyframes);
  std::vector<FrameIndex> every7;
  for (FrameIndex f = 0; f < 100; f += 7) every7.push_back(f);
  REQUIRE(*keyframes == every7);

  for (FrameIndex f = 0; f < 100; ++f) {
    auto t = replay->time_of(f);
    REQUIRE_OK(t);
    REQUIRE(*t == r.states[f].time);
    // The last frame at or before a frame's time is that frame; just before it, the one before.
    auto at = replay->frame_at_time(r.states[f].time);
    REQUIRE_OK(at);
    REQUIRE(*at == f);
    auto before = replay->frame_at_time(r.states[f].time - 1e-9);
    REQUIRE_OK(before);
    REQUIRE(*before == std::max<FrameIndex>(0, f - 1));
  }
  REQUIRE(*replay->frame_at_time(-5) == 0);
  REQUIRE(*replay->frame_at_time(1e9) == 99);
}

TEST_CASE("a format-1 database is read, and a recorder adding a session migrates it", "[replay]") {
  TempDir dir;
  const auto path = dir.file("s.reel");
  const Recording old = record(path, 31, 60, small_options(25), "old");
  downgrade_to_format_1(path);
  const auto check_old_session = [&] {
    auto replay = open_replayer(path, "old");
    auto events = replay->events(0, 59);
    REQUIRE_OK(events);
    REQUIRE_FALSE(events->empty());
    for (const EventRecord& e : *events) {
      REQUIRE_FALSE(e.time.has_value());  // not stored: computed on request
      REQUIRE(*replay->time_of(e.frame) == old.states[e.frame].time);
    }
    for (FrameIndex f = 0; f < 60; f += 3) require_state(replay->seek(f), old.states[f]);
  };
  check_old_session();

  const Recording added = record(path, 32, 40, small_options(25), "new");
  REQUIRE(query_int(path, "PRAGMA user_version") == format::kFormatVersion);
  REQUIRE(query_int(path, "SELECT value FROM reel_meta WHERE key = 'format_version'") ==
          format::kFormatVersion);
  check_old_session();  // its events keep a NULL time
  auto replay = open_replayer(path, "new");
  auto events = replay->events(0, 39);
  REQUIRE_OK(events);
  REQUIRE_FALSE(events->empty());
  for (const EventRecord& e : *events) REQUIRE(e.time == added.states[e.frame].time);

  // Versions outside 1..kFormatVersion are refused by readers and writers, naming both.
  for (const int version : {0, format::kFormatVersion + 1}) {
    exec_script(path, fmt::format("PRAGMA user_version = {}", version));
    auto refused = Replayer::open(path, "new");
    REQUIRE(refused.status().code() == StatusCode::kUnsupported);
    CHECK_THAT(refused.status().message(),
               Catch::Contains(fmt::format("format version {} is", version)) &&
                   Catch::Contains(fmt::format("(1 to {})", format::kFormatVersion)));
    auto writer = Recorder::open(path, SessionInfo{.name = "third"}, small_options(25));
    REQUIRE(writer.status().code() == StatusCode::kUnsupported);
  }
}

TEST_CASE("opening names the missing file, the foreign file and the unknown session", "[replay]") {
  TempDir dir;
  auto missing = Replayer::open(dir.file("nope.reel"), "");
  REQUIRE(missing.status().code() == StatusCode::kNotFound);
  REQUIRE_THAT(missing.status().message(), Catch::Contains("nope.reel"));

  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.file("other.db").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto foreign = Replayer::open(dir.file("other.db"), "");
  REQUIRE_FALSE(foreign.ok());
  REQUIRE_THAT(foreign.status().message(), Catch::Contains("not a Reel database"));
  REQUIRE_THAT(foreign.status().message(), Catch::Contains("other.db"));

  const auto path = dir.file("s.reel");
  (void)record(path, 1, 10, small_options(0), "alpha");
  auto unknown = Replayer::open(path, "beta");
  REQUIRE(unknown.status().code() == StatusCode::kNotFound);
  REQUIRE_THAT(unknown.status().message(), Catch::Contains("beta"));
  REQUIRE(Replayer::open(path, "alpha").ok());
}

TEST_CASE("a damaged chunk fails only the frames that need it, naming its range", "[replay]") {
  TempDir dir;
  const auto path = dir.file("s.reel");
  const Recording r = record(path, 17, 70, small_options(0));  // one frame per chunk
  // Damage the chunk of frame 30 (segment 28..34): frames 30..34 need it, 28, 29 and 35+ do not.
  auto blob = read_blob(path, "SELECT data FROM chunks WHERE first_frame = 30");
  testing::flip_bit(blob, blob.size() / 2, 3);
  exec_sql(path, "UPDATE chunks SET data = ? WHERE first_frame = 30", &blob);

  std::vector<Status> problems;
  auto replay = open_replayer(
      path, "", ReplayOptions{.on_problem = [&](const Status& s) { problems.push_back(s); }});
  for (FrameIndex f = 0; f < 70; ++f) {
    auto got = replay->seek(f);
    if (f >= 30 && f <= 34) {
      REQUIRE(got.status().code() == StatusCode::kCorruption);
      REQUIRE_THAT(got.status().message(), Catch::Contains("session 1: chunk frames 30-30"));
      REQUIRE_THAT(got.status().message(), Catch::Contains("checksum mismatch"));
      REQUIRE(replay->current() == nullptr);
    } else {
      require_state(got, r.states[f]);
    }
  }
  REQUIRE(problems.size() == 1);  // reported once, however often it was hit
  REQUIRE_THAT(problems[0].message(), Catch::Contains("chunk frames 30-30"));
  // Stepping back into the damage fails; the cursor can be moved on afterwards.
  require_state(replay->seek(35), r.states[35]);
  REQUIRE(replay->step_back().status().code() == StatusCode::kCorruption);
  require_state(replay->seek(29), r.states[29]);
  // From frame 29 the next keyframe (35) is first tried by decoding on, through the damage: that
  // fails, and the keyframe is loaded instead.
  require_state(replay->seek(35), r.states[35]);
  require_state(replay->seek(29), r.states[29]);
  REQUIRE(replay->for_each_frame(25, 40, [](const Frame&, const WorldState&) { return Status{}; })
              .code() == StatusCode::kCorruption);
}

TEST_CASE("a truncated keyframe is reported and its frames are rebuilt from the one before",
          "[replay]") {
  TempDir dir;
  const auto path = dir.file("s.reel");
  const Recording r = record(path, 19, 60, small_options(10));
  exec_sql(path, "UPDATE keyframes SET data = substr(data, 1, length(data) - 9) WHERE frame = 21");
  std::vector<Status> problems;
  auto replay = open_replayer(
      path, "", ReplayOptions{.on_problem = [&](const Status& s) { problems.push_back(s); }});
  for (FrameIndex f = 59; f >= 0; --f) require_state(replay->seek(f), r.states[f]);
  REQUIRE(problems.size() == 1);
  REQUIRE(problems[0].code() == StatusCode::kCorruption);
  REQUIRE_THAT(problems[0].message(), Catch::Contains("session 1: keyframe frame 21"));
}

TEST_CASE("following a recorder in another process shows only whole committed frames", "[replay]") {
  TempDir dir;
  const auto path = dir.file("live.reel");
  constexpr int kFrames = 240;
  const Recording r = generate(77, kFrames);
  // The session exists before the child starts recording into it.
  RecorderOptions options = small_options(5);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int code = 0;
    {
      auto rec = Recorder::open(path, SessionInfo{.name = "live"}, options);
      if (!rec.ok()) _exit(3);
      for (PropertyId p = 0; p < kProperties; ++p) (*rec)->intern_property("p" + std::to_string(p));
      for (const Frame& f : r.frames) {
        feed(**rec, f);
        if (!(*rec)->end_frame().ok()) code = 4;
        if (f.index % 4 == 3) {
          if (!(*rec)->flush().ok()) code = 5;
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      }
      if (!(*rec)->close().ok()) code = 6;
    }
    _exit(code);
  }
  std::unique_ptr<Replayer> replay;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!replay && std::chrono::steady_clock::now() < deadline) {
    auto opened = Replayer::open(path, "live");
    if (opened.ok()) {
      replay = std::move(*opened);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  REQUIRE(replay);
  std::mt19937_64 rng(5);
  int refreshes = 0, growths = 0;
  FrameIndex checked_up_to = -1;
  while (checked_up_to < kFrames - 1 && std::chrono::steady_clock::now() < deadline) {
    auto added = replay->refresh();
    REQUIRE_OK(added);
    ++refreshes;
    if (*added > 0) ++growths;
    const FrameIndex n = replay->frame_count();
    REQUIRE(n <= kFrames);
    if (n == 0) continue;
    // The newest frame, a random older one, and every frame not yet checked.
    require_state(replay->seek(n - 1), r.states[n - 1]);
    const auto older = static_cast<FrameIndex>(rng() % n);
    require_state(replay->seek(older), r.states[older]);
    for (FrameIndex f = checked_up_to + 1; f < n; ++f) require_state(replay->seek(f), r.states[f]);
    checked_up_to = n - 1;
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(checked_up_to == kFrames - 1);
  CHECK(growths > 1);  // the frames arrived in several commits while we read
  REQUIRE(*replay->refresh() == 0);
  REQUIRE(replay->session().status == format::SessionStatus::kClosed);
}

TEST_CASE("the crowd sample replays bit-exactly", "[replay]") {
  TempDir dir;
  const auto path = dir.file("crowd.reel");
  samples::CrowdGenerator crowd(samples::CrowdOptions{.players = 20, .props = 80, .seed = 3});
  RecorderOptions options;
  options.codec.keyframe_interval = 30;
  auto rec = Recorder::open(path, SessionInfo{.name = "crowd"}, options);
  REQUIRE_OK(rec);
  for (const auto& p : crowd.property_paths()) (*rec)->intern_property(p);
  std::vector<WorldState> states;
  WorldState state;
  Frame frame;
  for (int i = 0; i < 200; ++i) {
    crowd.next(frame);
    feed(**rec, frame);
    REQUIRE_STATUS_OK((*rec)->end_frame());
    state.apply(frame);
    states.push_back(state);
  }
  REQUIRE_STATUS_OK((*rec)->close());
  auto replay = open_replayer(path);
  REQUIRE(replay->property_paths() == crowd.property_paths());
  for (FrameIndex f = 0; f < 200; ++f) require_state(replay->step_forward(), states[f]);
  for (FrameIndex f = 198; f >= 0; --f) require_state(replay->step_back(), states[f]);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100; ++i) {
    const auto f = static_cast<FrameIndex>(rng() % 200);
    require_state(replay->seek(f), states[f]);
  }
}

}  // namespace
}  // namespace reel
