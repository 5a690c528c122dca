// Session liveness (FORMAT.md 5, "Liveness and endings"): telling a live recording from one whose
// recorder is gone, on a local file and on mvsqlite alike (no reliance on POSIX locks), sealing
// the dead ones, and recording how a session ended.
//
// Design: a recorder writes its owner (host, pid, boot id, a random token) into its session row
// and refreshes `heartbeat_us` with every commit (and at least every heartbeat interval while
// idle). An opener judges a `recording` session:
//   - same host and boot: the recorder is alive while its process exists (kill(pid, 0));
//   - same host, other boot: the machine restarted since, so it is gone;
//   - another host (mvsqlite: several servers share one store): alive while its heartbeat is
//     younger than LivenessOptions::stale_after.
// A session whose recorder is gone is sealed `interrupted` with the reason; the UPDATE names the
// owner's token, so a session resumed meanwhile by another recorder is left alone.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "reel/store/schema.h"
#include "reel/format/status.h"
#include "reel/store/store.h"

namespace reel::schema {

struct LivenessOptions {
  // A recorder on another host is presumed gone when its heartbeat is older than this.
  std::chrono::milliseconds stale_after{60'000};
};

// The owner a Recorder of this process writes (a fresh random token per call).
SessionOwner this_process_owner();
// The current time as stored in heartbeat_us (Unix epoch, microseconds).
int64_t unix_now_us();

struct OwnerVerdict {
  bool gone = false;
  std::string why;  // for a gone owner: "recorder process 123 on host 'h' is no longer running"
};
// Judges a session's recorder (meaningful for status kRecording only). Sessions without an owner
// (before format version 4) are not judged gone: nothing says so.
OwnerVerdict judge_owner(const SessionRow& row, const LivenessOptions& options = {});

// Writer: seals every `recording` session whose recorder is gone as interrupted, with the reason
// as end_reason. Returns how many it sealed. Reads first and writes only when one is found.
// REQUIRES: the database is at the current format version.
[[nodiscard]] Result<int> seal_dead_sessions(Store& store, const LivenessOptions& options = {});

// Best effort for readers: when the database at `path` can be opened for writing and is at the
// current format version, rolls back / checkpoints (Store::open) and seals dead sessions; does
// nothing otherwise (read-only media, older versions, snapshots). Never fails the caller's read:
// returns what it sealed, 0 when it could not look.
int settle_for_reading(const std::string& path, const StoreOptions& options,
                       const LivenessOptions& liveness = {});

// Writer: makes `owner` the session's recorder (status recording, no end reason, heartbeat now).
// Call inside a write transaction.
[[nodiscard]] Status claim_session(Store& store, int64_t session_id, const SessionOwner& owner,
                                   bool resuming);
// Writer: ends the session with `status` and `reason` ("" = none) and the final handed-over
// count, if `owner_token` still owns it. Runs its own write transaction.
[[nodiscard]] Status end_session(Store& store, int64_t session_id, const std::string& owner_token,
                                 format::SessionStatus status, const std::string& reason,
                                 int64_t frames_handed_over);

// "recording" | "closed" | "interrupted" | "failed" | "unknown(N)".
std::string session_status_name(format::SessionStatus status);
// How a session ended, for people: "closed", "closed (signal SIGTERM)", "failed: disk full",
// "interrupted: recorder process 123 on host 'h' is no longer running", "recording".
std::string session_ending(const SessionRow& row);

}  // namespace reel::schema
