// How the real `reel` binary reports mistakes, whatever the command: unknown commands and
// options, malformed or repeated arguments, and files that cannot be used. Each is one line on
// stderr, "reel COMMAND: ...", in plain words (never CLI11's wording, an SQL statement, an SQLite
// code or a C++ type name), nothing on stdout, and exit code 2.
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "cli_session_fixture.h"

namespace reel {
namespace {

using testing::count_lines;
using testing::ReelRun;
using testing::run_command;
using testing::TempDir;

using Fixture = testing::SessionFixture;

// Runs `reel <args>` behind `prefix` (e.g. a command that drops privileges).
ReelRun run_reel_behind(const TempDir& dir, const std::string& prefix, const std::string& args) {
  const std::string err_file = dir.file("stderr.txt");
  auto r = run_command(prefix + REEL_BINARY + " " + args + " </dev/null 2>" + err_file);
  return {r.exit_code, r.out, testing::read_text_file(err_file)};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// What must never reach the user: SQL, SQLite codes, C++ names, CLI11's own phrases.
constexpr const char* kInternals[] = {"SELECT",
                                      "PRAGMA",
                                      "sqlite code",
                                      "basic_",
                                      "std::",
                                      "internal error",
                                      "Could not convert",
                                      "required but received",
                                      "Run with --help",
                                      "was not expected",
                                      "A subcommand is required"};

// REQUIRE a plain usage or input error: exit 2, nothing on stdout, one line on stderr that
// starts with "reel", holds `needle` and no internals.
void require_plain_error(const ReelRun& r, const std::string& needle, int exit_code = 2) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == exit_code);
  REQUIRE(r.out.empty());
  REQUIRE(count_lines(r.err) == 1);
  REQUIRE(r.err.rfind("reel", 0) == 0);
  REQUIRE(contains(r.err, needle));
  for (const char* internal : kInternals) REQUIRE(!contains(r.err, internal));
}

TEST_CASE("an unknown command is named, with a suggestion or the list of commands", "[cli]") {
  Fixture f;
  require_plain_error(
      f.reel("foo"),
      "reel: unknown command 'foo'; commands: variant, bench, "
      "record, ls, info, show, history, events, diff, play, export, import, ingest, scrub, "
      "recover, "
      "verify, salvage, trim, cut, filter, compact, merge, tag, migrate, serve, completion, manual, "
      "help (run `reel --help` for more)");
  require_plain_error(f.reel("shw " + f.db),
                      "reel: unknown command 'shw'; did you mean 'show'? (run `reel --help`");
  require_plain_error(f.reel("histroy " + f.db), "did you mean 'history'?");
  require_plain_error(f.reel("variant encdoe 1"),
                      "reel variant: unknown command 'encdoe'; did you mean 'encode'?");
  require_plain_error(f.reel("bench nope"), "reel bench: unknown command 'nope'; commands: ");
  require_plain_error(f.reel(""), "reel: a command is required: variant, bench, record");
  require_plain_error(f.reel("help nosuch"), "reel: unknown command 'nosuch'");
}

TEST_CASE("reel help shows the help of reel or of a command", "[cli]") {
  Fixture f;
  auto top = f.reel("help");
  INFO(top.err);
  REQUIRE(top.exit_code == 0);
  REQUIRE(contains(top.out, "Usage: reel [OPTIONS] SUBCOMMAND"));
  REQUIRE(contains(top.out, "scrub"));
  REQUIRE(top.out == f.reel("--help").out);
  auto show = f.reel("help show");
  REQUIRE(show.exit_code == 0);
  REQUIRE(contains(show.out, "Examples:\n  reel show"));
  REQUIRE(show.out == f.reel("show --help").out);
  auto decode = f.reel("help variant decode");
  REQUIRE(decode.exit_code == 0);
  REQUIRE(contains(decode.out, "Usage: reel variant decode"));
}

TEST_CASE("argument errors are plain and name the command and the option", "[cli]") {
  Fixture f;
  const std::string& db = f.db;
  const std::pair<std::string, std::string> cases[] = {
      {"show " + db + " --at 1 --entity abc",
       "reel show: --entity: 'abc' is not an entity id (a whole number)\n"},
      {"history " + db + " --entity 1x --property health",
       "reel history: --entity: '1x' is not an entity id (a whole number)\n"},
      {"show " + db + " --at 1 --at 2",
       "reel show: --at is given 2 times: --at 1, --at 2; give it once\n"},
      {"show " + db + " --at 1 --entity 1 --entity=2",
       "reel show: --entity is given 2 times: --entity 1, --entity 2; give it once\n"},
      {"play " + db + " --rate fast", "reel play: --rate: 'fast' is not a number\n"},
      {"play " + db + " --godot 5", "reel play: --godot: '5' is not 3 or 4\n"},
      {"variant decode --godot 7 00", "reel variant decode: --godot: '7' is not 3 or 4\n"},
      {"show " + db + " --at",
       "reel show: --at needs a value: a frame or time (1200, 20s, 1:05.5)\n"},
      {"show " + db + " --at 1 --entty 1",
       "reel show: unknown option '--entty' (did you mean '--entity'?); see `reel show --help`\n"},
      {"show " + db + " match-1 extra --at 1",
       "reel show: unexpected argument 'extra' (usage: reel show DB [SESSION] [OPTIONS]); see "
       "`reel show --help`\n"},
      {"ls", "reel ls: missing DB: Reel database file; see `reel ls --help`\n"},
  };
  for (const auto& [args, expected] : cases) {
    INFO(args);
    auto r = f.reel(args);
    require_plain_error(r, "reel");
    REQUIRE(r.err == expected);
  }
  require_plain_error(f.reel("show " + db), "reel show: missing --at: Frame (1200) or time");
  require_plain_error(f.reel("diff " + db + " 1 2 3 4"),
                      "reel diff: too many arguments for POSITIONS: at most 3, got 4");
  require_plain_error(f.reel("record --out " + f.dir.file("x.reel") + " --players many"),
                      "reel record: --players: 'many' is not a whole number");
}

// Runs reel as a user who cannot read a mode-000 file: as is, or as nobody when the tests run as
// root (root reads any file). Empty when that is not possible (root without setpriv).
std::optional<std::string> unprivileged_prefix() {
  if (geteuid() != 0) return "";
  if (run_command("command -v setpriv >/dev/null").exit_code != 0) return std::nullopt;
  return "setpriv --reuid=65534 --regid=65534 --clear-groups ";
}

TEST_CASE("every command that takes a file names it when it cannot be used", "[cli]") {
  Fixture f;
  const std::string directory = f.dir.file("a-directory");
  std::filesystem::create_directory(directory);
  const std::string text = f.dir.file("notes.txt");
  std::ofstream(text) << "this is not a database, just some text that is long enough to read\n";
  const std::string missing = f.dir.file("absent.reel");
  const std::string unreadable = f.dir.file("unreadable.reel");
  std::filesystem::copy_file(f.db, unreadable);
  REQUIRE(chmod(unreadable.c_str(), 0) == 0);
  const auto unprivileged = unprivileged_prefix();
  if (!unprivileged) WARN("running as root without setpriv: the unreadable file is not tried");

  struct Case {
    std::string path, reason, prefix;
  };
  std::vector<Case> inputs = {{directory, ": is a directory", ""},
                              {text, ": not a Reel database (file is not a database)", ""},
                              {missing, ": no such file", ""}};
  std::vector<Case> outputs = {{directory, ": is a directory", ""}};
  if (unprivileged) {
    inputs.push_back({unreadable, ": permission denied", *unprivileged});
    outputs.push_back({unreadable, ": permission denied", *unprivileged});
  }
  auto check = [&](const Case& c, const std::string& args) {
    INFO(c.prefix << "reel " << args);
    require_plain_error(run_reel_behind(f.dir, c.prefix, args), c.path + c.reason);
  };
  for (const char* command :
       {"ls", "info", "show --at 0", "history --entity 1 --property position", "events", "diff 0 1",
        "play --rate 0", "scrub", "export --format jsonl --out /dev/null"}) {
    const std::string cmd(command);
    const std::string verb = cmd.substr(0, cmd.find(' '));
    const std::string rest = cmd.size() > verb.size() ? cmd.substr(verb.size()) : "";
    for (const auto& c : inputs) check(c, verb + " " + c.path + rest);
  }
  for (const auto& c : inputs) {
    if (c.path != text) check(c, "variant decode --file " + c.path);  // any bytes may be decoded
    check(c, "export " + c.path + " --format varstream --out " + f.dir.file("x.vs"));
  }
  REQUIRE(!std::filesystem::exists(f.dir.file("x.vs")));
  for (const auto& c : outputs) {
    check(c, "record --duration 1s --out " + c.path);
    check(c, "play " + f.db + " --rate 0 --out " + c.path);
    check(c, "export " + f.db + " --format jsonl --out " + c.path);
    check(c, "export " + f.db + " --format anim --out " + c.path);
  }
  check({text, ": not a Reel database (file is not a database)", ""},
        "record --duration 1s --out " + text);  // never overwritten
  check({f.dir.file("no/such/dir/x.reel"), ": no such directory", ""},
        "record --duration 1s --out " + f.dir.file("no/such/dir/x.reel"));
  REQUIRE(!std::filesystem::exists(missing));  // looking created nothing
  REQUIRE(testing::read_text_file(text).rfind("this is not a database", 0) == 0);
}

TEST_CASE("a damaged database is named, with what is wrong", "[cli]") {
  Fixture f;
  SECTION("SQLite pages overwritten") {
    const std::string broken = f.dir.file("broken.reel");
    std::filesystem::copy_file(f.db, broken);
    {
      std::fstream file(broken, std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(100);  // past the header, into the first page
      const std::string garbage(2000, '\xff');
      file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    for (const char* command : {"ls", "info", "show --at 0", "events", "play --rate 0",
                                "export --format anim --out /dev/null"}) {
      const std::string cmd(command);
      const std::string verb = cmd.substr(0, cmd.find(' '));
      const std::string rest = cmd.size() > verb.size() ? cmd.substr(verb.size()) : "";
      INFO(command);
      require_plain_error(f.reel(verb + " " + broken + rest), broken + ": ", 3);  // damage
    }
  }
  SECTION("a chunk blob replaced") {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(f.db.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "UPDATE chunks SET data = randomblob(length(data)) "
                         "WHERE first_frame <= 140 AND last_frame >= 140",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    // (play from an earlier frame streams the frames before the damage, then fails the same way)
    for (const char* command :
         {"show --at 140", "diff 0 140", "play --rate 0 --from 140",
          "history --entity 1 --property position", "export --format jsonl --out /dev/null",
          "export --format anim --out /dev/null", "export --format varstream --out /dev/null"}) {
      INFO(command);
      const std::string cmd(command);
      const std::string verb = cmd.substr(0, cmd.find(' '));
      auto r = f.reel(verb + " " + f.db + cmd.substr(verb.size()));
      require_plain_error(r, "reel " + verb + ": " + f.db + ": session 1: chunk frames ", 3);
    }
    REQUIRE(f.reel("show " + f.db + " --at 0").exit_code == 0);  // the rest is still served
    // A varstream cut by the damage is not left behind without its index.
    const std::string vs = f.dir.file("damaged.vs");
    REQUIRE(f.reel("export " + f.db + " --format varstream --out " + vs).exit_code == 3);
    REQUIRE(!std::filesystem::exists(vs));
  }
}

}  // namespace
}  // namespace reel
