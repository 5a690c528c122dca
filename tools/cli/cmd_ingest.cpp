// `reel ingest DB [--listen HOST:PORT]`: records what running games send over the network, each
// game its own session (reel/ingest/ingest_server.h; protocol: format/FORMAT.md 10, Transport).
// Prints "listening on HOST:PORT" on stdout once bound (port 0 picks one), one log line per
// session and per refused connection on stderr, and runs until SIGINT, SIGTERM or SIGHUP, which
// close every session cleanly (every frame received committed).
#include <signal.h>

#include <chrono>
#include <cstdio>

#include <fmt/core.h>

#include "cli_util.h"
#include "commands.h"
#include "file_checks.h"
#include "inspect_common.h"
#include "reel/ingest/ingest_server.h"

namespace reel::cli {
namespace {

struct IngestArgs {
  std::string db;
  std::string listen = "127.0.0.1:0";
  std::string token;
  std::string cors_origin;
  uint32_t max_record = 16u << 20;
  int max_connections = 256;
  int max_sessions = 512;
  double idle_timeout = 10;
  double record_timeout = 10;
  size_t max_body = 64u << 20;
  double web_session_idle = 10;
  std::string profile = "local";
  std::string vfs;
  int commit_interval_ms = static_cast<int>(RecorderOptions{}.commit_interval.count());
};

std::chrono::milliseconds millis(double seconds, const char* option) {
  if (!(seconds > 0) || seconds > 86400) {
    throw CliError(kExitBadInput, fmt::format("{} must be in (0, 86400] seconds", option));
  }
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000 + 0.5));
}

// "HOST:PORT" or "[V6]:PORT".
void parse_listen(const std::string& text, IngestOptions& o) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    throw CliError(kExitBadInput, fmt::format("--listen '{}': expected HOST:PORT", text));
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = text.substr(colon + 1);
  if (host.empty() || port.find_first_not_of("0123456789") != std::string::npos ||
      port.size() > 5 || std::stoi(port) > 65535) {
    throw CliError(kExitBadInput,
                   fmt::format("--listen '{}': expected HOST:PORT (0..65535)", text));
  }
  o.host = host;
  o.port = std::stoi(port);
}

const char* signal_name(int s) {
  return s == SIGINT ? "SIGINT" : s == SIGTERM ? "SIGTERM" : s == SIGHUP ? "SIGHUP" : "a signal";
}

void run_ingest(const IngestArgs& args) {
  IngestOptions o;
  o.recorder.store.profile = value_or_throw(parse_profile(args.profile), "--profile");
  o.recorder.store.vfs = args.vfs;
  o.recorder.commit_interval = std::chrono::milliseconds(args.commit_interval_ms);
  throw_if_error(o.recorder.validate(), "recorder options");
  // A local file is checked first (SQLite reports a bad path without its name or reason); a
  // namespace of another VFS is not a path.
  if (is_local_file(o.recorder.store)) require_database_output(args.db);
  parse_listen(args.listen, o);
  o.token = args.token;
  o.cors_origin = args.cors_origin;
  o.max_record_bytes = args.max_record;
  o.max_connections = args.max_connections;
  o.max_sessions = args.max_sessions;
  o.idle_timeout = millis(args.idle_timeout, "--idle-timeout");
  o.record_timeout = millis(args.record_timeout, "--record-timeout");
  o.web_session_idle = millis(args.web_session_idle, "--web-session-idle");
  o.max_http_body_bytes = args.max_body;
  if (Status s = o.validate(); !s.ok()) throw CliError(kExitBadInput, s.message());
  // The signals are taken by sigwait below, never by a handler: block them before any thread
  // starts (threads inherit the mask).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop_signals, s);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto started = IngestServer::start(args.db, o);
  if (!started.ok()) throw CliError(kExitBadInput, started.status().message());
  auto server = std::move(*started);
  std::printf("listening on %s\n", server->address().c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n",
               fmt::format("ingest: recording into {}; TCP (put_var records) and HTTP (POST "
                           "/records) on {}{}",
                           args.db, server->address(), o.token.empty() ? "" : ", token required")
                   .c_str());
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server->stop(fmt::format("signal {}", signal_name(signal_number)));
  const IngestStats s = server->stats();
  std::fprintf(
      stderr, "%s\n",
      fmt::format("ingest: stopped by {}: {} sessions, {} frames recorded ({} dropped), "
                  "{} connections ({} refused, {} closed on an error), {} HTTP batches, {} CORS "
                  "preflights",
                  signal_name(signal_number), s.sessions_opened, s.frames_committed,
                  s.frames_dropped, s.connections_accepted, s.connections_refused,
                  s.connections_failed, s.http_batches, s.cors_preflights)
          .c_str());
}

}  // namespace

void register_ingest(CLI::App& app) {
  auto* cmd = app.add_subcommand("ingest", "Record what running games send over TCP and HTTP");
  auto args = std::make_shared<IngestArgs>();
  cmd->add_option("DB", args->db, "The Reel database (created if needed)")->required();
  cmd->add_option("--listen", args->listen,
                  "HOST:PORT for both TCP and HTTP (port 0: any; default 127.0.0.1:0)");
  cmd->add_option("--token", args->token,
                  "Required token: HTTP 'Authorization: Bearer TOKEN', TCP header field 'token'");
  cmd->add_option("--cors-origin", args->cors_origin,
                  "Access-Control-Allow-Origin for web games (e.g. http://localhost:8060 or *)");
  cmd->add_option("--max-record", args->max_record, "Largest record in bytes (default 16 MiB)")
      ->check(CLI::Range(16u, 0x20202020u - 1));
  cmd->add_option("--max-connections", args->max_connections,
                  "Connections open at once; more are refused (default 256)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--max-sessions", args->max_sessions, "Live sessions at once (default 512)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--idle-timeout", args->idle_timeout,
                  "Seconds a connection may send nothing (default 10)");
  cmd->add_option("--record-timeout", args->record_timeout,
                  "Seconds a started record or HTTP request has to arrive whole (default 10)");
  cmd->add_option("--max-body", args->max_body, "Largest HTTP body in bytes (default 64 MiB)")
      ->check(CLI::Range(size_t{16}, size_t{1} << 32));
  cmd->add_option("--web-session-idle", args->web_session_idle,
                  "Seconds without a batch after which a web game's session closes (default 10)");
  cmd->add_option("--profile", args->profile, "Storage profile: local | mvsqlite")
      ->capture_default_str()
      ->group("Storage");
  cmd->add_option("--vfs", args->vfs, "SQLite VFS name (default: per profile)")->group("Storage");
  cmd->add_option("--commit-interval", args->commit_interval_ms,
                  "Each game's frames are committed at most this often, in ms (0 = every frame)")
      ->capture_default_str()
      ->group("Storage");
  cmd->footer(
      "Prints 'listening on HOST:PORT' on stdout once bound. Each game is its own session,\n"
      "named by its header record ('-2', '-3' ... when the name is taken). A bad record closes\n"
      "only its connection (logged with peer, byte offset and frame); the frames before it stay\n"
      "recorded. SIGINT/SIGTERM/SIGHUP close every session cleanly.\n\n"
      "Examples:\n"
      "  reel ingest games.reel --listen 127.0.0.1:7070\n"
      "  reel ingest games.reel --listen 0.0.0.0:7070 --token s3cret --cors-origin '*'");
  cmd->callback([args] { run_ingest(*args); });
}

}  // namespace reel::cli
