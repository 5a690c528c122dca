// The SQLite storage layer: profiles, transactions with BUSY retries, and errors at the edges
// (read-only, non-database files, full disk), on real files and on the fake mvsqlite VFS.
#include <fstream>

#include <sqlite3.h>

#include "fake_mvsqlite_vfs.h"
#include "reel/store/store.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::TempDir;
namespace fake = testing::fake_mvsqlite;

std::unique_ptr<Store> open_or_fail(const std::string& path, const StoreOptions& options = {}) {
  auto store = Store::open(path, options);
  INFO(store.status().to_string());
  REQUIRE(store.ok());
  return std::move(store).value();
}

StoreOptions mvsqlite_options() {
  REQUIRE_STATUS_OK(fake::register_vfs());
  fake::reset();
  StoreOptions options;
  options.profile = StorageProfile::kMvsqlite;
  options.vfs = fake::kVfsName;
  return options;
}

std::string query_text(Store& store, std::string_view sql) {
  auto statement = store.prepare(sql);
  REQUIRE_OK(statement);
  auto has_row = (*statement)->step();
  REQUIRE_OK(has_row);
  REQUIRE(*has_row);
  return std::string((*statement)->column_text(0));
}

int64_t query_int(Store& store, std::string_view sql) {
  auto statement = store.prepare(sql);
  REQUIRE_OK(statement);
  auto has_row = (*statement)->step();
  REQUIRE_OK(has_row);
  REQUIRE(*has_row);
  return (*statement)->column_int64(0);
}

// Inserts rows [0, count) of `values` as one re-runnable batch.
Status insert_batch(Store& store, int count) {
  for (int i = 0; i < count; ++i) {
    REEL_ASSIGN_OR_RETURN(Statement * insert, store.prepare("INSERT INTO t(k, v) VALUES (?, ?)"));
    REEL_RETURN_IF_ERROR(insert->bind(1, i));
    REEL_RETURN_IF_ERROR(insert->bind(2, fmt::format("row {}", i)));
    REEL_RETURN_IF_ERROR(insert->run());
  }
  return Status::ok_status();
}

TEST_CASE("parse_profile accepts local and mvsqlite only", "[store]") {
  REQUIRE(*parse_profile("local") == StorageProfile::kLocal);
  REQUIRE(*parse_profile("mvsqlite") == StorageProfile::kMvsqlite);
  auto bad = parse_profile("wal");
  REQUIRE(bad.status().code() == StatusCode::kInvalidArgument);
  REQUIRE_THAT(bad.status().message(), Catch::Contains("'wal'"));
}

TEST_CASE("StoreOptions::validate names the bad field", "[store]") {
  StoreOptions options;
  REQUIRE_STATUS_OK(options.validate());
  options.max_commit_retries = -1;
  REQUIRE_THAT(options.validate().message(), Catch::Contains("max_commit_retries"));
  options = StoreOptions{};
  options.profile = StorageProfile::kMvsqlite;
  options.page_size = 4000;
  REQUIRE_THAT(options.validate().message(), Catch::Contains("page_size"));
}

