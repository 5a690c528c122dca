#include "reel/store/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include <unistd.h>

namespace reel {
namespace {

// Maps an SQLite result code (extended codes allowed) to the Reel error code.
StatusCode status_code_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StatusCode::kBusy;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_NOMEM:
      return StatusCode::kIoError;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return StatusCode::kCorruption;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_ERROR:
      return StatusCode::kInvalidArgument;
    default:
      return StatusCode::kInternal;
  }
}

// SQLITE_FULL, or a write error whose system errno says the disk (or the file size limit, or the
// quota) is exhausted: SQLite reports a write that failed outright as SQLITE_IOERR_WRITE.
bool is_full(sqlite3* db, int rc) {
  if ((rc & 0xff) == SQLITE_FULL) return true;
  if ((rc & 0xff) != SQLITE_IOERR || db == nullptr) return false;
  const int err = sqlite3_system_errno(db);
  return err == ENOSPC || err == EFBIG || err == EDQUOT;
}

Status sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const char* message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  // The words "disk full: " let callers tell a full disk from other I/O errors (is_disk_full)
  // without SQLite codes.
  const char* prefix = is_full(db, rc) ? "disk full: " : "";
  return {status_code_for(rc), fmt::format("{}: {}{} (sqlite code {})", what, prefix, message, rc)};
}

// Transaction retry backoff: 1, 2, 4 ... 64 ms, with up to 50% random jitter so that two
// conflicting writers do not retry in lockstep.
void sleep_before_retry(int attempt) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int base_ms = 1 << std::min(attempt, 6);
  const int jitter_ms = static_cast<int>(rng() % static_cast<unsigned>(base_ms / 2 + 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(base_ms + jitter_ms));
}

bool is_power_of_two(int n) {
  return n > 0 && (n & (n - 1)) == 0;
}

}  // namespace

bool is_disk_full(const Status& status) {
  return status.code() == StatusCode::kIoError &&
         status.message().find("disk full: ") != std::string::npos;
}

const char* storage_profile_name(StorageProfile profile) {
  switch (profile) {
    case StorageProfile::kLocal:
      return "local";
    case StorageProfile::kMvsqlite:
      return "mvsqlite";
  }
  return "?";
}

Result<StorageProfile> parse_profile(std::string_view text) {
  if (text == "local") return StorageProfile::kLocal;
  if (text == "mvsqlite") return StorageProfile::kMvsqlite;
  return Status::invalid_argument("unknown storage profile '{}' (expected 'local' or 'mvsqlite')",
                                  text);
}

Status StoreOptions::validate() const {
  if (profile != StorageProfile::kLocal && profile != StorageProfile::kMvsqlite) {
    return Status::invalid_argument("StoreOptions.profile: unknown value {}",
                                    static_cast<int>(profile));
  }
  if (busy_timeout_ms < 0) {
    return Status::invalid_argument("StoreOptions.busy_timeout_ms must be >= 0, got {}",
                                    busy_timeout_ms);
  }
  if (max_commit_retries < 0) {
    return Status::invalid_argument("StoreOptions.max_commit_retries must be >= 0, got {}",
                                    max_commit_retries);
  }
  if (profile == StorageProfile::kMvsqlite &&
      (!is_power_of_two(page_size) || page_size < 4096 || page_size > 32768)) {
    return Status::invalid_argument(
        "StoreOptions.page_size must be an mvsqlite sector size (4096, 8192, 16384 or 32768), "
        "got {}",
        page_size);
  }
  return Status::ok_status();
}

std::string mvsqlite_namespace_key(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return std::string(path);
}

Status check_mvsqlite_database_name(std::string_view path, bool read_only) {
  const std::string key = mvsqlite_namespace_key(path);
  if (key.empty()) {
    return Status::invalid_argument("mvsqlite database name '{}' gives an empty namespace key",
                                    path);
  }
  if (!read_only && key.find('@') != std::string::npos) {
    return Status::invalid_argument(
        "mvsqlite database '{}' names a snapshot ('@version'); snapshots are read-only and "
        "mvsqlite silently drops writes through them: open it read_only",
        path);
  }
  return Status::ok_status();
}

// ---- Statement ----

Statement::Statement(sqlite3_stmt* stmt, std::string sql) : stmt_(stmt), sql_(std::move(sql)) {}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Status Statement::error(int rc, std::string_view what) const {
  return sqlite_error(sqlite3_db_handle(stmt_), rc, fmt::format("{} of \"{}\"", what, sql_));
}

