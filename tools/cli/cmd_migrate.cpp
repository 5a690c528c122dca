// `reel migrate DB`: upgrades a database of an older format version in place (FORMAT.md 5).
#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "file_checks.h"
#include "reel/edit/edit.h"

namespace reel::cli {

void register_migrate(CLI::App& app) {
  auto* cmd = app.add_subcommand("migrate", "Upgrade a database to the current format version");
  auto db = std::make_shared<std::string>();
  cmd->add_option("DB", *db, "Reel database file")->required();
  cmd->footer(
      "One transaction: the file is either fully migrated or left as it was. Older builds\n"
      "refuse the migrated file (FORMAT.md 5).\n\n"
      "Example:\n"
      "  reel migrate old.reel");
  cmd->callback([db] {
    require_database_file(*db);
    set_current_file(*db);
    auto report = value_or_throw(edit::migrate_database(*db));
    if (report.from_version == report.to_version) {
      fmt::print("{}: format version {} (current; nothing to migrate)\n", *db, report.to_version);
    } else {
      fmt::print("{}: migrated from format version {} to {}\n", *db, report.from_version,
                 report.to_version);
    }
  });
}

}  // namespace reel::cli
