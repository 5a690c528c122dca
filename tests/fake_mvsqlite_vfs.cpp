#include "fake_mvsqlite_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <new>

namespace reel::testing::fake_mvsqlite {
namespace {

// Offset of the page-size field in the SQLite database header (u16 big-endian; 1 = 65536).
constexpr sqlite3_int64 kPageSizeFieldOffset = 16;

struct FaultPlan {
  std::mutex mutex;
  int fail_next = 0;
  int fail_every = 0;
  uint64_t since_every = 0;
  int sector_size = 8192;
  Counters counters;
};

FaultPlan& plan() {
  static FaultPlan p;
  return p;
}

sqlite3_vfs* unix_vfs = nullptr;

// Our file object; the underlying "unix" file lives right after it in the same allocation.
struct FakeFile {
  sqlite3_file base;
  bool main_db;
  // Set when a commit was failed; like mvsqlite, COMMIT keeps failing until the lock drops
  // below RESERVED (the transaction was rolled back).
  bool commit_poisoned;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
static_assert(alignof(FakeFile) >= alignof(sqlite3_file));

FakeFile* fake(sqlite3_file* f) {
  return reinterpret_cast<FakeFile*>(f);
}
const sqlite3_io_methods* real_methods(sqlite3_file* f) {
  return fake(f)->real()->pMethods;
}

// Decides whether this commit attempt fails, and counts it.
bool should_fail_commit() {
  FaultPlan& p = plan();
  std::lock_guard lock(p.mutex);
  ++p.counters.commits_attempted;
  bool fail = false;
  if (p.fail_next > 0) {
    --p.fail_next;
    fail = true;
  }
  if (p.fail_every > 0 && ++p.since_every % static_cast<uint64_t>(p.fail_every) == 0) fail = true;
  if (fail) ++p.counters.commits_failed;
  return fail;
}

int page_size_from_header(const uint8_t* field) {
  const int value = (field[0] << 8) | field[1];
  return value == 1 ? 65536 : value;
}

// ---- io methods (version 1: no xShmMap, so SQLite cannot use WAL) ----

int x_close(sqlite3_file* f) {
  return real_methods(f)->xClose(fake(f)->real());
}

int x_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  return real_methods(f)->xRead(fake(f)->real(), buf, amount, offset);
}

int x_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  FakeFile* file = fake(f);
  if (file->main_db && offset == 0 && amount >= kPageSizeFieldOffset + 2) {
    const int page_size = page_size_from_header(static_cast<const uint8_t*>(buf) + 16);
    FaultPlan& p = plan();
    std::lock_guard lock(p.mutex);
    if (page_size != p.sector_size) {
      ++p.counters.page_size_refusals;
      return SQLITE_IOERR_WRITE;
    }
  }
  return real_methods(f)->xWrite(file->real(), buf, amount, offset);
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real_methods(f)->xTruncate(fake(f)->real(), size);
}

int x_sync(sqlite3_file* f, int flags) {
  return real_methods(f)->xSync(fake(f)->real(), flags);
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_methods(f)->xFileSize(fake(f)->real(), size);
}

int x_lock(sqlite3_file* f, int level) {
  FakeFile* file = fake(f);
  if (file->main_db && level == SQLITE_LOCK_EXCLUSIVE) {
    if (file->commit_poisoned) {
      std::lock_guard lock(plan().mutex);
      ++plan().counters.commits_failed;
      return SQLITE_BUSY;
    }
    if (should_fail_commit()) {
      file->commit_poisoned = true;
      return SQLITE_BUSY;
    }
  }
  return real_methods(f)->xLock(file->real(), level);
}

int x_unlock(sqlite3_file* f, int level) {
  FakeFile* file = fake(f);
  if (level < SQLITE_LOCK_RESERVED) file->commit_poisoned = false;
  return real_methods(f)->xUnlock(file->real(), level);
}

int x_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_methods(f)->xCheckReservedLock(fake(f)->real(), out);
}

// Refuses `PRAGMA journal_mode=WAL` (SQLite would otherwise silently stay in DELETE mode, or use
// heap-memory WAL under locking_mode=EXCLUSIVE).
int refuse_wal_pragma(void* arg) {
  char** argv = static_cast<char**>(arg);
  if (argv[1] && argv[2] && sqlite3_stricmp(argv[1], "journal_mode") == 0 &&
      sqlite3_stricmp(argv[2], "wal") == 0) {
    {
      std::lock_guard lock(plan().mutex);
      ++plan().counters.wal_refusals;
    }
    argv[0] = sqlite3_mprintf("%s: WAL is not supported (no shared memory); use DELETE", kVfsName);
    return SQLITE_ERROR;
  }
  return SQLITE_NOTFOUND;
}

int x_file_control(sqlite3_file* f, int op, void* arg) {
  if (op == SQLITE_FCNTL_PRAGMA) {
    const int rc = refuse_wal_pragma(arg);
    if (rc != SQLITE_NOTFOUND) return rc;
  }
  return real_methods(f)->xFileControl(fake(f)->real(), op, arg);
}

