// Registration of the `reel` subcommands: one file per subcommand (cmd_<name>.cpp), each defines
// one register_* function that adds its CLI11 subcommand to the app. main.cpp calls them all.
#pragma once

#include <CLI/CLI.hpp>

namespace reel::cli {

void register_variant(CLI::App& app);
void register_bench(CLI::App& app);

// `reel bench` subcommands, one file each (bench_<name>.cpp).
void register_bench_variant(CLI::App& bench);

}  // namespace reel::cli
