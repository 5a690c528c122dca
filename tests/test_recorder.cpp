// Recorder and frame codec: what goes in comes back bit-identical, whatever the storage does.
#include <sys/resource.h>
#include <sys/stat.h>

#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "fake_mvsqlite_vfs.h"
#include "reel/blob/blob.h"
#include "reel/codec/frame_codec.h"
#include "reel/store/schema.h"
#include "reel/store/store.h"
#include "reel/recorder/recorder.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::TempDir;

// Random frames over a small world: spawns, despawns, respawns, changes of many Variant types,
// including the values that break naive codecs (NaN payloads, -0.0, extremes, type changes).
class RandomSession {
 public:
  explicit RandomSession(uint64_t seed, int entities = 12, int properties = 6)
      : rng_(seed), entities_(entities), properties_(properties) {}

  Frame next() {
    Frame f;
    f.index = index_++;
    f.tick = tick_ += 1 + int64_t(rng_() % 3);
    f.time = double(f.tick) / 60.0;
    if (empty_frame()) return f;
    for (int e = 0; e < entities_; ++e) {
      const bool alive = alive_.count(e) > 0;
      if (!alive && chance(0.1)) {
        f.spawns.push_back(Spawn{e, "res://thing_" + std::to_string(e % 3) + ".tscn"});
        alive_.insert(e);
      } else if (alive && chance(0.02)) {
        f.despawns.push_back(e);
        alive_.erase(e);
        continue;
      }
      if (!alive_.count(e)) continue;
      for (int p = 0; p < properties_; ++p) {
        if (chance(0.5)) f.changes.push_back(PropertyChange{e, PropertyId(p), value_for(e, p)});
      }
    }
    if (chance(0.2)) f.events.push_back(Event{"jump", int64_t(rng_() % entities_), Array{}});
    return f;
  }

 private:
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  bool empty_frame() { return chance(0.05); }

  float jitter(float base) {
    return base + float(std::uniform_real_distribution<double>(-1e-3, 1e-3)(rng_));
  }

  Variant value_for(int e, int p) {
    auto& t = transforms_[e * 16 + p];
    switch ((p + (chance(0.03) ? 1 : 0)) % 6) {  // occasionally change the type of a slot
      case 0:
        for (auto& row : t.basis.rows) row = {jitter(row.x), jitter(row.y), jitter(row.z)};
        t.origin = {jitter(t.origin.x) + 0.01f, jitter(t.origin.y), jitter(t.origin.z)};
        return t;
      case 1:
        return Vector3{jitter(float(e)), jitter(1), jitter(2)};
      case 2: {
        static const double specials[] = {0.0,
                                          -0.0,
                                          std::numeric_limits<double>::infinity(),
                                          std::numeric_limits<double>::quiet_NaN(),
                                          1e300,
                                          0.1};
        if (chance(0.3)) {
          double v = specials[rng_() % 6];
          if (chance(0.2)) {  // a NaN with a payload
            uint64_t bits = 0x7ff0000000000001ull | (rng_() & 0xfffffull);
            std::memcpy(&v, &bits, 8);
          }
          return v;
        }
        return std::uniform_real_distribution<double>(-1e3, 1e3)(rng_);
      }
      case 3:
        return chance(0.5) ? Variant(int64_t(rng_())) : Variant(int64_t(rng_() % 100));
      case 4:
        return StringName{chance(0.5) ? "idle" : "run"};
      default: {
        Dictionary d;
        d.set("slot_" + std::to_string(rng_() % 4), int64_t(rng_() % 10));
        d.set("name", std::string("h\xc3\xa9llo"));
        return d;
      }
    }
  }

  std::mt19937_64 rng_;
  int entities_, properties_;
  FrameIndex index_ = 0;
  int64_t tick_ = 0;
  std::set<EntityId> alive_;
  std::map<int, Transform3D> transforms_;
};

