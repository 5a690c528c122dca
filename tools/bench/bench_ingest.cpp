// `reel bench ingest`: frames per second `reel ingest` (reel::IngestServer, in this process)
// accepts from many concurrent games, each on its own TCP connection sending capture records
// (FORMAT.md 10, StreamPeer.put_var framing) at its tick rate, with the recorders' loss and queue
// figures. Goal (issue 15): 100 games at 60 Hz ingested with no frame dropped.
//
// Per-game workload: the crowd sample scaled down to one game's worth (default 10 players and 40
// props, of which ~10% move; players join and leave; jump/grab events), each game its own seed.
// The records are encoded before the clock starts (the clients' encoding is not the server's
// cost); each game sends frame k at start + k / tick_rate and never skips one, so a server that
// falls behind shows up as games lagging their schedule (TCP backpressure), not as lost frames.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench.h"
#include "cli_util.h"
#include "reel/ingest/ingest_server.h"
#include "reel/samples/crowd.h"
#include "reel/variant/variant_binary.h"

namespace reel::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchIngestOptions {
  int games = 100;
  double seconds = 10;
  double tick_rate = 60;
  int players = 10;
  int props = 40;
  std::string dir;  // "" = a fresh directory under the system temp dir
};

Array tuple(std::initializer_list<Variant> values) {
  Array a;
  a.items.assign(values.begin(), values.end());
  return a;
}

void append_framed(std::vector<uint8_t>& out, const Variant& value) {
  const size_t at = out.size();
  out.resize(at + 4);
  if (Status s = encode_variant(value, out, {.dialect = GodotDialect::kGodot4}); !s.ok()) {
    throw CliError(kExitInternal, s.message());
  }
  const auto n = static_cast<uint32_t>(out.size() - at - 4);
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<uint8_t>(n >> (8 * i));
}

// One game's records: the header, then each frame's record (offsets into `bytes`).
struct GameStream {
  std::vector<uint8_t> bytes;
  std::vector<size_t> frame_end;  // end of frame k's record; frame_end[-1] = header end
  size_t header_end = 0;
};

GameStream encode_game(int game, const BenchIngestOptions& o, int64_t frames) {
  samples::CrowdGenerator crowd({.players = o.players,
                                 .props = o.props,
                                 .tick_rate = o.tick_rate,
                                 .seed = static_cast<uint64_t>(game + 1)});
  GameStream s;
  Dictionary header;
  header.set("reel_capture", int64_t{1});
  header.set("godot", int64_t{4});
  header.set("name", fmt::format("bench-game-{}", game));
  header.set("tick_rate", o.tick_rate);
  Array paths;
  for (const auto& p : crowd.property_paths()) paths.items.emplace_back(p);
  header.set("properties", paths);
  header.set("metadata", Dictionary{});
  append_framed(s.bytes, header);
  s.header_end = s.bytes.size();
  Frame frame;
  const auto& names = crowd.property_paths();
  for (int64_t k = 0; k < frames; ++k) {
    crowd.next(frame);
    Array spawns, changes, despawns, events;
    for (const auto& sp : frame.spawns)
      spawns.items.emplace_back(tuple({sp.entity, sp.class_name}));
    for (const auto& c : frame.changes) {
      changes.items.emplace_back(tuple({c.entity, names[c.property], c.value}));
    }
    for (EntityId id : frame.despawns) despawns.items.emplace_back(id);
    for (const auto& e : frame.events) events.items.emplace_back(tuple({e.name, e.entity, e.args}));
    Dictionary record;
    record.set("frame", k);
    record.set("tick", frame.tick);
    record.set("time", frame.time);
    record.set("changes", changes);
    record.set("spawns", spawns);
    record.set("despawns", despawns);
    record.set("events", events);
    append_framed(s.bytes, record);
    s.frame_end.push_back(s.bytes.size());
  }
  return s;
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw CliError(kExitInternal, fmt::format("cannot connect to 127.0.0.1:{}", port));
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool send_all(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// A game: sends its header, then frame k at start + k / rate; `lags` gets each frame's lag
// behind that schedule (ms, when its send returned). False when the connection failed.
bool run_game(int port, const GameStream& s, Clock::time_point start, double rate,
              std::vector<float>& lags) {
  const int fd = connect_to(port);
  bool ok = send_all(fd, s.bytes.data(), s.header_end);
  size_t at = s.header_end;
  for (size_t k = 0; ok && k < s.frame_end.size(); ++k) {
    const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(k / rate));
    std::this_thread::sleep_until(due);
    ok = send_all(fd, s.bytes.data() + at, s.frame_end[k] - at);
    at = s.frame_end[k];
    lags.push_back(std::chrono::duration<float, std::milli>(Clock::now() - due).count());
  }
  ::close(fd);
  return ok;
}

float percentile(std::vector<float>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

void raise_fd_limit(int needed) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < static_cast<rlim_t>(needed)) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, needed);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec +
         u.ru_stime.tv_usec * 1e-6;
}

