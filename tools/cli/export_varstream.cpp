#include "export_varstream.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/core.h>

#include "cli_util.h"
#include "export_common.h"
#include "play_records.h"

namespace reel::cli {

VarstreamStats write_varstream(Replayer& replayer, const FrameRange& range,
                               const VarstreamOptions& options, const std::string& path) {
  if (options.reset_interval < 1) throw CliError(kExitBadInput, "--reset-interval must be >= 1");
  StoreVarWriter out(path, options.dialect, /*flush_each=*/false);
  std::string write_failure;  // the writer's CliError, carried through the library as a Status
  auto stats = reel::write_varstream(
      replayer, range.from, range.to, options, [&](const uint8_t* data, size_t size) -> Status {
        try {
          out.write_raw(std::vector<uint8_t>(data, data + size), "varstream");
        } catch (const CliError& e) {
          write_failure = e.what();
          return Status::io_error("{}", write_failure);
        }
        return {};
      });
  if (!write_failure.empty()) throw CliError(kExitInternal, write_failure);
  out.finish();
  return value_or_throw(std::move(stats));
}

// `reel export --format varstream`: the whole frames of the selected range (no entity or property
// selection: cmd_export.cpp refuses it), and nothing half-written on failure.
void write_varstream_export(ExportJob& job) {
  const auto start = std::chrono::steady_clock::now();
  VarstreamOptions options;
  options.dialect = job.selection.godot == 3 ? GodotDialect::kGodot3 : GodotDialect::kGodot4;
  options.reset_interval = job.varstream.reset_interval;
  options.tags = job.tags;
  VarstreamStats stats;
  try {
    stats = write_varstream(*job.replayer, job.selection.range, options, job.out);
  } catch (const CliError&) {
    // A varstream without its index and footer is of no use.
    std::error_code ec;
    if (std::filesystem::is_regular_file(job.out, ec)) std::filesystem::remove(job.out, ec);
    throw;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "%s\n",
               fmt::format("{}: {} frames ({}..{}), {} reset records, {} in {:.2f} s", job.out,
                           stats.frames, job.selection.range.from, job.selection.range.to,
                           stats.resets, human_bytes(stats.bytes), seconds)
                   .c_str());
}

}  // namespace reel::cli
