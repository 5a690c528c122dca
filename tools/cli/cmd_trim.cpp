// `reel trim DB [SESSION] --from POS --to POS [--out DB2] [--name NEW]`: a new session holding
// frames POS..POS of SESSION, starting with a keyframe (edit.h).
#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "edit_common.h"

namespace reel::cli {

void register_trim(CLI::App& app) {
  auto* cmd = app.add_subcommand("trim", "Keep a range of a session as a new session");
  struct Args {
    RewriteArgs rewrite;
    std::string from, to;
  };
  auto args = std::make_shared<Args>();
  add_rewrite_args(*cmd, args->rewrite);
  cmd->add_option("--from", args->from, "First frame kept: a frame number or a time (default 0)");
  cmd->add_option("--to", args->to, "Last frame kept, included (default: the last frame)");
  cmd->footer(
      "The new session starts with a keyframe holding the state of --from; its state equals\n"
      "the source's at every kept frame (ticks and times as recorded). Events and tags of the\n"
      "kept frames come along. Atomic: on any failure nothing is written.\n\n"
      "Examples:\n"
      "  reel trim match.reel m1 --from 1:00 --to 1:30            # adds 'm1-trim' to match.reel\n"
      "  reel trim match.reel m1 --from 600 --to 900 --out clip.reel");
  cmd->callback([args] {
    auto replayer = open_session(args->rewrite.session);
    const FrameRange range = resolve_range(*replayer, args->from, args->to);
    edit::RewriteOptions options;
    options.keep = value_or_throw(edit::trim_spans(replayer->frame_count(), range.from, range.to));
    options.name = rewrite_name(args->rewrite, replayer->session().name, "trim");
    options.skip_damaged = args->rewrite.skip_damaged;
    options.note =
        fmt::format("trim of '{}' frames {}..{}", replayer->session().name, range.from, range.to);
    replayer.reset();
    run_rewrite(args->rewrite, options);
  });
}

}  // namespace reel::cli
