// Plumbing shared by the editing subcommands (trim, cut, filter, compact): the output options,
// the codec overrides and the one-line report of a rewrite.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "inspect_common.h"
#include "reel/edit/edit.h"

namespace reel::cli {

struct RewriteArgs {
  SessionArgs session;
  std::string out;   // "" = add the new session to DB itself
  std::string name;  // "" = the source's name (another database) or NAME-<verb> (DB itself)
  bool skip_damaged = false;
};

// DB [SESSION] --out --name --skip-damaged (no --json).
void add_rewrite_args(CLI::App& cmd, RewriteArgs& args);
// --keyframe-interval, --zstd-level, --lossy/--lossless, --position-step, --rotation-step.
void add_codec_overrides(CLI::App& cmd, edit::CodecOverrides& codec);

// The output database and the new session's name for a rewrite by `verb` ("trim", "cut" ...).
std::string rewrite_output(const RewriteArgs& args);
std::string rewrite_name(const RewriteArgs& args, const std::string& source_name,
                         const std::string& verb);

// Runs the rewrite and prints what it wrote: "wrote session 'm1-trim' to m.reel: 120 frames ...".
void run_rewrite(const RewriteArgs& args, const edit::RewriteOptions& options);

}  // namespace reel::cli