int x_sector_size(sqlite3_file*) {
  std::lock_guard lock(plan().mutex);
  return plan().sector_size;
}

int x_device_characteristics(sqlite3_file* f) {
  return real_methods(f)->xDeviceCharacteristics(fake(f)->real());
}

const sqlite3_io_methods kIoMethods = {
    1,  // iVersion: no shared memory, no mmap
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved_lock,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    nullptr,  // xShmMap
    nullptr,  // xShmLock
    nullptr,  // xShmBarrier
    nullptr,  // xShmUnmap
    nullptr,  // xFetch
    nullptr,  // xUnfetch
};

// ---- vfs methods: forward to "unix" (with its own sqlite3_vfs, which it may consult) ----

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  FakeFile* file = new (f) FakeFile{};
  file->base.pMethods = nullptr;
  if (flags & SQLITE_OPEN_WAL) {
    std::lock_guard lock(plan().mutex);
    ++plan().counters.wal_refusals;
    return SQLITE_CANTOPEN;
  }
  file->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
  const int rc = unix_vfs->xOpen(unix_vfs, name, file->real(), flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  file->base.pMethods = &kIoMethods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return unix_vfs->xDelete(unix_vfs, name, sync_dir);
}
int x_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return unix_vfs->xAccess(unix_vfs, name, flags, out);
}
int x_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return unix_vfs->xFullPathname(unix_vfs, name, size, out);
}
void* x_dl_open(sqlite3_vfs*, const char* name) {
  return unix_vfs->xDlOpen(unix_vfs, name);
}
void x_dl_error(sqlite3_vfs*, int size, char* out) {
  unix_vfs->xDlError(unix_vfs, size, out);
}
void (*x_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return unix_vfs->xDlSym(unix_vfs, handle, symbol);
}
void x_dl_close(sqlite3_vfs*, void* handle) {
  unix_vfs->xDlClose(unix_vfs, handle);
}
int x_randomness(sqlite3_vfs*, int size, char* out) {
  return unix_vfs->xRandomness(unix_vfs, size, out);
}
int x_sleep(sqlite3_vfs*, int micros) {
  return unix_vfs->xSleep(unix_vfs, micros);
}
int x_current_time(sqlite3_vfs*, double* out) {
  return unix_vfs->xCurrentTime(unix_vfs, out);
}
int x_get_last_error(sqlite3_vfs*, int size, char* out) {
  return unix_vfs->xGetLastError(unix_vfs, size, out);
}
int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return unix_vfs->xCurrentTimeInt64(unix_vfs, out);
}

sqlite3_vfs fake_vfs;

}  // namespace

Status register_vfs() {
  static std::once_flag once;
  static int rc = SQLITE_OK;
  std::call_once(once, [] {
    unix_vfs = sqlite3_vfs_find("unix");
    if (unix_vfs == nullptr) {
      rc = SQLITE_ERROR;
      return;
    }
    fake_vfs = sqlite3_vfs{};
    fake_vfs.iVersion = 2;
    fake_vfs.szOsFile = static_cast<int>(sizeof(FakeFile)) + unix_vfs->szOsFile;
    fake_vfs.mxPathname = unix_vfs->mxPathname;
    fake_vfs.zName = kVfsName;
    fake_vfs.xOpen = x_open;
    fake_vfs.xDelete = x_delete;
    fake_vfs.xAccess = x_access;
    fake_vfs.xFullPathname = x_full_pathname;
    fake_vfs.xDlOpen = x_dl_open;
    fake_vfs.xDlError = x_dl_error;
    fake_vfs.xDlSym = x_dl_sym;
    fake_vfs.xDlClose = x_dl_close;
    fake_vfs.xRandomness = x_randomness;
    fake_vfs.xSleep = x_sleep;
    fake_vfs.xCurrentTime = x_current_time;
    fake_vfs.xGetLastError = x_get_last_error;
    fake_vfs.xCurrentTimeInt64 = x_current_time_int64;
    rc = sqlite3_vfs_register(&fake_vfs, /*makeDflt=*/0);
  });
  if (rc != SQLITE_OK) {
    return Status::internal("registering the {} VFS failed: {}", kVfsName, sqlite3_errstr(rc));
  }
  return Status::ok_status();
}

void fail_next_commits(int n) {
  std::lock_guard lock(plan().mutex);
  plan().fail_next = n;
}

void fail_commit_every(int k) {
  std::lock_guard lock(plan().mutex);
  plan().fail_every = k;
  plan().since_every = 0;
}

void set_sector_size(int bytes) {
  std::lock_guard lock(plan().mutex);
  plan().sector_size = bytes;
}

void reset() {
  FaultPlan& p = plan();
  std::lock_guard lock(p.mutex);
  p.fail_next = 0;
  p.fail_every = 0;
  p.since_every = 0;
  p.sector_size = 8192;
  p.counters = Counters{};
}

Counters counters() {
  std::lock_guard lock(plan().mutex);
  return plan().counters;
}

}  // namespace reel::testing::fake_mvsqlite
