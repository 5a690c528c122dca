#include "bench_mcap_feed.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>

#include "reel/variant/variant_binary.h"

namespace reel::bench {
namespace {

void put(std::vector<uint8_t>& out, const void* p, size_t n) {
  const auto* bytes = static_cast<const uint8_t*>(p);
  out.insert(out.end(), bytes, bytes + n);
}
template <class T>
void put_le(std::vector<uint8_t>& out, T v) {  // x86-64 and aarch64 are little-endian
  put(out, &v, sizeof v);
}

int64_t nanoseconds(double seconds) {
  return std::llround(seconds * 1e9);
}

// "res://player.tscn" -> "player".
std::string class_stem(const std::string& class_name) {
  size_t begin = class_name.rfind('/');
  begin = begin == std::string::npos ? 0 : begin + 1;
  const size_t end = class_name.find('.', begin);
  std::string stem = class_name.substr(begin, end == std::string::npos ? end : end - begin);
  return stem.empty() ? "entity" : stem;
}

}  // namespace

McapMessageEncoder::McapMessageEncoder(std::FILE* out,
                                       const std::vector<std::string>& property_paths)
    : out_(out) {
  for (const std::string& path : property_paths) path_keys_.emplace_back(path);
}

Status McapMessageEncoder::check_write(size_t wrote, size_t wanted) {
  if (wrote != wanted) return Status::io_error("writing to the MCAP writer: {}", strerror(errno));
  return Status::ok_status();
}

Status McapMessageEncoder::channel(uint32_t id, const std::string& topic, const std::string& schema,
                                   int64_t ns) {
  std::vector<uint8_t> record{'C'};
  put_le<uint32_t>(record, id);
  put_le<uint16_t>(record, static_cast<uint16_t>(topic.size()));
  put(record, topic.data(), topic.size());
  put_le<uint16_t>(record, static_cast<uint16_t>(schema.size()));
  put(record, schema.data(), schema.size());
  put_le<int64_t>(record, ns);
  return check_write(std::fwrite(record.data(), 1, record.size(), out_), record.size());
}

Status McapMessageEncoder::message(uint32_t channel, int64_t ns,
                                   const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> head{'M'};
  put_le<uint32_t>(head, channel);
  put_le<int64_t>(head, ns);
  put_le<uint32_t>(head, static_cast<uint32_t>(payload.size()));
  REEL_RETURN_IF_ERROR(check_write(std::fwrite(head.data(), 1, head.size(), out_), head.size()));
  if (payload.empty()) return Status::ok_status();
  return check_write(std::fwrite(payload.data(), 1, payload.size(), out_), payload.size());
}

Status McapMessageEncoder::add(const Frame& frame) {
  const int64_t ns = nanoseconds(frame.time);
  if (next_channel_ == 0) {  // the first frame: "/events" is channel 0
    events_channel_ = next_channel_++;
    REEL_RETURN_IF_ERROR(channel(events_channel_, "/events", "event", 0));
  }
  for (const Spawn& spawn : frame.spawns) {
    Entity& entity = entities_[spawn.entity];
    entity = Entity{};
    entity.channel = next_channel_++;
    entity.state.class_name = spawn.class_name;
    const std::string stem = class_stem(spawn.class_name);
    REEL_RETURN_IF_ERROR(
        channel(entity.channel, fmt::format("/{}/{}", stem, spawn.entity), stem, ns));
    entity.dirty = true;
    dirty_.push_back(spawn.entity);
  }
  for (const PropertyChange& change : frame.changes) {
    auto it = entities_.find(change.entity);
    if (it == entities_.end()) {
      return Status::invalid_argument("frame {}: entity {} changed before it spawned", frame.index,
                                      change.entity);
    }
    it->second.state.slot(change.property) = change.value;
    if (!it->second.dirty) {
      it->second.dirty = true;
      dirty_.push_back(change.entity);
    }
  }
  for (EntityId id : dirty_) {
    auto it = entities_.find(id);
    if (it == entities_.end()) continue;
    Entity& entity = it->second;
    entity.dirty = false;
    Dictionary state;
    state.reserve(entity.state.properties.size());
    for (const auto& [property, value] : entity.state.properties) {
      if (property >= path_keys_.size()) {
        return Status::invalid_argument("property id {} has no path", property);
      }
      state.set(path_keys_[property], value);
    }
    payload_.clear();
    REEL_RETURN_IF_ERROR(encode_variant(Variant(std::move(state)), payload_));
    REEL_RETURN_IF_ERROR(message(entity.channel, ns, payload_));
  }
  dirty_.clear();
  for (EntityId id : frame.despawns) {
    auto it = entities_.find(id);
    if (it == entities_.end()) continue;
    payload_.clear();
    REEL_RETURN_IF_ERROR(message(it->second.channel, ns, payload_));
    entities_.erase(it);
  }
  for (const Event& event : frame.events) {
    Array pair;
    pair.items.emplace_back(event.name);
    pair.items.push_back(event.args);
    payload_.clear();
    REEL_RETURN_IF_ERROR(encode_variant(Variant(std::move(pair)), payload_));
    REEL_RETURN_IF_ERROR(message(events_channel_, ns, payload_));
  }
  return Status::ok_status();
}

Status McapMessageEncoder::finish() {
  REEL_RETURN_IF_ERROR(check_write(std::fwrite("E", 1, 1, out_), 1));
  if (std::fflush(out_) != 0) return Status::io_error("writing to the MCAP writer failed");
  return Status::ok_status();
}

Result<nlohmann::json> run_node(const NodeSide& side, const std::vector<std::string>& args,
                                const std::function<Status(std::FILE*)>& feed) {
  int in[2], out[2];
  if (pipe(in) != 0) return Status::internal("pipe: {}", strerror(errno));
  if (pipe(out) != 0) {
    close(in[0]);
    close(in[1]);
    return Status::internal("pipe: {}", strerror(errno));
  }
  const std::string script = side.script_dir + "/mcap_bench.mjs";
  std::vector<std::string> argv{side.node, script};
  argv.insert(argv.end(), args.begin(), args.end());
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return Status::internal("fork: {}", strerror(errno));
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    std::vector<char*> c_argv;
    for (std::string& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    execvp(c_argv[0], c_argv.data());
    std::fprintf(stderr, "cannot run %s: %s\n", c_argv[0], strerror(errno));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  // A node that exits early must not kill us with SIGPIPE: the write fails instead.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &previous);
  Status fed = Status::ok_status();
  if (std::FILE* to_node = fdopen(in[1], "wb")) {
    std::vector<char> buffer(1 << 20);
    std::setvbuf(to_node, buffer.data(), _IOFBF, buffer.size());
    if (feed) fed = feed(to_node);
    std::fclose(to_node);
  } else {
    close(in[1]);
  }
  sigaction(SIGPIPE, &previous, nullptr);
  std::string text;
  char chunk[4096];
  for (ssize_t n; (n = read(out[0], chunk, sizeof chunk)) > 0;) text.append(chunk, size_t(n));
  close(out[0]);
  int wait_status = 0;
  waitpid(pid, &wait_status, 0);
  // The last non-empty line is the result.
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const size_t newline = text.rfind('\n');
  const nlohmann::json result =
      nlohmann::json::parse(newline == std::string::npos ? text : text.substr(newline + 1), nullptr,
                            /*allow_exceptions=*/false);
  if (!result.is_object()) {
    return Status::internal("{} {} printed no result (exit status {}); is `scripts/setup` done?",
                            side.node, script,
                            WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1);
  }
  if (!result.value("ok", false)) {
    return Status::internal("the MCAP side failed: {}", result.value("error", std::string("?")));
  }
  if (!fed.ok()) return fed;
  return result;
}

}  // namespace reel::bench
