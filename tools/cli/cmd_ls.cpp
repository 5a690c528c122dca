// `reel ls DB`: the sessions of a database, one line each, from the session catalog (no scan).
#include <fmt/core.h>

#include "cli_errors.h"
#include "cli_util.h"
#include "commands.h"
#include "inspect_common.h"
#include "reel/store/liveness.h"
#include "json_out.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

struct SessionSummary {
  schema::SessionRow row;
  int64_t entities = 0;  // distinct entity ids ever spawned
};

int64_t count_entities(Store& store, int64_t session_id) {
  Statement* st = value_or_throw(
      store.prepare("SELECT count(DISTINCT entity_id) FROM entities WHERE session_id = ?"));
  throw_if_error(st->bind(1, session_id));
  bool row = value_or_throw(st->step());
  int64_t n = row ? st->column_int64(0) : 0;
  st->reset();
  return n;
}

std::vector<SessionSummary> load_summaries(const SessionArgs& args) {
  const std::string& db = args.db;
  auto store = open_database(args);
  std::vector<SessionSummary> out;
  for (auto& row : value_or_throw(schema::list_sessions(*store), db)) {
    int64_t entities = count_entities(*store, row.id);
    out.push_back({std::move(row), entities});
  }
  return out;
}

void print_json_list(const std::string& db, const std::vector<SessionSummary>& sessions) {
  Json list = Json::array();
  for (const auto& s : sessions) {
    Json row = {{"id", s.row.id},
                {"name", s.row.name},
                {"duration", session_duration(s.row)},
                {"frames", s.row.frame_count},
                {"entities", s.entities},
                {"stored_bytes", s.row.stored_bytes},
                {"status", session_status_name(s.row.status)},
                {"end_reason", s.row.end_reason},
                {"frames_handed_over", s.row.frames_handed_over}};
    if (!s.row.damage.empty()) row["damage"] = plain_message(s.row.damage);
    list.push_back(std::move(row));
  }
  print_json({{"database", db}, {"sessions", std::move(list)}});
}

// The status column: how the session ended ("closed (signal SIGTERM)", "interrupted: ..."), and
// ", DAMAGED: <why>" for a row whose metadata or settings
// cannot be read (the other sessions stay listed and readable).
std::string status_text(const schema::SessionRow& row) {
  std::string status = schema::session_ending(row);
  if (!row.damage.empty()) status += ", DAMAGED: " + plain_message(row.damage);
  return status;
}

void print_table(const std::vector<SessionSummary>& sessions) {
  size_t name_width = 4;
  for (const auto& s : sessions) name_width = std::max(name_width, s.row.name.size());
  fmt::print("{:>4}  {:<{}}  {:>12}  {:>8}  {:>8}  {:>8}  {:>10}  {}\n", "ID", "NAME", name_width,
             "DURATION", "FRAMES", "HANDED", "ENTITIES", "SIZE", "STATUS");
  for (const auto& s : sessions) {
    fmt::print("{:>4}  {:<{}}  {:>12}  {:>8}  {:>8}  {:>8}  {:>10}  {}\n", s.row.id, s.row.name,
               name_width, format_time(session_duration(s.row)), s.row.frame_count,
               s.row.frames_handed_over, s.entities, human_bytes(s.row.stored_bytes),
               status_text(s.row));
  }
}

}  // namespace

void register_ls(CLI::App& app) {
  auto* cmd = app.add_subcommand("ls", "List the sessions of a database");
  auto args = std::make_shared<SessionArgs>();
  add_session_args(*cmd, *args, /*with_session=*/false);
  cmd->footer(
      "Columns: id, name, duration (m:ss.mmm: the last frame's time plus one tick), frames\n"
      "(committed), handed (frames the game handed to the recorder, as of its last commit),\n"
      "entities ever spawned, stored size (chunks + keyframes), status: how the session ended\n"
      "(recording | closed [(reason)] | interrupted: why | failed: why, e.g. 'failed: disk full').\n\n"
      "Examples:\n"
      "  reel ls match.reel\n"
      "  reel ls match.reel --json | jq '.sessions[].name'");
  cmd->callback([args] {
    auto sessions = load_summaries(*args);
    if (args->json) {
      print_json_list(args->db, sessions);
    } else {
      print_table(sessions);
    }
  });
}

}  // namespace reel::cli