Status Statement::bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  return rc == SQLITE_OK ? Status() : error(rc, fmt::format("bind parameter {}", index));
}

Status Statement::bind(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_, index, value);
  return rc == SQLITE_OK ? Status() : error(rc, fmt::format("bind parameter {}", index));
}

Status Statement::bind(int index, std::string_view text) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return rc == SQLITE_OK ? Status() : error(rc, fmt::format("bind parameter {}", index));
}

Status Statement::bind(int index, std::span<const uint8_t> blob) {
  // A null data pointer would bind NULL; an empty blob must stay an (empty) blob.
  static const uint8_t kEmpty = 0;
  const void* data = blob.empty() ? &kEmpty : blob.data();
  const int rc = sqlite3_bind_blob64(stmt_, index, data, blob.size(), SQLITE_TRANSIENT);
  return rc == SQLITE_OK ? Status() : error(rc, fmt::format("bind parameter {}", index));
}

Status Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  return rc == SQLITE_OK ? Status() : error(rc, fmt::format("bind parameter {}", index));
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status status = error(rc, "step");
  sqlite3_reset(stmt_);  // leaves the statement re-runnable after an error
  return status;
}

Status Statement::run() {
  for (;;) {
    REEL_ASSIGN_OR_RETURN(const bool has_row, step());
    if (!has_row) return Status::ok_status();
  }
}

int Statement::column_count() const {
  return sqlite3_column_count(stmt_);
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::column_double(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string_view Statement::column_text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);  // after _text, as SQLite requires
  return text ? std::string_view(text, static_cast<size_t>(size)) : std::string_view();
}

std::span<const uint8_t> Statement::column_blob(int column) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  return data ? std::span<const uint8_t>(data, static_cast<size_t>(size))
              : std::span<const uint8_t>();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

// ---- Store ----

Store::Store(sqlite3* db, std::string path, StoreOptions options)
    : db_(db), path_(std::move(path)), options_(std::move(options)) {}

Store::~Store() {
  statements_.clear();  // finalize before close
  sqlite3_close_v2(db_);
}

namespace {

// "file:" URI of a local path with SQLite's URI metacharacters escaped (immutable opens).
std::string file_uri(const std::string& path, std::string_view query) {
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      uri += fmt::format("%{:02X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      uri += c;
    }
  }
  return uri + "?" + std::string(query);
}

std::string parent_directory(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// A local file whose rollback journal or WAL still holds data: a hot journal of a killed writer
// (DELETE mode) or frames not yet checkpointed into the main file (WAL mode).
bool has_side_files(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"-journal", "-wal"}) {
    const auto size = std::filesystem::file_size(path + suffix, ec);
    if (!ec && size > 0) return true;
  }
  return false;
}

// Can this process write the file and create files beside it (journals, -shm)?
bool can_write_in_place(const std::string& path) {
  return ::access(path.c_str(), W_OK) == 0 && ::access(parent_directory(path).c_str(), W_OK) == 0;
}

