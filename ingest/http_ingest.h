// The HTTP side of `reel ingest` (internal): web games POST batches of capture records to
// /records (format/FORMAT.md 10, Transport). cpp-httplib parses the requests: the connection was
// accepted (and its first 4 bytes read, to tell HTTP from a TCP record stream) by the ingest
// server, so it is handed to httplib::Server::process_request through a Stream over the socket
// that replays those bytes first. cpp-httplib 0.11 cannot be given an accepted socket otherwise.
#pragma once

#include <string>

#include <httplib.h>

#include "server_impl.h"

namespace reel::ingest_detail {

class HttpIngest : public httplib::Server {
 public:
  explicit HttpIngest(IngestServer::Impl& server);
  // Serves HTTP/1.1 requests (keep-alive) on the connection until it closes, idles or errs.
  void serve(int fd, const std::string& peer, std::string first_bytes);

 private:
  void post_records(const httplib::Request& req, httplib::Response& res);
  void log_response(const httplib::Request& req, const httplib::Response& res);
  IngestServer::Impl& server_;
};

}  // namespace reel::ingest_detail
