// The SQLite storage layer: one connection with one of two profiles, cached prepared statements,
// and transaction runners that retry optimistic-concurrency conflicts.
//
// Profiles (FORMAT.md section 4):
//   kLocal     a file on disk; journal_mode=WAL, synchronous=NORMAL, busy_timeout. Read-only opens
//              work while a writer is active (WAL readers).
//   kMvsqlite  the `mvsqlite` VFS (docs/mvsqlite.md): page_size must equal the mvsqlite
//              sector size (8192), journal_mode=DELETE (never WAL), no reliance on locks: conflicts
//              surface as SQLITE_BUSY at COMMIT and are cured by ROLLBACK + re-running the body.
//
// Threading: a Store and its Statements belong to one thread at a time (no internal locking).
// Ownership: Statements returned by prepare() are owned by the Store and live as long as it does.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "reel/format/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace reel {

enum class StorageProfile : uint8_t { kLocal, kMvsqlite };

const char* storage_profile_name(StorageProfile profile);  // "local" | "mvsqlite"
// Parses "local" | "mvsqlite" (kInvalidArgument otherwise).
Result<StorageProfile> parse_profile(std::string_view text);

// True for the kIoError of SQLITE_FULL (the store words it "disk full: ...").
bool is_disk_full(const Status& status);

inline constexpr int kMvsqliteSectorSize = 8192;  // mvsqlite's default MVSQLITE_SECTOR_SIZE

struct StoreOptions {
  StorageProfile profile = StorageProfile::kLocal;
  // SQLite VFS name. "" means: local -> "unix" (SQLite's default on Linux, named explicitly so
  // that mvsqlite's LD_PRELOAD shim leaves local files local); mvsqlite -> "mvsqlite".
  std::string vfs;
  bool read_only = false;
  // Create the database if missing (ignored when read_only).
  bool create = true;
  // How long to wait for another connection's lock before SQLITE_BUSY, set before the first
  // statement. Longer waits ride out a concurrent writer's commit; 0 fails at once. Mvsqlite
  // writers never wait (0: conflicts surface at COMMIT and are retried); its readers do.
  int busy_timeout_ms = 5000;
  // How many times write_transaction()/read_transaction() ROLLBACK and re-run the body after
  // SQLITE_BUSY before giving up with kBusy. Each retry sleeps a short, growing backoff.
  int max_commit_retries = 32;
  // Mvsqlite profile: the page size set on an empty database; must equal the mvsqlite sector
  // size (4096, 8192, 16384 or 32768; the `mvsqlite` VFS defaults to 8192).
  int page_size = kMvsqliteSectorSize;
  // A read-only open of a local file that this process could write first settles it when a
  // -journal or -wal file holds data: a short read-write open rolls back a killed writer's hot
  // journal and checkpoints the WAL (FORMAT.md 4, "After a crash"). Read-only opens of files or
  // directories that are not writable use SQLite's immutable mode instead (Store::notice()).
  bool settle_on_read = true;

  // kInvalidArgument naming the offending field.
  Status validate() const;
};

// mvsqlite's naming rule: the database filename with its leading '/' stripped is the mvstore
// namespace key; "name@<version>" opens a read-only snapshot.
std::string mvsqlite_namespace_key(std::string_view path);
// kInvalidArgument for an empty key, or a snapshot name ("@") opened for writing (mvsqlite drops
// writes through a snapshot silently).
Status check_mvsqlite_database_name(std::string_view path, bool read_only);

