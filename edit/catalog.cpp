// In-place edits of a database's catalog, each one transaction: migrate and tags.
#include <fmt/format.h>

#include "reel/edit/edit.h"
#include "reel/format/format_constants.h"
#include "reel/store/schema.h"
#include "reel/store/tags.h"
#include "temp_output.h"

namespace reel::edit {
namespace {

Result<std::unique_ptr<Store>> open_for_writing(const std::string& path) {
  if (!file_exists(path)) return Status::not_found("{}: no such file", path);
  {
    // Check it is a Reel database before a writer touches it.
    REEL_ASSIGN_OR_RETURN(auto reader, Store::open(path, StoreOptions{.read_only = true}));
    REEL_RETURN_IF_ERROR(schema::check_schema(*reader).status());
  }
  REEL_ASSIGN_OR_RETURN(auto store, Store::open(path, StoreOptions{.create = false}));
  REEL_RETURN_IF_ERROR(schema::ensure_schema(*store));
  return store;
}

}  // namespace

Result<MigrateReport> migrate_database(const std::string& path) {
  if (!file_exists(path)) return Status::not_found("{}: no such file", path);
  MigrateReport report;
  {
    REEL_ASSIGN_OR_RETURN(auto reader, Store::open(path, StoreOptions{.read_only = true}));
    REEL_ASSIGN_OR_RETURN(report.from_version, schema::check_schema(*reader));
  }
  // ensure_schema migrates in one write transaction (schema.cpp): all or nothing.
  REEL_ASSIGN_OR_RETURN(auto store, open_for_writing(path));
  REEL_ASSIGN_OR_RETURN(report.to_version, schema::check_schema(*store));
  return report;
}

Status add_tag(const std::string& path, std::string_view session_key, FrameIndex frame,
               std::string_view name) {
  if (name.empty()) return Status::invalid_argument("a tag needs a name");
  REEL_ASSIGN_OR_RETURN(auto store, open_for_writing(path));
  return store->write_transaction([&]() -> Status {
    REEL_ASSIGN_OR_RETURN(auto session, schema::find_session(*store, session_key));
    if (frame < 0 || frame >= session.frame_count) {
      return Status::out_of_range("session '{}': frame {} is outside 0..{}", session.name, frame,
                                  session.frame_count - 1);
    }
    return schema::insert_tag(*store, session.id, {frame, std::string(name)});
  });
}

Status remove_tag(const std::string& path, std::string_view session_key, std::string_view name) {
  REEL_ASSIGN_OR_RETURN(auto store, open_for_writing(path));
  return store->write_transaction([&]() -> Status {
    REEL_ASSIGN_OR_RETURN(auto session, schema::find_session(*store, session_key));
    return schema::delete_tag(*store, session.id, name);
  });
}

}  // namespace reel::edit
