// `reel serve`: a read-only HTTP/1.1 server over one Reel database (README, "Serving over HTTP").
//
// Endpoints (all GET, JSON unless said; errors are JSON {"error", "status", ...}):
//   /v1/sessions                                  the sessions of the database
//   /v1/sessions/NAME                             one session's summary
//   /v1/sessions/NAME/events?from=&to=&name=      events in a frame range
//   /v1/sessions/NAME/frames/F/state?format=var|json&godot=4|3
//                                                 the state at frame F (or `last`): FORMAT.md 8
//   /v1/sessions/NAME/frames/F/entities/ID?format=...
//                                                 one entity at frame F (or `last`): FORMAT.md 8
//   /v1/sessions/NAME/varstream?from=&to=&godot=&reset_interval=
//                                                 frames as a varstream (FORMAT.md 9)
//   /v1/sessions/NAME/follow?from=F&wait=S        long poll: PLAY.md records of the frames from F
//   /v1/sessions/NAME/live?from=F                 the same as one chunked stream, as frames commit
//
// Sessions are looked up by name in the catalog of the one database given at start: nothing in a
// request names a file. Replayers are pooled per session and reused across requests (a Replayer
// is single-threaded: each request leases one), so a state request costs a seek, not an open.
//
// Threads: listen() blocks in the calling thread and serves from a pool of `threads` workers;
// stop() may be called from any thread (or a signal-watching thread) and makes listen() return.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "reel/format/status.h"
#include "reel/replay/replayer.h"

namespace reel::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";  // loopback unless asked otherwise
  int port = 0;                    // 0: an ephemeral port (bound_port() tells which)
  // Origins allowed by CORS ("*" for any). Empty: no CORS headers, preflights refused.
  std::vector<std::string> cors_origins;
  // When set, every request but a CORS preflight needs `Authorization: Bearer <token>`.
  std::string token;
  // Worker threads: requests served at once (an idle keep-alive connection holds one).
  int threads = 64;
  // Seconds a client may take to send a request / receive a response, and keep a connection idle.
  int read_timeout_s = 5;
  int write_timeout_s = 5;
  int keep_alive_s = 5;
  // Requests a client may make on one connection before it is closed.
  int keep_alive_max_requests = 10000;
  // Largest request body accepted (every endpoint is a GET: a body is refused beyond this).
  size_t max_request_bytes = 16u << 10;
  // Requests per second per client address (token bucket, bursts of one second's worth); 0: none.
  double rate_per_client = 50000;
  // Largest frame range of one varstream / follow response, and its byte size.
  int64_t max_frames_per_response = 36000;
  size_t max_response_bytes = 256u << 20;
  // Varstream responses built at once (each may hold up to max_response_bytes). Open /live
  // streams and waiting /follow polls, which hold a worker each, are limited to threads / 4.
  int max_concurrent_streams = 4;
  // Longest long-poll wait and longest live stream, seconds.
  double max_wait_s = 30;
  double max_live_s = 3600;
  // Replayers kept idle per session (more are opened while more requests run at once), and the
  // cache budget of each (ReplayOptions::cache_budget_bytes).
  int pool_idle_per_session = 8;
  size_t replayer_cache_bytes = 8u << 20;
  ReplayOptions replay;  // storage profile, VFS
  // One line per refused request or failure ("serve: 401 GET /v1/... from 127.0.0.1: ..."),
  // and per request when log_requests. Empty: stderr.
  std::function<void(const std::string& line)> log;
  bool log_requests = false;
};

class Server {
 public:
  // Checks that `db_path` opens read-only as a Reel database (kNotFound / kInvalidArgument naming
  // it) and binds the address (kIoError naming it when taken or not allowed).
  [[nodiscard]] static Result<std::unique_ptr<Server>> create(const std::string& db_path,
                                                              const ServeOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int bound_port() const;
  // Serves until stop(). kIoError when the listening socket fails.
  [[nodiscard]] Status listen();
  void stop();

 private:
  class Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reel::serve
