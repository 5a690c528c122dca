// A TCP game (StreamPeer.put_var): u32 LE length + var_to_bytes per record, the header record
// first. Each record is read whole (within record_timeout), checked by the session's
// CaptureDecoder and recorded; the first bad one closes the connection and the session, keeping
// every frame before it.
#include <fmt/core.h>

#include "server_impl.h"

namespace reel {
namespace {

using namespace ingest_detail;

std::string kept_frames(int64_t n) {
  return n == 0 ? "no frame" : n == 1 ? "frame 0" : fmt::format("frames 0..{}", n - 1);
}

// Reads one record's value whose length is known, growing `buffer` only as bytes arrive (a
// length prefix alone never allocates its claim).
IoResult read_value(int fd, uint32_t length, std::vector<uint8_t>& buffer, Deadline deadline,
                    const std::atomic<bool>& stopping) {
  constexpr size_t kStep = 64 * 1024;
  buffer.clear();
  while (buffer.size() < length) {
    const size_t before = buffer.size();
    const size_t want = std::min<size_t>(kStep, length - before);
    buffer.resize(before + want);
    size_t got = 0;
    const IoResult r = read_some(fd, buffer.data() + before, want, got, deadline, stopping);
    buffer.resize(before + got);
    if (r != IoResult::kOk) return r;
  }
  return IoResult::kOk;
}

// One TCP game's stream: the reading state and how it ends.
class TcpGame {
 public:
  TcpGame(IngestServer::Impl& server, int fd, std::string peer)
      : server_(server), fd_(fd), peer_(std::move(peer)) {}

  void run(const uint8_t first4[4]) {
    uint8_t len_bytes[4] = {first4[0], first4[1], first4[2], first4[3]};
    bool have_length = true;
    while (true) {
      const auto now = std::chrono::steady_clock::now();
      if (!have_length) {
        // Between records the game may be quiet for idle_timeout; a close there is clean.
        size_t got = 0;
        const IoResult first =
            read_some(fd_, len_bytes, 1, got, now + server_.options.idle_timeout, server_.stopping);
        if (first != IoResult::kOk) return end_between_records(first);
        const IoResult r = read_exact(
            fd_, len_bytes + 1, 3,
            std::chrono::steady_clock::now() + server_.options.record_timeout, server_.stopping);
        if (r != IoResult::kOk) return fail_io(r, "in a record's length");
      }
      have_length = false;
      const uint32_t length = len_bytes[0] | (len_bytes[1] << 8) | (len_bytes[2] << 16) |
                              (static_cast<uint32_t>(len_bytes[3]) << 24);
      if (length > server_.options.max_record_bytes) {
        fail(fmt::format("record of {} bytes is over the limit of {} (--max-record)", length,
                         server_.options.max_record_bytes));
        return;
      }
      const IoResult r = read_value(
          fd_, length, buffer_, std::chrono::steady_clock::now() + server_.options.record_timeout,
          server_.stopping);
      if (r != IoResult::kOk) return fail_io(r, fmt::format("in a record of {} bytes", length));
      if (!accept_record()) return;
      offset_ += 4 + static_cast<int64_t>(length);
    }
  }

 private:
  // Decodes and records the record in buffer_; false (after failing) when it is refused.
  bool accept_record() {
    if (!session_) return accept_header();
    auto record = session_->decoder.decode(buffer_);
    if (!record.ok()) return fail(fmt::format("the record {}", record.status().message()));
    std::string refused;  // fail() closes the session, which takes its lock: call it after
    {
      std::lock_guard lock(session_->mu);
      if (Status valid = session_->decoder.accept_frame(*record, frame_); !valid.ok()) {
        refused = valid.message();
      } else if (Status recorded = session_->feeder.feed(frame_); !recorded.ok()) {
        refused = fmt::format("recording failed: {}", recorded.message());
      }
    }
    if (!refused.empty()) return fail(refused);
    ++server_.frames_accepted;
    return true;
  }

  bool accept_header() {
    CaptureDecoder decoder;
    auto record = decoder.decode(buffer_);
    if (!record.ok()) return fail(fmt::format("the header record {}", record.status().message()));
    const auto dialect = capture_dialect_of(buffer_).value_or(GodotDialect::kGodot4);
    const Status header = decoder.accept_header(*record, dialect);
    if (!header.ok()) return fail(header.message());
    if (!server_.token_ok(decoder.header().token)) {
      return fail(decoder.header().token.empty() ? "no 'token' in the header record (--token)"
                                                 : "wrong 'token' in the header record");
    }
    std::string renamed_from;
    auto session = server_.sessions.open(std::move(decoder), peer_, "tcp", "", renamed_from);
    if (!session.ok()) return fail(fmt::format("no session: {}", session.status().message()));
    session_ = *session;
    server_.log(fmt::format("ingest: tcp {}: session '{}' started{}", peer_, session_->name,
                            renamed_from.empty()
                                ? std::string()
                                : fmt::format(" (the name '{}' was taken)", renamed_from)));
    return true;
  }

  int64_t frames() const { return session_ ? session_->decoder.frames_accepted() : 0; }

  std::string kept() const {
    return session_ ? fmt::format("session '{}' keeps {}", session_->name, kept_frames(frames()))
                    : "no session was started";
  }

  // The game closed at a record boundary, went idle, or the server stops.
  void end_between_records(IoResult r) {
    if (r == IoResult::kTimeout) {
      fail(fmt::format("idle for {} ms", server_.options.idle_timeout.count()));
      return;
    }
    // Stopping: IngestServer::stop closes every session with its own reason (the signal).
    if (r == IoResult::kStopping) return;
    const std::string reason = "game disconnected";
    if (session_) {
      (void)server_.sessions.close(*session_, reason);
      server_.log(fmt::format("ingest: tcp {}: session '{}' closed ({}): {}", peer_, session_->name,
                              reason, kept_frames(frames())));
    }
  }

  void fail_io(IoResult r, const std::string& where) {
    if (r == IoResult::kStopping) return end_between_records(r);
    if (r == IoResult::kTimeout) {
      return (void)fail(fmt::format("too slow: a record not whole after {} ms {}",
                                    server_.options.record_timeout.count(), where));
    }
    (void)fail(fmt::format("connection lost {}", where));
  }

  // Logs why the connection closes (peer, byte offset, frame) and closes the session cleanly.
  bool fail(const std::string& why) {
    ++server_.connections_failed;
    const std::string what = session_ ? fmt::format("frame {}", frames()) : "header record";
    server_.log(fmt::format("ingest: tcp {}: byte {}: {}: {}; connection closed, {}", peer_,
                            offset_, what, why, kept()));
    if (session_) {
      (void)server_.sessions.close(*session_,
                                   fmt::format("ingest: byte {}: {}: {}", offset_, what, why));
    }
    return false;
  }

  IngestServer::Impl& server_;
  const int fd_;
  const std::string peer_;
  int64_t offset_ = 0;  // byte offset of the record being read, from the connection's start
  std::shared_ptr<GameSession> session_;
  std::vector<uint8_t> buffer_;
  Frame frame_;
};

}  // namespace

void IngestServer::Impl::run_tcp(int fd, const std::string& peer, const uint8_t first4[4]) {
  TcpGame(*this, fd, peer).run(first4);
}

}  // namespace reel
