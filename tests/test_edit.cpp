// Editing sessions (issue #14, reel/edit/edit.h and reel trim|cut|filter|compact|merge|tag|
// migrate): real crowd recordings, results compared with their sources frame by frame through
// reel::Replayer, and failures that must leave every input byte for byte as it was.
#include <sys/stat.h>

#include <filesystem>
#include <map>

#include <sqlite3.h>

#include "cli_session_fixture.h"
#include "reel/edit/edit.h"
#include "reel/format/format_constants.h"
#include "reel/recorder/recorder.h"
#include "reel/replay/replayer.h"
#include "reel/samples/crowd.h"
#include "reel/samples/feeder.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::run_reel;
using testing::TempDir;

// A crowd session (players join and leave, so entities spawn and despawn throughout).
void record_crowd(const std::string& path, const std::string& name, int frames,
                  samples::CrowdOptions crowd_options = {.players = 20, .props = 80, .seed = 3},
                  CodecOptions codec = {}) {
  samples::CrowdGenerator crowd(crowd_options);
  RecorderOptions options;
  options.codec = codec;
  auto rec = Recorder::open(path, {.name = name, .tick_rate = crowd_options.tick_rate}, options);
  REQUIRE_OK(rec);
  samples::RecorderFeeder feeder(**rec, crowd.property_paths());
  Frame frame;
  for (int i = 0; i < frames; ++i) {
    crowd.next(frame);
    REQUIRE_STATUS_OK(feeder.feed(frame));
  }
  REQUIRE_STATUS_OK((*rec)->close());
}

std::unique_ptr<Replayer> open_replayer(const std::string& path, std::string_view session) {
  auto r = Replayer::open(path, session);
  REQUIRE_OK(r);
  return std::move(*r);
}

// A state by property path, so that sessions with different property ids compare.
using PathState = std::map<EntityId, std::pair<std::string, std::map<std::string, Variant>>>;

struct Keep {
  std::function<bool(EntityId, const EntityState&)> entity = [](EntityId, const EntityState&) {
    return true;
  };
  std::function<bool(const std::string&)> property = [](const std::string&) { return true; };
};

PathState by_path(const WorldState& s, const std::vector<std::string>& paths,
                  const Keep& keep = {}) {
  PathState out;
  for (const auto& [id, e] : s.entities) {
    if (!keep.entity(id, e)) continue;
    auto& [cls, props] = out[id];
    cls = e.class_name;
    for (const auto& [p, v] : e.properties) {
      if (keep.property(paths.at(p))) props.emplace(paths.at(p), v);
    }
  }
  return out;
}

// REQUIREs that result frame k holds source frame source_frames[k]'s state (entities, classes,
// property values bit for bit, tick and time).
void require_same_states(Replayer& source, Replayer& result,
                         const std::vector<FrameIndex>& source_frames, const Keep& keep = {}) {
  REQUIRE(result.frame_count() == static_cast<FrameIndex>(source_frames.size()));
  for (size_t k = 0; k < source_frames.size(); ++k) {
    auto want = source.seek(source_frames[k]);
    REQUIRE_OK(want);
    const PathState want_state = by_path(**want, source.property_paths(), keep);
    const int64_t want_tick = (*want)->tick;
    const double want_time = (*want)->time;
    auto got = result.seek(static_cast<FrameIndex>(k));
    REQUIRE_OK(got);
    INFO("result frame " << k << " = source frame " << source_frames[k]);
    REQUIRE((*got)->tick == want_tick);
    REQUIRE((*got)->time == want_time);
    REQUIRE(by_path(**got, result.property_paths()) == want_state);
  }
}

std::vector<FrameIndex> frames(FrameIndex first, FrameIndex last) {
  std::vector<FrameIndex> v;
  for (FrameIndex f = first; f <= last; ++f) v.push_back(f);
  return v;
}

void damage_chunk_at(const std::string& path, FrameIndex frame) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const std::string sql =
      "UPDATE chunks SET data = substr(data, 1, length(data) / 2) || "
      "x'00' || substr(data, length(data) / 2 + 2) WHERE first_frame <= " +
      std::to_string(frame) + " AND last_frame >= " + std::to_string(frame);
  REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_changes(db) == 1);
  sqlite3_close(db);
}

