// Integrity: real recordings damaged for real (bytes flipped in the file, rows deleted or made to
// lie, files truncated), then `reel verify` must name the damage (file, session, frame range,
// what), readers must serve everything intact, and damage must never cost more than its bounds.
#include <sqlite3.h>
#include <xxhash.h>
#include <zstd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_session_fixture.h"
#include "reel/blob/blob.h"
#include "reel/replay/replayer.h"
#include "reel/replay/verify.h"
#include "test_util.h"

using namespace reel;
using namespace reel::testing;

namespace {

// Runs SQL on the file with a plain writable connection (the damage a careless tool does).
void exec_sql(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(handle);
  REQUIRE(rc == SQLITE_OK);
}

// The stored bytes of one blob (the first row `sql` selects).
std::vector<uint8_t> select_blob(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(handle, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::vector<uint8_t> out;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st, 0));
    out.assign(p, p + sqlite3_column_bytes(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(handle);
  REQUIRE_FALSE(out.empty());
  return out;
}

// The frames of the chunk that holds `frame`.
struct ChunkSpan {
  FrameIndex first = 0, last = 0;
};
ChunkSpan chunk_holding(const std::string& db, FrameIndex frame) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  const std::string sql =
      "SELECT first_frame, last_frame FROM chunks WHERE first_frame <= " + std::to_string(frame) +
      " AND last_frame >= " + std::to_string(frame);
  REQUIRE(sqlite3_prepare_v2(handle, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  ChunkSpan span{sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)};
  sqlite3_finalize(st);
  sqlite3_close(handle);
  return span;
}

// The fixture's keyframe interval is the default, 30: the first keyframe at or after `frame`.
FrameIndex keyframe_at_or_after(FrameIndex frame) {
  return (frame + 29) / 30 * 30;
}

std::string chunk_sql(const ChunkSpan& chunk) {
  return "SELECT data FROM chunks WHERE last_frame = " + std::to_string(chunk.last);
}

// Replaces one blob with `bytes` (a blob damaged at rest while SQLite's pages stay sound).
void replace_blob(const std::string& db, const std::string& update_sql,
                  const std::vector<uint8_t>& bytes) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(handle, update_sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  sqlite3_bind_blob(st, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(handle);
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// Flips one byte of the blob `sql` selects where it lies in the database file itself (its first
// bytes are contiguous in a page), `into` bytes past the envelope's start.
void flip_blob_in_file(const std::string& db, const std::string& sql, size_t into = 20) {
  const std::vector<uint8_t> blob = select_blob(db, sql);
  std::vector<uint8_t> file = read_bytes(db);
  const size_t probe = std::min<size_t>(blob.size(), 48);
  auto it = std::search(file.begin(), file.end(), blob.begin(), blob.begin() + probe);
  REQUIRE(it != file.end());
  const size_t at = static_cast<size_t>(it - file.begin()) + std::min(into, probe - 1);
  file[at] ^= 0x5a;
  write_bytes(db, file);
}

// A closed fixture session checkpointed into the main file (no -wal), so damage to the file is
// damage to the data.
struct DamageFixture : SessionFixture {
  DamageFixture() { exec_sql(db, "PRAGMA wal_checkpoint(TRUNCATE)"); }
};

nlohmann::json verify_json(const DamageFixture& f, int expected_exit) {
  ReelRun run = f.reel("verify " + f.db + " --json");
  INFO(run.err);
  REQUIRE(run.exit_code == expected_exit);
  return nlohmann::json::parse(run.out);
}

// The u32-length-prefixed records `reel play` wrote.
size_t count_play_records(const std::string& path) {
  const std::vector<uint8_t> bytes = read_bytes(path);
  size_t n = 0;
  for (size_t pos = 0; pos + 4 <= bytes.size(); ++n) {
    uint32_t len = 0;
    std::memcpy(&len, bytes.data() + pos, 4);
    pos += 4 + len;
  }
  return n;
}

}  // namespace

TEST_CASE("verify calls an intact recording clean and exits 0", "[verify]") {
  DamageFixture f;
  ReelRun run = f.reel("verify " + f.db);
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("300 frames, 300 decoded"));
  CHECK_THAT(run.out, Catch::Contains(": clean"));
  auto json = verify_json(f, 0);
  CHECK(json["clean"] == true);
  CHECK(json["sessions"][0]["frames_decoded"] == 300);
  CHECK(json["damage"].empty());
}

TEST_CASE("a flipped byte in a chunk names the session, the lost frames and the chunk",
          "[verify][damage]") {
  DamageFixture f;
  // The chunk holding frame 45: its frames and those after it up to the next keyframe are lost.
  const ChunkSpan chunk = chunk_holding(f.db, 45);
  const FrameIndex resume = keyframe_at_or_after(chunk.last);
  flip_blob_in_file(f.db, chunk_sql(chunk));
  auto json = verify_json(f, 3);
  CHECK(json["clean"] == false);
  const auto& lost = json["sessions"][0]["lost"];
  REQUIRE(lost.size() == 1);
  CHECK(lost[0]["first"] == chunk.first);
  CHECK(lost[0]["last"] == resume - 1);
  CHECK(json["sessions"][0]["frames_decoded"] == 300 - (resume - chunk.first));
  bool named = false;
  for (const auto& d : json["damage"]) {
    if (d["what"] == "chunk" && d["frames_lost"] == true) {
      CHECK(d["session"] == "match-1");
      CHECK(d["first_frame"] == chunk.first);
      CHECK(d["last_frame"] == chunk.last);
      CHECK_THAT(d["detail"].get<std::string>(), Catch::Contains("checksum mismatch"));
      named = true;
    }
  }
  CHECK(named);
  ReelRun text = f.reel("verify " + f.db);
  CHECK(text.exit_code == 3);
  CHECK_THAT(text.out, Catch::Contains(fmt::format("LOST frames {}..{} ({} frames)", chunk.first,
                                                   resume - 1, resume - chunk.first)));
  CHECK_THAT(text.err, Catch::Contains("match.reel: damaged"));
}

TEST_CASE("readers stop at a damaged chunk with exit 3, or skip it with --skip-damaged",
          "[damage]") {
  DamageFixture f;
  const ChunkSpan chunk = chunk_holding(f.db, 45);
  const FrameIndex resume = keyframe_at_or_after(chunk.last);
  flip_blob_in_file(f.db, chunk_sql(chunk));
  const std::string lost = fmt::format("frames {}..{} lost", chunk.first, resume - 1);

  SECTION("history") {
    ReelRun plain = f.reel("history " + f.db + " --entity 1 --property health");
    CHECK(plain.exit_code == 3);
    CHECK_THAT(plain.err,
               Catch::Contains(fmt::format("chunk frames {}-{}", chunk.first, chunk.last)));
    ReelRun skip = f.reel("history " + f.db + " --entity 1 --property health --skip-damaged");
    CHECK(skip.exit_code == 3);
    CHECK_THAT(skip.err, Catch::Contains(lost));
    CHECK_THAT(skip.err, Catch::Contains(fmt::format("resuming at keyframe {}", resume)));
    // Health drops every 50 frames: the samples after the damaged range are all there.
    CHECK_THAT(skip.out, Catch::Contains("     100  "));
    CHECK_THAT(skip.out, Catch::Contains("     250  "));
  }
  SECTION("play") {
    const std::string out = f.dir.file("frames.bin");
    ReelRun plain = f.reel("play " + f.db + " --rate 0 --out " + out);
    CHECK(plain.exit_code == 3);
    ReelRun skip = f.reel("play " + f.db + " --rate 0 --skip-damaged --out " + out);
    CHECK(skip.exit_code == 3);
    CHECK_THAT(skip.err, Catch::Contains(lost));
    // Every frame before and after the lost ones as a record, the resuming keyframe as a reset
    // record of its full state.
    CHECK(count_play_records(out) == static_cast<size_t>(300 - (resume - chunk.first)));
  }
  SECTION("frames before and after the damage seek normally") {
    auto replayer = Replayer::open(f.db, "");
    REQUIRE_OK(replayer);
    REQUIRE_OK((*replayer)->seek(chunk.first - 1));
    REQUIRE_OK((*replayer)->seek(resume + 1));
    REQUIRE_OK((*replayer)->seek(299));
    auto bad = (*replayer)->seek(45);
    CHECK(bad.status().code() == StatusCode::kCorruption);
  }
}

TEST_CASE("a damaged keyframe is reported on stderr and its frames come from an earlier one",
          "[verify][damage]") {
  DamageFixture f;
  flip_blob_in_file(f.db, "SELECT data FROM keyframes WHERE frame = 90");
  ReelRun show = f.reel("show " + f.db + " --at 100 --entity 1 --property health");
  CHECK(show.exit_code == 0);
  CHECK_THAT(show.out, Catch::Contains("98"));
  CHECK_THAT(show.err, Catch::Contains("notice:"));
  CHECK_THAT(show.err, Catch::Contains("keyframe frame 90"));
  auto json = verify_json(f, 3);
  CHECK(json["sessions"][0]["lost"].empty());  // the deltas bridge it: nothing lost
  CHECK(json["damage"][0]["what"] == "keyframe");
  CHECK(json["damage"][0]["first_frame"] == 90);
}

TEST_CASE("a damaged metadata blob hides no other session and ls shows the damage in its row",
          "[verify][damage]") {
  DamageFixture f;
  record_fixture_session(f.db, "match-2");
  exec_sql(f.db, "PRAGMA wal_checkpoint(TRUNCATE)");
  // Both sessions' metadata are the same bytes: flip match-1's through SQL.
  std::vector<uint8_t> metadata =
      select_blob(f.db, "SELECT metadata FROM sessions WHERE name = 'match-1'");
  metadata.at(18) ^= 0x5a;
  replace_blob(f.db, "UPDATE sessions SET metadata = ?1 WHERE name = 'match-1'", metadata);
  ReelRun ls = f.reel("ls " + f.db);
  INFO(ls.err);
  CHECK(ls.exit_code == 0);
  CHECK_THAT(ls.out, Catch::Contains("DAMAGED"));
  CHECK_THAT(ls.out, Catch::Contains("match-2"));
  CHECK(f.reel("info " + f.db + " match-2").exit_code == 0);
  ReelRun bad = f.reel("info " + f.db + " match-1");
  CHECK(bad.exit_code == 3);
  CHECK_THAT(bad.err, Catch::Contains("metadata"));
  ReelRun verify = f.reel("verify " + f.db);
  CHECK(verify.exit_code == 3);
  CHECK_THAT(verify.out, Catch::Contains("session 1 'match-1': metadata"));
  CHECK_THAT(verify.out, Catch::Contains("session 2 'match-2': 300 frames, 300 decoded"));
}

TEST_CASE("a deleted properties row leaves the session readable and is reported",
          "[verify][damage]") {
  DamageFixture f;
  exec_sql(f.db, "DELETE FROM properties WHERE property_id = 0");  // "position"
  ReelRun history = f.reel("history " + f.db + " --entity 1 --property health --to 60");
  INFO(history.err);
  CHECK(history.exit_code == 0);
  CHECK_THAT(history.err, Catch::Contains("property row(s) lost"));
  CHECK_THAT(history.out, Catch::Contains("100"));
  ReelRun verify = f.reel("verify " + f.db);
  CHECK(verify.exit_code == 3);
  CHECK_THAT(verify.out, Catch::Contains("property row 0 is missing"));
}

TEST_CASE("catalog rows that lie are detected", "[verify][damage]") {
  DamageFixture f;
  SECTION("frame_count larger than the chunks hold") {
    exec_sql(f.db, "UPDATE sessions SET frame_count = 400");
    auto json = verify_json(f, 3);
    REQUIRE(json["sessions"][0]["lost"].size() == 1);
    CHECK(json["sessions"][0]["lost"][0]["first"] == 300);
    CHECK(json["sessions"][0]["lost"][0]["last"] == 399);
    ReelRun info = f.reel("history " + f.db + " --entity 1 --property health --from 250");
    CHECK(info.exit_code == 0);
    CHECK_THAT(info.err, Catch::Contains("frames 300..399 are missing"));
  }
  SECTION("a chunk's times") {
    const ChunkSpan chunk = chunk_holding(f.db, 100);
    exec_sql(f.db, "UPDATE chunks SET first_time = first_time + 7 WHERE last_frame = " +
                       std::to_string(chunk.last));
    const std::string lie = fmt::format("the catalog says frame {} is at", chunk.first);
    ReelRun verify = f.reel("verify " + f.db);
    CHECK(verify.exit_code == 3);
    CHECK_THAT(verify.out, Catch::Contains(lie));
    ReelRun history = f.reel("history " + f.db + " --entity 1 --property health");
    CHECK(history.exit_code == 3);
    CHECK_THAT(history.err, Catch::Contains(lie));
  }
  SECTION("chunk and keyframe counts") {
    exec_sql(f.db,
             "UPDATE sessions SET chunk_count = chunk_count + 1, "
             "keyframe_count = keyframe_count - 1");
    ReelRun verify = f.reel("verify " + f.db);
    CHECK(verify.exit_code == 3);
    CHECK_THAT(verify.out, Catch::Contains("chunks, there are"));
    CHECK_THAT(verify.out, Catch::Contains("keyframes, there are"));
  }
  SECTION("a deleted chunk row") {
    const ChunkSpan chunk = chunk_holding(f.db, 135);
    const FrameIndex resume = keyframe_at_or_after(chunk.last);
    exec_sql(f.db, "DELETE FROM chunks WHERE last_frame = " + std::to_string(chunk.last));
    auto json = verify_json(f, 3);
    REQUIRE(json["sessions"][0]["lost"].size() == 1);
    CHECK(json["sessions"][0]["lost"][0]["first"] == chunk.first);
    CHECK(json["sessions"][0]["lost"][0]["last"] == resume - 1);
    ReelRun skip = f.reel("history " + f.db + " --entity 1 --property health --skip-damaged");
    CHECK(skip.exit_code == 3);
    CHECK_THAT(skip.err,
               Catch::Contains(fmt::format("frames {}..{} lost", chunk.first, resume - 1)));
  }
}

TEST_CASE("verify reports a truncated file as damage, with exit 3", "[verify][damage]") {
  DamageFixture f;
  std::vector<uint8_t> bytes = read_bytes(f.db);
  bytes.resize(bytes.size() / 2);
  write_bytes(f.db, bytes);
  ReelRun run = f.reel("verify " + f.db);
  INFO(run.out << run.err);
  CHECK(run.exit_code == 3);
  CHECK_THAT(run.out, Catch::Contains("DAMAGED file: sqlite"));
  ReelRun salvage = f.reel("salvage " + f.db + " --out " + f.dir.file("out.reel"));
  CHECK(salvage.exit_code == 3);
}

TEST_CASE("verify sees damage to SQLite pages themselves", "[verify][damage]") {
  DamageFixture f;
  std::vector<uint8_t> bytes = read_bytes(f.db);
  const size_t page = 4096;
  REQUIRE(bytes.size() > 4 * page);
  // Page 2's b-tree header (the first table's root): a page type SQLite does not know.
  bytes[page] = 0x7f;
  write_bytes(f.db, bytes);
  ReelRun run = f.reel("verify " + f.db);
  INFO(run.out << run.err);
  CHECK(run.exit_code == 3);
}

TEST_CASE("a blob declaring more raw bytes than its inflation bound is refused before allocating",
          "[damage]") {
  // A real zstd frame of 8 MiB of zeros (a few hundred bytes) under a valid checksum.
  const std::vector<uint8_t> zeros(8u << 20, 0);
  std::vector<uint8_t> frame(ZSTD_compressBound(zeros.size()));
  frame.resize(ZSTD_compress(frame.data(), frame.size(), zeros.data(), zeros.size(), 1));
  REQUIRE(frame.size() * kMaxInflationRatio + kInflationAllowance < zeros.size());
  std::vector<uint8_t> blob(kBlobHeaderSize);
  blob[0] = kBlobEnvelopeVersion;
  blob[1] = static_cast<uint8_t>(BlobKind::kDeltaChunk);
  blob[2] = static_cast<uint8_t>(BlobCodecId::kZstd);
  const uint32_t raw = static_cast<uint32_t>(zeros.size());
  std::memcpy(blob.data() + 4, &raw, 4);
  blob.insert(blob.end(), frame.begin(), frame.end());
  std::vector<uint8_t> checked(blob.begin(), blob.begin() + 8);
  checked.insert(checked.end(), frame.begin(), frame.end());
  const uint64_t sum = XXH3_64bits(checked.data(), checked.size());
  std::memcpy(blob.data() + 8, &sum, 8);
  std::vector<uint8_t> out;
  auto opened = open_blob(blob, BlobKind::kDeltaChunk, out);
  CHECK(opened.status().code() == StatusCode::kCorruption);
  CHECK_THAT(opened.status().message(), Catch::Contains("inflation bound"));
  CHECK(out.capacity() == 0);
  // The writer never makes such a blob: past the bound it stores the bytes raw.
  std::vector<uint8_t> sealed;
  REQUIRE_STATUS_OK(seal_blob(BlobKind::kDeltaChunk, zeros, SealOptions{}, sealed));
  auto header = parse_blob_header(sealed);
  REQUIRE_OK(header);
  CHECK(header->codec == BlobCodecId::kStored);
  REQUIRE_OK(open_blob(sealed, BlobKind::kDeltaChunk, out));
  CHECK(out == zeros);
}

TEST_CASE("verify_database reports every damaged range of a file with several kinds of damage",
          "[verify][damage]") {
  DamageFixture f;
  const ChunkSpan a = chunk_holding(f.db, 45), b = chunk_holding(f.db, 195);
  flip_blob_in_file(f.db, chunk_sql(a));
  flip_blob_in_file(f.db, chunk_sql(b));
  flip_blob_in_file(f.db, "SELECT args FROM events WHERE frame = 120", 17);
  auto report = verify_database(f.db);
  REQUIRE_OK(report);
  REQUIRE(report->sessions.size() == 1);
  const auto& lost = report->sessions[0].lost;
  REQUIRE(lost.size() == 2);
  CHECK(lost[0].first == a.first);
  CHECK(lost[0].last == keyframe_at_or_after(a.last) - 1);
  CHECK(lost[1].first == b.first);
  CHECK(lost[1].last == keyframe_at_or_after(b.last) - 1);
  bool event_named = false;
  for (const auto& d : report->damage) {
    if (d.what == "events" && d.first_frame == 120) event_named = true;
  }
  CHECK(event_named);
  ReelRun events = f.reel("events " + f.db + " --skip-damaged");
  CHECK(events.exit_code == 3);
  CHECK_THAT(events.err, Catch::Contains("event skipped"));
  CHECK(count_lines(events.out) == 1 + 3);  // the header and the three jumps
}

namespace {

// The entities of two states agree (classes and every property value), whatever their frame
// numbers and spawn frames (a salvaged run renumbers frames).
void require_same_entities(const WorldState& a, const WorldState& b) {
  REQUIRE(a.entities.size() == b.entities.size());
  CHECK(a.tick == b.tick);
  CHECK(a.time == b.time);
  for (const auto& [id, entity] : a.entities) {
    auto it = b.entities.find(id);
    REQUIRE(it != b.entities.end());
    CHECK(entity.class_name == it->second.class_name);
    CHECK(entity.properties == it->second.properties);
  }
}

WorldState state_at(const std::string& db, const std::string& session, FrameIndex frame) {
  auto replayer = Replayer::open(db, session);
  REQUIRE_OK(replayer);
  auto state = (*replayer)->seek(frame);
  REQUIRE_OK(state);
  return **state;
}

}  // namespace

TEST_CASE("salvage of an intact file copies every frame and the copy verifies clean", "[salvage]") {
  DamageFixture f;
  const std::string out = f.dir.file("rescued.reel");
  ReelRun run = f.reel("salvage " + f.db + " --out " + out);
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("300 frames salvaged"));
  CHECK(f.reel("verify " + out).exit_code == 0);
  for (FrameIndex frame : {0, 45, 150, 299}) {
    CHECK(state_at(f.db, "", frame) == state_at(out, "", frame));
  }
  ReelRun events = f.reel("events " + out);
  CHECK(count_lines(events.out) == 1 + 4);
}

TEST_CASE("salvage bridges a damaged chunk at the next keyframe and lists exactly what was lost",
          "[salvage][damage]") {
  DamageFixture f;
  const ChunkSpan chunk = chunk_holding(f.db, 45);
  const FrameIndex resume = keyframe_at_or_after(chunk.last);
  flip_blob_in_file(f.db, chunk_sql(chunk));
  const std::vector<uint8_t> before = read_bytes(f.db);
  const std::string out = f.dir.file("rescued.reel");
  ReelRun run = f.reel("salvage " + f.db + " --out " + out + " --json");
  INFO(run.out << run.err);
  CHECK(run.exit_code == 3);
  CHECK(read_bytes(f.db) == before);  // the input is only read
  auto json = nlohmann::json::parse(run.out);
  REQUIRE(json["lost"].size() == 1);
  CHECK(json["lost"][0]["first"] == chunk.first);
  CHECK(json["lost"][0]["last"] == resume - 1);
  REQUIRE(json["runs"].size() == 2);
  CHECK(json["runs"][0]["name"] == "match-1");
  CHECK(json["runs"][0]["last"] == chunk.first - 1);
  const std::string resumed = fmt::format("match-1.from-{}", resume);
  CHECK(json["runs"][1]["name"] == resumed);
  CHECK(json["frames_copied"] == 300 - (resume - chunk.first));

  ReelRun verify = f.reel("verify " + out);
  INFO(verify.out);
  CHECK(verify.exit_code == 0);
  // Every salvaged frame holds what the original held at that frame.
  for (FrameIndex frame : {FrameIndex{0}, chunk.first - 1}) {
    CHECK(state_at(f.db, "", frame) == state_at(out, "match-1", frame));
  }
  for (FrameIndex frame : {resume, resume + 1, FrameIndex{299}}) {
    require_same_entities(state_at(f.db, "", frame), state_at(out, resumed, frame - resume));
  }
  // Events of the resumed run keep their place (frame 210's jump is frame 210 - resume there).
  ReelRun events = f.reel("events " + out + " " + resumed + " --json");
  auto listed = nlohmann::json::parse(events.out)["events"];
  REQUIRE_FALSE(listed.empty());
  CHECK(listed.back()["frame"] == 210 - resume);
}

TEST_CASE("salvage never overwrites an existing file", "[salvage]") {
  DamageFixture f;
  const std::string out = f.dir.file("exists.reel");
  write_bytes(out, {1, 2, 3});
  ReelRun run = f.reel("salvage " + f.db + " --out " + out);
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.err, Catch::Contains("exists already"));
  CHECK(read_bytes(out) == std::vector<uint8_t>{1, 2, 3});
}

