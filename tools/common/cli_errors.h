// The one place where a failure becomes what the user reads. run_cli() parses the command line
// and runs the command; whatever goes wrong leaves it as one plain line on stderr,
//
//   reel show: --entity: 'abc' is not an entity id (a whole number)
//   reel: unknown command 'shw'; did you mean 'show'? (run `reel --help` for the list)
//   reel info: m.reel: not a Reel database (file is not a database)
//
// prefixed with the command path, and an exit code: 0 ok (help, version), 2 bad input or usage,
// 1 internal failure. CLI11's own wording, SQL statements, SQLite result codes and C++ exception
// types never reach the user.
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace reel::cli {

// The command line resolved against the command tree before CLI11 parses it.
struct Invocation {
  std::vector<std::string> args;       // argv[1..], `help [CMD...]` rewritten to `CMD... --help`
  std::vector<const CLI::App*> chain;  // the root app, then each subcommand named
  std::string unknown;                 // a word where a command was expected, or ""
  std::string path() const;            // "reel", "reel show", "reel variant decode"
};

// Resolves argv against the command tree, rewriting `reel help [CMD...]`; stops at the first
// word that names no command of the command before it (`unknown`).
Invocation resolve_invocation(const CLI::App& root, int argc, const char* const* argv);

// "unknown command 'shw'; did you mean 'show'? (run `reel --help` for the list)".
std::string describe_unknown_command(const Invocation& invocation);

// A CLI11 parse error of `invocation` as a plain sentence (without the "reel CMD: " prefix).
std::string describe_parse_error(const Invocation& invocation, const CLI::ParseError& error);

// A library message fit to print: SQL statements, "(sqlite code N)" and the store's "opening
// store '...' (... profile)" preamble removed; "'F' is not a valid SQLite database: WHY" becomes
// "F: not a Reel database (WHY)".
std::string plain_message(std::string_view message);

// An exception no command turned into a CliError: "out of memory", or "internal error" with the
// exception's text only when REEL_DEBUG is set in the environment.
std::string describe_exception(const std::exception& error);

// The closest of `candidates` to `word` when it is a near miss (a typo or a prefix), else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// Parses and runs `app` (the root, with every subcommand registered); returns the exit code.
int run_cli(CLI::App& app, int argc, const char* const* argv);

}  // namespace reel::cli
