#include "game_sessions.h"

#include <fmt/core.h>

namespace reel::ingest_detail {
namespace {

void add_stats(RecorderStats& total, const RecorderStats& s) {
  total.frames_submitted += s.frames_submitted;
  total.frames_committed += s.frames_committed;
  total.frames_dropped += s.frames_dropped;
}

}  // namespace

Result<std::unique_ptr<Recorder>> SessionRegistry::open_recorder(const SessionInfo& base,
                                                                 std::string& name) {
  // A clash with a session in the database is Recorder::open's kInvalidArgument (the other
  // causes of it, the tick rate and the options, are checked before): try the next suffix.
  constexpr int kMaxSuffix = 1000;
  Status last;
  for (int suffix = 1; suffix <= kMaxSuffix; ++suffix) {
    SessionInfo info = base;
    info.name = suffix == 1 ? base.name : fmt::format("{}-{}", base.name, suffix);
    auto recorder = Recorder::open(db_path_, info, options_.recorder);
    if (recorder.ok()) {
      name = info.name;
      return recorder;
    }
    last = recorder.status();
    if (last.code() != StatusCode::kInvalidArgument) break;
  }
  return last;
}

Result<std::shared_ptr<GameSession>> SessionRegistry::open(CaptureDecoder decoder,
                                                           const std::string& peer,
                                                           const std::string& transport,
                                                           const std::string& web_key,
                                                           std::string& renamed_from) {
  const CaptureHeader& header = decoder.header();
  if (!(header.tick_rate <= 100000)) {
    return Status::invalid_argument("header: tick_rate {} is over 100000", header.tick_rate);
  }
  std::lock_guard lock(mu_);
  if (static_cast<int>(live_.size()) >= options_.max_sessions) {
    return Status::busy("{} sessions are live already (--max-sessions)", live_.size());
  }
  SessionInfo info;
  info.name = header.name.empty() ? fmt::format("game-{}", ++unnamed_) : header.name;
  info.tick_rate = header.tick_rate;
  info.dialect = header.dialect;
  info.metadata = header.metadata;
  info.metadata.set("ingested_from", fmt::format("{} {}", transport, peer));
  std::string name;
  REEL_ASSIGN_OR_RETURN(auto recorder, open_recorder(info, name));
  renamed_from = name == info.name ? std::string() : info.name;
  auto session =
      std::make_shared<GameSession>(name, web_key, std::move(decoder), std::move(recorder));
  live_.insert(session);
  if (!web_key.empty()) web_[web_key] = session;
  ++opened_;
  return session;
}

std::shared_ptr<GameSession> SessionRegistry::find_web(const std::string& web_key) {
  std::lock_guard lock(mu_);
  auto it = web_.find(web_key);
  return it == web_.end() ? nullptr : it->second;
}

Status SessionRegistry::close(GameSession& session, const std::string& reason) {
  std::lock_guard session_lock(session.mu);
  if (session.closed) return {};
  session.closed = true;
  const Status status = session.recorder->close(reason);
  std::lock_guard lock(mu_);
  add_stats(closed_totals_, session.recorder->stats());
  for (auto it = live_.begin(); it != live_.end(); ++it) {
    if (it->get() == &session) {
      live_.erase(it);
      break;
    }
  }
  if (!session.web_key.empty()) {
    auto it = web_.find(session.web_key);
    if (it != web_.end() && it->second.get() == &session) web_.erase(it);
  }
  return status;
}

std::vector<std::string> SessionRegistry::close_idle_web() {
  std::vector<std::shared_ptr<GameSession>> idle;
  {
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    for (const auto& [key, session] : web_) {
      std::unique_lock session_lock(session->mu, std::try_to_lock);
      if (session_lock && now - session->last_batch >= options_.web_session_idle) {
        idle.push_back(session);
      }
    }
  }
  std::vector<std::string> names;
  for (const auto& session : idle) {
    const auto seconds = std::chrono::duration<double>(options_.web_session_idle).count();
    (void)close(*session, fmt::format("web game sent no batch for {:g} s", seconds));
    names.push_back(session->name);
  }
  return names;
}

void SessionRegistry::close_all(const std::string& reason) {
  std::vector<std::shared_ptr<GameSession>> all;
  {
    std::lock_guard lock(mu_);
    all.assign(live_.begin(), live_.end());
  }
  for (const auto& session : all) (void)close(*session, reason);
}

void SessionRegistry::add_to(IngestStats& stats) {
  std::lock_guard lock(mu_);
  RecorderStats total = closed_totals_;
  for (const auto& session : live_) {
    const RecorderStats s = session->recorder->stats();
    add_stats(total, s);
    stats.queued_frames += s.frames_submitted - s.frames_committed - s.frames_dropped;
  }
  stats.frames_committed = total.frames_committed;
  stats.frames_dropped = total.frames_dropped;
  stats.sessions_opened = opened_;
  stats.live_sessions = static_cast<int64_t>(live_.size());
}

}  // namespace reel::ingest_detail
