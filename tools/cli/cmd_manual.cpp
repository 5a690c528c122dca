// `reel manual`: the help of reel and of every command and nested command, in one text (what
// `cmake --install` puts in share/doc/reel/reel-help.txt, for machines without man pages).
#include <functional>

#include <fmt/format.h>

#include "commands.h"

namespace reel::cli {

void register_manual(CLI::App& app) {
  auto* cmd = app.add_subcommand("manual", "Print the help of every command in one text");
  cmd->footer(
      "Examples:\n"
      "  reel manual | less");
  CLI::App* root = &app;
  cmd->callback([root] {
    std::function<void(CLI::App&, const std::string&)> print = [&](CLI::App& c,
                                                                   const std::string& path) {
      fmt::print("{}\n{}\n{}\n", path, std::string(path.size(), '='), c.help());
      for (CLI::App* child : c.get_subcommands([](CLI::App*) { return true; })) {
        print(*child, path + " " + child->get_name());
      }
    };
    print(*root, "reel");
  });
}

}  // namespace reel::cli
