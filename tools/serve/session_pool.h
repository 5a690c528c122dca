// Open Replayers of the database's sessions, pooled per session and leased one per request
// (a Replayer is single-threaded). Thread-safe.
//
// Sessions are found by name in the database's catalog only: a name that is not there is
// kNotFound, whatever it holds ("..", "/", "%2f"), so no request reaches the file system.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "reel/replay/replayer.h"
#include "reel/serve/server.h"
#include "reel/store/schema.h"
#include "reel/store/store.h"

namespace reel::serve {

class SessionPool;

// A Replayer borrowed from a pool; given back (cursor and caches kept) when destroyed.
class Lease {
 public:
  Lease(SessionPool* pool, std::unique_ptr<Replayer> replayer)
      : pool_(pool), replayer_(std::move(replayer)) {}
  Lease(Lease&&) = default;
  Lease& operator=(Lease&&) = default;
  ~Lease();
  Replayer& operator*() { return *replayer_; }
  Replayer* operator->() { return replayer_.get(); }

 private:
  SessionPool* pool_;
  std::unique_ptr<Replayer> replayer_;
};

class SessionPool {
 public:
  SessionPool(std::string db_path, std::string name, const ServeOptions& options);
  const std::string& name() const { return name_; }
  // An idle Replayer of the session, or a newly opened one.
  [[nodiscard]] Result<Lease> lease();
  void give_back(std::unique_ptr<Replayer> replayer);

 private:
  std::string db_path_, name_;
  ReplayOptions replay_;
  size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Replayer>> idle_;
};

class SessionDirectory {
 public:
  SessionDirectory(std::string db_path, const ServeOptions& options);
  // Opens the catalog connection; kNotFound / kInvalidArgument naming the file.
  [[nodiscard]] Status open();
  // The catalog's sessions, ascending id (re-read on every call: sessions come and go).
  [[nodiscard]] Result<std::vector<schema::SessionRow>> list();
  // The pool of the session named `name` exactly; kNotFound naming it when the catalog has none.
  [[nodiscard]] Result<SessionPool*> find(std::string_view name);

 private:
  std::string db_path_;
  const ServeOptions& options_;
  std::mutex mutex_;  // guards store_ and pools_
  std::unique_ptr<Store> store_;
  std::map<std::string, std::unique_ptr<SessionPool>, std::less<>> pools_;
};

}  // namespace reel::serve
