#include "commands.h"

namespace reel::cli {

void register_variant(CLI::App& app) {
  app.add_subcommand("variant", "Encode/decode Godot Variants (binary <-> text form)");
}

}  // namespace reel::cli