void run_bench_ingest(const BenchIngestOptions& o) {
  if (o.games < 1 || o.games > 1000) throw CliError(kExitBadInput, "--games must be 1..1000");
  if (!(o.seconds > 0 && o.seconds <= 3600)) {
    throw CliError(kExitBadInput, "--seconds must be in (0, 3600]");
  }
  raise_fd_limit(2 * o.games + 256);
  namespace fs = std::filesystem;
  const fs::path dir =
      o.dir.empty() ? fs::temp_directory_path() / fmt::format("reel-bench-ingest-{}", ::getpid())
                    : fs::path(o.dir);
  fs::create_directories(dir);
  const std::string db = (dir / "ingest.reel").string();
  fs::remove(db);
  const auto frames = static_cast<int64_t>(o.seconds * o.tick_rate);
  std::fprintf(stderr, "encoding %d games x %lld frames...\n", o.games,
               static_cast<long long>(frames));
  std::vector<GameStream> streams;
  size_t bytes = 0;
  for (int g = 0; g < o.games; ++g) {
    streams.push_back(encode_game(g, o, frames));
    bytes += streams.back().bytes.size();
  }
  IngestOptions io;
  io.max_connections = o.games + 16;
  io.max_sessions = o.games + 16;
  io.log = [](const std::string& line) {
    if (line.find("session") == std::string::npos) std::fprintf(stderr, "%s\n", line.c_str());
  };
  auto server = value_or_throw(IngestServer::start(db, io), db);
  const double cpu_before = cpu_seconds();
  const auto start = Clock::now() + std::chrono::milliseconds(200);
  std::vector<std::vector<float>> lags(o.games);
  std::vector<char> game_ok(o.games, 0);
  std::vector<std::thread> games;
  for (int g = 0; g < o.games; ++g) {
    games.emplace_back(
        [&, g] { game_ok[g] = run_game(server->port(), streams[g], start, o.tick_rate, lags[g]); });
  }
  // Queue figures: frames handed to the recorders but not yet committed, sampled every 50 ms.
  std::atomic<bool> sending{true};
  int64_t queued_max = 0;
  double queued_sum = 0;
  int samples = 0;
  std::thread sampler([&] {
    while (sending) {
      const IngestStats s = server->stats();
      queued_max = std::max(queued_max, s.queued_frames);
      queued_sum += static_cast<double>(s.queued_frames);
      ++samples;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  for (auto& t : games) t.join();
  const auto sent_end = Clock::now();
  // Every game has closed its connection: wait until the server has accepted all it was sent.
  const int64_t expected = frames * o.games;
  for (int i = 0; i < 600 && server->stats().frames_accepted < expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto accepted_end = Clock::now();
  sending = false;
  sampler.join();
  const IngestStats before_close = server->stats();
  server->stop("bench done");
  const auto closed_end = Clock::now();
  const IngestStats s = server->stats();
  const double cpu = cpu_seconds() - cpu_before;
  const double wall = std::chrono::duration<double>(accepted_end - start).count();
  std::vector<float> all_lags;
  for (const auto& l : lags) all_lags.insert(all_lags.end(), l.begin(), l.end());
  const bool failed_game = std::find(game_ok.begin(), game_ok.end(), 0) != game_ok.end();
  const float lag_p50 = percentile(all_lags, 0.50);
  const float lag_p99 = percentile(all_lags, 0.99);
  const float lag_max = percentile(all_lags, 1.0);
  // Met: every frame committed, none dropped, 99% of frames sent within 100 ms of their time
  // (the lag includes the start, when all the sessions open at once).
  const bool met =
      !failed_game && s.frames_committed == expected && s.frames_dropped == 0 && lag_p99 < 100;

  fmt::print(
      "reel bench ingest: {} games x {:g} Hz x {:g} s over TCP (put_var records) into one "
      "database\n",
      o.games, o.tick_rate, o.seconds);
  fmt::print(
      "per game: crowd sample, {} players + {} props (seed = game + 1); records "
      "{:.1f} KiB/frame on average\n",
      o.players, o.props, bytes / 1024.0 / static_cast<double>(expected + o.games));
  fmt::print("machine: shared 2-core, others building: figures are noisy\n\n");
  fmt::print("{:<50}{:>12}\n", "frames sent", expected);
  fmt::print("{:<50}{:>12}\n", "frames accepted", s.frames_accepted);
  fmt::print("{:<50}{:>12.0f}\n", "frames accepted per second (send start..all in)",
             static_cast<double>(s.frames_accepted) / wall);
  fmt::print("{:<50}{:>12.0f}\n", "  the goal's rate (games x Hz)", o.games * o.tick_rate);
  fmt::print("{:<50}{:>12}\n", "frames committed", s.frames_committed);
  fmt::print("{:<50}{:>12}\n", "frames dropped (recorders)", s.frames_dropped);
  fmt::print("{:<50}{:>12}\n", "queued frames, max (sampled every 50 ms)", queued_max);
  fmt::print("{:<50}{:>12.1f}\n", "queued frames, mean", samples ? queued_sum / samples : 0.0);
  fmt::print("{:<50}{:>12}\n", "queued frames when the games were done",
             before_close.queued_frames);
  fmt::print("{:<50}{:>12.1f}\n", "frame lag behind schedule, p50 (ms)", lag_p50);
  fmt::print("{:<50}{:>12.1f}\n", "frame lag behind schedule, p99 (ms)", lag_p99);
  fmt::print("{:<50}{:>12.1f}\n", "frame lag behind schedule, max (ms)", lag_max);
  fmt::print("{:<50}{:>12.2f}\n", "last frame sent .. all accepted (s)",
             std::chrono::duration<double>(accepted_end - sent_end).count());
  fmt::print("{:<50}{:>12.2f}\n", "closing the sessions (s)",
             std::chrono::duration<double>(closed_end - accepted_end).count());
  fmt::print("{:<50}{:>12.2f}\n", "CPU seconds (server + clients)", cpu);
  fmt::print("{:<50}{:>12.1f}\n", "database MiB",
             static_cast<double>(fs::file_size(db)) / (1 << 20));
  fmt::print(
      "\ngoal: {} games at {:g} Hz, every frame committed, none dropped, p99 lag < 100 ms: {}\n",
      o.games, o.tick_rate, met ? "MET" : "NOT MET");
  if (o.dir.empty()) fs::remove_all(dir);
}

}  // namespace

void register_bench_ingest(CLI::App& bench) {
  auto* cmd = bench.add_subcommand(
      "ingest", "Frames per second reel ingest accepts from concurrent games over TCP");
  auto o = std::make_shared<BenchIngestOptions>();
  cmd->add_option("--games", o->games, "Concurrent games, one TCP connection each (default 100)");
  cmd->add_option("--seconds", o->seconds, "Seconds each game records (default 10)");
  cmd->add_option("--rate", o->tick_rate, "Frames per second per game (default 60)");
  cmd->add_option("--players", o->players, "Players per game's crowd (default 10)");
  cmd->add_option("--props", o->props, "Props per game's crowd (default 40)");
  cmd->add_option("--dir", o->dir, "Directory for the database (default: a temporary one)");
  cmd->callback([o] { run_bench_ingest(*o); });
}

}  // namespace reel::cli
