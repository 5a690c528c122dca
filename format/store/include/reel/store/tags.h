// Bookmarks of a session (FORMAT.md 5, table `tags`, format version 4): a name at a frame.
//
// The table is created by schema::ensure_schema (every writer's open), so databases written by
// this build always have it; readers of older files (opened read-only, not migrated) find none and
// see no tags.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/format/status.h"
#include "reel/store/store.h"

namespace reel::schema {

struct Tag {
  FrameIndex frame = 0;
  std::string name;
};

// CREATE TABLE IF NOT EXISTS tags (FORMAT.md 5). Call inside a write transaction.
[[nodiscard]] Status create_tags_table(Store& store);
// Whether the database has the table (false for files of format versions 1-3 not yet migrated).
[[nodiscard]] Result<bool> has_tags_table(Store& store);

// The session's tags by frame, then name; empty when the table is absent.
[[nodiscard]] Result<std::vector<Tag>> list_tags(Store& store, int64_t session_id);
// Adds a tag; kInvalidArgument when the session already has a tag of that name (names are unique
// per session), naming its frame. Call inside a write transaction.
[[nodiscard]] Status insert_tag(Store& store, int64_t session_id, const Tag& tag);
// Removes the tag named `name`; kNotFound (listing the session's tags) when there is none. Call
// inside a write transaction.
[[nodiscard]] Status delete_tag(Store& store, int64_t session_id, std::string_view name);

}  // namespace reel::schema
