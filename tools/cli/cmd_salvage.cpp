// `reel salvage DB --out NEW.db [--json]`: every frame of a damaged database that can still be
// reconstructed, copied into a new database (reel/edit/salvage.h), and a report of exactly what was
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
#include "reel/edit/salvage.h"

namespace reel::cli {
namespace {

using edit::SalvageReport;

struct SalvageArgs {
  std::string db, out;
  bool json = false;
  std::string scan = "auto";
};

edit::SalvageOptions::Scan scan_mode(const std::string& text) {
  if (text == "always") return edit::SalvageOptions::Scan::kAlways;
  if (text == "never") return edit::SalvageOptions::Scan::kNever;
  return edit::SalvageOptions::Scan::kAuto;
}

bool lost_anything(const SalvageReport& r) {
  // A page scan ran because SQLite's structure was damaged: even when every frame was rebuilt,
  // what the catalog held may not have been (the NOTE lines).
  return !r.lost.empty() || !r.lost_sessions.empty() || r.events_dropped > 0 ||
         r.method == edit::SalvageMethod::kPageScan;
}

void print_text(const SalvageArgs& args, const SalvageReport& r) {
  if (r.method == edit::SalvageMethod::kPageScan) {
    fmt::print("read by page scan ({}): {} pages of {} bytes, {} blobs verified, {} rejected{}\n",
               plain_message(r.scan_reason), r.pages_scanned, r.page_size, r.blobs_verified,
               r.blobs_rejected,
               r.walk_frames >= 0
                   ? fmt::format(" (the b-tree walk reached {} frames)", r.walk_frames)
                   : std::string{});
  }
  for (const auto& note : r.notes) fmt::print("NOTE {}\n", plain_message(note));
  for (const auto& run : r.runs) {
    if (run.last < run.first) continue;
    fmt::print("copied session {} '{}' frames {}..{} as '{}'\n", run.source_session,
               run.source_name, run.first, run.last, run.name);
  }
  for (size_t i = 0; i < r.lost.size(); ++i) {
    const auto& l = r.lost[i];
    fmt::print("LOST session {} frames {}..{} ({} frames): {}\n", r.lost_range_sessions[i], l.first,
               l.last, l.last - l.first + 1, plain_message(l.cause));
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
  j["method"] = edit::salvage_method_name(r.method);
  j["scan_reason"] = plain_message(r.scan_reason);
  j["walk_frames"] = r.walk_frames;
  j["page_size"] = r.page_size;
  j["pages_scanned"] = r.pages_scanned;
  j["blobs_verified"] = r.blobs_verified;
  j["blobs_rejected"] = r.blobs_rejected;
  j["notes"] = nlohmann::json::array();
  for (const auto& note : r.notes) j["notes"].push_back(plain_message(note));
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
  // Not require_database_file: a damaged file may have lost its SQLite header (the page scan
  // reads it anyway).
  require_readable_file(args.db);
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
  auto report = edit::salvage_database(args.db, args.out, {.scan = scan_mode(args.scan)});
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
  cmd->add_option("--scan", args->scan,
                  "Read the file's pages raw: auto (when SQLite's structure is damaged), always, "
                  "never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd->footer(
      "Walks every session as `reel verify` does and copies every frame reachable from an\n"
      "intact keyframe. After lost frames, the run resuming at the next intact keyframe K\n"
      "becomes its own session NAME.from-K (its frame 0 = frame K). Intact chunks are copied\n"
      "byte for byte; keyframes are rebuilt from the verified state. The output is written\n"
      "to a temporary file and renamed at the end; the input is never modified.\n"
      "When SQLite cannot read the file or its b-trees are damaged (or the file is shorter\n"
      "than its header says), the pages are also read raw: every cell whose Reel blob\n"
      "verifies by its checksum is kept, sessions are rebuilt from them (NOTE lines say\n"
      "what could not be known), and the output holding more frames wins.\n"
      "Exit: 0 nothing lost, 3 something lost (listed), 2 bad input, 1 internal.\n\n"
      "Examples:\n"
      "  reel salvage broken.reel --out rescued.reel && reel verify rescued.reel");
  cmd->callback([args] { run_salvage(*args); });
}

}  // namespace reel::cli
