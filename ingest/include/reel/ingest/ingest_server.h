// IngestServer: records what running games send (`reel ingest`, README "Ingest"). One listening
// socket takes both transports of format/FORMAT.md 10: a connection whose first 4 bytes read as a
// u32 LE length no larger than max_record_bytes is a TCP stream of StreamPeer.put_var records
// (desktop Godot); one whose first bytes are an HTTP method is HTTP/1.1 (web exports POST batches
// of whole records to /records). Each game is its own session, recorded by its own
// reel::Recorder (unchanged: bounded queue, group commit, blocking backpressure, so a game that
// sends faster than the disk takes is slowed down by TCP, never dropped).
//
// Threads: one accept thread, one thread per connection (at most max_connections; more are
// refused at once), one thread closing idle web sessions, plus each Recorder's writer. A bad
// record closes only its connection; the game's frames before it stay recorded and its session is
// closed with the reason. stop() closes every connection and every session cleanly.
//
// Example:
//   reel::IngestOptions options;          // loopback, ephemeral port
//   auto server = reel::IngestServer::start("games.reel", options);
//   std::printf("%s\n", (*server)->address().c_str());
//   ...
//   (*server)->stop("signal SIGTERM");
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "reel/format/status.h"
#include "reel/recorder/recorder.h"

namespace reel {

struct IngestOptions {
  std::string host = "127.0.0.1";  // loopback by default
  int port = 0;                    // 0: an ephemeral port (address() tells it)
  // Largest record (its var_to_bytes value, after the u32 length). Must stay below 0x20202020
  // (an HTTP request's first 4 bytes read as a length) so that sniffing is unambiguous.
  uint32_t max_record_bytes = 16u << 20;
  int max_connections = 256;  // connections open at once; more are refused (closed) at once
  int max_sessions = 512;     // live sessions (TCP games + web games) at once
  // A connection that sends nothing for this long (between records, or between HTTP requests)
  // is closed; its session is closed cleanly.
  std::chrono::milliseconds idle_timeout{10000};
  // Once a record (or an HTTP request) has started, all of it must arrive within this time: a
  // slow client cannot hold a connection by trickling bytes.
  std::chrono::milliseconds record_timeout{10000};
  size_t max_http_body_bytes = 64u << 20;
  // A web game's session stays open between batches; it is closed after this long without one.
  std::chrono::milliseconds web_session_idle{10000};
  std::string token;        // non-empty: required (HTTP: Authorization: Bearer; TCP: header field)
  std::string cors_origin;  // non-empty: Access-Control-Allow-Origin for HTTP (and preflight)
  RecorderOptions recorder;
  // One log line per call (no newline), from any thread; default: stderr.
  std::function<void(const std::string&)> log;

  [[nodiscard]] Status validate() const;
};

struct IngestStats {
  int64_t connections_accepted = 0;
  int64_t connections_refused = 0;  // over max_connections
  int64_t connections_failed = 0;   // closed for a bad record, a time-out, a bad token ...
  int64_t open_connections = 0;
  int64_t sessions_opened = 0;
  int64_t live_sessions = 0;
  int64_t frames_accepted = 0;   // handed to a recorder
  int64_t duplicate_frames = 0;  // skipped in retried HTTP batches
  int64_t http_batches = 0;      // accepted POSTs
  int64_t cors_preflights = 0;   // OPTIONS /records answered
  // Summed over every session's recorder (closed ones included).
  int64_t frames_committed = 0;
  int64_t frames_dropped = 0;
  // Frames handed over but not yet committed, over every live session, now.
  int64_t queued_frames = 0;
};

class IngestServer {
 public:
  // Binds, starts accepting and returns. Errors: the address cannot be bound, bad options.
  [[nodiscard]] static Result<std::unique_ptr<IngestServer>> start(const std::string& db_path,
                                                                   const IngestOptions& options);
  ~IngestServer();  // stop("server stopped") if still running
  IngestServer(const IngestServer&) = delete;
  IngestServer& operator=(const IngestServer&) = delete;

  std::string address() const;  // "127.0.0.1:PORT" as bound
  int port() const;
  // Stops accepting, closes every connection, then closes every session with `reason` as its
  // end_reason (every frame handed over committed). Idempotent.
  void stop(std::string_view reason);
  IngestStats stats() const;

  class Impl;

 private:
  explicit IngestServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reel
