// `reel recover DB [SESSION] [--at POS] --out state.bin [--format var|json]`: the complete world
// state at the session's last committed frame (or at --at), for a server restarting after a
// crash. `var` writes one Godot Dictionary in var_to_bytes form (FORMAT.md 8, "Recovered state");
// Godot loads it with bytes_to_var. Opening the database seals sessions whose recorder is gone.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "file_checks.h"
#include "inspect_common.h"
#include "json_out.h"
#include "reel/replay/recover.h"
#include "reel/variant/variant_binary.h"
#include "reel/variant/variant_text.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

struct RecoverArgs {
  SessionArgs session;
  std::string at;
  std::string out;
  std::string format = "var";
};

std::vector<uint8_t> serialize(const Dictionary& state, const std::string& format) {
  if (format == "var") return value_or_throw(encode_to_bytes(Variant(state)), "encoding the state");
  const std::string text = json_text(dictionary_tree_json(Variant(state)));
  std::vector<uint8_t> bytes(text.begin(), text.end());
  bytes.push_back('\n');
  return bytes;
}

// Writes beside the target and renames: a reader of `path` sees the old file or the new one.
void write_atomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  const std::string temporary = path + ".partial";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw CliError(kExitBadInput, fmt::format("--out {}: {}", path, errno_text(errno)));
    }
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::filesystem::remove(temporary);
      throw CliError(kExitInternal,
                     fmt::format("--out {}: write failed: {}", path, errno_text(errno)));
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary);
    throw CliError(kExitBadInput, fmt::format("--out {}: {}", path, ec.message()));
  }
}

void run_recover(const RecoverArgs& a) {
  if (a.format != "var" && a.format != "json") {
    throw CliError(kExitBadInput,
                   fmt::format("--format {}: unknown format (expected var or json)", a.format));
  }
  const auto start = std::chrono::steady_clock::now();
  // The file, its schema and the session first (each reported as such); this also seals
  // sessions whose recorder is gone.
  auto store = open_database(a.session);
  const schema::SessionRow row = find_session_row(*store, a.session);
  store.reset();
  RecoverOptions options;
  options.settle = false;  // done by open_database
  options.replay.store = reading_store_options(a.session);
  if (!a.at.empty()) {
    const Position p = value_or_throw(parse_position(a.at), "--at");
    if (!p.is_end) {
      auto replayer = open_session(a.session);
      options.at = resolve_position(*replayer, a.at, "--at");
    }
  }
  auto recovered = recover_state(a.session.db, std::to_string(row.id), options);
  if (!recovered.ok() && recovered.status().code() == StatusCode::kOutOfRange) {
    throw CliError(kExitBadInput, fmt::format("{}: session '{}' holds no committed frame",
                                              a.session.db, row.name));
  }
  throw_if_error(recovered.status(), a.session.db);
  const std::vector<uint8_t> bytes = serialize(state_dictionary(*recovered), a.format);
  write_atomically(a.out, bytes);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const auto& s = recovered->session;
  fmt::print(
      "recovered session '{}' ({}) at frame {} of {} (tick {}, time {}): {} entities, {} bytes "
      "-> {} ({}), {:.1f} ms\n",
      s.name, schema::session_ending(s), recovered->state.frame, s.frame_count,
      recovered->state.tick, format_time(recovered->state.time), recovered->state.entities.size(),
      bytes.size(), a.out, a.format, ms);
  if (!recovered->notice.empty()) fmt::print("{}\n", recovered->notice);
  if (s.frames_handed_over > s.frame_count) {
    fmt::print("frames handed over {}, committed {}: {} lost in the crash\n", s.frames_handed_over,
               s.frame_count, s.frames_handed_over - s.frame_count);
  }
}

}  // namespace

void register_recover(CLI::App& app) {
  auto a = std::make_shared<RecoverArgs>();
  auto* cmd = app.add_subcommand(
      "recover", "Write the world state at a session's last committed frame (crash recovery)");
  add_session_args(*cmd, a->session, /*with_session=*/true, /*with_json=*/false);
  cmd->add_option("--at", a->at, "Frame or time to recover instead of the last (1200, 20s, end)");
  cmd->add_option("--out", a->out, "File to write")->required();
  cmd->add_option("--format", a->format, "var (Godot var_to_bytes Dictionary) | json")
      ->capture_default_str();
  cmd->footer(
      "Example: reel recover match.reel match-1 --out state.bin\n"
      "Godot:   var state: Dictionary = bytes_to_var(FileAccess.get_file_as_bytes(\"state.bin\"))\n"
      "Keys of the Dictionary: FORMAT.md section 8.");
  cmd->callback([a] { run_recover(*a); });
}

}  // namespace reel::cli