int64_t user_version(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

// Database files in `dir` (to see that no output or temporary file is left behind); the WAL and
// shared-memory files of readers and the runner's stderr file are not counted.
std::vector<std::string> files_in(const TempDir& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    std::string name = e.path().filename().string();
    if (name.ends_with("-wal") || name.ends_with("-shm") || name == "stderr.txt") continue;
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE(
    "trim of the crowd sample: a new session starting with a keyframe whose state equals "
    "the source's at every kept frame",
    "[edit]") {
  TempDir dir;
  const auto db = dir.file("crowd.reel"), out = dir.file("clip.reel");
  // The CLI's own crowd (500 entities, 5 s at 60 Hz).
  auto rec = run_reel(dir, "record --sample crowd --duration 5s --name crowd --out " + db);
  INFO(rec.err);
  REQUIRE(rec.exit_code == 0);
  auto r = run_reel(dir, "trim " + db + " crowd --from 47 --to 1.5s --out " + out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find("wrote session 'crowd' to " + out + ": 44 frames") != std::string::npos);
  auto source = open_replayer(db, "crowd");
  auto result = open_replayer(out, "crowd");
  auto keyframes = result->keyframe_frames();
  REQUIRE_OK(keyframes);
  REQUIRE(keyframes->front() == 0);
  require_same_states(*source, *result, frames(47, 90));
  // Events of the kept frames, at their new frame numbers.
  auto want = source->events(47, 90);
  auto got = result->events(0, 43);
  REQUIRE_OK(want);
  REQUIRE_OK(got);
  REQUIRE(got->size() == want->size());
  for (size_t i = 0; i < got->size(); ++i) {
    REQUIRE((*got)[i].frame == (*want)[i].frame - 47);
    REQUIRE((*got)[i].name == (*want)[i].name);
    REQUIRE((*got)[i].args == (*want)[i].args);
  }
  REQUIRE(result->session().metadata.find(Variant("edit")) != nullptr);
}

TEST_CASE("cut joins the rest: every kept frame's state equals the source's, across the join",
          "[edit]") {
  TempDir dir;
  const auto db = dir.file("crowd.reel"), out = dir.file("cut.reel");
  record_crowd(db, "crowd", 400);
  auto r = run_reel(dir, "cut " + db + " crowd --from 100 --to 333 --out " + out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto source = open_replayer(db, "crowd");
  auto result = open_replayer(out, "crowd");
  auto kept = frames(0, 99);
  for (FrameIndex f : frames(334, 399)) kept.push_back(f);
  require_same_states(*source, *result, kept);
  // The players that joined or left inside the cut really differ across the join.
  auto a = source->seek(99);
  REQUIRE_OK(a);
  const auto before = by_path(**a, source->property_paths());
  auto b = source->seek(334);
  REQUIRE_OK(b);
  REQUIRE(by_path(**b, source->property_paths()).size() != 0);
  REQUIRE(by_path(**b, source->property_paths()) != before);
}

TEST_CASE(
    "trim without --out adds NAME-trim to the database and leaves the source session as it "
    "was, and a taken name is refused",
    "[edit]") {
  TempDir dir;
  const auto db = dir.file("crowd.reel"), copy = dir.file("copy.reel");
  record_crowd(db, "crowd", 120);
  std::filesystem::copy_file(db, copy);
  auto r = run_reel(dir, "trim " + db + " crowd --from 30 --to 59");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto source = open_replayer(copy, "crowd");
  require_same_states(*source, *open_replayer(db, "crowd-trim"), frames(30, 59));
  require_same_states(*source, *open_replayer(db, "crowd"), frames(0, 119));
  auto again = run_reel(dir, "trim " + db + " crowd --from 30 --to 59");
  REQUIRE(again.exit_code == 2);
  REQUIRE(again.err.find("a session named 'crowd-trim' exists already") != std::string::npos);
}

TEST_CASE(
    "a failed edit leaves its input untouched and no file behind: a damaged chunk "
    "half-way, then --skip-damaged",
    "[edit]") {
  TempDir dir;
  const auto db = dir.file("crowd.reel"), out = dir.file("out.reel");
  record_crowd(db, "crowd", 200);
  damage_chunk_at(db, 150);
  const std::string before = testing::read_file(db);
  const auto listing = files_in(dir);
  for (const std::string& cmd : {"trim " + db + " crowd --from 10 --to 190 --out " + out,
                                 "trim " + db + " crowd --from 10 --to 190",
                                 "cut " + db + " crowd --from 10 --to 20", "compact " + db}) {
    auto r = run_reel(dir, cmd);
    INFO(cmd << "\n" << r.err);
    REQUIRE(r.exit_code == 3);  // damage (README, "Damaged files")
    REQUIRE(r.err.find("frame") != std::string::npos);
    REQUIRE(r.err.find("checksum") != std::string::npos);
    REQUIRE(testing::read_file(db) == before);
    REQUIRE(files_in(dir) == listing);
  }
  // Leaving the damaged frames out: every readable frame kept, equal to the source's.
  auto r = run_reel(dir, "trim " + db + " crowd --from 10 --to 190 --skip-damaged --out " + out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find("damaged frames left out") != std::string::npos);
  auto source = open_replayer(db, "crowd");
  std::vector<FrameIndex> readable;
  for (FrameIndex f = 10; f <= 190; ++f) {
    if (source->seek(f).ok()) readable.push_back(f);
  }
  REQUIRE(readable.size() < 181);
  REQUIRE(readable.size() > 150);
  require_same_states(*source, *open_replayer(out, "crowd"), readable);
}

TEST_CASE("a failed edit leaves its input untouched: an output directory it cannot write",
          "[edit]") {
  TempDir dir;
  const auto db = dir.file("crowd.reel");
  record_crowd(db, "crowd", 60);
  const std::string before = testing::read_file(db);
  // Library: the temporary file cannot be created (the directory does not accept it).
  REQUIRE(::mkdir(dir.file("ro").c_str(), 0555) == 0);
  const std::string unwritable = dir.file("ro") + "/out.reel";
  const bool root = ::geteuid() == 0;
  // A directory that cannot hold files whoever runs (a path through a regular file), and one
  // that only root may write.
  for (const std::string& bad : {db + "/out.reel", unwritable}) {
    if (root && bad == unwritable) continue;
    auto rewritten = edit::rewrite_session(db, "crowd", bad, {});
    REQUIRE(!rewritten.ok());
    REQUIRE(rewritten.status().code() == StatusCode::kIoError);
    REQUIRE(rewritten.status().message().find("cannot write a temporary file in the directory") !=
            std::string::npos);
    REQUIRE(testing::read_file(db) == before);
    auto compacted = edit::compact_database(db, {.output = bad});
    REQUIRE(!compacted.ok());
    REQUIRE(testing::read_file(db) == before);
  }
  // CLI as an unprivileged user (root writes anywhere), compacting in place in a directory it
  // cannot write.
  std::string prefix;
  if (root) {
    if (testing::run_command("command -v setpriv >/dev/null").exit_code != 0) {
      WARN("running as root without setpriv: the unwritable directory is not tried");
      return;
    }
    prefix = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
    REQUIRE(::chmod(db.c_str(), 0644) == 0);
  }
  auto r = testing::run_command(prefix + REEL_BINARY + " compact " + db + " 2>&1");
  INFO(r.out);
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.out.find(db) != std::string::npos);
  REQUIRE(testing::read_file(db) == before);
  auto t = testing::run_command(prefix + REEL_BINARY + " trim " + db + " crowd --to 20 --out " +
                                unwritable + " 2>&1");
  INFO(t.out);
  REQUIRE(t.exit_code != 0);
  REQUIRE(t.out.find("out.reel") != std::string::npos);
  REQUIRE(testing::read_file(db) == before);
}

TEST_CASE(
    "compact re-encodes every session with other settings: same states, names, events and "
    "tags, bytes before and after reported",
    "[edit]") {
  TempDir dir;
  const auto db = dir.file("crowd.reel"), reference = dir.file("reference.reel");
  record_crowd(db, "a", 150, {.players = 20, .props = 80, .seed = 3}, {.keyframe_interval = 10});
  record_crowd(db, "b", 90, {.players = 10, .props = 30, .seed = 4}, {.keyframe_interval = 10});
  REQUIRE_STATUS_OK(edit::add_tag(db, "a", 77, "goal"));
  std::filesystem::copy_file(db, reference);
  auto r = run_reel(dir, "compact " + db + " --keyframe-interval 60 --zstd-level 9");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find("compacted 2 sessions (240 frames) into " + db) != std::string::npos);
  REQUIRE(std::filesystem::file_size(db) < std::filesystem::file_size(reference));
  for (const auto& [name, count] : {std::pair{"a", 150}, std::pair{"b", 90}}) {
    auto source = open_replayer(reference, name);
    auto result = open_replayer(db, name);
    REQUIRE(result->codec().keyframe_interval == 60);
    REQUIRE(result->codec().zstd_level == 9);
    REQUIRE(result->session().start_time_us == source->session().start_time_us);
    require_same_states(*source, *result, frames(0, count - 1));
    auto want = source->event_counts();
    auto got = result->event_counts();
    REQUIRE_OK(got);
    REQUIRE(*got == *want);
  }
  auto info = run_reel(dir, "info " + db + " a --json");
  REQUIRE(info.out.find(R"("tags":[{"frame":77,"name":"goal"}])") != std::string::npos);
  // Lossy settings make it smaller still.
  const auto lossy = dir.file("lossy.reel");
  auto l = run_reel(dir, "compact " + db + " --lossy --out " + lossy);
  INFO(l.err);
  REQUIRE(l.exit_code == 0);
  REQUIRE(std::filesystem::file_size(lossy) < std::filesystem::file_size(db));
  REQUIRE(open_replayer(lossy, "a")->codec().lossy.enabled);
}

TEST_CASE(
    "tags: reel tag adds a bookmark at a frame or time, info lists it, --delete removes it, "
    "trim carries the kept ones",
    "[edit]") {
  testing::SessionFixture f;
  auto a = f.reel("tag " + f.db + " match-1 --at 120 score");
  INFO(a.err);
  REQUIRE(a.exit_code == 0);
  REQUIRE(f.reel("tag " + f.db + " --at 1s second").exit_code == 0);  // the only session
  auto info = f.reel("info " + f.db);
  REQUIRE(info.out.find("tags         2\n  frame 60       second\n  frame 120      score\n") !=
          std::string::npos);
  auto dup = f.reel("tag " + f.db + " match-1 --at 10 score");
  REQUIRE(dup.exit_code == 2);
  REQUIRE(dup.err.find("tag 'score' already (at frame 120)") != std::string::npos);
  auto far = f.reel("tag " + f.db + " match-1 --at 300 late");
  REQUIRE(far.exit_code == 2);
  REQUIRE(far.err.find("frame 300 is out of range") != std::string::npos);
  auto trim = f.reel("trim " + f.db + " match-1 --from 100 --to 200 --out " + f.dir.file("t.reel"));
  INFO(trim.err);
  REQUIRE(trim.exit_code == 0);
  REQUIRE(trim.out.find("1 tags") != std::string::npos);
  REQUIRE(f.reel("info " + f.dir.file("t.reel")).out.find("frame 20       score") !=
          std::string::npos);
  auto del = f.reel("tag " + f.db + " match-1 --delete score");
  REQUIRE(del.exit_code == 0);
  auto gone = f.reel("tag " + f.db + " match-1 --delete score");
  REQUIRE(gone.exit_code == 2);
  REQUIRE(gone.err.find("no tag 'score' (tags: 'second')") != std::string::npos);
  REQUIRE(f.reel("info " + f.db).out.find("tags         1\n") != std::string::npos);
}

TEST_CASE(
    "migrate upgrades the format-2 fixture in place: it reads the same and reports the "
    "current version",
    "[edit]") {
  TempDir dir;
  const auto original = dir.file("original.reel"), db = dir.file("legacy.reel");
  std::filesystem::copy_file(REEL_SOURCE_DIR "/tests/fixtures/legacy-type-ids.reel", original);
  std::filesystem::copy_file(original, db);
  REQUIRE(user_version(db) == 2);
  auto r = run_reel(dir, "migrate " + db);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out == db + ": migrated from format version 2 to " +
                       std::to_string(format::kFormatVersion) + "\n");
  REQUIRE(user_version(db) == format::kFormatVersion);
  for (const char* session : {"lossless", "lossy"}) {
    INFO(session);
    auto before = open_replayer(original, session);
    auto after = open_replayer(db, session);
    REQUIRE(after->frame_count() == before->frame_count());
    for (FrameIndex f = 0; f < before->frame_count(); ++f) {
      auto want = before->seek(f);
      auto got = after->seek(f);
      REQUIRE_OK(want);
      REQUIRE_OK(got);
      REQUIRE(**got == **want);
    }
    auto we = before->events(0, before->frame_count() - 1);
    auto ge = after->events(0, after->frame_count() - 1);
    REQUIRE_OK(ge);
    REQUIRE(ge->size() == we->size());
    for (size_t i = 0; i < ge->size(); ++i) REQUIRE((*ge)[i].args == (*we)[i].args);
    REQUIRE(Variant(after->session().metadata) == Variant(before->session().metadata));
  }
  auto again = run_reel(dir, "migrate " + db);
  REQUIRE(again.exit_code == 0);
  REQUIRE(again.out.find("nothing to migrate") != std::string::npos);
  auto bad = run_reel(dir, "migrate " + dir.file("none.reel"));
  REQUIRE(bad.exit_code == 2);
}

