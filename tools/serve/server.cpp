// reel::serve::Server: cpp-httplib's thread-pool server with the guards every request passes
// first (CORS preflight, bearer token, per-client rate), JSON errors and one log line per refusal.
#include "reel/serve/server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "serve_context.h"

namespace reel::serve {

void ServeContext::log(const std::string& line) const {
  if (options.log) {
    options.log(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

int http_status_of(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kOutOfRange:
      return 416;
    case StatusCode::kBusy:
      return 503;
    default:
      return 500;
  }
}

void reply_error(httplib::Response& res, int http_status, const std::string& message) {
  nlohmann::ordered_json doc{{"error", message}, {"status", http_status}};
  res.status = http_status;
  res.set_content(doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void reply_status(httplib::Response& res, const Status& status, const std::string& session,
                  std::optional<int64_t> frame) {
  nlohmann::ordered_json doc{{"error", status.message()}, {"status", http_status_of(status)}};
  if (!session.empty()) doc["session"] = session;
  if (frame) doc["frame"] = *frame;
  if (status.code() == StatusCode::kCorruption) doc["damaged"] = true;
  res.status = http_status_of(status);
  res.set_content(doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

namespace {

// Token buckets per client address: `rate` requests a second, bursts of one second's worth.
class RateLimiter {
 public:
  explicit RateLimiter(double rate) : rate_(rate) {}
  bool allow(const std::string& client) {
    if (rate_ <= 0) return true;
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    if (buckets_.size() > 10000) buckets_.clear();  // bounded: forget every client at once
    auto [it, fresh] = buckets_.try_emplace(client, Bucket{rate_, now});
    Bucket& b = it->second;
    const double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(rate_, b.tokens + elapsed * rate_);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  double rate_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

// cpp-httplib 0.11 listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, fixed when Debian
// built the library), so a burst of connections overflows the kernel's accept queue and clients
// wait for SYN retransmits. Calling listen() again on the bound socket raises it (Linux updates
// the backlog of a listening socket); the socket is the one listening on `port` in this process.
void raise_listen_backlog(int port) {
  for (int fd = 0; fd < 4096; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) continue;
    const int bound = addr.ss_family == AF_INET
                          ? ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port)
                          : ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    if (bound == port) (void)::listen(fd, SOMAXCONN);
  }
}

// Compares without an early exit, so the time taken does not tell how much of a guess matched.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i % std::max<size_t>(b.size(), 1)];
  return diff == 0;
}

}  // namespace

class Server::Impl {
 public:
  Impl(std::string db, const ServeOptions& options)
      : ctx_(std::move(db), options), rate_(options.rate_per_client) {}

  Status setup() {
    REEL_RETURN_IF_ERROR(ctx_.sessions.open());
    const ServeOptions& o = ctx_.options;
    const int threads = std::max(1, o.threads);
    http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http_.set_read_timeout(o.read_timeout_s, 0);
    http_.set_write_timeout(o.write_timeout_s, 0);
    http_.set_keep_alive_timeout(o.keep_alive_s);
    http_.set_keep_alive_max_count(static_cast<size_t>(std::max(1, o.keep_alive_max_requests)));
    http_.set_payload_max_length(o.max_request_bytes);
    http_.set_tcp_nodelay(true);
    // SO_REUSEADDR only: cpp-httplib also sets SO_REUSEPORT by default, which would let a second
    // server bind the same port and take half of its connections.
    http_.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    http_.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return guard(req, res); });
    http_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      // httplib's own refusals (no such endpoint, 413, 414, 400) get a JSON body too.
      const std::string why = res.status == 404   ? "no such endpoint: " + req.path
                              : res.status == 413 ? "request too large"
                              : res.status == 414 ? "request URI too long"
                                                  : fmt::format("refused (HTTP {})", res.status);
      reply_error(res, res.status, why);
    });
    http_.set_exception_handler(
        [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
          ctx_.log(fmt::format("serve: internal failure on {} {}", req.method, req.path));
          reply_error(res, 500, "internal failure");
        });
    http_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      if (res.status >= 400 || ctx_.options.log_requests) {
        std::string why;
        if (res.status >= 400) {
          auto doc = nlohmann::json::parse(res.body, nullptr, false);
          if (doc.is_object() && doc.contains("error") && doc["error"].is_string())
            why = ": " + doc["error"].get<std::string>();
        }
        const std::string what =
            req.method.empty() ? "(request not parsed)" : req.method + " " + req.path;
        ctx_.log(fmt::format("serve: {} {} from {}{}", res.status, what,
                             req.remote_addr.empty() ? "?" : req.remote_addr, why));
      }
    });
    add_routes(http_, ctx_);
    port_ = o.port == 0 ? http_.bind_to_any_port(o.host)
                        : (http_.bind_to_port(o.host, o.port) ? o.port : -1);
    if (port_ < 0) {
      return Status::io_error("cannot listen on {}:{} (in use, or not an address of this host)",
                              o.host, o.port);
    }
    raise_listen_backlog(port_);
    return {};
  }

