// `reel export DB [SESSION] --format F --out PATH [--godot 4|3] [--from POS] [--to POS]
// [--entity ID]... [--property PATH]... [format options]`: writes a session (or part of it) in
// another format. The formats are the table of export_common.h; this file parses the options into
// an ExportJob (the selection every format shares) and runs the format's writer.
#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "export_common.h"
#include "inspect_common.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

struct ExportArgs {
  SessionArgs session;
  std::string format;
  std::string out;
  int godot = 4;
  std::string from, to;
  std::vector<EntityId> entities;
  std::vector<std::string> properties;
  std::string map_file;
  std::string transform_tracks = "split";
  std::string split = "1h";
  int64_t memory_mib = 256;
  int64_t reset_interval = VarstreamExportOptions{}.reset_interval;
  // Which options were given (format-specific ones are refused for other formats).
  CLI::Option* map_option = nullptr;
  CLI::Option* transform_option = nullptr;
  CLI::Option* split_option = nullptr;
  CLI::Option* memory_option = nullptr;
  CLI::Option* reset_option = nullptr;
  CLI::Option* entity_option = nullptr;
  CLI::Option* property_option = nullptr;
};

const ExportFormat& find_format(const std::string& name) {
  std::string names;
  for (const auto& f : export_formats()) {
    if (f.name == name) return f;
    names += names.empty() ? "" : ", ";
    names += f.name;
  }
  throw CliError(kExitBadInput,
                 fmt::format("--format {}: unknown format (formats: {})", name, names));
}

// Format options make sense for one format only: giving them to another is a mistake.
void refuse_foreign_options(const ExportArgs& args) {
  auto refuse = [&](std::initializer_list<const CLI::Option*> options, std::string_view owner) {
    for (const CLI::Option* option : options) {
      if (option->count() > 0) {
        throw CliError(kExitBadInput, fmt::format("{} applies to --format {} only (not {})",
                                                  option->get_name(), owner, args.format));
      }
    }
  };
  if (args.format != "anim") {
    refuse({args.map_option, args.transform_option, args.split_option, args.memory_option}, "anim");
  }
  if (args.format != "varstream") refuse({args.reset_option}, "varstream");
  // A varstream holds whole frames (ReelPlayer rebuilds the world from them): no selection.
  if (args.format == "varstream") {
    for (const CLI::Option* option : {args.entity_option, args.property_option}) {
      if (option->count() > 0) {
        throw CliError(kExitBadInput,
                       fmt::format("{}: --format varstream holds whole frames; select frames "
                                   "with --from/--to only",
                                   option->get_name()));
      }
    }
  }
}

double parse_split_seconds(const std::string& text) {
  Position p = value_or_throw(parse_position(text), "--split");
  if (!p.is_time || !(p.seconds > 0)) {
    throw CliError(kExitBadInput,
                   fmt::format("--split {}: give a duration such as 1h, 30m or 90s", text));
  }
  return p.seconds;
}

ExportSelection resolve_selection(const ExportArgs& args, Replayer& replayer) {
  ExportSelection selection;
  selection.godot = args.godot;
  selection.range = resolve_range(replayer, args.from, args.to);
  for (EntityId id : args.entities) {
    if (entity_lives(args.session, replayer.session().id, id).empty()) {
      throw CliError(kExitBadInput, fmt::format("--entity {}: session '{}' has no entity {}", id,
                                                replayer.session().name, id));
    }
    selection.entities.insert(id);
  }
  const size_t count = replayer.property_paths().size();
  selection.property_selected.assign(count, args.properties.empty());
  for (const auto& path : args.properties) {
    selection.property_selected[resolve_property(replayer, path, "--property")] = true;
  }
  return selection;
}

