#include "copy_session.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <vector>

namespace reel::edit {
namespace {

// Column names of `schema_name`.`table` (empty when the table does not exist there).
Result<std::vector<std::string>> columns_of(Store& store, std::string_view schema_name,
                                            std::string_view table) {
  REEL_ASSIGN_OR_RETURN(Statement * st,
                        store.prepare(fmt::format("PRAGMA {}.table_info({})", schema_name, table)));
  std::vector<std::string> columns;
  for (;;) {
    REEL_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    columns.emplace_back(st->column_text(1));
  }
  st->reset();
  return columns;
}

// Columns of `table` present in both databases, minus `skip`, comma-separated.
Result<std::string> shared_columns(Store& store, std::string_view table,
                                   std::initializer_list<std::string_view> skip) {
  REEL_ASSIGN_OR_RETURN(auto ours, columns_of(store, "main", table));
  REEL_ASSIGN_OR_RETURN(auto theirs, columns_of(store, "src", table));
  std::string list;
  for (const auto& c : ours) {
    if (std::find(skip.begin(), skip.end(), c) != skip.end()) continue;
    if (std::find(theirs.begin(), theirs.end(), c) == theirs.end()) continue;
    list += (list.empty() ? "" : ", ") + c;
  }
  return list;
}

Status copy_rows(Store& store, std::string_view table, std::initializer_list<std::string_view> skip,
                 int64_t from_id, int64_t to_id) {
  REEL_ASSIGN_OR_RETURN(auto theirs, columns_of(store, "src", table));
  if (theirs.empty()) return {};  // e.g. no tags table in a file of format version 1-3
  REEL_ASSIGN_OR_RETURN(std::string columns, shared_columns(store, table, skip));
  REEL_ASSIGN_OR_RETURN(
      Statement * st,
      store.prepare(fmt::format("INSERT INTO main.{0}(session_id, {1}) SELECT ?, {1} FROM "
                                "src.{0} WHERE session_id = ?",
                                table, columns)));
  REEL_RETURN_IF_ERROR(st->bind(1, to_id));
  REEL_RETURN_IF_ERROR(st->bind(2, from_id));
  return st->run();
}

Result<int64_t> copy_in_transaction(Store& store, int64_t session_id, const std::string& name) {
  REEL_ASSIGN_OR_RETURN(Statement * taken,
                        store.prepare("SELECT 1 FROM main.sessions WHERE name = ?"));
  REEL_RETURN_IF_ERROR(taken->bind(1, name));
  REEL_ASSIGN_OR_RETURN(bool exists, taken->step());
  taken->reset();
  if (exists) {
    return Status::invalid_argument("{}: a session named '{}' exists already", store.path(), name);
  }
  REEL_ASSIGN_OR_RETURN(std::string columns,
                        shared_columns(store, "sessions", {"session_id", "name"}));
  REEL_ASSIGN_OR_RETURN(
      Statement * st,
      store.prepare(fmt::format("INSERT INTO main.sessions(name, {0}) SELECT ?, {0} FROM "
                                "src.sessions WHERE session_id = ?",
                                columns)));
  REEL_RETURN_IF_ERROR(st->bind(1, name));
  REEL_RETURN_IF_ERROR(st->bind(2, session_id));
  REEL_RETURN_IF_ERROR(st->run());
  const int64_t new_id = store.last_insert_rowid();
  REEL_RETURN_IF_ERROR(copy_rows(store, "properties", {"session_id"}, session_id, new_id));
  REEL_RETURN_IF_ERROR(copy_rows(store, "entities", {"session_id"}, session_id, new_id));
  REEL_RETURN_IF_ERROR(copy_rows(store, "chunks", {"session_id", "chunk_id"}, session_id, new_id));
  REEL_RETURN_IF_ERROR(
      copy_rows(store, "keyframes", {"session_id", "keyframe_id"}, session_id, new_id));
  REEL_RETURN_IF_ERROR(copy_rows(store, "events", {"session_id"}, session_id, new_id));
  REEL_RETURN_IF_ERROR(copy_rows(store, "gaps", {"session_id"}, session_id, new_id));
  REEL_RETURN_IF_ERROR(copy_rows(store, "tags", {"session_id"}, session_id, new_id));
  return new_id;
}

}  // namespace

Result<int64_t> copy_session(Store& dest, const std::string& source, int64_t session_id,
                             const std::string& name) {
  // ATTACH and DETACH cannot run inside a transaction: attach first, copy in one transaction.
  {
    REEL_ASSIGN_OR_RETURN(Statement * attach, dest.prepare("ATTACH DATABASE ? AS src"));
    REEL_RETURN_IF_ERROR(attach->bind(1, source));
    REEL_RETURN_IF_ERROR(attach->run());
  }
  int64_t new_id = 0;
  Status copied = dest.write_transaction([&]() -> Status {
    REEL_ASSIGN_OR_RETURN(new_id, copy_in_transaction(dest, session_id, name));
    return {};
  });
  Status detached = dest.exec("DETACH DATABASE src");
  REEL_RETURN_IF_ERROR(copied);
  REEL_RETURN_IF_ERROR(detached);
  return new_id;
}

}  // namespace reel::edit