// Feeds `frames` into a recorder. Property ids are interned as "p0".."pN" in order.
void feed(Recorder& rec, const Frame& f) {
  rec.begin_frame(f.tick, f.time);
  for (const auto& s : f.spawns) rec.spawn(s.entity, s.class_name);
  for (const auto& c : f.changes) rec.set(c.entity, c.property, c.value);
  for (EntityId d : f.despawns) rec.despawn(d);
  for (const auto& e : f.events) rec.event(e.name, e.args, e.entity);
}

struct Recording {
  std::vector<WorldState> states;  // brute force: the state after each frame
  std::vector<Frame> frames;
  int64_t session_id = 0;
};

// With `flush_each_frame`, every frame is its own commit (the writer otherwise groups the frames
// that queued up while it slept or committed).
Recording record_random(const std::string& path, uint64_t seed, int frames,
                        const RecorderOptions& options, const std::string& name = "test",
                        bool flush_each_frame = false) {
  auto rec = Recorder::open(path, SessionInfo{.name = name, .tick_rate = 60}, options);
  REQUIRE_OK(rec);
  for (int p = 0; p < 6; ++p)
    REQUIRE((*rec)->intern_property("p" + std::to_string(p)) == PropertyId(p));
  RandomSession gen(seed);
  Recording r;
  r.session_id = (*rec)->session_id();
  WorldState state;
  for (int i = 0; i < frames; ++i) {
    Frame f = gen.next();
    feed(**rec, f);
    REQUIRE_STATUS_OK((*rec)->end_frame());
    if (flush_each_frame) REQUIRE_STATUS_OK((*rec)->flush());
    state.apply(f);
    r.states.push_back(state);
    r.frames.push_back(std::move(f));
  }
  REQUIRE_STATUS_OK((*rec)->close());
  return r;
}

// Reads a session back the slow, direct way (every chunk from frame 0) and checks every frame's
// state and every keyframe against the brute-force states. Independent of the Replayer.
void verify_against(const std::string& path, const Recording& r, StoreOptions store_options = {}) {
  store_options.read_only = true;
  auto store = Store::open(path, store_options);
  REQUIRE_OK(store);
  auto session = schema::load_session(**store, r.session_id);
  REQUIRE_OK(session);
  REQUIRE(session->frame_count == int64_t(r.states.size()));
  auto codec = schema::codec_options_of(*session);
  REQUIRE_OK(codec);

  auto chunks = (*store)->prepare(
      "SELECT first_frame, last_frame, data FROM chunks WHERE session_id = ? ORDER BY first_frame");
  REQUIRE_OK(chunks);
  REQUIRE_STATUS_OK((*chunks)->bind(1, r.session_id));
  WorldState state;
  DeltaHistory history;
  BlobCodec blob;
  FrameIndex expected_first = 0;
  for (;;) {
    auto row = (*chunks)->step();
    REQUIRE_OK(row);
    if (!*row) break;
    const FrameIndex first = (*chunks)->column_int64(0), last = (*chunks)->column_int64(1);
    REQUIRE(first == expected_first);
    std::vector<uint8_t> raw;
    REQUIRE_OK(blob.open((*chunks)->column_blob(2), BlobKind::kDeltaChunk, raw));
    ChunkReader reader(raw, first, history, *codec, "test");
    REQUIRE_STATUS_OK(reader.init());
    REQUIRE(reader.frame_count() == uint64_t(last - first + 1));
    Frame decoded;
    while (!reader.done()) {
      const FrameIndex f = reader.next_frame();
      REQUIRE_STATUS_OK(reader.next(state, &decoded));
      INFO("frame " << f);
      REQUIRE(state == r.states.at(size_t(f)));
      // A keyframe never sits in the middle of a chunk.
      if (codec->is_keyframe(f)) REQUIRE(f == last);
    }
    expected_first = last + 1;
  }
  (*chunks)->reset();
  REQUIRE(expected_first == FrameIndex(r.states.size()));

  auto keyframes = (*store)->prepare("SELECT frame, data FROM keyframes WHERE session_id = ?");
  REQUIRE_OK(keyframes);
  REQUIRE_STATUS_OK((*keyframes)->bind(1, r.session_id));
  int64_t count = 0;
  for (;;) {
    auto row = (*keyframes)->step();
    REQUIRE_OK(row);
    if (!*row) break;
    const FrameIndex f = (*keyframes)->column_int64(0);
    REQUIRE(codec->is_keyframe(f));
    std::vector<uint8_t> raw;
    REQUIRE_OK(blob.open((*keyframes)->column_blob(1), BlobKind::kKeyframe, raw));
    WorldState k;
    REQUIRE_STATUS_OK(decode_keyframe(raw, k, "test"));
    INFO("keyframe " << f);
    REQUIRE(k == r.states.at(size_t(f)));
    ++count;
  }
  (*keyframes)->reset();
  const int64_t interval = codec->keyframe_interval;
  REQUIRE(count == (int64_t(r.states.size()) + interval - 1) / interval);
}

