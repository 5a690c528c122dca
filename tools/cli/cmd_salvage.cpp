// `reel salvage DB --out NEW.db [--json]`: every frame of a damaged database that can still be
// reconstructed, copied into a new database (tools/cli/salvage.h), and a report of exactly what was
// lost. Exit 0 when nothing was lost (the input was intact), 3 when frames, events or sessions
// were lost (the output holds the rest), 2 for bad input, 1 for internal failures.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_errors.h"
#include "cli_util.h"
#include "commands.h"
#include "file_checks.h"
#include "inspect_common.h"
#include "salvage.h"

namespace reel::cli {
namespace {

struct SalvageArgs {
  std::string db, out;
  bool json = false;
};

bool lost_anything(const SalvageReport& r) {
  return !r.lost.empty() || !r.lost_sessions.empty() || r.events_dropped > 0;
}

void print_text(const SalvageArgs& args, const SalvageReport& r) {
  for (const auto& run : r.runs) {
    if (run.last < run.first) continue;
    fmt::print("copied session {} '{}' frames {}..{} as '{}'\n", run.source_session,
               run.source_name, run.first, run.last, run.name);
  }
  for (size_t i = 0; i < r.lost.size(); ++i) {
    const auto& l = r.lost[i];
    fmt::print("LOST session {} frames {}..{} ({} frames): {}\n", r.lost_range_sessions[i],
               l.first, l.last, l.last - l.first + 1, plain_message(l.cause));
  }
  for (const auto& s : r.lost_sessions) fmt::print("LOST {}\n", plain_message(s));
  if (r.events_dropped) fmt::print("LOST {} event(s) with damaged arguments\n", r.events_dropped);
  fmt::print("{}: {} frames salvaged into {} in {:.3f} s{}\n", args.db, r.frames_copied, args.out,
             r.seconds, lost_anything(r) ? "" : " (nothing lost)");
}

void print_json(const SalvageArgs& args, const SalvageReport& r) {
  nlohmann::json j;
  j["database"] = args.db;
  j["out"] = args.out;
  j["frames_copied"] = r.frames_copied;
  j["seconds"] = r.seconds;
  j["events_dropped"] = r.events_dropped;
  j["runs"] = nlohmann::json::array();
  for (const auto& run : r.runs) {
    if (run.last < run.first) continue;
    j["runs"].push_back({{"session_id", run.source_session},
                         {"session", run.source_name},
                         {"name", run.name},
                         {"first", run.first},
                         {"last", run.last}});
  }
  j["lost"] = nlohmann::json::array();
  for (size_t i = 0; i < r.lost.size(); ++i) {
    j["lost"].push_back({{"session_id", r.lost_range_sessions[i]},
                         {"first", r.lost[i].first},
                         {"last", r.lost[i].last},
                         {"cause", plain_message(r.lost[i].cause)}});
  }
  j["lost_sessions"] = nlohmann::json::array();
  for (const auto& s : r.lost_sessions) j["lost_sessions"].push_back(plain_message(s));
  fmt::print("{}\n", j.dump(2));
}

void run_salvage(const SalvageArgs& args) {
  require_database_file(args.db);
  set_current_file(args.db);
  std::error_code ec;
  if (std::filesystem::exists(args.out, ec)) {
    throw CliError(kExitBadInput, fmt::format("--out {}: exists already (salvage never "
                                              "overwrites; choose a new name)",
                                              args.out));
  }
  if (std::filesystem::equivalent(args.db, args.out, ec)) {
    throw CliError(kExitBadInput, "--out must differ from the input");
  }
  require_database_output(args.out);
  auto report = salvage_database(args.db, args.out);
  if (!report.ok()) {
    std::string why = plain_message(report.status().message());
    if (why.find(args.db) == std::string::npos && why.find(args.out) == std::string::npos) {
      why = fmt::format("{}: {}", args.db, why);
    }
    // kCorruption: SQLite cannot open the input at all, so nothing could be salvaged (exit 3).
    throw CliError(exit_code_for(report.status()), why);
  }
  if (args.json) {
    print_json(args, *report);
  } else {
    print_text(args, *report);
  }
  std::fflush(stdout);
  if (lost_anything(*report)) {
    throw CliError(kExitDamage,
                   fmt::format("{}: damaged; everything reachable is in {} (losses listed above)",
                               args.db, args.out));
  }
}

}  // namespace

void register_salvage(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "salvage", "Copy every frame that can still be reconstructed into a new database");
  auto args = std::make_shared<SalvageArgs>();
  cmd->add_option("DB", args->db, "Damaged Reel database (only read)")->required();
  cmd->add_option("--out", args->out, "New database to write (must not exist)")->required();
  cmd->add_flag("--json", args->json, "Print the report as one JSON document");
  cmd->footer(
      "Walks every session as `reel verify` does and copies every frame reachable from an\n"
      "intact keyframe. After lost frames, the run resuming at the next intact keyframe K\n"
      "becomes its own session NAME.from-K (its frame 0 = frame K). Intact chunks are copied\n"
      "byte for byte; keyframes are rebuilt from the verified state. The output is written\n"
      "to a temporary file and renamed at the end; the input is never modified.\n"
      "Exit: 0 nothing lost, 3 something lost (listed), 2 bad input, 1 internal.\n\n"
      "Examples:\n"
      "  reel salvage broken.reel --out rescued.reel && reel verify rescued.reel");
  cmd->callback([args] { run_salvage(*args); });
}

}  // namespace reel::cli
