#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/core.h>

#include "http_ingest.h"
#include "reel/store/schema.h"
#include "reel/store/store.h"
#include "server_impl.h"

namespace reel {
namespace {

using namespace ingest_detail;

// The u32 LE length of a record (or the first 4 bytes of anything else).
uint32_t le32(const uint8_t b[4]) {
  return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
}

// An HTTP request starts with a method: upper-case letters, then a space ("GET ", "POST",
// "OPTIONS"). As a u32 length these bytes are at least 0x20202020, over any allowed record size.
bool looks_like_http(const uint8_t b[4]) {
  for (int i = 0; i < 4; ++i) {
    if (!((b[i] >= 'A' && b[i] <= 'Z') || b[i] == ' ')) return false;
  }
  return true;
}

constexpr uint32_t kLargestAllowedRecord = 0x20202020u - 1;

}  // namespace

Status IngestOptions::validate() const {
  if (port < 0 || port > 65535) return Status::invalid_argument("port {} is not 0..65535", port);
  if (max_record_bytes < 16 || max_record_bytes > kLargestAllowedRecord) {
    return Status::invalid_argument(
        "max record size must be 16 .. {} bytes (larger would read like an HTTP request)",
        kLargestAllowedRecord);
  }
  if (max_connections < 1) return Status::invalid_argument("max connections must be >= 1");
  if (max_sessions < 1) return Status::invalid_argument("max sessions must be >= 1");
  if (idle_timeout.count() <= 0 || record_timeout.count() <= 0 || web_session_idle.count() <= 0) {
    return Status::invalid_argument("time-outs must be positive");
  }
  if (max_http_body_bytes < 16) return Status::invalid_argument("HTTP body limit too small");
  return recorder.validate();
}

IngestServer::Impl::Impl(std::string db, IngestOptions opt)
    : db_path(std::move(db)), options(std::move(opt)), sessions(db_path, options) {
  http_ = std::make_unique<HttpIngest>(*this);
}

IngestServer::Impl::~Impl() {
  stop("server stopped");
}

void IngestServer::Impl::log(const std::string& line) const {
  if (options.log) {
    options.log(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

bool IngestServer::Impl::token_ok(const std::string& token) const {
  if (options.token.empty()) return true;
  // Compared in full whatever the first difference (no early exit to time).
  unsigned diff = token.size() != options.token.size();
  for (size_t i = 0; i < options.token.size(); ++i) {
    diff |= static_cast<unsigned char>(options.token[i]) ^
            static_cast<unsigned char>(i < token.size() ? token[i] : 0);
  }
  return diff == 0;
}

Status IngestServer::Impl::bind_and_listen() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(options.port);
  if (const int r = ::getaddrinfo(options.host.c_str(), service.c_str(), &hints, &found); r != 0) {
    return Status::invalid_argument("cannot listen on '{}': {}", options.host, gai_strerror(r));
  }
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) {
      listen_fd_ = fd;
      break;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (listen_fd_ < 0) {
    return Status::invalid_argument("cannot listen on {}:{}: {}", options.host, options.port,
                                    last_error);
  }
  address = socket_address(listen_fd_, /*local=*/true);
  port = std::stoi(address.substr(address.rfind(':') + 1));
  return {};
}

void IngestServer::Impl::start_threads() {
  accept_thread_ = std::thread([this] { accept_loop(); });
  reap_thread_ = std::thread([this] { reap_loop(); });
}

void IngestServer::Impl::join_finished_connections() {
  std::lock_guard lock(connections_mu_);
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (it->done.load()) {
      it->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void IngestServer::Impl::accept_loop() {
  while (!stopping.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 250) <= 0) {
      join_finished_connections();
      continue;
    }
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        log("ingest: out of file descriptors: a connection waits in the backlog");
        ::usleep(50000);
      }
      continue;
    }
    join_finished_connections();
    std::lock_guard lock(connections_mu_);
    if (static_cast<int>(connections_.size()) >= options.max_connections) {
      ++connections_refused;
      log(fmt::format("ingest: {}: refused: {} connections are open (--max-connections)",
                      socket_address(fd), connections_.size()));
      ::close(fd);
      continue;
    }
    ++connections_accepted;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Connection& c = connections_.emplace_back();
    c.fd = fd;
    c.thread = std::thread([this, &c] { handle(c); });
  }
}

void IngestServer::Impl::handle(Connection& connection) {
  ++open_connections;
  const int fd = connection.fd;
  const std::string peer = socket_address(fd);
  uint8_t first4[4];
  const Deadline deadline = std::chrono::steady_clock::now() + options.idle_timeout;
  const IoResult r = read_exact(fd, first4, 4, deadline, stopping);
  if (r == IoResult::kTimeout) {
    ++connections_failed;
    log(fmt::format("ingest: {}: closed: sent fewer than 4 bytes in {} ms", peer,
                    options.idle_timeout.count()));
  } else if (r == IoResult::kOk) {
    const uint32_t length = le32(first4);
    if (length > options.max_record_bytes && looks_like_http(first4)) {
      http_->serve(fd, peer, std::string(reinterpret_cast<const char*>(first4), 4));
    } else {
      run_tcp(fd, peer, first4);
    }
  }
  ::close(fd);
  --open_connections;
  connection.done.store(true);
}

void IngestServer::Impl::reap_loop() {
  std::mutex m;
  std::unique_lock lock(m);
  while (!stopping.load()) {
    lock.unlock();
    ::usleep(200000);
    lock.lock();
    for (const std::string& name : sessions.close_idle_web()) {
      log(fmt::format("ingest: session '{}' closed: its web game sent no batch for {} ms", name,
                      options.web_session_idle.count()));
    }
  }
}

void IngestServer::Impl::stop(std::string_view reason) {
  std::lock_guard stop_lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  stopping.store(true);
  if (accept_thread_.joinable()) accept_thread_.join();
  if (reap_thread_.joinable()) reap_thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  {
    std::lock_guard lock(connections_mu_);
    for (Connection& c : connections_) c.thread.join();  // each notices `stopping` in 250 ms
    connections_.clear();
  }
  sessions.close_all(std::string(reason));
}

IngestStats IngestServer::Impl::stats() const {
  IngestStats s;
  s.connections_accepted = connections_accepted.load();
  s.connections_refused = connections_refused.load();
  s.connections_failed = connections_failed.load();
  s.open_connections = open_connections.load();
  s.frames_accepted = frames_accepted.load();
  s.duplicate_frames = duplicate_frames.load();
  s.http_batches = http_batches.load();
  s.cors_preflights = cors_preflights.load();
  const_cast<SessionRegistry&>(sessions).add_to(s);
  return s;
}

Result<std::unique_ptr<IngestServer>> IngestServer::start(const std::string& db_path,
                                                          const IngestOptions& options) {
  REEL_RETURN_IF_ERROR(options.validate());
  {
    // The database is opened (created, its schema made or checked) before anything listens, so
    // that a bad path, a VFS that does not exist or a file that is not Reel's fail the start
    // instead of every game that connects later.
    REEL_ASSIGN_OR_RETURN(auto store, Store::open(db_path, options.recorder.store));
    REEL_RETURN_IF_ERROR(schema::ensure_schema(*store));
  }
  auto impl = std::make_unique<Impl>(db_path, options);
  REEL_RETURN_IF_ERROR(impl->bind_and_listen());
  impl->start_threads();
  return std::unique_ptr<IngestServer>(new IngestServer(std::move(impl)));
}

IngestServer::IngestServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IngestServer::~IngestServer() = default;
std::string IngestServer::address() const {
  return impl_->address;
}
int IngestServer::port() const {
  return impl_->port;
}
void IngestServer::stop(std::string_view reason) {
  impl_->stop(reason);
}
IngestStats IngestServer::stats() const {
  return impl_->stats();
}

}  // namespace reel
