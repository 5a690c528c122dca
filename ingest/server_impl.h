// IngestServer's insides (internal to reel_ingest): shared by the accept loop
// (ingest_server.cpp), the TCP record reader (tcp_ingest.cpp) and the HTTP side (http_ingest.cpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "game_sessions.h"
#include "reel/ingest/ingest_server.h"
#include "socket_io.h"

namespace reel::ingest_detail {
class HttpIngest;
}

namespace reel {

class IngestServer::Impl {
 public:
  Impl(std::string db_path, IngestOptions options);
  ~Impl();

  [[nodiscard]] Status bind_and_listen();
  void start_threads();
  void stop(std::string_view reason);
  IngestStats stats() const;
  void log(const std::string& line) const;

  // A connection whose first 4 bytes said it is a TCP record stream (tcp_ingest.cpp).
  void run_tcp(int fd, const std::string& peer, const uint8_t first4[4]);
  // Whether `token` is the configured one (always true when none is configured).
  bool token_ok(const std::string& token) const;

  const std::string db_path;
  const IngestOptions options;
  ingest_detail::SessionRegistry sessions;
  std::atomic<bool> stopping{false};
  std::string address;
  int port = 0;

  std::atomic<int64_t> connections_accepted{0}, connections_refused{0}, connections_failed{0},
      open_connections{0}, frames_accepted{0}, duplicate_frames{0}, http_batches{0},
      cors_preflights{0};

 private:
  struct Connection {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  void accept_loop();
  void reap_loop();
  void handle(Connection& connection);
  void join_finished_connections();

  int listen_fd_ = -1;
  std::thread accept_thread_, reap_thread_;
  std::mutex connections_mu_;
  std::list<Connection> connections_;  // stable addresses: each thread refers to its entry
  std::unique_ptr<ingest_detail::HttpIngest> http_;
  std::mutex stop_mu_;
  bool stopped_ = false;
};

}  // namespace reel
