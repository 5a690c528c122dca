#include "commands.h"

namespace reel::cli {

void register_bench_variant(CLI::App& bench) {
  bench.add_subcommand("variant", "Variant codec throughput vs memcpy");
}

}  // namespace reel::cli