// RAII wrapper of one prepared statement. Text/blob bindings are copied (SQLITE_TRANSIENT), so
// the caller's buffers need not outlive the call. Errors carry sqlite3_errmsg and the SQL text.
class Statement {
 public:
  Statement(sqlite3_stmt* stmt, std::string sql);  // takes ownership of stmt
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameter indexes are 1-based, as in SQLite.
  Status bind(int index, int64_t value);
  Status bind(int index, double value);
  Status bind(int index, std::string_view text);
  Status bind(int index, std::span<const uint8_t> blob);
  Status bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, int64_t>) Status bind(int index, T value) {
    return bind(index, static_cast<int64_t>(value));
  }
  Status bind_null(int index);

  // Advances: true = a row is available, false = done. Errors map SQLite codes to StatusCode
  // (BUSY/LOCKED -> kBusy, FULL/IOERR/READONLY/CANTOPEN -> kIoError, CORRUPT/NOTADB ->
  // kCorruption, CONSTRAINT -> kInvalidArgument).
  Result<bool> step();
  // Runs the statement to completion, ignoring rows.
  Status run();

  // Column accessors, 0-based. REQUIRES: the last step() returned true. Views stay valid until
  // the next step()/reset().
  int column_count() const;
  bool column_is_null(int column) const;
  int64_t column_int64(int column) const;
  double column_double(int column) const;
  std::string_view column_text(int column) const;
  std::span<const uint8_t> column_blob(int column) const;

  // Ready to run again; clears the bindings.
  void reset();

  const std::string& sql() const { return sql_; }
  sqlite3_stmt* handle() { return stmt_; }

 private:
  Status error(int rc, std::string_view what) const;

  sqlite3_stmt* stmt_;
  std::string sql_;
};

class Store {
 public:
  // Opens (or creates) `path` with `options`. Errors name the path; a file that is not an SQLite
  // database fails here with kCorruption (not at the first query).
  static Result<std::unique_ptr<Store>> open(const std::string& path, const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Runs one or more ';'-separated statements, discarding rows.
  Status exec(std::string_view sql);
  // A statement for `sql`, cached per SQL text and owned by the Store; reset (bindings cleared)
  // before it is returned. Do not hold two uses of the same SQL text at once.
  Result<Statement*> prepare(std::string_view sql);

  // Runs body() between BEGIN (IMMEDIATE on the local profile) and COMMIT. When BEGIN, a
  // statement in body() or COMMIT fails with SQLITE_BUSY (body() must propagate the kBusy
  // Status), the transaction is rolled back and body() runs again from the start, up to
  // options().max_commit_retries times with a short backoff; then kBusy. body() must therefore be
  // re-runnable: it rebuilds its writes from its own in-memory state. Any other error rolls back
  // and is returned (kIoError for SQLITE_FULL/IOERR/READONLY/CANTOPEN, with SQLite's message).
  // REQUIRES: no transaction is open on this Store (not re-entrant).
  Status write_transaction(const std::function<Status()>& body);
  // A read snapshot (BEGIN DEFERRED ... COMMIT): every read in body() sees one consistent state
  // (one WAL snapshot locally; one transaction start, i.e. one round trip, on mvsqlite). Retries
  // on kBusy like write_transaction().
  Status read_transaction(const std::function<Status()>& body);

  int64_t last_insert_rowid() const;
  sqlite3* handle() { return db_; }  // escape hatch for tests
  const StoreOptions& options() const { return options_; }
  const std::string& path() const { return path_; }
  // What a reader should be told about how the file was opened ("" normally): e.g. that it was
  // opened immutable because the file or its directory is not writable.
  const std::string& notice() const { return notice_; }
  // BUSY retries so far (each ROLLBACK + re-run counts once).
  uint64_t commit_retries() const { return commit_retries_; }

 private:
  Store(sqlite3* db, std::string path, StoreOptions options);
  Status configure();
  Status configure_local();
  Status configure_mvsqlite();
  Status run_transaction(std::string_view begin_sql, const std::function<Status()>& body);
  Status attempt_transaction(std::string_view begin_sql, const std::function<Status()>& body);
  void rollback_if_active();
  Result<int64_t> query_int(std::string_view sql);
  Result<std::string> query_text(std::string_view sql);

  sqlite3* db_;
  std::string path_;
  StoreOptions options_;
  uint64_t commit_retries_ = 0;
  std::string notice_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

}  // namespace reel
