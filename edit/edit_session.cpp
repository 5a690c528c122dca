// rewrite_session (trim, cut, filter) and the frame spans of trim and cut.
#include <fmt/format.h>

#include "copy_session.h"
#include "reel/edit/edit.h"
#include "reel/store/schema.h"
#include "rewrite.h"
#include "temp_output.h"

namespace reel::edit {
namespace {

Status check_range(FrameIndex frames, FrameIndex from, FrameIndex to) {
  if (frames <= 0) return Status::invalid_argument("the session holds no frame");
  if (from < 0 || to >= frames || from > to) {
    return Status::invalid_argument("frames {}..{} are not a range of frames 0..{}", from, to,
                                    frames - 1);
  }
  return {};
}

Status check_spans(const std::vector<FrameSpan>& spans, FrameIndex frames) {
  FrameIndex next = 0;
  for (const FrameSpan& s : spans) {
    if (s.first < next || s.last < s.first || s.last >= frames) {
      return Status::invalid_argument(
          "frames {}..{} are not an ascending, disjoint range of frames 0..{}", s.first, s.last,
          frames - 1);
    }
    next = s.last + 1;
  }
  return {};
}

// The output's database, if it exists: the name must be free there (checked before any work).
Status check_name_free(const std::string& output, const std::string& name) {
  if (!file_exists(output)) return {};
  REEL_ASSIGN_OR_RETURN(auto store, Store::open(output, StoreOptions{.read_only = true}));
  REEL_RETURN_IF_ERROR(schema::check_schema(*store).status());
  REEL_ASSIGN_OR_RETURN(auto sessions, schema::list_sessions(*store));
  for (const auto& s : sessions) {
    if (s.name == name) {
      return Status::invalid_argument(
          "{}: a session named '{}' exists already (name the new one with --name)", output, name);
    }
  }
  return {};
}

}  // namespace

Result<std::vector<FrameSpan>> trim_spans(FrameIndex frames, FrameIndex from, FrameIndex to) {
  REEL_RETURN_IF_ERROR(check_range(frames, from, to));
  return std::vector<FrameSpan>{{from, to}};
}

Result<std::vector<FrameSpan>> cut_spans(FrameIndex frames, FrameIndex from, FrameIndex to) {
  REEL_RETURN_IF_ERROR(check_range(frames, from, to));
  std::vector<FrameSpan> spans;
  if (from > 0) spans.push_back({0, from - 1});
  if (to < frames - 1) spans.push_back({to + 1, frames - 1});
  if (spans.empty()) {
    return Status::invalid_argument("cutting frames {}..{} would remove every frame", from, to);
  }
  return spans;
}

Result<RewriteReport> rewrite_session(const std::string& source, std::string_view session_key,
                                      const std::string& output, const RewriteOptions& options) {
  REEL_ASSIGN_OR_RETURN(auto replayer, Replayer::open(source, session_key));
  REEL_RETURN_IF_ERROR(check_spans(options.keep, replayer->frame_count()));
  const std::string name = options.name.empty() ? replayer->session().name : options.name;
  REEL_RETURN_IF_ERROR(check_name_free(output, name));

  REEL_ASSIGN_OR_RETURN(TempOutput temp, TempOutput::create(output));
  RewriteOptions o = options;
  o.name = name;
  REEL_ASSIGN_OR_RETURN(RewriteReport report, write_rewritten(*replayer, source, temp.path(), o));
  replayer.reset();
  if (!file_exists(output)) {
    REEL_RETURN_IF_ERROR(temp.commit());
    return report;
  }
  // An existing database (the source itself, or another): the new session's rows go in with one
  // transaction; the temporary file is removed when `temp` goes.
  REEL_ASSIGN_OR_RETURN(auto dest, Store::open(output, StoreOptions{.create = false}));
  REEL_RETURN_IF_ERROR(schema::ensure_schema(*dest));
  REEL_ASSIGN_OR_RETURN(auto made, Store::open(temp.path(), StoreOptions{.read_only = true}));
  REEL_ASSIGN_OR_RETURN(auto made_session, schema::find_session(*made, name));
  made.reset();
  REEL_RETURN_IF_ERROR(copy_session(*dest, temp.path(), made_session.id, name).status());
  return report;
}

}  // namespace reel::edit
