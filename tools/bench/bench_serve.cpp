// `reel bench serve`: `reel serve`'s state-at-frame and entity-at-frame requests per second and
// latency (p50/p99) with concurrent keep-alive clients asking for random frames of the crowd
// sample. The server (reel::serve::Server, as `reel serve` runs it) and the clients run in this
// process on loopback, so both share the machine's cores.
//
// Goals (issue 15, a 2-core machine): >= 5,000 state requests/s with p99 <= 10 ms; entity at a
// frame p99 <= 3 ms.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench.h"
#include "cli_util.h"
#include "reel/recorder/recorder.h"
#include "reel/replay/replayer.h"
#include "reel/samples/crowd.h"
#include "reel/samples/duration.h"
#include "reel/samples/feeder.h"
#include "reel/serve/server.h"

namespace reel::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchServeOptions {
  std::string db;               // a database to serve; "" = record the crowd sample first
  std::string session;          // "" = the database's first session
  std::string duration = "1h";  // of the recorded crowd sample
  std::string db_dir;           // where the recording goes ("" = a temporary directory)
  int clients = 32;
  double seconds = 10;   // per phase
  int threads = 64;      // server worker threads
  size_t cache_mib = 8;  // per pooled Replayer
  uint64_t seed = 1;
};

// Records the crowd sample (as `reel record --duration D` does) into `path`.
void record_crowd(const std::string& path, const std::string& duration) {
  const double seconds = value_or_throw(samples::parse_duration_seconds(duration), "--duration");
  samples::CrowdOptions crowd_options;
  samples::CrowdGenerator crowd(crowd_options);
  auto rec = value_or_throw(Recorder::open(path, SessionInfo{.name = "crowd"}), path);
  samples::RecorderFeeder feeder(*rec, crowd.property_paths());
  Frame frame;
  const int64_t frames = samples::frames_in(seconds, crowd_options.tick_rate);
  fmt::print("recording the crowd sample, {} ({} frames) into {} ...\n", duration, frames, path);
  std::fflush(stdout);
  for (int64_t i = 0; i < frames; ++i) {
    crowd.next(frame);
    throw_if_error(feeder.feed(frame), path);
  }
  throw_if_error(rec->close(), path);
}

