#include "reel/store/liveness.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <fstream>
#include <random>

namespace reel::schema {
namespace {

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

// Changes at every boot of a Linux machine; "" where there is none.
std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

std::string random_token() {
  std::random_device device;
  std::mt19937_64 rng((uint64_t(device()) << 32) ^ device());
  return fmt::format("{:016x}{:016x}", rng(), rng());
}

// A process that exists and is not a zombie (killed, not yet reaped by its parent: it will never
// write again).
bool process_exists(int64_t pid) {
  if (pid <= 0 || pid > INT_MAX) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) return true;  // no /proc: existence is all we know
  // "pid (comm) S ...": the state follows the last ')' (comm may hold spaces and parentheses).
  const size_t close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'Z';
}

}  // namespace

SessionOwner this_process_owner() {
  static const std::string host = host_name();
  static const std::string boot = boot_id();
  return SessionOwner{.host = host, .pid = ::getpid(), .boot_id = boot, .token = random_token()};
}

int64_t unix_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

OwnerVerdict judge_owner(const SessionRow& row, const LivenessOptions& options) {
  if (row.status != format::SessionStatus::kRecording || row.owner.host.empty()) return {};
  const SessionOwner self = this_process_owner();
  if (row.owner.host == self.host) {
    if (!row.owner.boot_id.empty() && row.owner.boot_id != self.boot_id) {
      return {true, fmt::format("host '{}' restarted since recorder process {} wrote", self.host,
                                row.owner.pid)};
    }
    if (!process_exists(row.owner.pid)) {
      return {true, fmt::format("recorder process {} on host '{}' is no longer running",
                                row.owner.pid, row.owner.host)};
    }
    return {};
  }
  const int64_t age_us = unix_now_us() - row.heartbeat_us;
  const int64_t stale_us =
      std::chrono::duration_cast<std::chrono::microseconds>(options.stale_after).count();
  if (row.heartbeat_us > 0 && age_us > stale_us) {
    return {true, fmt::format("recorder process {} on host '{}' has not written for {:.0f} s",
                              row.owner.pid, row.owner.host, static_cast<double>(age_us) / 1e6)};
  }
  return {};
}

Result<int> seal_dead_sessions(Store& store, const LivenessOptions& options) {
  REEL_ASSIGN_OR_RETURN(auto rows, list_sessions(store));
  int sealed = 0;
  for (const auto& row : rows) {
    const OwnerVerdict verdict = judge_owner(row, options);
    if (!verdict.gone) continue;
    REEL_RETURN_IF_ERROR(store.write_transaction([&]() -> Status {
      REEL_ASSIGN_OR_RETURN(Statement * st,
                            store.prepare("UPDATE sessions SET status = ?, end_reason = ? WHERE "
                                          "session_id = ? AND status = ? AND owner_token = ?"));
      REEL_RETURN_IF_ERROR(st->bind(1, int64_t(format::SessionStatus::kInterrupted)));
      REEL_RETURN_IF_ERROR(st->bind(2, verdict.why));
      REEL_RETURN_IF_ERROR(st->bind(3, row.id));
      REEL_RETURN_IF_ERROR(st->bind(4, int64_t(format::SessionStatus::kRecording)));
      REEL_RETURN_IF_ERROR(st->bind(5, row.owner.token));
      return st->run();
    }));
    ++sealed;
  }
  return sealed;
}

