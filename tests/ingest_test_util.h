// Helpers for the `reel ingest` tests ([ingest]): the real `reel ingest` process on loopback, raw
// TCP clients, capture records of a small game, and a session's full content as text lines (to
// compare what was ingested with what the game sent, imported from its capture file).
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "capture_test_util.h"
#include "cli_session_fixture.h"
#include "reel/replay/replayer.h"
#include "reel/variant/variant_binary.h"
#include "reel/variant/variant_text.h"

namespace reel::testing {

// `reel ingest DB --listen 127.0.0.1:0 ARGS...` as a child process; its stderr goes to a log file.
class IngestProcess {
 public:
  IngestProcess(const TempDir& dir, const std::string& db, const std::vector<std::string>& args,
                const std::string& log_name = "ingest.log")
      : log_path_(dir.file(log_name)) {
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      const int err = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(err, 2);
      std::vector<std::string> all = {REEL_BINARY, "ingest", db, "--listen", "127.0.0.1:0"};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(REEL_BINARY, argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_fd_ = out[0];
    const std::string line = read_line(15000);
    INFO("ingest log: " << log());
    REQUIRE(line.rfind("listening on ", 0) == 0);
    address_ = line.substr(13);
    port_ = std::stoi(address_.substr(address_.rfind(':') + 1));
  }
  ~IngestProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
  }
  int port() const { return port_; }
  const std::string& address() const { return address_; }
  std::string log() const { return read_text_file(log_path_); }

  // Sends `sig` and waits (at most 20 s) for the exit; returns the exit code.
  int stop(int sig = SIGTERM) {
    REQUIRE(pid_ > 0);
    ::kill(pid_, sig);
    int status = 0;
    for (int i = 0; i < 2000; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("reel ingest did not exit within 20 s of the signal");
    return -1;
  }

  // Waits (at most `ms`) until the log holds `needle`.
  bool wait_for_log(const std::string& needle, int ms = 10000) const {
    for (int waited = 0; waited < ms; waited += 20) {
      if (log().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  std::string read_line(int ms) {
    std::string line;
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{out_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char c;
      if (::read(out_fd_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return line;
  }
  std::string log_path_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string address_;
  int port_ = 0;
};

inline int tcp_connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

// Sends everything; false when the peer closed the connection.
inline bool send_bytes(int fd, const void* data, size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}
inline bool send_bytes(int fd, const std::vector<uint8_t>& bytes) {
  return send_bytes(fd, bytes.data(), bytes.size());
}

// True when the server closes the connection within `ms` (whatever it sent before).
inline bool closed_by_server(int fd, int ms) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  char buf[256];
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r <= 0) return true;
  }
  return false;
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

// Everything a session holds, frame by frame: tick, time, every entity's class and properties
// (by path), and the frame's events, as text lines. Equal dumps: equal sessions.
inline std::vector<std::string> session_dump(const std::string& db, const std::string& name) {
  auto replayer = Replayer::open(db, name);
  REQUIRE_OK(replayer);
  Replayer& r = **replayer;
  std::vector<std::string> lines;
  lines.push_back(fmt::format("frames {} tick_rate {} dialect {}", r.frame_count(),
                              r.session().tick_rate, static_cast<int>(r.session().dialect)));
  if (r.frame_count() == 0) return lines;
  const auto& paths = r.property_paths();
  REQUIRE_STATUS_OK(r.for_each_frame(
      0, r.frame_count() - 1, [&](const Frame& frame, const WorldState& state) -> Status {
        lines.push_back(fmt::format("{} tick {} time {}", frame.index, state.tick, state.time));
        for (const auto& [id, entity] : state.entities) {
          for (const auto& [property, value] : entity.properties) {
            lines.push_back(fmt::format("  {} {} {} = {}", id, entity.class_name,
                                        paths.at(property), to_text(value)));
          }
        }
        for (const auto& e : frame.events) {
          lines.push_back(fmt::format("  event {} {} {}", e.name, e.entity, to_text(e.args)));
        }
        return {};
      }));
  return lines;
}

// The dump of `records` as `reel import` records them (the reference for what a game sent).
inline std::vector<std::string> imported_dump(const TempDir& dir,
                                              const std::vector<uint8_t>& records,
                                              const std::string& tag) {
  const std::string capture = dir.file(tag + ".reelcap");
  const std::string db = dir.file(tag + "-imported.reel");
  write_bytes(capture, records);
  const auto run = run_reel(dir, "import " + capture + " " + db + " --name reference");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  return session_dump(db, "reference");
}

}  // namespace reel::testing
