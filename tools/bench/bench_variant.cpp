// `reel bench variant`: throughput of the Godot Variant binary codec against memcpy of the same
// bytes, for a typical entity-state Dictionary and a 1 MiB PackedFloat32Array. Prints one table;
// figures are the median of several runs, in MB/s of encoded bytes (1 MB = 10^6 bytes).
#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <vector>

#include <fmt/format.h>

#include "bench.h"
#include "cli_util.h"
#include "reel/variant/variant_binary.h"

namespace reel::cli {
namespace {

struct BenchOptions {
  double seconds = 0.3;  // per operation and case, split over `runs`
  long iterations = 0;   // per run; overrides seconds when > 0
  int runs = 5;
};

// Ten properties, as a game would record each frame for one entity.
Variant entity_state() {
  Dictionary d;
  Transform3D transform;
  transform.basis.rows = {Vector3{0.96f, 0, -0.28f}, Vector3{0, 1, 0}, Vector3{0.28f, 0, 0.96f}};
  transform.origin = {12.5f, 0.75f, -48.25f};
  d.set(StringName{"transform"}, transform);
  d.set(StringName{"velocity"}, Vector3{3.25f, -0.5f, 1.0f});
  d.set(StringName{"angular_velocity"}, Vector3{0, 0.1f, 0});
  d.set(StringName{"aim_direction"}, Vector3{0.7f, 0.1f, 0.7f});
  d.set(StringName{"health"}, 87.5);
  d.set(StringName{"stamina"}, 0.625);
  d.set(StringName{"speed"}, 5.5);
  d.set(StringName{"state"}, StringName{"running"});
  d.set(StringName{"weapon"}, StringName{"rifle"});
  d.set(StringName{"on_floor"}, true);
  return d;
}

Variant float_array_1mib() {
  PackedFloat32Array values(1 << 18);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.25f;
  return values;
}

// Runs `op` repeatedly; returns the median over runs of bytes_per_op * ops / second, in MB/s.
double median_mbps(const BenchOptions& options, size_t bytes_per_op,
                   const std::function<void()>& op) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> rates;
  const auto run_budget = std::chrono::duration<double>(options.seconds / options.runs);
  op();  // warm-up: caches, allocator
  for (int run = 0; run < options.runs; ++run) {
    long ops = 0;
    const auto start = Clock::now();
    auto now = start;
    if (options.iterations > 0) {
      for (; ops < options.iterations; ++ops) op();
      now = Clock::now();
    } else {
      while (now - start < run_budget) {
        for (int i = 0; i < 16; ++i) op();
        ops += 16;
        now = Clock::now();
      }
    }
    const double secs = std::chrono::duration<double>(now - start).count();
    rates.push_back(static_cast<double>(bytes_per_op) * static_cast<double>(ops) / secs / 1e6);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

volatile size_t g_sink = 0;

struct Row {
  std::string name;
  size_t bytes;
  double encode, decode, copy;
};

Row measure(const std::string& name, const Variant& value, const BenchOptions& options) {
  const std::vector<uint8_t> encoded = value_or_throw(encode_to_bytes(value), "encode");
  {
    auto check = decode_variant(encoded);
    throw_if_error(check.status(), "decode");
    if (!(check->value == value)) throw CliError(kExitInternal, name + ": round trip mismatch");
  }
  std::vector<uint8_t> out;
  out.reserve(encoded.size());
  std::vector<uint8_t> copy(encoded.size());
  size_t sink = 0;  // keeps the work observable

  Row row{name, encoded.size(), 0, 0, 0};
  row.encode = median_mbps(options, encoded.size(), [&] {
    out.clear();
    throw_if_error(encode_variant(value, out), "encode");
    sink += out.size();
  });
  row.decode = median_mbps(options, encoded.size(), [&] {
    auto r = decode_variant(encoded);
    throw_if_error(r.status(), "decode");
    sink += r->bytes_read;
  });
  row.copy = median_mbps(options, encoded.size(), [&] {
    std::memcpy(copy.data(), encoded.data(), encoded.size());
    sink += copy[sink % copy.size()];
  });
  g_sink = sink;  // defeats dead-code elimination
  return row;
}

void run_bench(const BenchOptions& options) {
  if (options.runs < 1) throw CliError(kExitBadInput, "--runs must be at least 1");
  const std::vector<Row> rows = {measure("entity-state Dictionary", entity_state(), options),
                                 measure("PackedFloat32Array 1 MiB", float_array_1mib(), options)};
  fmt::print("{:<26} {:>9} {:>12} {:>12} {:>12} {:>11} {:>11}\n", "case", "bytes", "encode MB/s",
             "decode MB/s", "memcpy MB/s", "enc/memcpy", "dec/memcpy");
  for (const Row& r : rows) {
    fmt::print("{:<26} {:>9} {:>12.0f} {:>12.0f} {:>12.0f} {:>10.2f}x {:>10.2f}x\n", r.name,
               r.bytes, r.encode, r.decode, r.copy, r.copy / r.encode, r.copy / r.decode);
  }
  fmt::print("median of {} runs; x/memcpy = how many times slower than memcpy of the same bytes\n",
             options.runs);
}

}  // namespace

void register_bench_variant(CLI::App& bench) {
  auto options = std::make_shared<BenchOptions>();
  auto* cmd = bench.add_subcommand("variant", "Variant codec throughput vs memcpy");
  cmd->add_option("--seconds", options->seconds, "Time per operation and case (default 0.3)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--iterations", options->iterations,
                  "Fixed iterations per run (overrides --seconds)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--runs", options->runs, "Runs per figure; the median is reported (default 5)")
      ->check(CLI::PositiveNumber);
  cmd->callback([options] { run_bench(*options); });
}

}  // namespace reel::cli