TEST_CASE("mvsqlite naming: namespace key and snapshot names", "[store]") {
  REQUIRE(mvsqlite_namespace_key("/session-42") == "session-42");
  REQUIRE(mvsqlite_namespace_key("session-42") == "session-42");
  REQUIRE_STATUS_OK(check_mvsqlite_database_name("/session-42", false));
  REQUIRE_STATUS_OK(check_mvsqlite_database_name("session-42@7", true));
  REQUIRE(check_mvsqlite_database_name("session-42@7", false).code() ==
          StatusCode::kInvalidArgument);
  REQUIRE(check_mvsqlite_database_name("/", true).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("local profile: WAL and synchronous=NORMAL are in effect", "[store]") {
  TempDir dir;
  auto store = open_or_fail(dir.file("a.db"));
  REQUIRE(query_text(*store, "PRAGMA journal_mode") == "wal");
  REQUIRE(query_int(*store, "PRAGMA synchronous") == 1);  // NORMAL
  REQUIRE(query_int(*store, "PRAGMA busy_timeout") == 5000);
}

TEST_CASE("Statement binds and reads back every column type", "[store]") {
  TempDir dir;
  auto store = open_or_fail(dir.file("a.db"));
  REQUIRE_STATUS_OK(store->exec("CREATE TABLE t(i INTEGER, d REAL, s TEXT, b BLOB, n)"));
  const std::vector<uint8_t> blob = {0, 1, 2, 255};
  REQUIRE_STATUS_OK(store->write_transaction([&]() -> Status {
    REEL_ASSIGN_OR_RETURN(Statement * insert, store->prepare("INSERT INTO t VALUES (?,?,?,?,?)"));
    REEL_RETURN_IF_ERROR(insert->bind(1, int64_t{-1} << 40));
    REEL_RETURN_IF_ERROR(insert->bind(2, 2.5));
    REEL_RETURN_IF_ERROR(insert->bind(3, std::string_view("h\0i", 3)));
    REEL_RETURN_IF_ERROR(insert->bind(4, std::span<const uint8_t>(blob)));
    REEL_RETURN_IF_ERROR(insert->bind_null(5));
    return insert->run();
  }));
  REQUIRE(store->last_insert_rowid() == 1);
  auto select = store->prepare("SELECT i, d, s, b, n FROM t");
  REQUIRE_OK(select);
  Statement& row = **select;
  auto has_row = row.step();
  REQUIRE_OK(has_row);
  REQUIRE(*has_row);
  REQUIRE(row.column_int64(0) == (int64_t{-1} << 40));
  REQUIRE(row.column_double(1) == 2.5);
  REQUIRE(row.column_text(2) == std::string_view("h\0i", 3));
  REQUIRE(std::vector<uint8_t>(row.column_blob(3).begin(), row.column_blob(3).end()) == blob);
  REQUIRE(row.column_is_null(4));
  REQUIRE_FALSE(*row.step());
}

TEST_CASE("Statement errors carry SQLite's message and the SQL", "[store]") {
  TempDir dir;
  auto store = open_or_fail(dir.file("a.db"));
  auto bad = store->prepare("SELEC 1");
  REQUIRE(bad.status().code() == StatusCode::kInvalidArgument);
  REQUIRE_THAT(bad.status().message(), Catch::Contains("SELEC 1") && Catch::Contains("syntax"));

  REQUIRE_STATUS_OK(store->exec("CREATE TABLE u(k INTEGER PRIMARY KEY)"));
  REQUIRE_STATUS_OK(store->exec("INSERT INTO u VALUES (1)"));
  auto insert = store->prepare("INSERT INTO u VALUES (?)");
  REQUIRE_OK(insert);
  REQUIRE_STATUS_OK((*insert)->bind(1, 1));
  const Status dup = (*insert)->run();
  REQUIRE(dup.code() == StatusCode::kInvalidArgument);
  REQUIRE_THAT(dup.message(), Catch::Contains("UNIQUE") && Catch::Contains("INSERT INTO u"));
}

TEST_CASE("prepare caches statements per SQL text and resets them", "[store]") {
  TempDir dir;
  auto store = open_or_fail(dir.file("a.db"));
  auto first = store->prepare("SELECT 1 UNION ALL SELECT 2");
  REQUIRE_OK(first);
  REQUIRE(*(*first)->step());  // left mid-iteration
  auto second = store->prepare("SELECT 1 UNION ALL SELECT 2");
  REQUIRE_OK(second);
  REQUIRE(*first == *second);
  REQUIRE(*(*second)->step());
  REQUIRE((*second)->column_int64(0) == 1);  // started over
}

TEST_CASE("local profile: a read-only reader sees committed data while a writer is open",
          "[store]") {
  TempDir dir;
  auto writer = open_or_fail(dir.file("a.db"));
  REQUIRE_STATUS_OK(writer->exec("CREATE TABLE t(k INTEGER, v TEXT)"));
  REQUIRE_STATUS_OK(writer->write_transaction([&] { return insert_batch(*writer, 3); }));

  StoreOptions read_only;
  read_only.read_only = true;
  auto reader = open_or_fail(dir.file("a.db"), read_only);
  REQUIRE(query_int(*reader, "SELECT count(*) FROM t") == 3);

  // A writer mid-transaction does not block the reader, which sees the last commit.
  REQUIRE_STATUS_OK(writer->exec("BEGIN IMMEDIATE; INSERT INTO t VALUES (100, 'pending')"));
  REQUIRE(query_int(*reader, "SELECT count(*) FROM t") == 3);
  REQUIRE_STATUS_OK(writer->exec("COMMIT"));
  REQUIRE(query_int(*reader, "SELECT count(*) FROM t") == 4);
}

TEST_CASE("read_transaction sees one snapshot across statements", "[store]") {
  TempDir dir;
  auto writer = open_or_fail(dir.file("a.db"));
  REQUIRE_STATUS_OK(writer->exec("CREATE TABLE t(k INTEGER, v TEXT)"));
  REQUIRE_STATUS_OK(writer->write_transaction([&] { return insert_batch(*writer, 2); }));
  StoreOptions read_only;
  read_only.read_only = true;
  auto reader = open_or_fail(dir.file("a.db"), read_only);
  int64_t before = 0, after = 0;
  REQUIRE_STATUS_OK(reader->read_transaction([&]() -> Status {
    before = query_int(*reader, "SELECT count(*) FROM t");
    REEL_RETURN_IF_ERROR(writer->exec("INSERT INTO t VALUES (9, 'x')"));
    after = query_int(*reader, "SELECT count(*) FROM t");
    return Status::ok_status();
  }));
  REQUIRE(before == 2);
  REQUIRE(after == 2);
  REQUIRE(query_int(*reader, "SELECT count(*) FROM t") == 3);
}

TEST_CASE("read-only open refuses writes with kIoError", "[store]") {
  TempDir dir;
  {
    auto writer = open_or_fail(dir.file("a.db"));
    REQUIRE_STATUS_OK(writer->exec("CREATE TABLE t(k INTEGER, v TEXT)"));
  }
  StoreOptions read_only;
  read_only.read_only = true;
  auto reader = open_or_fail(dir.file("a.db"), read_only);
  const Status direct = reader->exec("INSERT INTO t VALUES (1, 'x')");
  REQUIRE(direct.code() == StatusCode::kIoError);
  REQUIRE_THAT(direct.message(), Catch::Contains("readonly"));
  const Status in_transaction = reader->write_transaction([&] { return insert_batch(*reader, 1); });
  REQUIRE(in_transaction.code() == StatusCode::kIoError);
  REQUIRE(query_int(*reader, "SELECT count(*) FROM t") == 0);
}

TEST_CASE("opening a missing file without create names the path", "[store]") {
  TempDir dir;
  StoreOptions options;
  options.read_only = true;
  auto missing = Store::open(dir.file("missing.db"), options);
  REQUIRE(missing.status().code() == StatusCode::kNotFound);
  REQUIRE_THAT(missing.status().message(), Catch::Contains("missing.db"));
}

TEST_CASE("a file that is not an SQLite database fails at open, naming the file", "[store]") {
  TempDir dir;
  const std::string path = dir.file("notes.txt");
  std::ofstream(path) << std::string(4096, 'x');
  for (const bool read_only : {false, true}) {
    StoreOptions options;
    options.read_only = read_only;
    auto store = Store::open(path, options);
    REQUIRE(store.status().code() == StatusCode::kCorruption);
    REQUIRE_THAT(store.status().message(),
                 Catch::Contains("notes.txt") && Catch::Contains("not a valid SQLite database"));
  }
}

TEST_CASE("an unknown VFS name is a clear error", "[store]") {
  TempDir dir;
  StoreOptions options;
  options.profile = StorageProfile::kMvsqlite;
  options.vfs = "no-such-vfs";
  auto store = Store::open(dir.file("a.db"), options);
  REQUIRE(store.status().code() == StatusCode::kInvalidArgument);
  REQUIRE_THAT(store.status().message(), Catch::Contains("no-such-vfs"));
}

TEST_CASE("a full database fails the write with kIoError and keeps earlier commits", "[store]") {
  TempDir dir;
  auto store = open_or_fail(dir.file("a.db"));
  REQUIRE_STATUS_OK(store->exec("CREATE TABLE t(k INTEGER, v BLOB)"));
  REQUIRE_STATUS_OK(store->exec("INSERT INTO t VALUES (1, zeroblob(100))"));
  const int64_t pages = query_int(*store, "PRAGMA page_count");
  REQUIRE_STATUS_OK(store->exec(fmt::format("PRAGMA max_page_count={}", pages + 2)));
  const std::vector<uint8_t> big(64 * 1024, 7);
  const Status full = store->write_transaction([&]() -> Status {
    REEL_ASSIGN_OR_RETURN(Statement * insert, store->prepare("INSERT INTO t VALUES (2, ?)"));
    REEL_RETURN_IF_ERROR(insert->bind(1, std::span<const uint8_t>(big)));
    return insert->run();
  });
  REQUIRE(full.code() == StatusCode::kIoError);
  REQUIRE_THAT(full.message(), Catch::Contains("full"));
  REQUIRE(store->commit_retries() == 0);
  REQUIRE(query_int(*store, "SELECT count(*) FROM t") == 1);
  REQUIRE(sqlite3_get_autocommit(store->handle()) != 0);  // rolled back, no dangling transaction
}

TEST_CASE("write_transaction rolls back and returns a non-busy body error", "[store]") {
  TempDir dir;
  auto store = open_or_fail(dir.file("a.db"));
  REQUIRE_STATUS_OK(store->exec("CREATE TABLE t(k INTEGER, v TEXT)"));
  int runs = 0;
  const Status status = store->write_transaction([&]() -> Status {
    ++runs;
    REEL_RETURN_IF_ERROR(insert_batch(*store, 2));
    return Status::not_found("the body gave up");
  });
  REQUIRE(status.code() == StatusCode::kNotFound);
  REQUIRE(runs == 1);
  REQUIRE(query_int(*store, "SELECT count(*) FROM t") == 0);
}

TEST_CASE("local profile: a writer blocked by another writer retries, then gives up with kBusy",
          "[store]") {
  TempDir dir;
  StoreOptions impatient;
  impatient.busy_timeout_ms = 0;
  impatient.max_commit_retries = 2;
  auto holder = open_or_fail(dir.file("a.db"));
  auto store = open_or_fail(dir.file("a.db"), impatient);
  REQUIRE_STATUS_OK(holder->exec("CREATE TABLE t(k INTEGER, v TEXT)"));
  REQUIRE_STATUS_OK(holder->exec("BEGIN IMMEDIATE"));
  int runs = 0;
  const Status status = store->write_transaction([&] {
    ++runs;
    return insert_batch(*store, 1);
  });
  REQUIRE(status.code() == StatusCode::kBusy);
  REQUIRE(runs == 0);  // BEGIN IMMEDIATE itself was refused each time
  REQUIRE(store->commit_retries() == 2);
  REQUIRE_STATUS_OK(holder->exec("COMMIT"));
  REQUIRE_STATUS_OK(store->write_transaction([&] { return insert_batch(*store, 1); }));
}

// ---- mvsqlite profile on the fake VFS ----

TEST_CASE("mvsqlite profile: page size 8192 and journal_mode=DELETE are in effect", "[store]") {
  TempDir dir;
  auto store = open_or_fail(dir.file("m.db"), mvsqlite_options());
  REQUIRE_STATUS_OK(store->exec("CREATE TABLE t(k INTEGER, v TEXT)"));
  REQUIRE(query_int(*store, "PRAGMA page_size") == 8192);
  REQUIRE(query_text(*store, "PRAGMA journal_mode") == "delete");
  REQUIRE(query_int(*store, "PRAGMA busy_timeout") == 0);
  store.reset();
  auto reopened = open_or_fail(dir.file("m.db"), mvsqlite_options());  // existing db accepted
  REQUIRE(query_int(*reopened, "PRAGMA page_size") == 8192);
}

TEST_CASE("mvsqlite profile: WAL is refused by the VFS", "[store]") {
  TempDir dir;
  auto store = open_or_fail(dir.file("m.db"), mvsqlite_options());
  const Status wal = store->exec("PRAGMA journal_mode=WAL");
  REQUIRE_FALSE(wal.ok());
  REQUIRE_THAT(wal.message(), Catch::Contains("WAL is not supported"));
  REQUIRE(fake::counters().wal_refusals == 1);
  REQUIRE(query_text(*store, "PRAGMA journal_mode") == "delete");

  // The local profile's settings cannot be used on this VFS.
  StoreOptions local_on_fake;
  local_on_fake.vfs = fake::kVfsName;
  auto local = Store::open(dir.file("l.db"), local_on_fake);
  REQUIRE_FALSE(local.ok());
  REQUIRE_THAT(local.status().message(), Catch::Contains("l.db") && Catch::Contains("WAL"));
}

TEST_CASE("mvsqlite profile: an existing database with another page size is refused", "[store]") {
  TempDir dir;
  {
    auto local = open_or_fail(dir.file("p.db"));
    REQUIRE_STATUS_OK(
        local->exec("PRAGMA journal_mode=DELETE; PRAGMA page_size=4096; "
                    "VACUUM; CREATE TABLE t(k)"));
    REQUIRE(query_int(*local, "PRAGMA page_size") == 4096);
  }
  auto store = Store::open(dir.file("p.db"), mvsqlite_options());
  REQUIRE(store.status().code() == StatusCode::kUnsupported);
  REQUIRE_THAT(store.status().message(), Catch::Contains("p.db") &&
                                             Catch::Contains("page size 4096") &&
                                             Catch::Contains("8192"));
}

TEST_CASE("mvsqlite profile: the VFS refuses a page size change and the data survives", "[store]") {
  TempDir dir;
  auto store = open_or_fail(dir.file("m.db"), mvsqlite_options());
  REQUIRE_STATUS_OK(store->exec("CREATE TABLE t(k INTEGER, v TEXT)"));
  REQUIRE_STATUS_OK(store->write_transaction([&] { return insert_batch(*store, 5); }));
  const Status change = store->exec("PRAGMA page_size=4096; VACUUM");
  REQUIRE(change.code() == StatusCode::kIoError);
  REQUIRE(fake::counters().page_size_refusals >= 1);
  store.reset();
  auto reopened = open_or_fail(dir.file("m.db"), mvsqlite_options());
  REQUIRE(query_int(*reopened, "PRAGMA page_size") == 8192);
  REQUIRE(query_int(*reopened, "SELECT count(*) FROM t") == 5);
}

TEST_CASE("fake mvsqlite VFS: a raw COMMIT failed with BUSY stays failed until ROLLBACK",
          "[store]") {
  TempDir dir;
  auto store = open_or_fail(dir.file("m.db"), mvsqlite_options());
  REQUIRE_STATUS_OK(store->exec("CREATE TABLE t(k INTEGER, v TEXT)"));
  fake::fail_next_commits(1);
  REQUIRE_STATUS_OK(store->exec("BEGIN; INSERT INTO t VALUES (1, 'a')"));
  REQUIRE(store->exec("COMMIT").code() == StatusCode::kBusy);
  REQUIRE(sqlite3_get_autocommit(store->handle()) == 0);       // still in the transaction
  REQUIRE(store->exec("COMMIT").code() == StatusCode::kBusy);  // re-issuing never succeeds
  REQUIRE_STATUS_OK(store->exec("ROLLBACK"));

  // Nothing reached the file: a second connection sees no row.
  auto other = open_or_fail(dir.file("m.db"), mvsqlite_options());
  REQUIRE(query_int(*other, "SELECT count(*) FROM t") == 0);
}

TEST_CASE("mvsqlite profile: BUSY at COMMIT re-runs the body and each row lands once", "[store]") {
  TempDir dir;
  auto store = open_or_fail(dir.file("m.db"), mvsqlite_options());
  REQUIRE_STATUS_OK(store->exec("CREATE TABLE t(k INTEGER, v TEXT)"));
  fake::fail_next_commits(3);
  int runs = 0;
  REQUIRE_STATUS_OK(store->write_transaction([&] {
    ++runs;
    return insert_batch(*store, 10);
  }));
  REQUIRE(runs == 4);
  REQUIRE(store->commit_retries() == 3);
  REQUIRE(fake::counters().commits_failed == 3);
  REQUIRE(query_int(*store, "SELECT count(*) FROM t") == 10);
  REQUIRE(query_int(*store, "SELECT count(DISTINCT k) FROM t") == 10);
}

TEST_CASE("mvsqlite profile: periodic conflicts over many transactions lose and duplicate nothing",
          "[store]") {
  TempDir dir;
  auto store = open_or_fail(dir.file("m.db"), mvsqlite_options());
  REQUIRE_STATUS_OK(store->exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)"));
  fake::fail_commit_every(3);
  for (int batch = 0; batch < 12; ++batch) {
    REQUIRE_STATUS_OK(store->write_transaction([&]() -> Status {
      for (int i = 0; i < 5; ++i) {
        REEL_ASSIGN_OR_RETURN(Statement * insert, store->prepare("INSERT INTO t VALUES (?, 'v')"));
        REEL_RETURN_IF_ERROR(insert->bind(1, batch * 5 + i));
        REEL_RETURN_IF_ERROR(insert->run());  // a duplicate would fail the PRIMARY KEY
      }
      return Status::ok_status();
    }));
  }
  REQUIRE(fake::counters().commits_failed >= 5);
  REQUIRE(store->commit_retries() == fake::counters().commits_failed);
  REQUIRE(query_int(*store, "SELECT count(*) FROM t") == 60);
}

TEST_CASE("mvsqlite profile: retries exhausted gives kBusy and commits nothing", "[store]") {
  TempDir dir;
  StoreOptions options = mvsqlite_options();
  options.max_commit_retries = 3;
  auto store = open_or_fail(dir.file("m.db"), options);
  REQUIRE_STATUS_OK(store->exec("CREATE TABLE t(k INTEGER, v TEXT)"));
  fake::fail_next_commits(100);
  int runs = 0;
  const Status status = store->write_transaction([&] {
    ++runs;
    return insert_batch(*store, 4);
  });
  REQUIRE(status.code() == StatusCode::kBusy);
  REQUIRE_THAT(status.message(), Catch::Contains("3 retries"));
  REQUIRE(runs == 4);
  REQUIRE(sqlite3_get_autocommit(store->handle()) != 0);
  fake::reset();
  REQUIRE(query_int(*store, "SELECT count(*) FROM t") == 0);
}

TEST_CASE("mvsqlite profile: a snapshot name cannot be opened for writing", "[store]") {
  auto store = Store::open("session@12", mvsqlite_options());
  REQUIRE(store.status().code() == StatusCode::kInvalidArgument);
  REQUIRE_THAT(store.status().message(), Catch::Contains("snapshot"));
}

}  // namespace
}  // namespace reel
