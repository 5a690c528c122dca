// A real `reel serve` process for the tests: started on an ephemeral loopback port (read from
// the line it prints), its stderr (the log) kept in a file, stopped with SIGTERM.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "cli_session_fixture.h"
#include "test_util.h"

namespace reel::testing {

class ServeProcess {
 public:
  // Starts `reel serve DB --listen 127.0.0.1:0 EXTRA` and waits for its address line.
  ServeProcess(const TempDir& dir, const std::string& db,
               const std::vector<std::string>& extra = {})
      : log_path_(dir.file("serve-" + std::to_string(++counter()) + ".log")) {
    int out[2];
    REQUIRE(pipe(out) == 0);
    std::vector<std::string> args{REEL_BINARY, "serve", db, "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    REQUIRE(posix_spawn(&pid_, REEL_BINARY, &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    out_ = fdopen(out[0], "r");
    char line[256] = {};
    REQUIRE(std::fgets(line, sizeof line, out_) != nullptr);
    const std::string text = line;
    const auto colon = text.rfind(':');
    INFO(text << log());
    REQUIRE(text.find("listening on http://127.0.0.1:") != std::string::npos);
    port_ = std::stoi(text.substr(colon + 1));
  }
  ~ServeProcess() {
    if (pid_ > 0) stop(SIGKILL);
    if (out_) std::fclose(out_);
  }
  int port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return read_text_file(log_path_); }
  bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

  // Sends `sig` and waits (up to 10 s) for the exit; returns the exit status (-1: killed).
  int stop(int sig = SIGTERM) {
    kill(pid_, sig);
    int status = 0;
    for (int i = 0; i < 1000; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -2;
  }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string log_path_;
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  int port_ = 0;
};

}  // namespace reel::testing
