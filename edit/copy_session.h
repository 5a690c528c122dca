// Copying a session's rows from one Reel database into another (no re-encoding): what merge and
// every edit that adds a session to an existing database use.
#pragma once

#include <cstdint>
#include <string>

#include "reel/format/status.h"
#include "reel/store/store.h"

namespace reel::edit {

// Copies session `session_id` of the database at `source` into `dest` as a new session named
// `name`, all in one transaction of `dest`: its sessions row (columns both files have) and its
// properties, entities, chunks, keyframes, events, gaps and tags. Returns the new session id.
// kInvalidArgument when `name` is taken in `dest`. REQUIRES: `dest` has the current schema
// (schema::ensure_schema) and no open transaction.
[[nodiscard]] Result<int64_t> copy_session(Store& dest, const std::string& source,
                                           int64_t session_id, const std::string& name);

}  // namespace reel::edit