RecorderOptions options_with(int keyframe_interval, int commit_ms) {
  RecorderOptions o;
  o.codec.keyframe_interval = keyframe_interval;
  o.commit_interval = std::chrono::milliseconds(commit_ms);
  return o;
}

}  // namespace

TEST_CASE("every recorded frame reads back bit-identical", "[recorder]") {
  TempDir dir;
  SECTION("group commit, keyframe every 7 frames") {
    auto r = record_random(dir.file("a.reel"), 1, 400, options_with(7, 5));
    verify_against(dir.file("a.reel"), r);
  }
  SECTION("commit every frame, keyframe every frame") {
    auto r = record_random(dir.file("b.reel"), 2, 120, options_with(1, 0));
    verify_against(dir.file("b.reel"), r);
  }
  SECTION("one long chunk per commit, keyframe every 64 frames") {
    RecorderOptions o = options_with(64, 1000);
    o.max_frames_per_chunk = 4096;
    auto r = record_random(dir.file("c.reel"), 3, 300, o);
    verify_against(dir.file("c.reel"), r);
  }
}

TEST_CASE("several sessions share one database and keep their names unique", "[recorder]") {
  TempDir dir;
  auto a = record_random(dir.file("m.reel"), 4, 50, options_with(10, 0), "first");
  auto b = record_random(dir.file("m.reel"), 5, 70, options_with(10, 0), "second");
  verify_against(dir.file("m.reel"), a);
  verify_against(dir.file("m.reel"), b);
  auto again = Recorder::open(dir.file("m.reel"), SessionInfo{.name = "first"});
  REQUIRE_FALSE(again.ok());
  REQUIRE(again.status().code() == StatusCode::kInvalidArgument);
  REQUIRE_THAT(again.status().message(), Catch::Contains("first"));
}

TEST_CASE("empty frames, entity churn and huge values survive the round trip", "[recorder]") {
  TempDir dir;
  const std::string path = dir.file("churn.reel");
  auto rec = Recorder::open(path, SessionInfo{.name = "churn"}, options_with(5, 0));
  REQUIRE_OK(rec);
  Recording r;
  r.session_id = (*rec)->session_id();
  const PropertyId blob = (*rec)->intern_property("blob");
  WorldState state;
  for (int i = 0; i < 40; ++i) {
    Frame f;
    f.index = i;
    f.tick = i;
    f.time = i * 0.5;
    if (i % 4 == 0) f.spawns.push_back(Spawn{7, "res://again.tscn"});  // respawn of a live id
    if (i % 3 == 0) {
      PackedByteArray big(size_t(1) << 20, uint8_t(i));
      f.changes.push_back(PropertyChange{7, blob, big});
    }
    if (i % 6 == 5)
      f.changes.push_back(PropertyChange{9, blob, std::string(100000, 'x')});  // implicit spawn
    if (i % 4 == 2) f.despawns.push_back(9);
    feed(**rec, f);
    REQUIRE_STATUS_OK((*rec)->end_frame());
    state.apply(f);
    r.states.push_back(state);
  }
  REQUIRE_STATUS_OK((*rec)->close());
  verify_against(path, r);
}