TEST_CASE(
    "filter keeps only the chosen entities, properties and events, and the kept states equal "
    "the source's",
    "[edit]") {
  TempDir dir;
  const auto db = dir.file("crowd.reel"), out = dir.file("players.reel");
  record_crowd(db, "crowd", 240);
  auto r = run_reel(dir, "filter " + db +
                             " crowd --entity res://player.tscn --property "
                             "head:transform --property animation --event jump --out " +
                             out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto source = open_replayer(db, "crowd");
  auto result = open_replayer(out, "crowd");
  Keep keep;
  keep.entity = [](EntityId, const EntityState& e) {
    return e.class_name == samples::kPlayerClass;
  };
  keep.property = [](const std::string& p) { return p == "head:transform" || p == "animation"; };
  require_same_states(*source, *result, frames(0, 239), keep);
  REQUIRE(result->property_paths() == std::vector<std::string>{"head:transform", "animation"});
  auto counts = result->event_counts();
  REQUIRE_OK(counts);
  REQUIRE(counts->size() == 1);
  REQUIRE(counts->front().first == "jump");
  auto unknown =
      run_reel(dir, "filter " + db + " crowd --property velocity --out " + dir.file("x.reel"));
  REQUIRE(unknown.exit_code == 2);
  REQUIRE(unknown.err.find("no property 'velocity'") != std::string::npos);
}

TEST_CASE(
    "merge puts the sessions of several databases in a new one, renaming and reporting "
    "clashes",
    "[edit]") {
  TempDir dir;
  const auto a = dir.file("a.reel"), b = dir.file("b.reel"), out = dir.file("all.reel");
  record_crowd(a, "match", 60);
  record_crowd(b, "match", 45, {.players = 8, .props = 10, .seed = 9});
  record_crowd(b, "other", 30, {.players = 8, .props = 10, .seed = 10});
  REQUIRE_STATUS_OK(edit::add_tag(b, "match", 5, "start"));
  auto r = run_reel(dir, "merge " + out + " " + a + " " + b);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find(b + ": 'match' renamed 'match-2' (the name was taken)") != std::string::npos);
  REQUIRE(r.out.find("merged 3 sessions into " + out) != std::string::npos);
  require_same_states(*open_replayer(a, "match"), *open_replayer(out, "match"), frames(0, 59));
  require_same_states(*open_replayer(b, "match"), *open_replayer(out, "match-2"), frames(0, 44));
  require_same_states(*open_replayer(b, "other"), *open_replayer(out, "other"), frames(0, 29));
  REQUIRE(run_reel(dir, "info " + out + " match-2").out.find("frame 5        start") !=
          std::string::npos);
  auto exists = run_reel(dir, "merge " + out + " " + a);
  REQUIRE(exists.exit_code == 2);
  REQUIRE(exists.err.find("exists already") != std::string::npos);
}

}  // namespace reel