namespace reel {
namespace {

TEST_CASE("salvage rolls back a session it cannot finish reading, and its copy verifies clean",
          "[salvage]") {
  // Found by fuzz_damaged_db: a file whose second session sits on a malformed b-tree page; the
  // walk stops inside that session after some of its chunks were copied. The copy must hold only
  // whole sessions (before the fix it kept the chunks without their catalog and keyframes).
  TempDir dir;
  const std::string out = dir.file("out.reel");
  const auto salvage = testing::run_reel(
      dir, "salvage " REEL_SOURCE_DIR
           "/tests/fixtures/salvage-malformed-session.reel --scan never --out " + out);
  INFO(salvage.err);
  CHECK(salvage.exit_code == 3);
  CHECK_THAT(salvage.out, Catch::Contains("copied session 1 's1' frames 0..4"));
  const auto verify = testing::run_reel(dir, "verify " + out);
  INFO(verify.out);
  CHECK(verify.exit_code == 0);
  CHECK_THAT(verify.out, Catch::Contains("clean"));
  CHECK_THAT(verify.out, !Catch::Contains("'s2'"));
}

TEST_CASE("salvage reads the session behind a malformed b-tree page by scanning the pages",
          "[salvage][scan]") {
  // The same file: SQLite's b-tree walk stops inside session 2, the page scan reads its leaves.
  TempDir dir;
  const std::string out = dir.file("out.reel");
  const auto salvage = testing::run_reel(
      dir,
      "salvage " REEL_SOURCE_DIR "/tests/fixtures/salvage-malformed-session.reel --out " + out);
  INFO(salvage.out << salvage.err);
  CHECK(salvage.exit_code == 3);
  CHECK_THAT(salvage.out, Catch::Contains("read by page scan (SQLite's own structure is damaged"));
  CHECK_THAT(salvage.out, Catch::Contains("copied session 2 's2' frames 0..11 as 's2'"));
  const auto verify = testing::run_reel(dir, "verify " + out);
  INFO(verify.out);
  CHECK(verify.exit_code == 0);
  CHECK_THAT(verify.out, Catch::Contains("'s2': 12 frames, 12 decoded"));
}

}  // namespace
}  // namespace reel