  // Answers preflights, then refuses what lacks the token or exceeds the client's rate.
  httplib::Server::HandlerResponse guard(const httplib::Request& req, httplib::Response& res) {
    const bool cors = add_cors_headers(req, res);
    if (req.method == "OPTIONS") {
      if (!cors) {
        reply_error(res, 403, "CORS preflight from an origin not allowed (--cors-origin)");
      } else {
        res.status = 204;
        res.set_header("Access-Control-Allow-Methods", "GET, OPTIONS");
        // The headers the page asks for (Godot's HTTPRequest adds its own to the bearer token).
        const std::string asked = req.get_header_value("Access-Control-Request-Headers");
        res.set_header("Access-Control-Allow-Headers",
                       asked.empty() ? "Authorization, Content-Type" : asked);
        res.set_header("Access-Control-Max-Age", "600");
      }
      return httplib::Server::HandlerResponse::Handled;
    }
    // Every endpoint is a GET: a body is never read, and one over the limit is refused outright
    // (a chunked body has no announced size: refused too).
    if (req.has_header("Transfer-Encoding") ||
        std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) >
            ctx_.options.max_request_bytes) {
      reply_error(res, 413,
                  fmt::format("request too large (bodies over {} bytes are refused)",
                              ctx_.options.max_request_bytes));
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!ctx_.options.token.empty()) {
      const std::string auth = req.get_header_value("Authorization");
      if (auth.rfind("Bearer ", 0) != 0 || !same_secret(auth.substr(7), ctx_.options.token)) {
        res.set_header("WWW-Authenticate", "Bearer");
        reply_error(res, 401, auth.empty() ? "missing bearer token" : "wrong bearer token");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    if (!rate_.allow(req.remote_addr)) {
      res.set_header("Retry-After", "1");
      reply_error(res, 429, "too many requests from this address; retry after a second");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method != "GET") {
      res.set_header("Allow", "GET, OPTIONS");
      reply_error(res, 405, "read-only server: only GET (and CORS preflights)");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  // CORS headers when the request's Origin is allowed; returns whether it is.
  bool add_cors_headers(const httplib::Request& req, httplib::Response& res) {
    const auto& origins = ctx_.options.cors_origins;
    if (origins.empty() || !req.has_header("Origin")) return false;
    const std::string origin = req.get_header_value("Origin");
    const bool any = std::find(origins.begin(), origins.end(), "*") != origins.end();
    if (!any && std::find(origins.begin(), origins.end(), origin) == origins.end()) return false;
    res.set_header("Access-Control-Allow-Origin", any ? "*" : origin);
    res.set_header("Access-Control-Expose-Headers",
                   "X-Reel-Next-Frame, X-Reel-Frame-Count, X-Reel-Status");
    if (!any) res.set_header("Vary", "Origin");
    return true;
  }

  int port() const { return port_; }
  Status listen() {
    if (!http_.listen_after_bind() && !ctx_.stopping) {
      return Status::io_error("the listening socket on {}:{} failed", ctx_.options.host, port_);
    }
    return {};
  }
  void stop() {
    ctx_.stopping = true;
    http_.stop();
  }

 private:
  ServeContext ctx_;
  RateLimiter rate_;
  httplib::Server http_;
  int port_ = -1;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::create(const std::string& db_path,
                                               const ServeOptions& options) {
  auto impl = std::make_unique<Impl>(db_path, options);
  REEL_RETURN_IF_ERROR(impl->setup());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::bound_port() const {
  return impl_->port();
}
Status Server::listen() {
  return impl_->listen();
}
void Server::stop() {
  impl_->stop();
}

}  // namespace reel::serve