void run_export(const ExportArgs& args) {
  const ExportFormat& format = find_format(args.format);
  refuse_foreign_options(args);
  if (args.out == "-" && !format.text_to_stdout) {
    throw CliError(kExitBadInput,
                   fmt::format("--out -: format {} writes files; give a path", format.name));
  }
  auto replayer = open_session(args.session);
  ExportJob job;
  job.replayer = replayer.get();
  job.selection = resolve_selection(args, *replayer);
  {
    auto store = open_database(args.session);
    for (auto& tag : value_or_throw(schema::list_tags(*store, replayer->session().id))) {
      if (tag.frame >= job.selection.range.from && tag.frame <= job.selection.range.to) {
        job.tags.push_back(std::move(tag));
      }
    }
  }
  job.out = args.out;
  job.anim.map_file = args.map_file;
  job.anim.transform_value_tracks = args.transform_tracks == "value";
  job.anim.max_clip_seconds = parse_split_seconds(args.split);
  job.anim.memory_bytes = static_cast<size_t>(args.memory_mib) << 20;
  job.varstream.reset_interval = args.reset_interval;
  format.write(job);
}

std::string format_list() {
  std::string text;
  for (const auto& f : export_formats()) text += fmt::format("  {:<8} {}\n", f.name, f.description);
  return text;
}

}  // namespace

void register_export(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "export", "Write a session in another format (Godot .tres, varstream, JSONL)");
  auto args = std::make_shared<ExportArgs>();
  add_session_args(*cmd, args->session, /*with_session=*/true, /*with_json=*/false);
  cmd->add_option("--format", args->format, "Output format (below)")->required();
  cmd->add_option("--out", args->out, "Output file ('-' = stdout, jsonl only)")->required();
  cmd->add_option("--godot", args->godot, "Target Godot major version: 4 or 3")
      ->check(CLI::IsMember({3, 4}))
      ->capture_default_str();
  cmd->add_option("--from", args->from, "First frame or time (default: the first frame)")
      ->type_name("POS");
  cmd->add_option("--to", args->to, "Last frame or time (default: the last frame)")
      ->type_name("POS");
  args->entity_option =
      cmd->add_option("--entity", args->entities, "Only this entity (repeatable; default: all)")
          ->type_name("ID");
  args->property_option = cmd->add_option("--property", args->properties,
                                          "Only this property path (repeatable; default: all)")
                              ->type_name("PATH");
  args->map_option =
      cmd->add_option("--map", args->map_file,
                      "anim: node paths, lines 'ID = PATTERN', 'CLASS = PATTERN', '* = PATTERN' "
                      "(default: entity_{id}; see tools/cli/EXPORT.md)")
          ->type_name("FILE");
  args->transform_option =
      cmd->add_option("--transform-tracks", args->transform_tracks,
                      "anim: 'split' = position/rotation/scale tracks, 'value' = value tracks")
          ->check(CLI::IsMember({"split", "value"}))
          ->capture_default_str();
  args->split_option =
      cmd->add_option("--split", args->split,
                      "anim: longest animation; longer ranges become several (float32 key times)")
          ->type_name("DURATION")
          ->capture_default_str();
  args->memory_option =
      cmd->add_option("--memory", args->memory_mib,
                      "anim: MiB of transform keys held in memory; more go to a temporary file")
          ->type_name("MIB")
          ->check(CLI::Range(int64_t{0}, int64_t{1} << 20))
          ->capture_default_str();
  args->reset_option =
      cmd->add_option("--reset-interval", args->reset_interval,
                      "varstream: a full-state record every N frames (seek cost vs size)")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
  cmd->footer(
      "Formats:\n" + format_list() +
      "\nThe byte layouts are in tools/cli/EXPORT.md.\n\n"
      "Examples:\n"
      "  reel export match.reel --format anim --out match_anim.tres\n"
      "  reel export match.reel --format anim --godot 3 --map nodes.map --out match.tres\n"
      "  reel export match.reel match-1 --format jsonl --from 1:00 --to 1:30 --out -\n"
      "  reel export match.reel --format jsonl --entity 17 --property position --out p.jsonl\n"
      "  reel export match.reel --format varstream --godot 3 --from 1:00 --to 2:00 --out clip.vs");
  cmd->callback([args] { run_export(*args); });
}

}  // namespace reel::cli