int settle_for_reading(const std::string& path, const StoreOptions& options,
                       const LivenessOptions& liveness) {
  if (options.profile == StorageProfile::kMvsqlite &&
      mvsqlite_namespace_key(path).find('@') != std::string::npos) {
    return 0;  // a snapshot: read-only by nature
  }
  if (options.profile == StorageProfile::kLocal && ::access(path.c_str(), W_OK) != 0) return 0;
  // Looks first through a read-only connection (which settles a hot journal or WAL, Store::open),
  // and writes only when a session's recorder is gone: a reader never changes a healthy file.
  StoreOptions reader = options;
  reader.read_only = true;
  reader.create = false;
  {
    auto store = Store::open(path, reader);
    if (!store.ok()) return 0;
    auto version = check_schema(**store);
    if (!version.ok() || *version != format::kFormatVersion) return 0;
    auto rows = list_sessions(**store);
    if (!rows.ok()) return 0;
    bool any_gone = false;
    for (const auto& row : *rows) any_gone = any_gone || judge_owner(row, liveness).gone;
    if (!any_gone) return 0;
  }
  StoreOptions writer = options;
  writer.read_only = false;
  writer.create = false;
  auto store = Store::open(path, writer);
  if (!store.ok()) return 0;
  auto sealed = seal_dead_sessions(**store, liveness);
  return sealed.ok() ? *sealed : 0;
}

Status claim_session(Store& store, int64_t session_id, const SessionOwner& owner, bool resuming) {
  REEL_ASSIGN_OR_RETURN(
      Statement * st,
      store.prepare("UPDATE sessions SET status = ?, end_reason = NULL, owner_host = ?, "
                    "owner_pid = ?, owner_boot_id = ?, owner_token = ?, heartbeat_us = ?, "
                    "resumes = resumes + ? WHERE session_id = ?"));
  REEL_RETURN_IF_ERROR(st->bind(1, int64_t(format::SessionStatus::kRecording)));
  REEL_RETURN_IF_ERROR(st->bind(2, owner.host));
  REEL_RETURN_IF_ERROR(st->bind(3, owner.pid));
  REEL_RETURN_IF_ERROR(st->bind(4, owner.boot_id));
  REEL_RETURN_IF_ERROR(st->bind(5, owner.token));
  REEL_RETURN_IF_ERROR(st->bind(6, unix_now_us()));
  REEL_RETURN_IF_ERROR(st->bind(7, int64_t{resuming ? 1 : 0}));
  REEL_RETURN_IF_ERROR(st->bind(8, session_id));
  return st->run();
}

Status end_session(Store& store, int64_t session_id, const std::string& owner_token,
                   format::SessionStatus status, const std::string& reason,
                   int64_t frames_handed_over) {
  return store.write_transaction([&]() -> Status {
    REEL_ASSIGN_OR_RETURN(
        Statement * st,
        store.prepare("UPDATE sessions SET status = ?, end_reason = ?, frames_handed_over = ?, "
                      "heartbeat_us = ? WHERE session_id = ? AND owner_token = ?"));
    REEL_RETURN_IF_ERROR(st->bind(1, int64_t(status)));
    if (reason.empty()) {
      REEL_RETURN_IF_ERROR(st->bind_null(2));
    } else {
      REEL_RETURN_IF_ERROR(st->bind(2, reason));
    }
    REEL_RETURN_IF_ERROR(st->bind(3, frames_handed_over));
    REEL_RETURN_IF_ERROR(st->bind(4, unix_now_us()));
    REEL_RETURN_IF_ERROR(st->bind(5, session_id));
    REEL_RETURN_IF_ERROR(st->bind(6, owner_token));
    return st->run();
  });
}

std::string session_status_name(format::SessionStatus status) {
  switch (status) {
    case format::SessionStatus::kRecording:
      return "recording";
    case format::SessionStatus::kClosed:
      return "closed";
    case format::SessionStatus::kInterrupted:
      return "interrupted";
    case format::SessionStatus::kFailed:
      return "failed";
  }
  return fmt::format("unknown({})", static_cast<int>(status));
}

std::string session_ending(const SessionRow& row) {
  std::string name = session_status_name(row.status);
  if (row.end_reason.empty()) return name;
  if (row.status == format::SessionStatus::kClosed)
    return fmt::format("{} ({})", name, row.end_reason);
  return fmt::format("{}: {}", name, row.end_reason);
}

}  // namespace reel::schema
