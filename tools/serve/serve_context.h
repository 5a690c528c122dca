// What every request handler of reel_serve shares, and the JSON error replies.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "reel/format/status.h"
#include "reel/serve/server.h"
#include "session_pool.h"

namespace reel::serve {

// Counts holders of a bounded resource; try_acquire fails at the limit.
class Slots {
 public:
  explicit Slots(int limit) : limit_(limit) {}
  bool try_acquire() {
    int now = used_.load();
    while (now < limit_) {
      if (used_.compare_exchange_weak(now, now + 1)) return true;
    }
    return false;
  }
  void release() { --used_; }

 private:
  int limit_;
  std::atomic<int> used_{0};
};

struct ServeContext {
  ServeContext(std::string db, const ServeOptions& opts)
      : db_path(std::move(db)),
        options(opts),
        sessions(db_path, options),
        streams(opts.max_concurrent_streams),
        live_streams(std::max(1, opts.threads / 4)) {}
  std::string db_path;
  ServeOptions options;
  SessionDirectory sessions;
  Slots streams;       // varstream responses being built
  Slots live_streams;  // open /live streams and waiting /follow polls (each holds a worker)
  std::atomic<bool> stopping{false};

  void log(const std::string& line) const;
};

// The reply to a failed request: JSON {"error": message, "status": code[, "session"][, "frame"]}
// with the HTTP status for the Status code (kNotFound 404, kOutOfRange 416, kInvalidArgument 400,
// kCorruption 500 with "damaged": true, kBusy 503, others 500).
void reply_status(httplib::Response& res, const Status& status, const std::string& session = {},
                  std::optional<int64_t> frame = std::nullopt);
void reply_error(httplib::Response& res, int http_status, const std::string& message);
int http_status_of(const Status& status);

// Registers the endpoints of server.h on `server`.
void add_routes(httplib::Server& server, ServeContext& context);

}  // namespace reel::serve
