#include "http_ingest.h"

#include <algorithm>
#include <cstring>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace reel::ingest_detail {
namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// An accepted socket as an httplib::Stream: the bytes already read from it come first; reads
// are buffered; every read and write ends at the request's deadline or when the server stops.
class SocketStream : public httplib::Stream {
 public:
  SocketStream(int fd, std::string peer, std::string first_bytes, const std::atomic<bool>& stopping)
      : fd_(fd), peer_(std::move(peer)), buffer_(std::move(first_bytes)), stopping_(stopping) {}

  void set_deadline(Deadline deadline) { deadline_ = deadline; }
  bool has_buffered() const { return pos_ < buffer_.size(); }

  bool is_readable() const override {
    return has_buffered() || wait_readable(fd_, deadline_, stopping_) == IoResult::kOk;
  }
  bool is_writable() const override { return !stopping_.load(); }
  ssize_t read(char* out, size_t n) override {
    if (!has_buffered()) {
      buffer_.resize(16 * 1024);
      size_t got = 0;
      const IoResult r = read_some(fd_, reinterpret_cast<uint8_t*>(buffer_.data()), buffer_.size(),
                                   got, deadline_, stopping_);
      buffer_.resize(got);
      pos_ = 0;
      if (r != IoResult::kOk) return -1;
    }
    const size_t k = std::min(n, buffer_.size() - pos_);
    std::memcpy(out, buffer_.data() + pos_, k);
    pos_ += k;
    return static_cast<ssize_t>(k);
  }
  ssize_t write(const char* data, size_t n) override {
    return write_all(fd_, data, n, deadline_, stopping_) == IoResult::kOk ? static_cast<ssize_t>(n)
                                                                          : -1;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    const size_t colon = peer_.rfind(':');
    ip = peer_.substr(0, colon);
    port = std::atoi(peer_.c_str() + colon + 1);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    const std::string local = socket_address(fd_, /*local=*/true);
    const size_t colon = local.rfind(':');
    ip = local.substr(0, colon);
    port = std::atoi(local.c_str() + colon + 1);
  }
  socket_t socket() const override { return fd_; }

 private:
  const int fd_;
  const std::string peer_;
  std::string buffer_;
  size_t pos_ = 0;
  Deadline deadline_ = Clock::now();
  const std::atomic<bool>& stopping_;
};

// Set by a handler that wants the connection closed after its response (a refused batch).
thread_local bool t_close_connection = false;

void reply(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

std::string peer_of(const httplib::Request& req) {
  return fmt::format("{}:{}", req.remote_addr, req.remote_port);
}

// The records of a POST body, one at a time, with the byte offset of each.
class BatchRecords {
 public:
  BatchRecords(const std::string& body, uint32_t max_record)
      : body_(body), max_record_(max_record) {}
  bool done() const { return offset_ == body_.size(); }
  size_t offset() const { return offset_; }
  // The next record's value, or an error naming the problem (not the offset: the caller's).
  Result<std::span<const uint8_t>> next() {
    const size_t left = body_.size() - offset_;
    if (left < 4) return Status::corruption("truncated: {} of the 4 length bytes", left);
    const auto* b = reinterpret_cast<const uint8_t*>(body_.data()) + offset_;
    const uint32_t n = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
    if (n > max_record_) {
      return Status::corruption("record of {} bytes is over the limit of {} (--max-record)", n,
                                max_record_);
    }
    if (n > left - 4) {
      return Status::corruption("truncated: its length says {} bytes, {} left", n, left - 4);
    }
    current_ = offset_;
    offset_ += 4 + n;
    return std::span<const uint8_t>(b + 4, n);
  }
  size_t current() const { return current_; }

 private:
  const std::string& body_;
  const uint32_t max_record_;
  size_t offset_ = 0, current_ = 0;
};

}  // namespace

