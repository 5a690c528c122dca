// A test stand-in for mvsqlite's VFS (docs/mvsqlite.md, "What can and cannot be tested"),
// layered over SQLite's "unix" VFS. It behaves like mvsqlite where Reel's code can tell:
//   - no shared-memory methods (iVersion 1 io methods), WAL files cannot be opened and
//     `PRAGMA journal_mode=WAL` fails with an error;
//   - the page size must equal the sector size (8192 unless set): a write of page 1 whose
//     page-size field differs fails with SQLITE_IOERR_WRITE (real mvsqlite aborts the process);
//   - chosen COMMITs fail with SQLITE_BUSY: the escalation to the EXCLUSIVE lock that starts a
//     commit returns SQLITE_BUSY before any database page is written; like mvsqlite, re-issuing
//     COMMIT keeps failing until the transaction is rolled back.
// Fault plans and counters are process-global (tests run sequentially).
#pragma once

#include <cstdint>

#include "reel/format/status.h"

namespace reel::testing::fake_mvsqlite {

inline constexpr const char* kVfsName = "fake-mvsqlite";

// Registers the VFS (idempotent, not as the default). kInternal if "unix" is missing.
Status register_vfs();

// The next n commit attempts fail with SQLITE_BUSY.
void fail_next_commits(int n);
// Every k-th commit attempt fails (k <= 0: off). Counts from the call.
void fail_commit_every(int k);
// The required page size (the mvsqlite sector size); 8192 by default.
void set_sector_size(int bytes);
// Clears the fault plans and counters, restores sector size 8192.
void reset();

struct Counters {
  uint64_t commits_attempted = 0;   // escalations to EXCLUSIVE on a main database
  uint64_t commits_failed = 0;      // of which failed with SQLITE_BUSY (incl. re-issued COMMITs)
  uint64_t wal_refusals = 0;        // journal_mode=WAL pragmas and WAL file opens refused
  uint64_t page_size_refusals = 0;  // page-1 writes refused for a wrong page size
};
Counters counters();

}  // namespace reel::testing::fake_mvsqlite
