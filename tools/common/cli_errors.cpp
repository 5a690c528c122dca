#include "cli_errors.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <regex>

#include <fmt/format.h>

#include "cli_util.h"

namespace reel::cli {
namespace {

std::vector<const CLI::App*> subcommands_of(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

std::vector<std::string> names_of(const std::vector<const CLI::App*>& apps) {
  std::vector<std::string> names;
  for (const CLI::App* a : apps) names.push_back(a->get_name());
  return names;
}

std::string command_list(const CLI::App& app) {
  auto names = names_of(subcommands_of(app));
  if (app.get_parent() == nullptr) names.push_back("help");
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string path_of(const std::vector<const CLI::App*>& chain) {
  std::string path = "reel";
  for (size_t i = 1; i < chain.size(); ++i) path += " " + chain[i]->get_name();
  return path;
}

// Optimal string alignment distance: edits, with a swap of two neighbours as one edit.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// ---- CLI11 messages, recognised by their wording (CLI/Error.hpp, CLI11 2.x).

struct Context {
  const Invocation& invocation;
  const CLI::App& app;  // the innermost command named
};

const CLI::Option* find_option(const Context& c, const std::string& name) {
  return c.app.get_option_no_throw(name);
}

// "3 or 4", "a, b or c" from CLI11's "3,4".
std::string one_of(const std::string& set) {
  std::vector<std::string> items;
  size_t start = 0;
  for (size_t comma; (comma = set.find(',', start)) != std::string::npos; start = comma + 1) {
    items.push_back(set.substr(start, comma - start));
  }
  items.push_back(set.substr(start));
  std::string last = items.back();
  items.pop_back();
  if (items.empty()) return last;
  return fmt::format("{} or {}", fmt::join(items, ", "), last);
}

// What a value of the option must look like, from its type name ("INT", "ID", "INT:{3,4}").
std::string expected_value(const CLI::Option* option) {
  if (option == nullptr) return "a valid value";
  std::string type = option->get_type_name();
  if (auto colon = type.find(":{"); colon != std::string::npos && type.back() == '}') {
    return one_of(type.substr(colon + 2, type.size() - colon - 3));
  }
  type = type.substr(0, type.find(' '));
  if (type == "ID") return "an entity id (a whole number)";
  if (type == "INT") return "a whole number";
  if (type == "UINT") return "a whole number (0 or more)";
  if (type == "FLOAT") return "a number";
  if (type == "POS") return "a frame or time (1200, 20s, 1:05.5)";
  return "a valid value";
}

std::string help_hint(const Context& c) {
  return fmt::format("; see `{} --help`", c.invocation.path());
}

// "DB [SESSION]": the positionals of the command, optional ones in brackets.
std::string positional_usage(const CLI::App& app) {
  std::vector<std::string> parts;
  for (const CLI::Option* o :
       app.get_options([](const CLI::Option* o) { return o->get_positional(); })) {
    const std::string name = o->get_name(true);
    parts.push_back(o->get_required() ? name : "[" + name + "]");
  }
  return fmt::format("{}", fmt::join(parts, " "));
}

// The values given to `name` on the command line ("--at 1", "--at=2").
std::vector<std::string> given_values(const Context& c, const std::string& name) {
  std::vector<std::string> values;
  const auto& args = c.invocation.args;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == name && i + 1 < args.size()) values.push_back(args[i + 1]);
    if (args[i].rfind(name + "=", 0) == 0) values.push_back(args[i].substr(name.size() + 1));
  }
  return values;
}

std::string given_twice(const Context& c, const std::string& name, const std::string& count) {
  std::vector<std::string> uses;
  for (const auto& v : given_values(c, name)) uses.push_back(fmt::format("{} {}", name, v));
  std::string list = uses.empty() ? "" : fmt::format(": {}", fmt::join(uses, ", "));
  return fmt::format("{} is given {} times{}; give it once", name, count, list);
}

std::string unknown_option(const Context& c, const std::string& word) {
  std::vector<std::string> names;
  for (const CLI::Option* o : c.app.get_options()) {
    for (const auto& l : o->get_lnames()) names.push_back("--" + l);
  }
  std::string flag = word.substr(0, word.find('='));
  std::string guess = closest_match(flag, names);
  return fmt::format("unknown option '{}'{}{}", flag,
                     guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess),
                     help_hint(c));
}

std::string unexpected_words(const Context& c, const std::string& words) {
  std::string first = words.substr(0, words.find(' '));
  if (first.size() > 1 && first[0] == '-') return unknown_option(c, first);
  std::string usage = positional_usage(c.app);
  return fmt::format("unexpected argument '{}' (usage: {}{} [OPTIONS]){}", first,
                     c.invocation.path(), usage.empty() ? "" : " " + usage, help_hint(c));
}

std::string missing(const Context& c, const std::string& name) {
  const CLI::Option* o = find_option(c, name);
  std::string what = o ? o->get_description() : "";
  return fmt::format("missing {}{}{}", name, what.empty() ? "" : ": " + what, help_hint(c));
}

std::string conversion(const Context& c, const std::string& message) {
  std::smatch m;
  static const std::regex convert(R"(^Could not convert: (\S+) = (.*)$)");
  static const std::regex allowed(R"(^The value (.*) is not an allowed value for (\S+)$)");
  static const std::regex flag(R"(^(\S+): too many inputs for a flag$)");
  if (std::regex_match(message, m, convert)) {
    return fmt::format("{}: '{}' is not {}", m[1].str(), m[2].str(),
                       expected_value(find_option(c, m[1])));
  }
  if (std::regex_match(message, m, allowed)) {
    return fmt::format("{}: '{}' is not allowed", m[2].str(), m[1].str());
  }
  if (std::regex_match(message, m, flag)) {
    return fmt::format("{} is a flag and takes no value", m[1].str());
  }
  return message;
}

std::string mismatch(const Context& c, const std::string& message) {
  std::smatch m;
  static const std::regex at_most(R"(^(\S+): At Most (\d+) required but received (\d+)$)");
  static const std::regex at_least(R"(^(\S+): At least (\d+) required but received (\d+)$)");
  static const std::regex missing_value(R"(^(\S+): \d+ required \S+ missing$)");
  if (std::regex_match(message, m, at_most)) {
    if (m[1].str()[0] == '-' && m[2] == "1") return given_twice(c, m[1], m[3]);
    const CLI::Option* o = find_option(c, m[1]);
    return fmt::format("too many arguments for {}: at most {}, got {}{}{}", m[1].str(), m[2].str(),
                       m[3].str(), o ? " (" + o->get_description() + ")" : "", help_hint(c));
  }
  if (std::regex_match(message, m, at_least)) {
    return fmt::format("{} needs at least {} values, got {}{}", m[1].str(), m[2].str(), m[3].str(),
                       help_hint(c));
  }
  if (std::regex_match(message, m, missing_value)) {
    return fmt::format("{} needs a value: {}", m[1].str(), expected_value(find_option(c, m[1])));
  }
  return message;
}

std::string validation(const Context& c, const std::string& message) {
  std::smatch m;
  static const std::regex not_in(R"(^(\S+): (.*) not in \{(.*)\}$)");
  if (std::regex_match(message, m, not_in)) {
    return fmt::format("{}: '{}' is not {}", m[1].str(), m[2].str(),
                       expected_value(find_option(c, m[1])));
  }
  return message;
}

std::string required(const Context& c, const std::string& message) {
  std::smatch m;
  static const std::regex is_required(R"(^(\S+) is required$)");
  if (message == "A subcommand is required") {
    return fmt::format("a command is required: {} (run `{} --help` for more)", command_list(c.app),
                       c.invocation.path());
  }
  if (std::regex_match(message, m, is_required)) return missing(c, m[1]);
  return message;
}

std::string relation(const std::string& message) {
  std::smatch m;
  static const std::regex excludes(R"(^(\S+) excludes (\S+)$)");
  static const std::regex requires_(R"(^(\S+) requires (\S+)$)");
  if (std::regex_match(message, m, excludes)) {
    return fmt::format("{} and {} cannot be used together", m[1].str(), m[2].str());
  }
  if (std::regex_match(message, m, requires_)) {
    return fmt::format("{} needs {} too", m[1].str(), m[2].str());
  }
  return message;
}

// ---- library messages

std::string strip(std::string text, const std::regex& pattern, const char* with = "") {
  return std::regex_replace(text, pattern, with);
}

void print_error(const std::string& path, const std::string& message) {
  fmt::print(stderr, "{}: {}\n", path, message);
}

}  // namespace

