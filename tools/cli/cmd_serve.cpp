// `reel serve DB --listen 127.0.0.1:PORT`: the database over HTTP/1.1, read-only (README,
// "Serving over HTTP"; endpoints in reel/serve/server.h). Prints the bound address on stdout
// ("reel serve: listening on http://127.0.0.1:PORT", flushed) and serves until SIGINT/SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include <fmt/core.h>

#include "cli_util.h"
#include "commands.h"
#include "inspect_common.h"
#include "reel/serve/server.h"

namespace reel::cli {
namespace {

struct ServeArgs {
  std::string db;
  std::string listen = "127.0.0.1:0";
  std::string profile = "local";
  std::string vfs;
  size_t cache_mib = 8;
  serve::ServeOptions options;
};

// "HOST:PORT" (a port alone means loopback).
void parse_listen(const std::string& text, serve::ServeOptions& o) {
  const auto colon = text.rfind(':');
  const std::string host = colon == std::string::npos ? "127.0.0.1" : text.substr(0, colon);
  const std::string port = colon == std::string::npos ? text : text.substr(colon + 1);
  int value = -1;
  try {
    size_t used = 0;
    value = std::stoi(port, &used);
    if (used != port.size()) value = -1;
  } catch (const std::exception&) {
    value = -1;
  }
  if (host.empty() || value < 0 || value > 65535) {
    throw CliError(kExitBadInput,
                   fmt::format("--listen {}: expected HOST:PORT (127.0.0.1:8080; port 0 picks "
                               "a free one)",
                               text));
  }
  o.host = host;
  o.port = value;
}

void run_serve(ServeArgs& a) {
  parse_listen(a.listen, a.options);
  SessionArgs where;
  where.db = a.db;
  where.profile = a.profile;
  where.vfs = a.vfs;
  // The file checks and their wording (no such file, not a Reel database), local or mvsqlite.
  open_database(where);
  a.options.replay.store = reading_store_options(where);
  if (a.cache_mib < 1 || a.cache_mib > 4096)
    throw CliError(kExitBadInput, "--cache-mib must be 1..4096");
  a.options.replayer_cache_bytes = a.cache_mib << 20;
  if (a.options.threads < 1 || a.options.threads > 1024) {
    throw CliError(kExitBadInput, "--threads must be 1..1024");
  }
  // SIGINT/SIGTERM are taken by one thread (sigwait) that stops the server; every other thread,
  // the server's workers included, has them blocked.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto server = value_or_throw(serve::Server::create(a.db, a.options), a.db);
  std::fprintf(stdout, "reel serve: listening on http://%s:%d\n", a.options.host.c_str(),
               server->bound_port());
  std::fflush(stdout);
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::fprintf(stderr, "reel serve: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server->stop();
  });
  Status served = server->listen();
  // Wakes the watcher when the server stopped on its own (a failed socket).
  pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
  throw_if_error(served);
}

}  // namespace

void register_serve(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  auto& o = a->options;
  auto* cmd = app.add_subcommand("serve", "Serve a database over HTTP, read-only");
  cmd->add_option("db", a->db, "Reel database")->required();
  cmd->add_option("--listen", a->listen, "HOST:PORT to listen on (port 0: a free one, printed)")
      ->capture_default_str();
  cmd->add_option("--cors-origin", o.cors_origins,
                  "Origin allowed by CORS (repeatable; * for any); preflights answered");
  cmd->add_option("--token", o.token, "Require `Authorization: Bearer TOKEN` on every request");
  cmd->add_option("--threads", o.threads, "Requests served at once (worker threads)")
      ->capture_default_str();
  cmd->add_option("--timeout", o.read_timeout_s, "Seconds a client may take to send a request")
      ->capture_default_str();
  cmd->add_option("--write-timeout", o.write_timeout_s,
                  "Seconds a client may take to read a response")
      ->capture_default_str();
  cmd->add_option("--keep-alive", o.keep_alive_s, "Seconds an idle connection is kept")
      ->capture_default_str();
  cmd->add_option("--max-request-bytes", o.max_request_bytes, "Largest request body accepted")
      ->capture_default_str();
  cmd->add_option("--rate", o.rate_per_client,
                  "Requests per second per client address (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--max-frames", o.max_frames_per_response,
                  "Most frames in one varstream/follow response")
      ->capture_default_str();
  cmd->add_option("--max-response-bytes", o.max_response_bytes, "Largest varstream/follow response")
      ->capture_default_str();
  cmd->add_option("--max-wait", o.max_wait_s, "Longest long-poll wait, seconds")
      ->capture_default_str();
  cmd->add_option("--cache-mib", a->cache_mib,
                  "Cache of each pooled Replayer, MiB (a session keeps up to 8 idle ones)")
      ->capture_default_str();
  cmd->add_flag("--log-requests", o.log_requests, "Log every request (refusals always are)");
  cmd->add_option("--profile", a->profile, "Storage profile: local | mvsqlite")
      ->capture_default_str();
  cmd->add_option("--vfs", a->vfs, "SQLite VFS name (default: per profile)");
  cmd->footer(
      "Example: reel serve match.reel --listen 127.0.0.1:8080 --cors-origin http://localhost:8060\n"
      "         curl http://127.0.0.1:8080/v1/sessions/match-1/frames/last/entities/17 -o p17.bin\n"
      "Endpoints and protocol: README, \"Serving over HTTP\".");
  cmd->callback([a] { run_serve(*a); });
}

}  // namespace reel::cli