Result<sqlite3*> open_connection(const std::string& name, int flags, const std::string& vfs,
                                 const StoreOptions& options, const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(name.c_str(), &db, flags, vfs.c_str());
  if (rc != SQLITE_OK) {
    Status status = sqlite_error(db, rc, fmt::format("opening store '{}' (vfs {})", path, vfs));
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  // Before the first statement: the header read (PRAGMA schema_version) already takes a lock that
  // a concurrent writer may hold. Mvsqlite writers never wait (conflicts surface at COMMIT and
  // are retried); its readers wait like local ones (a stand-in VFS may have real locks).
  const bool mvsqlite_writer = options.profile == StorageProfile::kMvsqlite && !options.read_only;
  sqlite3_busy_timeout(db, mvsqlite_writer ? 0 : options.busy_timeout_ms);
  return db;
}

// Rolls back a hot journal and checkpoints the WAL of `path` through a short read-write
// connection that changes nothing else (no journal mode, no page size): a read-only connection
// can do neither, and a killed writer leaves both behind.
Status settle_side_files(const std::string& path, const std::string& vfs,
                         const StoreOptions& options) {
  StoreOptions writer = options;
  writer.read_only = false;
  REEL_ASSIGN_OR_RETURN(
      sqlite3 * db,
      open_connection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, vfs, writer, path));
  // The first read of a connection that may write rolls a hot journal back.
  int rc = sqlite3_exec(db, "PRAGMA schema_version", nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_exec(db, "PRAGMA wal_checkpoint(PASSIVE)", nullptr, nullptr, nullptr);
  }
  Status status = rc == SQLITE_OK ? Status::ok_status()
                                  : sqlite_error(db, rc, fmt::format("recovering '{}'", path));
  sqlite3_close_v2(db);
  // Busy: a live writer holds the journal or the WAL (then nothing is hot and nothing needs
  // settling). A file that is not a database fails the same way in the read-only open that
  // follows.
  const bool harmless =
      status.code() == StatusCode::kBusy || status.code() == StatusCode::kCorruption;
  return harmless ? Status::ok_status() : status;
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path, const StoreOptions& options) {
  REEL_RETURN_IF_ERROR(options.validate().with_context(fmt::format("opening store '{}'", path)));
  const bool mvsqlite = options.profile == StorageProfile::kMvsqlite;
  if (mvsqlite) {
    REEL_RETURN_IF_ERROR(check_mvsqlite_database_name(path, options.read_only));
  } else if ((options.read_only || !options.create) && !std::filesystem::exists(path)) {
    return Status::not_found("store '{}' does not exist", path);
  }
  std::string vfs = options.vfs;
  if (vfs.empty()) vfs = mvsqlite ? "mvsqlite" : "unix";
  if (sqlite3_vfs_find(vfs.c_str()) == nullptr) {
    return Status::invalid_argument("opening store '{}': no SQLite VFS named '{}'{}", path, vfs,
                                    mvsqlite ? " (is mvsqlite's preload shim loaded?)" : "");
  }
  std::string notice;
  bool immutable = false;
  if (options.read_only && std::filesystem::exists(path)) {
    if (can_write_in_place(path)) {
      // A reader that could write settles the file first (FORMAT.md 4, "After a crash"): a
      // read-write open rolls back a hot journal at its first read (a read-only connection
      // cannot) and checkpoints the WAL, so a killed recording's frames are in the main file.
      if (options.settle_on_read && has_side_files(path)) {
        REEL_RETURN_IF_ERROR(settle_side_files(path, vfs, options));
      }
    } else if (!mvsqlite || !options.vfs.empty()) {
      // Read-only media or directory: SQLite can create neither -shm nor a journal there. An
      // immutable open reads the main file as it is, without locks.
      immutable = true;
      notice = fmt::format(
          "'{}' opened immutable (the file or its directory is not writable){}", path,
          has_side_files(path)
              ? "; its -wal/-journal file holds changes that are not read (copy the directory "
                "somewhere writable and open it there to see them)"
              : "");
    }
  }
  int flags = SQLITE_OPEN_NOMUTEX;
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0);
  }
  std::string name = path;
  if (immutable) {
    flags |= SQLITE_OPEN_URI;
    name = file_uri(path, "immutable=1");
  }
  REEL_ASSIGN_OR_RETURN(sqlite3 * db, open_connection(name, flags, vfs, options, path));
  std::unique_ptr<Store> store(new Store(db, path, options));
  store->notice_ = std::move(notice);
  REEL_RETURN_IF_ERROR(store->configure().with_context(
      fmt::format("opening store '{}' ({} profile)", path, storage_profile_name(options.profile))));
  return store;
}

Status Store::configure() {
  // Forces the header read, so that a non-database file fails here and not at first use.
  auto schema_version = query_int("PRAGMA schema_version");
  if (!schema_version.ok()) {
    if (schema_version.status().code() == StatusCode::kCorruption) {
      return Status::corruption("'{}' is not a valid SQLite database: {}", path_,
                                schema_version.status().message());
    }
    return schema_version.status();
  }
  return options_.profile == StorageProfile::kMvsqlite ? configure_mvsqlite() : configure_local();
}

Status Store::configure_local() {
  if (options_.read_only) return Status::ok_status();  // WAL mode is persistent in the file
  REEL_ASSIGN_OR_RETURN(const std::string mode, query_text("PRAGMA journal_mode=WAL"));
  if (mode != "wal") {
    return Status::unsupported(
        "journal_mode=WAL was refused (journal mode stays '{}'); is the "
        "VFS '{}' able to share memory?",
        mode, options_.vfs.empty() ? "unix" : options_.vfs);
  }
  REEL_RETURN_IF_ERROR(exec("PRAGMA synchronous=NORMAL"));
  // Frames a killed writer left in the WAL go into the main file now (PASSIVE never waits for
  // or blocks a live writer; what it cannot copy yet stays in the WAL, which SQLite reads).
  return exec("PRAGMA wal_checkpoint(PASSIVE)");
}