HttpIngest::HttpIngest(IngestServer::Impl& server) : server_(server) {
  const IngestOptions& o = server.options;
  set_payload_max_length(o.max_http_body_bytes);
  set_keep_alive_max_count(1000);
  if (!o.cors_origin.empty()) {
    set_default_headers({{"Access-Control-Allow-Origin", o.cors_origin}, {"Vary", "Origin"}});
  }
  Options("/records", [this](const httplib::Request&, httplib::Response& res) {
    ++server_.cors_preflights;
    res.status = 204;
    res.set_header("Access-Control-Allow-Methods", "POST, OPTIONS");
    res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
    res.set_header("Access-Control-Max-Age", "600");
  });
  Post("/records",
       [this](const httplib::Request& req, httplib::Response& res) { post_records(req, res); });
  set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    log_response(req, res);
  });
}

void HttpIngest::log_response(const httplib::Request& req, const httplib::Response& res) {
  if (res.status < 400) return;
  ++server_.connections_failed;
  std::string why = res.body;
  if (res.status == 413) {
    why = fmt::format("body over the limit of {} bytes (--max-body)",
                      server_.options.max_http_body_bytes);
  } else if (res.status == 404) {
    why = "no such endpoint (POST /records, OPTIONS /records)";
  } else if (auto parsed = Json::parse(res.body, nullptr, false);
             !parsed.is_discarded() && parsed.contains("error")) {
    why = parsed["error"].get<std::string>();
    if (parsed.contains("session") && parsed.contains("next_frame") && t_close_connection) {
      const int64_t kept = parsed["next_frame"].get<int64_t>();
      why += fmt::format("; connection closed, session '{}' keeps {}",
                         parsed["session"].get<std::string>(),
                         kept == 0   ? std::string("no frame")
                         : kept == 1 ? std::string("frame 0")
                                     : fmt::format("frames 0..{}", kept - 1));
    }
  }
  server_.log(fmt::format("ingest: http {}: {} {}: {} {}", peer_of(req), req.method, req.path,
                          res.status, why));
}

void HttpIngest::serve(int fd, const std::string& peer, std::string first_bytes) {
  SocketStream stream(fd, peer, std::move(first_bytes), server_.stopping);
  for (int request = 0; !server_.stopping.load(); ++request) {
    if (request > 0 && !stream.has_buffered()) {
      // Keep-alive: the next request may come within idle_timeout.
      if (wait_readable(fd, Clock::now() + server_.options.idle_timeout, server_.stopping) !=
          IoResult::kOk) {
        return;
      }
    }
    stream.set_deadline(Clock::now() + server_.options.record_timeout);
    t_close_connection = false;
    bool closed = false;
    if (!process_request(stream, /*close_connection=*/false, closed, [](httplib::Request&) {})) {
      return;
    }
    if (closed || t_close_connection) return;
  }
}