TEST_CASE("setting a property to the value it has stores nothing", "[recorder]") {
  CodecOptions options;
  options.keyframe_interval = 1000;
  ChunkWriter writer(options);
  for (int i = 0; i < 50; ++i) {
    Frame f;
    f.index = i;
    f.tick = i;
    f.time = i / 60.0;
    f.changes.push_back(PropertyChange{1, 0, Vector3{1, 2, 3}});
    f.changes.push_back(PropertyChange{1, 1, i % 2 == 0 ? Variant(0.5) : Variant(-0.0)});
    writer.add_frame(std::move(f));
  }
  ChunkPayload chunk = writer.take_chunk();
  WorldState state;
  DeltaHistory history;
  ChunkReader reader(chunk.bytes, 0, history, options, "same");
  REQUIRE_STATUS_OK(reader.init());
  Frame decoded;
  for (int i = 0; i < 50; ++i) {
    REQUIRE_STATUS_OK(reader.next(state, &decoded));
    // Only the slot whose value really changes is written after the first frame.
    REQUIRE(decoded.changes.size() == (i == 0 ? 2u : 1u));
    REQUIRE(decoded.changes.back().property == 1);
  }
}

TEST_CASE("lossy mode keeps values within the stated precision and stores less", "[recorder]") {
  TempDir dir;
  const std::string path = dir.file("lossy.reel");
  RecorderOptions lossless = options_with(60, 50), lossy = lossless;
  lossy.codec.lossy.enabled = true;
  std::mt19937 rng(9);
  std::normal_distribution<float> noise(0.0f, 1e-4f);
  std::vector<Transform3D> truth;
  for (int i = 0; i < 600; ++i) {
    Transform3D t;
    const float a = i * 0.01f;
    t.basis.rows = {Vector3{std::cos(a), -std::sin(a), 0}, Vector3{std::sin(a), std::cos(a), 0},
                    Vector3{0, 0, 1}};
    for (auto& row : t.basis.rows) row.x += noise(rng);
    t.origin = Vector3{i * 0.02f + noise(rng), 1.7f + noise(rng), -3 + noise(rng)};
    truth.push_back(t);
  }
  int64_t bytes[2] = {0, 0};
  for (int mode = 0; mode < 2; ++mode) {
    auto rec = Recorder::open(path, SessionInfo{.name = mode ? "lossy" : "lossless"},
                              mode ? lossy : lossless);
    REQUIRE_OK(rec);
    Recording r;
    r.session_id = (*rec)->session_id();
    WorldState state;
    for (int i = 0; i < 600; ++i) {
      Frame f;
      f.index = i;
      f.tick = i;
      f.time = i / 60.0;
      f.changes.push_back(PropertyChange{1, 0, truth[size_t(i)]});
      (*rec)->begin_frame(f.tick, f.time);
      (*rec)->set(1, "head:transform", truth[size_t(i)]);
      REQUIRE_STATUS_OK((*rec)->end_frame());
      state.apply(f);
      r.states.push_back(state);
    }
    REQUIRE_STATUS_OK((*rec)->close());
    bytes[mode] = (*rec)->stats().stored_bytes;
    if (mode == 0) {
      verify_against(path, r);
      continue;
    }
    // Lossy: every component within half a grid step of the truth.
    auto store = Store::open(path, StoreOptions{.read_only = true});
    REQUIRE_OK(store);
    auto session = schema::load_session(**store, r.session_id);
    REQUIRE_OK(session);
    auto codec = schema::codec_options_of(*session);
    REQUIRE_OK(codec);
    REQUIRE(codec->lossy.enabled);
    auto chunks = (*store)->prepare(
        "SELECT first_frame, data FROM chunks WHERE session_id = ? ORDER BY first_frame");
    REQUIRE_OK(chunks);
    REQUIRE_STATUS_OK((*chunks)->bind(1, r.session_id));
    WorldState replayed;
    DeltaHistory history;
    const double rot_step = 0.01 * M_PI / 180;
    for (;;) {
      auto row = (*chunks)->step();
      REQUIRE_OK(row);
      if (!*row) break;
      std::vector<uint8_t> raw;
      REQUIRE_OK(open_blob((*chunks)->column_blob(1), BlobKind::kDeltaChunk, raw));
      ChunkReader reader(raw, (*chunks)->column_int64(0), history, *codec, "lossy");
      REQUIRE_STATUS_OK(reader.init());
      while (!reader.done()) {
        const FrameIndex f = reader.next_frame();
        REQUIRE_STATUS_OK(reader.next(replayed, nullptr));
        const auto& got = replayed.entities.at(1).find(0)->get<Transform3D>();
        const auto& want = truth[size_t(f)];
        for (int k = 0; k < 3; ++k) {
          REQUIRE(std::fabs(got.origin.x - want.origin.x) <= 0.5e-4 + 1e-6);
          REQUIRE(std::fabs(got.basis.rows[k].x - want.basis.rows[k].x) <= rot_step / 2 + 1e-6);
          REQUIRE(std::fabs(got.basis.rows[k].y - want.basis.rows[k].y) <= rot_step / 2 + 1e-6);
        }
      }
    }
    (*chunks)->reset();
  }
  REQUIRE(bytes[1] < bytes[0]);
}