Status Store::configure_mvsqlite() {
  REEL_ASSIGN_OR_RETURN(const int64_t page_count, query_int("PRAGMA page_count"));
  if (page_count == 0 && !options_.read_only) {
    // Takes effect when the first table is created; only possible on an empty database.
    REEL_RETURN_IF_ERROR(exec(fmt::format("PRAGMA page_size={}", options_.page_size)));
  }
  REEL_ASSIGN_OR_RETURN(const int64_t page_size, query_int("PRAGMA page_size"));
  if (page_count > 0 && page_size != options_.page_size) {
    return Status::unsupported(
        "database has page size {} but the mvsqlite profile needs {} (the mvsqlite sector "
        "size); refusing to change it (mvsqlite aborts on a page size change)",
        page_size, options_.page_size);
  }
  if (options_.read_only) return Status::ok_status();
  REEL_ASSIGN_OR_RETURN(const std::string mode, query_text("PRAGMA journal_mode=DELETE"));
  if (mode != "delete") {
    return Status::unsupported("journal_mode=DELETE was refused (journal mode stays '{}')", mode);
  }
  return Status::ok_status();
}

Status Store::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::ok_status();
  Status status{status_code_for(rc), fmt::format("\"{}\": {}{} (sqlite code {})", text,
                                                 is_full(db_, rc) ? "disk full: " : "",
                                                 message ? message : sqlite3_errstr(rc), rc)};
  sqlite3_free(message);
  return status;
}

Result<Statement*> Store::prepare(std::string_view sql) {
  std::string key(sql);
  auto it = statements_.find(key);
  if (it != statements_.end()) {
    it->second->reset();
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    Status status = sqlite_error(db_, rc, fmt::format("prepare \"{}\"", key));
    sqlite3_finalize(stmt);
    return status;
  }
  if (stmt == nullptr) return Status::invalid_argument("prepare \"{}\": no statement", key);
  auto statement = std::make_unique<Statement>(stmt, key);
  Statement* raw = statement.get();
  statements_.emplace(std::move(key), std::move(statement));
  return raw;
}

Result<int64_t> Store::query_int(std::string_view sql) {
  REEL_ASSIGN_OR_RETURN(Statement * statement, prepare(sql));
  REEL_ASSIGN_OR_RETURN(const bool has_row, statement->step());
  if (!has_row) return Status::internal("\"{}\" returned no row", sql);
  const int64_t value = statement->column_int64(0);
  statement->reset();
  return value;
}

Result<std::string> Store::query_text(std::string_view sql) {
  REEL_ASSIGN_OR_RETURN(Statement * statement, prepare(sql));
  REEL_ASSIGN_OR_RETURN(const bool has_row, statement->step());
  if (!has_row) return Status::internal("\"{}\" returned no row", sql);
  std::string value(statement->column_text(0));
  statement->reset();
  return value;
}

void Store::rollback_if_active() {
  if (sqlite3_get_autocommit(db_) == 0) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

// One try: BEGIN, body, COMMIT. On any failure the transaction is rolled back.
Status Store::attempt_transaction(std::string_view begin_sql, const std::function<Status()>& body) {
  Status status = exec(begin_sql);
  if (status.ok()) status = body();
  if (status.ok()) status = exec("COMMIT");
  if (!status.ok()) rollback_if_active();
  return status;
}

Status Store::run_transaction(std::string_view begin_sql, const std::function<Status()>& body) {
  if (sqlite3_get_autocommit(db_) == 0) {
    return Status::internal("store '{}': a transaction is already open (not re-entrant)", path_);
  }
  for (int attempt = 0;; ++attempt) {
    Status status = attempt_transaction(begin_sql, body);
    if (status.code() != StatusCode::kBusy) return status;
    if (attempt >= options_.max_commit_retries) {
      return Status::busy("store '{}': transaction still conflicting after {} retries: {}", path_,
                          options_.max_commit_retries, status.message());
    }
    ++commit_retries_;
    sleep_before_retry(attempt);
  }
}

Status Store::write_transaction(const std::function<Status()>& body) {
  const bool local = options_.profile == StorageProfile::kLocal;
  return run_transaction(local ? "BEGIN IMMEDIATE" : "BEGIN", body);
}

Status Store::read_transaction(const std::function<Status()>& body) {
  return run_transaction("BEGIN DEFERRED", body);
}

int64_t Store::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

}  // namespace reel
