// Parsing and use of the anim export's node map (export_node_map.h).
#include "export_node_map.h"

#include <charconv>
#include <fstream>

#include <fmt/format.h>

#include "cli_util.h"
#include "file_checks.h"

namespace reel::cli {
namespace {

std::string trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(" \t\r");
  return std::string(s.substr(begin, end - begin + 1));
}

bool parse_entity_id(const std::string& text, EntityId& id) {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), id);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

void replace_all(std::string& s, std::string_view what, std::string_view with) {
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size())) {
    s.replace(at, what.size(), with);
  }
}

// "res://actors/player.tscn" -> "player".
std::string class_stem(const std::string& class_name) {
  std::string stem = class_name.substr(class_name.find_last_of('/') + 1);
  const size_t dot = stem.find('.');
  return dot == std::string::npos ? stem : stem.substr(0, dot);
}

}  // namespace

NodeMap::NodeMap() = default;

NodeMap NodeMap::load(const std::string& path) {
  require_readable_file(path);
  std::ifstream in(path);
  NodeMap map;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    if (trim(line).empty()) continue;
    const size_t eq = line.find('=');
    const auto fail = [&](std::string_view why) {
      throw CliError(kExitBadInput, fmt::format("--map {}: line {}: {} (rules read 'ID = PATTERN', "
                                                "'CLASS = PATTERN' or '* = PATTERN')",
                                                path, number, why));
    };
    if (eq == std::string::npos) fail("no '='");
    const std::string key = trim(std::string_view(line).substr(0, eq));
    const std::string pattern = trim(std::string_view(line).substr(eq + 1));
    if (key.empty()) fail("nothing before '='");
    if (pattern.empty()) fail("no node path after '=' (use '-' to leave entities out)");
    if (pattern.find(':') != std::string::npos) fail("a node path pattern has no ':'");
    EntityId id = 0;
    if (key == "*") {
      map.fallback_ = pattern;
    } else if (parse_entity_id(key, id)) {
      map.by_id_[id] = pattern;
    } else {
      map.by_class_[key] = pattern;
    }
  }
  if (in.bad()) throw CliError(kExitInternal, fmt::format("--map {}: read failed", path));
  return map;
}

std::optional<std::string> NodeMap::node_of(EntityId entity, const std::string& class_name) const {
  std::string pattern = fallback_;
  if (auto it = by_id_.find(entity); it != by_id_.end()) {
    pattern = it->second;
  } else if (auto c = by_class_.find(class_name); c != by_class_.end()) {
    pattern = c->second;
  }
  if (pattern == "-") return std::nullopt;
  replace_all(pattern, "{id}", std::to_string(entity));
  replace_all(pattern, "{class}", class_stem(class_name));
  return pattern;
}

NodeProperty split_property_path(const std::string& base, const std::string& path) {
  const size_t colon = path.find(':');
  if (colon == std::string::npos) return {base, path};
  return {base + "/" + path.substr(0, colon), path.substr(colon + 1)};
}

}  // namespace reel::cli
