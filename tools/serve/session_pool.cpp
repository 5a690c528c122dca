#include "session_pool.h"

#include <fmt/format.h>

namespace reel::serve {

Lease::~Lease() {
  if (pool_ && replayer_) pool_->give_back(std::move(replayer_));
}

SessionPool::SessionPool(std::string db_path, std::string name, const ServeOptions& options)
    : db_path_(std::move(db_path)),
      name_(std::move(name)),
      replay_(options.replay),
      max_idle_(static_cast<size_t>(std::max(1, options.pool_idle_per_session))) {
  replay_.cache_budget_bytes = options.replayer_cache_bytes;
}

Result<Lease> SessionPool::lease() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto replayer = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(replayer));
    }
  }
  // Opening reads the catalog row, property paths and keyframe index: done outside the lock.
  REEL_ASSIGN_OR_RETURN(auto replayer, Replayer::open(db_path_, name_, replay_));
  return Lease(this, std::move(replayer));
}

void SessionPool::give_back(std::unique_ptr<Replayer> replayer) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(replayer));
}

SessionDirectory::SessionDirectory(std::string db_path, const ServeOptions& options)
    : db_path_(std::move(db_path)), options_(options) {}

Status SessionDirectory::open() {
  StoreOptions store_options = options_.replay.store;
  store_options.read_only = true;
  store_options.create = false;
  auto store = Store::open(db_path_, store_options);
  if (!store.ok()) return store.status();
  store_ = std::move(store).value();
  return schema::list_sessions(*store_).status();
}

Result<std::vector<schema::SessionRow>> SessionDirectory::list() {
  std::lock_guard lock(mutex_);
  return schema::list_sessions(*store_);
}

Result<SessionPool*> SessionDirectory::find(std::string_view name) {
  std::lock_guard lock(mutex_);
  if (auto it = pools_.find(name); it != pools_.end()) return it->second.get();
  // Only a name the catalog lists gets a pool (so unknown names cannot grow the map).
  REEL_ASSIGN_OR_RETURN(auto sessions, schema::list_sessions(*store_));
  for (const auto& row : sessions) {
    if (row.name == name) {
      auto pool = std::make_unique<SessionPool>(db_path_, row.name, options_);
      SessionPool* raw = pool.get();
      pools_.emplace(row.name, std::move(pool));
      return raw;
    }
  }
  return Status::not_found("no session named '{}'", name);
}

}  // namespace reel::serve
