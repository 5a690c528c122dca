// `reel bench`: benchmark programs that print one table each. register_bench (cmd_bench.cpp)
// adds the `bench` subcommand; each benchmark lives in its own bench_<name>.cpp.
#pragma once

#include <CLI/CLI.hpp>

namespace reel::cli {

void register_bench(CLI::App& app);

// `reel bench` subcommands, one file each (bench_<name>.cpp).
void register_bench_variant(CLI::App& bench);
void register_bench_record(CLI::App& bench);
void register_bench_replay(CLI::App& bench);
void register_bench_compare(CLI::App& bench);  // bench_compare.cpp (+ bench_compare_*.cpp)
void register_bench_recover(CLI::App& bench);
void register_bench_ingest(CLI::App& bench);  // bench_ingest.cpp
void register_bench_serve(CLI::App& bench);  // bench_serve.cpp

}  // namespace reel::cli
