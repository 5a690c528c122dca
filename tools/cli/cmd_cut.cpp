// `reel cut DB [SESSION] --from POS --to POS [--out DB2] [--name NEW]`: a new session without
// frames POS..POS, the rest joined (edit.h).
#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "edit_common.h"

namespace reel::cli {

void register_cut(CLI::App& app) {
  auto* cmd = app.add_subcommand("cut", "Remove a range of a session, joining the rest");
  struct Args {
    RewriteArgs rewrite;
    std::string from, to;
  };
  auto args = std::make_shared<Args>();
  add_rewrite_args(*cmd, args->rewrite);
  cmd->add_option("--from", args->from, "First frame removed: a frame number or a time")
      ->required();
  cmd->add_option("--to", args->to, "Last frame removed, included")->required();
  cmd->footer(
      "The frame after the cut carries the whole difference between the states on both sides,\n"
      "so every kept frame's state equals the source's. Events of removed frames are dropped.\n"
      "Atomic: on any failure nothing is written.\n\n"
      "Examples:\n"
      "  reel cut match.reel m1 --from 2:00 --to 2:30 --out match-short.reel");
  cmd->callback([args] {
    auto replayer = open_session(args->rewrite.session);
    const FrameRange range = resolve_range(*replayer, args->from, args->to);
    edit::RewriteOptions options;
    options.keep = value_or_throw(edit::cut_spans(replayer->frame_count(), range.from, range.to));
    options.name = rewrite_name(args->rewrite, replayer->session().name, "cut");
    options.skip_damaged = args->rewrite.skip_damaged;
    options.note = fmt::format("cut of frames {}..{} from '{}'", range.from, range.to,
                               replayer->session().name);
    replayer.reset();
    run_rewrite(args->rewrite, options);
  });
}

}  // namespace reel::cli