std::string Invocation::path() const {
  return path_of(chain);
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = 0;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    bool prefix = word.size() >= 2 && c.rfind(word, 0) == 0;
    size_t allowed = word.size() <= 4 ? 1 : 2;
    if (prefix) d = std::min<size_t>(d, 1);
    if (d > allowed || d >= c.size()) continue;
    if (best.empty() || d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

Invocation resolve_invocation(const CLI::App& root, int argc, const char* const* argv) {
  Invocation inv;
  inv.chain.push_back(&root);
  for (int i = 1; i < argc; ++i) inv.args.emplace_back(argv[i]);
  if (!inv.args.empty() && inv.args.front() == "help") {
    inv.args.erase(inv.args.begin());
    inv.args.push_back("--help");
  }
  // Walk the command words: every command with subcommands takes only flags besides them.
  size_t i = 0;
  while (true) {
    auto subs = subcommands_of(*inv.chain.back());
    if (subs.empty()) break;
    while (i < inv.args.size() && inv.args[i].size() > 1 && inv.args[i][0] == '-' &&
           inv.args[i] != "--") {
      ++i;
    }
    if (i >= inv.args.size() || inv.args[i] == "--") break;
    auto it = std::find_if(subs.begin(), subs.end(),
                           [&](const CLI::App* s) { return s->check_name(inv.args[i]); });
    if (it == subs.end()) {
      inv.unknown = inv.args[i];
      break;
    }
    inv.chain.push_back(*it);
    ++i;
  }
  return inv;
}

std::string describe_unknown_command(const Invocation& invocation) {
  const CLI::App& app = *invocation.chain.back();
  const std::string& word = invocation.unknown;
  std::string message = fmt::format("unknown command '{}'", word);
  if (auto guess = closest_match(word, names_of(subcommands_of(app))); !guess.empty()) {
    return message + fmt::format("; did you mean '{}'? (run `{} --help` for the list)", guess,
                                 invocation.path());
  }
  return message + fmt::format("; commands: {} (run `{} --help` for more)", command_list(app),
                               invocation.path());
}

std::string describe_parse_error(const Invocation& invocation, const CLI::ParseError& error) {
  const Context c{invocation, *invocation.chain.back()};
  const std::string message = error.what();
  if (dynamic_cast<const CLI::ConversionError*>(&error)) return conversion(c, message);
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error)) return mismatch(c, message);
  if (dynamic_cast<const CLI::ValidationError*>(&error)) return validation(c, message);
  if (dynamic_cast<const CLI::RequiredError*>(&error)) return required(c, message);
  if (dynamic_cast<const CLI::ExtrasError*>(&error)) {
    static const std::regex extras(R"(^The following arguments? (?:was|were) not expected: )");
    return unexpected_words(c, std::regex_replace(message, extras, ""));
  }
  if (dynamic_cast<const CLI::ExcludesError*>(&error) ||
      dynamic_cast<const CLI::RequiresError*>(&error)) {
    return relation(message);
  }
  return message;
}