TEST_CASE(
    "mvsqlite profile: a BUSY at COMMIT is rolled back and re-run, no frame lost or duplicated",
    "[recorder][mvsqlite]") {
  REQUIRE_STATUS_OK(testing::fake_mvsqlite::register_vfs());
  testing::fake_mvsqlite::reset();
  TempDir dir;
  const std::string path = dir.file("mv.reel");
  RecorderOptions o = options_with(10, 0);
  o.store.profile = StorageProfile::kMvsqlite;
  o.store.vfs = testing::fake_mvsqlite::kVfsName;
  testing::fake_mvsqlite::fail_commit_every(3);
  auto r = record_random(path, 11, 150, o, "mv", /*flush_each_frame=*/true);
  const auto counters = testing::fake_mvsqlite::counters();
  testing::fake_mvsqlite::reset();
  REQUIRE(counters.commits_failed > 10);
  REQUIRE(counters.wal_refusals == 0);  // the profile never asks for WAL
  StoreOptions read{.profile = StorageProfile::kMvsqlite, .vfs = testing::fake_mvsqlite::kVfsName};
  verify_against(path, r, read);
}

TEST_CASE("a full disk surfaces as a status and keeps what was committed", "[recorder]") {
  TempDir dir;
  const std::string path = dir.file("full.reel");
  auto rec = Recorder::open(path, SessionInfo{.name = "full"}, options_with(10, 0));
  REQUIRE_OK(rec);
  // Commit a few frames, then cap the database so the next commits cannot grow it.
  for (int i = 0; i < 20; ++i) {
    (*rec)->begin_frame(i, i / 60.0);
    (*rec)->set(1, "p", int64_t(i));
    REQUIRE_STATUS_OK((*rec)->end_frame());
  }
  REQUIRE_STATUS_OK((*rec)->flush());
  // Fill the "disk" for real: the process file-size limit (RLIMIT_FSIZE) makes write() fail
  // with EFBIG once the WAL would grow past its current size.
  struct rlimit old {};
  getrlimit(RLIMIT_FSIZE, &old);
  struct stat st {};
  stat((path + "-wal").c_str(), &st);
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit tight = old;
  tight.rlim_cur = static_cast<rlim_t>(st.st_size);  // the WAL cannot grow any more
  setrlimit(RLIMIT_FSIZE, &tight);
  Status failure;
  for (int i = 20; i < 200 && failure.ok(); ++i) {
    (*rec)->begin_frame(i, i / 60.0);
    (*rec)->set(1, "p", std::string(4096, char('a' + i % 26)));
    failure = (*rec)->end_frame();
    if (failure.ok()) failure = (*rec)->flush();
  }
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, SIG_DFL);
  INFO(failure.to_string());
  REQUIRE_FALSE(failure.ok());
  REQUIRE(failure.code() == StatusCode::kIoError);
  (void)(*rec)->close();  // may fail or succeed now that the limit is lifted
  // What was committed before the failure is intact and readable.
  auto store = Store::open(path, StoreOptions{.read_only = true});
  REQUIRE_OK(store);
  auto session = schema::find_session(**store, "full");
  REQUIRE_OK(session);
  REQUIRE(session->frame_count >= 20);
}

