// Live sessions of `reel ingest` (internal): one GameSession per game, each with its own
// Recorder, and the registry that names, finds and closes them.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "reel/capture/capture_decoder.h"
#include "reel/ingest/capture_feeder.h"
#include "reel/ingest/ingest_server.h"
#include "reel/recorder/recorder.h"

namespace reel::ingest_detail {

using Clock = std::chrono::steady_clock;

// One game's session. `mu` serializes everything below it (a web game's batches may arrive on
// several connections at once). Held by shared_ptr: the registry and the connection using it.
class GameSession {
 public:
  GameSession(std::string name, std::string web_key, CaptureDecoder decoder,
              std::unique_ptr<Recorder> recorder)
      : name(std::move(name)),
        web_key(std::move(web_key)),
        decoder(std::move(decoder)),
        recorder(std::move(recorder)),
        feeder(*this->recorder, this->decoder.paths()) {}

  const std::string name;
  const std::string web_key;  // "" for a TCP game
  std::mutex mu;
  CaptureDecoder decoder;  // header accepted; checks every frame record
  std::unique_ptr<Recorder> recorder;
  CaptureFeeder feeder;  // refers to decoder.paths()
  Clock::time_point last_batch = Clock::now();
  bool closed = false;
};

class SessionRegistry {
 public:
  SessionRegistry(std::string db_path, const IngestOptions& options)
      : db_path_(std::move(db_path)), options_(options) {}

  // Opens a session for a stream whose header `decoder` has accepted. Its name is the header's
  // (else "game-N"); a name already used in the database gets "-2", "-3" ... (first free) and
  // `renamed` says so. `web_key` non-empty registers it for later batches of that web game.
  [[nodiscard]] Result<std::shared_ptr<GameSession>> open(CaptureDecoder decoder,
                                                          const std::string& peer,
                                                          const std::string& transport,
                                                          const std::string& web_key,
                                                          std::string& renamed_from);
  // The live web session of `web_key`, or null.
  std::shared_ptr<GameSession> find_web(const std::string& web_key);
  // Closes the session (idempotent): every frame handed over committed, `reason` its end_reason.
  Status close(GameSession& session, const std::string& reason);
  // Web sessions without a batch for options.web_session_idle: closed; returns their names.
  std::vector<std::string> close_idle_web();
  void close_all(const std::string& reason);
  void add_to(IngestStats& stats);

 private:
  Result<std::unique_ptr<Recorder>> open_recorder(const SessionInfo& base, std::string& name);

  const std::string db_path_;
  const IngestOptions& options_;
  std::mutex mu_;  // guards everything below; held while a recorder opens (rare)
  std::set<std::shared_ptr<GameSession>> live_;
  std::map<std::string, std::shared_ptr<GameSession>> web_;
  int64_t unnamed_ = 0;
  int64_t opened_ = 0;
  RecorderStats closed_totals_;
};

}  // namespace reel::ingest_detail