void HttpIngest::post_records(const httplib::Request& req, httplib::Response& res) {
  const IngestOptions& o = server_.options;
  if (!o.token.empty()) {
    const std::string auth = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (auth.rfind(prefix, 0) != 0) {
      return reply(res, 401, {{"error", "no bearer token (Authorization: Bearer ...)"}});
    }
    if (!server_.token_ok(auth.substr(prefix.size()))) {
      return reply(res, 401, {{"error", "wrong bearer token"}});
    }
  }
  const std::string peer = peer_of(req);
  BatchRecords records(req.body, o.max_record_bytes);
  // A refused record: the batch's frames before it are recorded, the session is closed.
  auto refuse = [&](int status, const std::string& what, const std::string& why,
                    const std::shared_ptr<GameSession>& session) {
    t_close_connection = true;
    Json body{{"error", fmt::format("byte {}: {}: {}", records.current(), what, why)}};
    if (session) {
      body["session"] = session->name;
      body["next_frame"] = session->decoder.frames_accepted();
    }
    reply(res, status, body);
  };
  if (records.done()) return refuse(400, "header record", "empty body", nullptr);
  auto header_value = records.next();
  if (!header_value.ok()) {
    return refuse(400, "header record", header_value.status().message(), nullptr);
  }
  CaptureDecoder decoder;
  auto header_record = decoder.decode(*header_value);
  if (!header_record.ok()) {
    return refuse(400, "header record", header_record.status().message(), nullptr);
  }
  const auto dialect = capture_dialect_of(*header_value).value_or(GodotDialect::kGodot4);
  if (Status s = decoder.accept_header(*header_record, dialect); !s.ok()) {
    return refuse(400, "header record", s.message(), nullptr);
  }
  const CaptureHeader& header = decoder.header();
  const std::string key = header.stream.empty() ? header.name : header.stream;
  if (key.empty()) {
    return refuse(400, "header record", "a web game's header needs a 'stream' id or a 'name'",
                  nullptr);
  }
  std::shared_ptr<GameSession> session = server_.sessions.find_web(key);
  if (!session) {
    std::string renamed_from;
    auto opened = server_.sessions.open(std::move(decoder), peer, "http", key, renamed_from);
    if (!opened.ok()) {
      return refuse(503, "header record", fmt::format("no session: {}", opened.status().message()),
                    nullptr);
    }
    session = *opened;
    server_.log(fmt::format(
        "ingest: http {}: session '{}' started for stream '{}'{}", peer, session->name, key,
        renamed_from.empty() ? std::string()
                             : fmt::format(" (the name '{}' was taken)", renamed_from)));
  } else if (session->decoder.header().dialect != header.dialect ||
             session->decoder.header().tick_rate != header.tick_rate) {
    return refuse(409, "header record",
                  fmt::format("stream '{}' is live with another dialect or tick rate", key),
                  session);
  }
  int64_t accepted = 0, duplicates = 0;
  std::string close_reason;
  {
    std::lock_guard lock(session->mu);
    if (session->closed) {
      return refuse(409, "header record",
                    fmt::format("session '{}' of stream '{}' is closed: start a new stream",
                                session->name, key),
                    nullptr);
    }
    session->last_batch = Clock::now();
    Frame frame;
    while (!records.done()) {
      const std::string what = fmt::format("frame {}", session->decoder.frames_accepted());
      auto value = records.next();
      Result<Dictionary> record =
          value.ok() ? session->decoder.decode(*value) : Result<Dictionary>(value.status());
      if (!record.ok()) {
        close_reason =
            fmt::format("byte {}: {}: {}", records.current(), what, record.status().message());
        refuse(400, what, record.status().message(), session);
        break;
      }
      const auto number = CaptureDecoder::frame_number(*record);
      if (number && *number < session->decoder.frames_accepted()) {
        ++duplicates;  // sent again by a retried batch: recorded already
        continue;
      }
      if (number && *number > session->decoder.frames_accepted()) {
        // A gap: the game may resend from next_frame; the session stays open.
        Json body{
            {"error", fmt::format("byte {}: says it is frame {}, the session expects {}",
                                  records.current(), *number, session->decoder.frames_accepted())},
            {"session", session->name},
            {"next_frame", session->decoder.frames_accepted()}};
        reply(res, 409, body);
        break;
      }
      if (Status s = session->decoder.accept_frame(*record, frame); !s.ok()) {
        close_reason = fmt::format("byte {}: {}: {}", records.current(), what, s.message());
        refuse(400, what, s.message(), session);
        break;
      }
      if (Status s = session->feeder.feed(frame); !s.ok()) {
        close_reason = fmt::format("recording failed: {}", s.message());
        refuse(500, what, close_reason, session);
        break;
      }
      ++accepted;
      ++server_.frames_accepted;
    }
  }
  server_.duplicate_frames += duplicates;
  if (!close_reason.empty()) {
    (void)server_.sessions.close(*session, "ingest: " + close_reason);
    return;
  }
  if (res.status == 409) return;
  ++server_.http_batches;
  reply(res, 200,
        {{"session", session->name},
         {"accepted", accepted},
         {"duplicates", duplicates},
         {"next_frame", session->decoder.frames_accepted()}});
}

}  // namespace reel::ingest_detail