TEST_CASE("an event that cannot be stored is reported until close, whatever commits follow",
          "[recorder]") {
  TempDir dir;
  const std::string path = dir.file("event.reel");
  auto rec = Recorder::open(path, SessionInfo{.name = "ev"}, options_with(10, 0));
  REQUIRE_OK(rec);
  Variant too_deep = Array{};  // past the codec's 1024 nesting levels: args that cannot encode
  for (int i = 0; i < 1100; ++i) {
    Array outer;
    outer.items.push_back(std::move(too_deep));
    too_deep = std::move(outer);
  }
  (*rec)->begin_frame(0, 0.0);
  (*rec)->set(1, "p", int64_t{0});
  (*rec)->event("too_deep", std::move(too_deep), 1);
  (void)(*rec)->end_frame();
  const Status first = (*rec)->flush();
  INFO(first.to_string());
  REQUIRE_FALSE(first.ok());
  REQUIRE_THAT(first.to_string(), Catch::Matchers::Contains("frame 0 event 'too_deep'"));
  for (int i = 1; i < 30; ++i) {  // every frame commits on its own, successfully
    (*rec)->begin_frame(i, i / 60.0);
    (*rec)->set(1, "p", int64_t{i});
    if (i == 5) (*rec)->event("fine", Array{}, 1);
    REQUIRE((*rec)->end_frame().to_string() == first.to_string());
  }
  REQUIRE((*rec)->flush().to_string() == first.to_string());
  REQUIRE((*rec)->close().to_string() == first.to_string());
  // Everything else was stored: every frame, and the event that could be.
  auto store = Store::open(path, StoreOptions{.read_only = true});
  REQUIRE_OK(store);
  auto session = schema::find_session(**store, "ev");
  REQUIRE_OK(session);
  REQUIRE(session->frame_count == 30);
  auto events = (*store)->prepare("SELECT name, frame FROM events");
  REQUIRE_OK(events);
  auto row = (*events)->step();
  REQUIRE_OK(row);
  REQUIRE(*row);
  REQUIRE((*events)->column_text(0) == "fine");
  REQUIRE((*events)->column_int64(1) == 5);
  row = (*events)->step();
  REQUIRE_OK(row);
  REQUIRE_FALSE(*row);
}

TEST_CASE("a read-only database is refused with a clear error", "[recorder]") {
  TempDir dir;
  const std::string path = dir.file("ro.reel");
  record_random(path, 12, 5, options_with(10, 0), "ro");
  chmod(path.c_str(), 0444);
  if (geteuid() == 0) {
    // root ignores file permissions: use SQLite's read-only open instead.
    RecorderOptions o;
    o.store.read_only = true;
    auto rec = Recorder::open(path, SessionInfo{.name = "ro2"}, o);
    REQUIRE_FALSE(rec.ok());
    INFO(rec.status().to_string());
    REQUIRE(rec.status().code() == StatusCode::kIoError);
  } else {
    auto rec = Recorder::open(path, SessionInfo{.name = "ro2"});
    REQUIRE_FALSE(rec.ok());
  }
}

