// compact_database and merge_databases: whole-database rewrites into a temporary file.
#include <fmt/format.h>

#include <set>

#include "copy_session.h"
#include "reel/edit/edit.h"
#include "reel/store/schema.h"
#include "rewrite.h"
#include "temp_output.h"

namespace reel::edit {
namespace {

Result<std::vector<schema::SessionRow>> sessions_of(const std::string& path) {
  if (!file_exists(path)) return Status::not_found("{}: no such file", path);
  REEL_ASSIGN_OR_RETURN(auto store, Store::open(path, StoreOptions{.read_only = true}));
  REEL_RETURN_IF_ERROR(schema::check_schema(*store).status());
  return schema::list_sessions(*store);
}

}  // namespace

Result<CompactReport> compact_database(const std::string& path, const CompactOptions& options) {
  REEL_ASSIGN_OR_RETURN(auto sessions, sessions_of(path));
  for (const auto& s : sessions) {
    if (s.status == format::SessionStatus::kRecording) {
      return Status::invalid_argument(
          "{}: session '{}' is still recording (a recorder may be writing it; if it crashed, "
          "recover it first)",
          path, s.name);
    }
  }
  const std::string output = options.output.empty() ? path : options.output;
  if (output != path && file_exists(output)) {
    return Status::invalid_argument("{}: exists already (compact writes a new file)", output);
  }
  CompactReport report;
  report.bytes_before = file_size(path) + file_size(path + "-wal");
  REEL_ASSIGN_OR_RETURN(TempOutput temp, TempOutput::create(output));
  for (const auto& s : sessions) {
    REEL_ASSIGN_OR_RETURN(auto replayer, Replayer::open(path, s.name));
    RewriteOptions o{.codec = options.codec, .name = s.name, .skip_damaged = options.skip_damaged};
    auto written = write_rewritten(*replayer, path, temp.path(), o);
    if (!written.ok()) return written.status().with_context(fmt::format("session '{}'", s.name));
    ++report.sessions;
    report.frames += written->frames_written;
    report.frames_skipped += written->frames_skipped;
  }
  {
    REEL_ASSIGN_OR_RETURN(auto store, Store::open(temp.path(), StoreOptions{}));
    REEL_RETURN_IF_ERROR(schema::ensure_schema(*store));  // a file without sessions gets one too
    REEL_RETURN_IF_ERROR(store->exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    REEL_RETURN_IF_ERROR(store->exec("VACUUM"));
  }
  REEL_RETURN_IF_ERROR(temp.commit());
  report.bytes_after = file_size(output);
  return report;
}

Result<MergeReport> merge_databases(const std::vector<std::string>& inputs,
                                    const std::string& output) {
  if (inputs.empty()) return Status::invalid_argument("merge needs at least one input database");
  if (file_exists(output)) {
    return Status::invalid_argument("{}: exists already (merge writes a new file)", output);
  }
  std::vector<std::vector<schema::SessionRow>> sessions;
  for (const auto& input : inputs) {
    REEL_ASSIGN_OR_RETURN(auto rows, sessions_of(input));
    sessions.push_back(std::move(rows));
  }
  REEL_ASSIGN_OR_RETURN(TempOutput temp, TempOutput::create(output));
  MergeReport report;
  {
    REEL_ASSIGN_OR_RETURN(auto store, Store::open(temp.path(), StoreOptions{}));
    REEL_RETURN_IF_ERROR(schema::ensure_schema(*store));
    std::set<std::string> taken;
    for (size_t i = 0; i < inputs.size(); ++i) {
      for (const auto& s : sessions[i]) {
        std::string name = s.name;
        for (int n = 2; taken.contains(name); ++n) name = fmt::format("{}-{}", s.name, n);
        taken.insert(name);
        REEL_RETURN_IF_ERROR(copy_session(*store, inputs[i], s.id, name).status());
        report.sessions.push_back({inputs[i], s.name, name});
      }
    }
  }
  REEL_RETURN_IF_ERROR(temp.commit());
  return report;
}

}  // namespace reel::edit
