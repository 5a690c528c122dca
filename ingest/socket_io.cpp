#include "socket_io.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include <fmt/core.h>

namespace reel::ingest_detail {
namespace {

constexpr auto kSlice = std::chrono::milliseconds(250);

// Polls `fd` for `events` until the deadline; kOk when ready (or in error: the next call says).
IoResult wait_for(int fd, short events, Deadline deadline, const std::atomic<bool>& stopping) {
  while (true) {
    if (stopping.load(std::memory_order_relaxed)) return IoResult::kStopping;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return IoResult::kTimeout;
    const auto wait = std::min<std::chrono::steady_clock::duration>(deadline - now, kSlice);
    pollfd p{fd, events, 0};
    const int ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count());
    const int r = ::poll(&p, 1, ms);
    if (r > 0) return IoResult::kOk;
    if (r < 0 && errno != EINTR) return IoResult::kClosed;
  }
}

}  // namespace

IoResult wait_readable(int fd, Deadline deadline, const std::atomic<bool>& stopping) {
  return wait_for(fd, POLLIN, deadline, stopping);
}

IoResult read_some(int fd, uint8_t* out, size_t n, size_t& got, Deadline deadline,
                   const std::atomic<bool>& stopping) {
  got = 0;
  while (true) {
    const IoResult ready = wait_for(fd, POLLIN, deadline, stopping);
    if (ready != IoResult::kOk) return ready;
    const ssize_t r = ::recv(fd, out, n, MSG_DONTWAIT);
    if (r > 0) {
      got = static_cast<size_t>(r);
      return IoResult::kOk;
    }
    if (r == 0) return IoResult::kClosed;
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return IoResult::kClosed;
  }
}

IoResult read_exact(int fd, uint8_t* out, size_t n, Deadline deadline,
                    const std::atomic<bool>& stopping) {
  size_t done = 0;
  while (done < n) {
    size_t got = 0;
    const IoResult r = read_some(fd, out + done, n - done, got, deadline, stopping);
    if (r != IoResult::kOk) return r;
    done += got;
  }
  return IoResult::kOk;
}

IoResult write_all(int fd, const void* data, size_t n, Deadline deadline,
                   const std::atomic<bool>& stopping) {
  const auto* p = static_cast<const char*>(data);
  size_t done = 0;
  while (done < n) {
    const IoResult ready = wait_for(fd, POLLOUT, deadline, stopping);
    if (ready != IoResult::kOk) return ready;
    const ssize_t r = ::send(fd, p + done, n - done, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r > 0) {
      done += static_cast<size_t>(r);
    } else if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return IoResult::kClosed;
    }
  }
  return IoResult::kOk;
}

std::string socket_address(int fd, bool local) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  const int r = local ? ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                      : ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (r != 0) return "?";
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
    return fmt::format("{}:{}", host, port);
  }
  const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
  ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
  port = ntohs(a->sin6_port);
  return fmt::format("[{}]:{}", host, port);
}

}  // namespace reel::ingest_detail
