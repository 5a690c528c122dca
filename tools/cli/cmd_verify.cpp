// `reel verify DB [SESSION] [--json] [--no-sqlite-check]`: checks every byte a reader relies on
// (replay/include/reel/replay/verify.h) and lists every damaged frame range. Exit 0 only when
// clean, 3 (kExitDamage) when damage was found, 2 for bad input (not a Reel database, unknown
// session), 1 for internal failures.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_errors.h"
#include "cli_util.h"
#include "commands.h"
#include "file_checks.h"
#include "inspect_common.h"
#include "reel/replay/verify.h"

namespace reel::cli {
namespace {

struct VerifyArgs {
  SessionArgs session;
  bool no_sqlite_check = false;
  bool quick = false;
};

std::string frames_text(FrameIndex first, FrameIndex last) {
  if (first < 0) return "";
  return first == last ? fmt::format("frame {}", first) : fmt::format("frames {}..{}", first, last);
}

double gb_per_second(const VerifyReport& report) {
  return report.seconds > 0 ? static_cast<double>(report.file_bytes) / report.seconds / 1e9 : 0;
}

void print_text(const VerifyReport& report) {
  for (const auto& s : report.sessions) {
    fmt::print("session {} '{}': {} frames, {} decoded, {} chunks, {} keyframes, {} events, {}\n",
               s.id, s.name, s.frames, s.frames_decoded, s.chunks, s.keyframes, s.events,
               human_bytes(s.stored_bytes));
    for (const auto& lost : s.lost) {
      fmt::print("  LOST {} ({} frames): {}\n", frames_text(lost.first, lost.last),
                 lost.last - lost.first + 1, plain_message(lost.cause));
    }
  }
  for (const auto& d : report.damage) {
    std::string where = d.session_id ? fmt::format("session {} '{}'", d.session_id, d.session)
                                     : std::string("file");
    if (d.first_frame >= 0) where += ", " + frames_text(d.first_frame, d.last_frame);
    fmt::print("DAMAGED {}: {}: {}{}\n", where, d.what, plain_message(d.detail),
               d.frames_lost ? " [frames lost]" : "");
  }
  fmt::print("{}: {} ({} checked in {:.3f} s, {:.2f} GB/s)\n", report.path,
             report.clean() ? "clean" : fmt::format("{} problem(s) found", report.damage.size()),
             human_bytes(report.file_bytes), report.seconds, gb_per_second(report));
}

void print_json(const VerifyReport& report) {
  nlohmann::json j;
  j["database"] = report.path;
  j["clean"] = report.clean();
  j["file_bytes"] = report.file_bytes;
  j["blob_bytes"] = report.blob_bytes;
  j["seconds"] = report.seconds;
  j["sessions"] = nlohmann::json::array();
  for (const auto& s : report.sessions) {
    nlohmann::json lost = nlohmann::json::array();
    for (const auto& l : s.lost) {
      lost.push_back({{"first", l.first}, {"last", l.last}, {"cause", plain_message(l.cause)}});
    }
    j["sessions"].push_back({{"id", s.id},
                             {"name", s.name},
                             {"frames", s.frames},
                             {"frames_decoded", s.frames_decoded},
                             {"chunks", s.chunks},
                             {"keyframes", s.keyframes},
                             {"events", s.events},
                             {"stored_bytes", s.stored_bytes},
                             {"lost", lost}});
  }
  j["damage"] = nlohmann::json::array();
  for (const auto& d : report.damage) {
    nlohmann::json item{{"what", d.what},
                        {"detail", plain_message(d.detail)},
                        {"frames_lost", d.frames_lost}};
    item["session_id"] = d.session_id ? nlohmann::json(d.session_id) : nlohmann::json(nullptr);
    item["session"] = d.session_id ? nlohmann::json(d.session) : nlohmann::json(nullptr);
    item["first_frame"] =
        d.first_frame >= 0 ? nlohmann::json(d.first_frame) : nlohmann::json(nullptr);
    item["last_frame"] =
        d.first_frame >= 0 ? nlohmann::json(d.last_frame) : nlohmann::json(nullptr);
    j["damage"].push_back(std::move(item));
  }
  fmt::print("{}\n", j.dump(2));
}

void run_verify(const VerifyArgs& args) {
  if (is_local_file(args.session)) require_database_file(args.session.db);
  set_current_file(args.session.db);
  VerifyOptions options;
  options.store = reading_store_options(args.session);
  options.sqlite_check = !args.no_sqlite_check;
  options.decode_frames = !args.quick;
  auto report = verify_database(args.session.db, args.session.session, options);
  if (!report.ok()) {
    std::string why = plain_message(report.status().message());
    if (why.find(args.session.db) == std::string::npos) {
      why = fmt::format("{}: {}", args.session.db, why);
    }
    throw CliError(exit_code_for(report.status()), why);
  }
  if (args.session.json) {
    print_json(*report);
  } else {
    print_text(*report);
  }
  std::fflush(stdout);
  if (!report->clean()) {
    throw CliError(kExitDamage, fmt::format("{}: damaged ({} problem(s), listed above)",
                                            args.session.db, report->damage.size()));
  }
}

}  // namespace

void register_verify(CLI::App& app) {
  auto* cmd = app.add_subcommand("verify", "Check a database for damage, frame by frame");
  auto args = std::make_shared<VerifyArgs>();
  add_session_args(*cmd, args->session);
  cmd->add_flag("--no-sqlite-check", args->no_sqlite_check,
                "Skip SQLite's own PRAGMA integrity_check (Reel's checks still read every blob)");
  cmd->add_flag("--quick", args->quick,
                "Check blobs by checksum only, without decoding frames (much faster; no payload, "
                "time or keyframe-against-deltas checks)");
  cmd->footer(
      "Checks SQLite's integrity, the schema, every blob checksum, the catalog against the data\n"
      "(frame counts, chunk frames and times, keyframe rows), frame continuity, every frame\n"
      "decoded and each keyframe against the state the deltas reach, and every event.\n"
      "LOST lines are frames that cannot be reconstructed; DAMAGED lines every problem found.\n"
      "Exit: 0 clean, 3 damaged, 2 bad input (not a Reel database, unknown session), 1 internal.\n\n"
      "Examples:\n"
      "  reel verify match.reel\n"
      "  reel verify match.reel match-1 --json | jq '.damage'");
  cmd->callback([args] { run_verify(*args); });
}

}  // namespace reel::cli