struct Phase {
  std::string name;
  int64_t requests = 0, failures = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// `clients` keep-alive clients each asking `make_path(rng)` in a loop for `seconds`.
template <class MakePath>
Phase run_phase(const std::string& name, int port, const BenchServeOptions& o, MakePath make_path) {
  std::vector<std::vector<double>> per_client(static_cast<size_t>(o.clients));
  std::atomic<int64_t> failures{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < o.clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(o.seed * 1000 + static_cast<uint64_t>(c));
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_read_timeout(30, 0);
      auto& mine = per_client[static_cast<size_t>(c)];
      while (!stop) {
        const std::string path = make_path(rng);
        const auto t0 = Clock::now();
        auto res = client.Get(path.c_str());
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (!res || res->status != 200) {
          ++failures;
        } else {
          mine.push_back(ms);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  stop = true;
  for (auto& t : threads) t.join();
  Phase phase;
  phase.name = name;
  phase.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& v : per_client)
    phase.latencies_ms.insert(phase.latencies_ms.end(), v.begin(), v.end());
  phase.requests = static_cast<int64_t>(phase.latencies_ms.size());
  phase.failures = failures;
  return phase;
}

void print_phase(Phase& p, double goal_rate, double goal_p99) {
  const double rate = static_cast<double>(p.requests) / p.seconds;
  const double p50 = percentile(p.latencies_ms, 0.50);
  const double p99 = percentile(p.latencies_ms, 0.99);
  const bool met = rate >= goal_rate && p99 <= goal_p99;
  fmt::print("{:<18}  {:>9}  {:>9.0f}  {:>8.2f}  {:>8.2f}  {:>8}  {}\n", p.name, p.requests, rate,
             p50, p99, p.failures,
             goal_rate > 0
                 ? fmt::format("{} (>= {:.0f}/s, p99 <= {:.0f} ms)", met ? "met" : "MISSED",
                               goal_rate, goal_p99)
                 : fmt::format("{} (p99 <= {:.0f} ms)", met ? "met" : "MISSED", goal_p99));
}

void run_bench_serve(const BenchServeOptions& o) {
  std::string db = o.db;
  std::filesystem::path temp;
  if (db.empty()) {
    temp = o.db_dir.empty() ? std::filesystem::temp_directory_path() /
                                  fmt::format("reel-bench-serve-{}", ::getpid())
                            : std::filesystem::path(o.db_dir);
    std::filesystem::create_directories(temp);
    db = (temp / fmt::format("crowd-{}.reel", o.duration)).string();
    if (!std::filesystem::exists(db)) record_crowd(db, o.duration);
  }
  auto probe = value_or_throw(Replayer::open(db, o.session), db);
  const int64_t frames = probe->frame_count();
  const std::string session = probe->session().name;
  // Entities alive at the first and the last frame (the crowd's props stay): entity requests
  // name one of them at a random frame.
  std::vector<EntityId> entities;
  {
    const WorldState first = *value_or_throw(probe->seek(0));
    const WorldState& last = *value_or_throw(probe->seek(frames - 1));
    for (const auto& [id, e] : first.entities) {
      if (last.entities.contains(id)) entities.push_back(id);
    }
    std::sort(entities.begin(), entities.end());
  }
  if (entities.empty()) throw CliError(kExitBadInput, db + ": no entity lives through the session");
  probe.reset();

  serve::ServeOptions options;
  options.threads = o.threads;
  options.rate_per_client = 0;
  options.replayer_cache_bytes = o.cache_mib << 20;
  options.log = [](const std::string&) {};
  auto server = value_or_throw(serve::Server::create(db, options), db);
  std::thread serving([&] { (void)server->listen(); });
  const int port = server->bound_port();

  fmt::print(
      "reel serve on {} (session '{}', {} frames, {} entities kept), {} keep-alive clients, "
      "{} server threads, {:.0f} s per phase, random frames\n",
      db, session, frames, entities.size(), o.clients, o.threads, o.seconds);
  fmt::print("(clients and server share this machine's {} cores)\n",
             std::thread::hardware_concurrency());
  const std::string base = "/v1/sessions/" + session + "/frames/";
  std::uniform_int_distribution<int64_t> frame(0, frames - 1);
  std::uniform_int_distribution<size_t> entity(0, entities.size() - 1);
  Phase state = run_phase("state at frame", port, o, [&](std::mt19937_64& rng) {
    return base + std::to_string(frame(rng)) + "/state";
  });
  Phase one = run_phase("entity at frame", port, o, [&](std::mt19937_64& rng) {
    return base + std::to_string(frame(rng)) + "/entities/" + std::to_string(entities[entity(rng)]);
  });
  Phase last = run_phase("entity at last", port, o, [&](std::mt19937_64& rng) {
    return base + "last/entities/" + std::to_string(entities[entity(rng)]);
  });
  server->stop();
  serving.join();
  fmt::print("{:<18}  {:>9}  {:>9}  {:>8}  {:>8}  {:>8}  {}\n", "REQUEST", "ANSWERED", "REQ/S",
             "P50 ms", "P99 ms", "FAILED", "GOAL");
  print_phase(state, 5000, 10);
  print_phase(one, 0, 3);
  print_phase(last, 0, 3);
  if (!temp.empty() && o.db_dir.empty()) std::filesystem::remove_all(temp);
}

}  // namespace

void register_bench_serve(CLI::App& bench) {
  auto o = std::make_shared<BenchServeOptions>();
  auto* cmd = bench.add_subcommand(
      "serve", "reel serve: state and entity requests per second, p50/p99, concurrent clients");
  cmd->add_option("--db", o->db, "Database to serve (default: record the crowd sample)");
  cmd->add_option("--session", o->session, "Session of --db (default: the only one)");
  cmd->add_option("--duration", o->duration, "Length of the recorded crowd sample")
      ->capture_default_str();
  cmd->add_option("--db-dir", o->db_dir,
                  "Keep the recording in this directory (reused by later runs)");
  cmd->add_option("--clients", o->clients, "Concurrent keep-alive clients")->capture_default_str();
  cmd->add_option("--seconds", o->seconds, "Seconds per phase")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Server worker threads")->capture_default_str();
  cmd->add_option("--cache-mib", o->cache_mib, "Cache of each pooled Replayer, MiB")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the random frames")->capture_default_str();
  cmd->callback([o] { run_bench_serve(*o); });
}

}  // namespace reel::cli