TEST_CASE("a reader during recording sees only whole committed frames", "[recorder]") {
  TempDir dir;
  const std::string path = dir.file("live.reel");
  auto rec = Recorder::open(path, SessionInfo{.name = "live"}, options_with(10, 2));
  REQUIRE_OK(rec);
  auto reader = Store::open(path, StoreOptions{.read_only = true});
  REQUIRE_OK(reader);
  int observations = 0;
  for (int i = 0; i < 300; ++i) {
    (*rec)->begin_frame(i, i / 60.0);
    (*rec)->set(1, "p", int64_t(i));
    REQUIRE_STATUS_OK((*rec)->end_frame());
    if (i % 10 != 0) continue;
    REQUIRE_STATUS_OK((*reader)->read_transaction([&]() -> Status {
      auto session = schema::find_session(**reader, "live");
      REQUIRE_OK(session);
      auto last = (*reader)->prepare(
          "SELECT coalesce(max(last_frame), -1) FROM chunks WHERE session_id = ?");
      REQUIRE_OK(last);
      REQUIRE_STATUS_OK((*last)->bind(1, session->id));
      REQUIRE(*(*last)->step());
      // The session row and the chunks agree inside one snapshot: no partial commit is visible.
      REQUIRE((*last)->column_int64(0) + 1 == session->frame_count);
      (*last)->reset();
      ++observations;
      return {};
    }));
  }
  REQUIRE_STATUS_OK((*rec)->close());
  REQUIRE(observations == 30);
}

TEST_CASE("drop policy folds frames the writer cannot take and marks the gap", "[recorder]") {
  TempDir dir;
  const std::string path = dir.file("drop.reel");
  RecorderOptions o = options_with(20, 0);
  o.queue_frames = 1;
  o.backpressure = BackpressurePolicy::kDrop;
  auto rec = Recorder::open(path, SessionInfo{.name = "drop"}, o);
  REQUIRE_OK(rec);
  WorldState truth;
  for (int i = 0; i < 2000; ++i) {
    (*rec)->begin_frame(i, i / 60.0);
    for (int e = 0; e < 20; ++e) (*rec)->set(e, "p", int64_t(i * 100 + e));
    REQUIRE_STATUS_OK((*rec)->end_frame());
  }
  REQUIRE_STATUS_OK((*rec)->close());
  const RecorderStats s = (*rec)->stats();
  REQUIRE(s.frames_submitted == 2000);
  REQUIRE(s.frames_committed + s.frames_dropped == 2000);
  auto store = Store::open(path, StoreOptions{.read_only = true});
  REQUIRE_OK(store);
  auto session = schema::find_session(**store, "drop");
  REQUIRE_OK(session);
  REQUIRE(session->frame_count == s.frames_committed);
  REQUIRE(session->dropped_frames == s.frames_dropped);
  auto gaps =
      (*store)->prepare("SELECT coalesce(sum(coalesced), 0) FROM gaps WHERE session_id = ?");
  REQUIRE_OK(gaps);
  REQUIRE_STATUS_OK((*gaps)->bind(1, session->id));
  REQUIRE(*(*gaps)->step());
  REQUIRE((*gaps)->column_int64(0) == s.frames_dropped);
  (*gaps)->reset();
  // The last state is exact even when frames were folded: read the final keyframe-free way.
  auto last = (*store)->prepare("SELECT max(last_frame) FROM chunks WHERE session_id = ?");
  REQUIRE_OK(last);
  REQUIRE_STATUS_OK((*last)->bind(1, session->id));
  REQUIRE(*(*last)->step());
  REQUIRE((*last)->column_int64(0) == s.frames_committed - 1);
  (*last)->reset();
}

TEST_CASE("recorder options are validated", "[recorder]") {
  RecorderOptions o;
  o.codec.keyframe_interval = 0;
  REQUIRE(o.validate().code() == StatusCode::kInvalidArgument);
  o = RecorderOptions{};
  o.queue_frames = 0;
  REQUIRE(o.validate().code() == StatusCode::kInvalidArgument);
  o = RecorderOptions{};
  o.codec.zstd_level = 99;
  REQUIRE_THAT(o.validate().message(), Catch::Contains("zstd"));
  TempDir dir;
  auto rec = Recorder::open(dir.file("x.reel"), SessionInfo{.tick_rate = -1});
  REQUIRE_FALSE(rec.ok());
  REQUIRE_THAT(rec.status().message(), Catch::Contains("tick rate"));
}

}  // namespace reel
