// Blocking socket reads and writes with deadlines (internal to reel_ingest). Every wait polls in
// short slices so that a server stopping (`stopping`) is noticed within a quarter second.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace reel::ingest_detail {

using Deadline = std::chrono::steady_clock::time_point;

enum class IoResult {
  kOk,
  kClosed,    // the peer closed (or reset) the connection
  kTimeout,   // the deadline passed
  kStopping,  // the server is stopping
};

// Waits until `fd` has something to read (or was closed).
IoResult wait_readable(int fd, Deadline deadline, const std::atomic<bool>& stopping);
// Reads exactly `n` bytes into `out`.
IoResult read_exact(int fd, uint8_t* out, size_t n, Deadline deadline,
                    const std::atomic<bool>& stopping);
// Reads at most `n` bytes (at least one) into `out`; `got` says how many.
IoResult read_some(int fd, uint8_t* out, size_t n, size_t& got, Deadline deadline,
                   const std::atomic<bool>& stopping);
// Writes all of `data`.
IoResult write_all(int fd, const void* data, size_t n, Deadline deadline,
                   const std::atomic<bool>& stopping);

// "127.0.0.1:5000" of a connected socket's peer (or its own address with `local`).
std::string socket_address(int fd, bool local = false);

}  // namespace reel::ingest_detail
