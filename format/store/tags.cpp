#include "reel/store/tags.h"

#include <fmt/format.h>

namespace reel::schema {

// FORMAT.md 5. One row per bookmark; (session_id, name) is the key, so a name is unique within a
// session and the same frame may carry several names.
Status create_tags_table(Store& store) {
  return store.exec(R"sql(
CREATE TABLE IF NOT EXISTS tags(
  session_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  frame INTEGER NOT NULL,
  PRIMARY KEY(session_id, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_by_frame ON tags(session_id, frame);
)sql");
}

Result<bool> has_tags_table(Store& store) {
  REEL_ASSIGN_OR_RETURN(
      Statement * st,
      store.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'tags'"));
  REEL_ASSIGN_OR_RETURN(bool found, st->step());
  st->reset();
  return found;
}

Result<std::vector<Tag>> list_tags(Store& store, int64_t session_id) {
  std::vector<Tag> tags;
  REEL_ASSIGN_OR_RETURN(bool table, has_tags_table(store));
  if (!table) return tags;
  REEL_ASSIGN_OR_RETURN(Statement * st,
                        store.prepare("SELECT frame, name FROM tags WHERE session_id = ? ORDER BY "
                                      "frame, name"));
  REEL_RETURN_IF_ERROR(st->bind(1, session_id));
  for (;;) {
    auto row = st->step();
    if (!row.ok()) {
      st->reset();
      return row.status();
    }
    if (!*row) break;
    tags.push_back({st->column_int64(0), std::string(st->column_text(1))});
  }
  st->reset();
  return tags;
}

Status insert_tag(Store& store, int64_t session_id, const Tag& tag) {
  REEL_ASSIGN_OR_RETURN(auto existing, list_tags(store, session_id));
  for (const Tag& t : existing) {
    if (t.name == tag.name) {
      return Status::invalid_argument("session {} has a tag '{}' already (at frame {})", session_id,
                                      tag.name, t.frame);
    }
  }
  REEL_ASSIGN_OR_RETURN(Statement * st,
                        store.prepare("INSERT INTO tags(session_id, name, frame) VALUES(?, ?, ?)"));
  REEL_RETURN_IF_ERROR(st->bind(1, session_id));
  REEL_RETURN_IF_ERROR(st->bind(2, tag.name));
  REEL_RETURN_IF_ERROR(st->bind(3, tag.frame));
  return st->run();
}

Status delete_tag(Store& store, int64_t session_id, std::string_view name) {
  REEL_ASSIGN_OR_RETURN(auto existing, list_tags(store, session_id));
  std::string names;
  for (const Tag& t : existing) {
    if (t.name == name) {
      REEL_ASSIGN_OR_RETURN(Statement * st,
                            store.prepare("DELETE FROM tags WHERE session_id = ? AND name = ?"));
      REEL_RETURN_IF_ERROR(st->bind(1, session_id));
      REEL_RETURN_IF_ERROR(st->bind(2, name));
      return st->run();
    }
    names += fmt::format("{}'{}'", names.empty() ? "" : ", ", t.name);
  }
  return Status::not_found("session {} has no tag '{}' (tags: {})", session_id, name,
                           names.empty() ? "none" : names);
}

}  // namespace reel::schema
