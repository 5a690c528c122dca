#include "bench.h"

namespace reel::cli {

void register_bench(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Benchmarks that print a table of figures");
  bench->require_subcommand(1);
  register_bench_variant(*bench);
  register_bench_record(*bench);
  register_bench_replay(*bench);
  register_bench_compare(*bench);
  register_bench_recover(*bench);
  register_bench_ingest(*bench);
  register_bench_serve(*bench);
}

}  // namespace reel::cli