std::string plain_message(std::string_view message) {
  static const std::regex sqlite_code(R"( ?\(sqlite code \d+\))");
  static const std::regex sql(
      R"re((?:step of |prepare |exec )?"(?:SELECT|PRAGMA|INSERT|UPDATE|DELETE|CREATE|BEGIN|COMMIT|ROLLBACK|WITH|ALTER|DROP|REPLACE|SAVEPOINT|RELEASE|END|VACUUM|ANALYZE|ATTACH|DETACH)\b[^"]*"(?:: )?)re",
      std::regex::icase);
  static const std::regex opening(R"(opening store '([^']*)' \([^)]*\): )");
  static const std::regex not_sqlite(R"('([^']*)' is not a valid SQLite database: (.*)$)");
  static const std::regex store(R"(store '([^']*)' does not exist)");
  std::string text = strip(std::string(message), sqlite_code);
  text = strip(text, sql);
  text = strip(text, not_sqlite, "$1: not a Reel database ($2)");
  text = strip(text, store, "$1: no such file");
  std::smatch m;
  if (std::regex_search(text, m, opening)) {
    // "opening store 'F' (...): F: why" says F twice.
    const std::string file = m[1];
    text = m.prefix().str() + file + ": " + m.suffix().str();
    const std::string twice = file + ": " + file + ": ";
    if (auto at = text.find(twice); at != std::string::npos) text.erase(at, file.size() + 2);
  }
  return text;
}

std::string describe_exception(const std::exception& error) {
  if (dynamic_cast<const std::bad_alloc*>(&error)) return "out of memory";
  std::string text = "internal error; please report it with the command line";
  if (const char* debug = std::getenv("REEL_DEBUG"); debug && *debug) {
    text += fmt::format(" ({})", error.what());
  } else {
    text += " (REEL_DEBUG=1 shows the details)";
  }
  return text;
}

int run_cli(CLI::App& app, int argc, const char* const* argv) {
  std::string path = "reel";
  try {
    Invocation invocation = resolve_invocation(app, argc, argv);
    path = invocation.path();
    if (!invocation.unknown.empty()) {
      print_error(path, describe_unknown_command(invocation));
      return kExitBadInput;
    }
    std::vector<std::string> reversed(invocation.args.rbegin(), invocation.args.rend());
    try {
      app.parse(reversed);
    } catch (const CLI::Success& e) {
      return app.exit(e);  // --help, --version
    } catch (const CLI::ParseError& e) {
      print_error(path, describe_parse_error(invocation, e));
      return kExitBadInput;
    }
  } catch (const CliError& e) {
    print_error(path, plain_message(e.what()));
    return e.exit_code();
  } catch (const std::exception& e) {
    print_error(path, describe_exception(e));
    return kExitInternal;
  }
  return kExitOk;
}

}  // namespace reel::cli
