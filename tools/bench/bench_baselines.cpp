#include "bench_baselines.h"

#include <zstd.h>

#include <cmath>
#include <filesystem>
#include <unordered_map>

#include "reel/store/store.h"
#include "reel/variant/variant_binary.h"

namespace reel::bench {
namespace {

constexpr const char* kClassKey = "__class";  // (b): each entity's class / scene path

Result<std::unique_ptr<Store>> open_database(const std::string& path, bool read_only) {
  StoreOptions options;  // local profile: WAL, synchronous=NORMAL
  options.read_only = read_only;
  options.create = !read_only;
  return Store::open(path, options);
}

int64_t nanoseconds(double seconds) {
  return std::llround(seconds * 1e9);
}

// Property path -> PropertyId, for the readers.
Result<PropertyId> property_id(const std::unordered_map<std::string, PropertyId>& ids,
                               std::string_view path, std::string_view where) {
  auto it = ids.find(std::string(path));
  if (it == ids.end()) return Status::corruption("{}: unknown property '{}'", where, path);
  return it->second;
}

std::unordered_map<std::string, PropertyId> index_paths(const std::vector<std::string>& paths) {
  std::unordered_map<std::string, PropertyId> ids;
  for (size_t i = 0; i < paths.size(); ++i) ids.emplace(paths[i], static_cast<PropertyId>(i));
  return ids;
}

// Begins a transaction at the first frame and commits once it spans kBaselineCommitSeconds.
class GroupCommit {
 public:
  explicit GroupCommit(Store& store) : store_(store) {}
  Status before_frame(double time) {
    if (!open_) {
      REEL_RETURN_IF_ERROR(store_.exec("BEGIN"));
      open_ = true;
      started_ = time;
    }
    return Status::ok_status();
  }
  Status after_frame(double time) {
    if (open_ && time - started_ + 1e-9 >= kBaselineCommitSeconds) return commit();
    return Status::ok_status();
  }
  Status commit() {
    if (!open_) return Status::ok_status();
    open_ = false;
    return store_.exec("COMMIT");
  }

 private:
  Store& store_;
  bool open_ = false;
  double started_ = 0;
};

Status checkpoint_and_close(std::unique_ptr<Store>& store) {
  if (!store) return Status::ok_status();
  Status status = store->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  store.reset();
  return status;
}

// ---- (a) rosbag2-style ----

class RosbagStyleWriter final : public BaselineWriter {
 public:
  RosbagStyleWriter(std::unique_ptr<Store> store, std::vector<std::string> paths)
      : store_(std::move(store)), paths_(std::move(paths)), commit_(*store_) {}
  ~RosbagStyleWriter() override { (void)close(); }

  Status create_schema(double tick_rate) {
    REEL_RETURN_IF_ERROR(store_->exec(
        "CREATE TABLE IF NOT EXISTS topics(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
        "type TEXT NOT NULL, serialization_format TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS messages(id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL, "
        "timestamp INTEGER NOT NULL, data BLOB NOT NULL);"
        "CREATE INDEX IF NOT EXISTS timestamp_idx ON messages(timestamp ASC);"
        "CREATE TABLE IF NOT EXISTS metadata(key TEXT PRIMARY KEY, value TEXT);"));
    REEL_ASSIGN_OR_RETURN(
        Statement * meta,
        store_->prepare("INSERT OR REPLACE INTO metadata VALUES('tick_rate', ?)"));
    REEL_RETURN_IF_ERROR(meta->bind(1, fmt::format("{}", tick_rate)));
    return meta->run();
  }

  Status write(const Frame& frame) override {
    REEL_RETURN_IF_ERROR(commit_.before_frame(frame.time));
    const int64_t timestamp = nanoseconds(frame.time);
    for (const Spawn& spawn : frame.spawns) {
      REEL_ASSIGN_OR_RETURN(int64_t topic,
                            topic_id(fmt::format("{}/spawn", spawn.entity), "String"));
      REEL_RETURN_IF_ERROR(message(topic, timestamp, Variant(spawn.class_name)));
    }
    for (const PropertyChange& change : frame.changes) {
      REEL_ASSIGN_OR_RETURN(int64_t topic, property_topic(change));
      REEL_RETURN_IF_ERROR(message(topic, timestamp, change.value));
    }
    for (EntityId entity : frame.despawns) {
      REEL_ASSIGN_OR_RETURN(int64_t topic, topic_id(fmt::format("{}/despawn", entity), "Nil"));
      REEL_RETURN_IF_ERROR(message(topic, timestamp, Variant()));
    }
    for (const Event& event : frame.events) {
      REEL_ASSIGN_OR_RETURN(int64_t topic, topic_id(fmt::format("event/{}", event.name), "Array"));
      REEL_RETURN_IF_ERROR(message(topic, timestamp, event.args));
    }
    return commit_.after_frame(frame.time);
  }

  Status close() override {
    if (!store_) return Status::ok_status();
    Status status = commit_.commit();
    Status closed = checkpoint_and_close(store_);
    return status.ok() ? closed : status;
  }

 private:
  struct TopicKey {
    EntityId entity;
    PropertyId property;
    bool operator==(const TopicKey&) const = default;
  };
  struct TopicKeyHash {
    size_t operator()(const TopicKey& k) const {
      return std::hash<int64_t>()(k.entity * 64 + static_cast<int64_t>(k.property));
    }
  };

  Result<int64_t> property_topic(const PropertyChange& change) {
    const TopicKey key{change.entity, change.property};
    if (auto it = property_topics_.find(key); it != property_topics_.end()) return it->second;
    if (change.property >= paths_.size()) {
      return Status::invalid_argument("property id {} has no path", change.property);
    }
    REEL_ASSIGN_OR_RETURN(int64_t id,
                          topic_id(fmt::format("{}/{}", change.entity, paths_[change.property]),
                                   type_name(change.value.type())));
    property_topics_.emplace(key, id);
    return id;
  }

  Result<int64_t> topic_id(const std::string& name, std::string_view type) {
    if (auto it = named_topics_.find(name); it != named_topics_.end()) return it->second;
    REEL_ASSIGN_OR_RETURN(Statement * insert,
                          store_->prepare("INSERT INTO topics(name, type, serialization_format) "
                                          "VALUES(?, ?, 'godot_var_to_bytes')"));
    REEL_RETURN_IF_ERROR(insert->bind(1, name));
    REEL_RETURN_IF_ERROR(insert->bind(2, type));
    REEL_RETURN_IF_ERROR(insert->run());
    const int64_t id = store_->last_insert_rowid();
    named_topics_.emplace(name, id);
    return id;
  }

  Status message(int64_t topic, int64_t timestamp, const Variant& value) {
    bytes_.clear();
    REEL_RETURN_IF_ERROR(encode_variant(value, bytes_));
    REEL_ASSIGN_OR_RETURN(
        Statement * insert,
        store_->prepare("INSERT INTO messages(topic_id, timestamp, data) VALUES(?, ?, ?)"));
    REEL_RETURN_IF_ERROR(insert->bind(1, topic));
    REEL_RETURN_IF_ERROR(insert->bind(2, timestamp));
    REEL_RETURN_IF_ERROR(insert->bind(3, std::span<const uint8_t>(bytes_)));
    return insert->run();
  }

  std::unique_ptr<Store> store_;
  std::vector<std::string> paths_;
  GroupCommit commit_;
  std::unordered_map<TopicKey, int64_t, TopicKeyHash> property_topics_;
  std::unordered_map<std::string, int64_t> named_topics_;
  std::vector<uint8_t> bytes_;
};

class RosbagStyleReader final : public BaselineReader {
 public:
  RosbagStyleReader(std::unique_ptr<Store> store, const std::vector<std::string>& paths)
      : store_(std::move(store)), ids_(index_paths(paths)) {}

  Status load() {
    REEL_ASSIGN_OR_RETURN(Statement * rate,
                          store_->prepare("SELECT value FROM metadata WHERE key = 'tick_rate'"));
    REEL_ASSIGN_OR_RETURN(bool has_rate, rate->step());
    if (!has_rate) return Status::corruption("{}: no tick_rate in metadata", store_->path());
    tick_rate_ = std::stod(std::string(rate->column_text(0)));
    REEL_ASSIGN_OR_RETURN(Statement * last, store_->prepare("SELECT MAX(timestamp) FROM messages"));
    REEL_ASSIGN_OR_RETURN(bool has_last, last->step());
    frames_ = has_last && !last->column_is_null(0) ? frame_of(last->column_int64(0)) + 1 : 0;
    REEL_ASSIGN_OR_RETURN(Statement * topics, store_->prepare("SELECT id, name FROM topics"));
    while (true) {
      REEL_ASSIGN_OR_RETURN(bool row, topics->step());
      if (!row) break;
      REEL_ASSIGN_OR_RETURN(Topic topic, parse_topic(topics->column_text(1)));
      topics_.emplace(topics->column_int64(0), topic);
    }
    return Status::ok_status();
  }

  Status state_at(FrameIndex frame, WorldState& out) override {
    if (frame < 0 || frame >= frames_) {
      return Status::out_of_range("frame {} is outside the recording's 0..{}", frame, frames_ - 1);
    }
    out = WorldState{};
    out.frame = frame;
    out.tick = frame;
    out.time = static_cast<double>(frame) / tick_rate_;
    REEL_ASSIGN_OR_RETURN(Statement * scan,
                          store_->prepare("SELECT topic_id, timestamp, data FROM messages WHERE "
                                          "timestamp <= ? ORDER BY timestamp, id"));
    REEL_RETURN_IF_ERROR(scan->bind(1, nanoseconds(out.time) + 1000));  // + 1 us: rounding
    while (true) {
      REEL_ASSIGN_OR_RETURN(bool row, scan->step());
      if (!row) break;
      REEL_RETURN_IF_ERROR(apply_message(*scan, out));
    }
    return Status::ok_status();
  }

  FrameIndex frame_count() const override { return frames_; }

 private:
  enum class TopicKind { kProperty, kSpawn, kDespawn, kEvent };
  struct Topic {
    TopicKind kind = TopicKind::kEvent;
    EntityId entity = -1;
    PropertyId property = 0;
  };

  FrameIndex frame_of(int64_t timestamp) const {
    return std::llround(static_cast<double>(timestamp) * tick_rate_ / 1e9);
  }

  // "17/head:transform", "17/spawn", "17/despawn" or "event/<name>".
  Result<Topic> parse_topic(std::string_view name) const {
    const size_t slash = name.find('/');
    if (slash == std::string_view::npos) return Status::corruption("topic '{}': no '/'", name);
    const std::string_view head = name.substr(0, slash), tail = name.substr(slash + 1);
    if (head == "event") return Topic{};
    Topic topic;
    try {
      topic.entity = std::stoll(std::string(head));
    } catch (const std::exception&) {
      return Status::corruption("topic '{}': '{}' is not an entity id", name, head);
    }
    if (tail == "spawn") {
      topic.kind = TopicKind::kSpawn;
    } else if (tail == "despawn") {
      topic.kind = TopicKind::kDespawn;
    } else {
      topic.kind = TopicKind::kProperty;
      REEL_ASSIGN_OR_RETURN(topic.property,
                            property_id(ids_, tail, fmt::format("topic '{}'", name)));
    }
    return topic;
  }

  Status apply_message(Statement& row, WorldState& out) const {
    auto it = topics_.find(row.column_int64(0));
    if (it == topics_.end()) {
      return Status::corruption("message of unknown topic {}", row.column_int64(0));
    }
    const Topic& topic = it->second;
    if (topic.kind == TopicKind::kEvent) return Status::ok_status();
    if (topic.kind == TopicKind::kDespawn) {
      out.entities.erase(topic.entity);
      return Status::ok_status();
    }
    REEL_ASSIGN_OR_RETURN(Decoded decoded, decode_variant(row.column_blob(2)));
    if (topic.kind == TopicKind::kSpawn) {
      EntityState& entity = out.entities[topic.entity];
      entity = EntityState{};
      if (const auto* name = decoded.value.get_if<std::string>()) entity.class_name = *name;
      entity.spawn_frame = frame_of(row.column_int64(1));
      return Status::ok_status();
    }
    out.entities[topic.entity].slot(topic.property) = std::move(decoded.value);
    return Status::ok_status();
  }

  std::unique_ptr<Store> store_;
  std::unordered_map<std::string, PropertyId> ids_;
  std::unordered_map<int64_t, Topic> topics_;
  double tick_rate_ = 60;
  FrameIndex frames_ = 0;
};

// ---- (b) full state per frame ----

class FullStateWriter final : public BaselineWriter {
 public:
  FullStateWriter(std::unique_ptr<Store> store, const std::vector<std::string>& paths)
      : store_(std::move(store)), commit_(*store_), cctx_(ZSTD_createCCtx()), world_(paths) {}
  ~FullStateWriter() override {
    (void)close();
    ZSTD_freeCCtx(cctx_);
  }

  Status create_schema() {
    return store_->exec(
        "CREATE TABLE IF NOT EXISTS frames(frame INTEGER PRIMARY KEY, time REAL, data BLOB);");
  }

  Status write(const Frame& frame) override {
    REEL_RETURN_IF_ERROR(commit_.before_frame(frame.time));
    REEL_RETURN_IF_ERROR(world_.apply(frame));
    raw_.clear();
    REEL_RETURN_IF_ERROR(encode_variant(Variant(world_.world()), raw_));
    compressed_.resize(ZSTD_compressBound(raw_.size()));
    const size_t size = ZSTD_compressCCtx(cctx_, compressed_.data(), compressed_.size(),
                                          raw_.data(), raw_.size(), kFullStateZstdLevel);
    if (ZSTD_isError(size)) return Status::internal("zstd: {}", ZSTD_getErrorName(size));
    REEL_ASSIGN_OR_RETURN(Statement * insert,
                          store_->prepare("INSERT INTO frames(frame, time, data) VALUES(?, ?, ?)"));
    REEL_RETURN_IF_ERROR(insert->bind(1, frame.index));
    REEL_RETURN_IF_ERROR(insert->bind(2, frame.time));
    REEL_RETURN_IF_ERROR(insert->bind(3, std::span<const uint8_t>(compressed_.data(), size)));
    REEL_RETURN_IF_ERROR(insert->run());
    return commit_.after_frame(frame.time);
  }

  Status close() override {
    if (!store_) return Status::ok_status();
    Status status = commit_.commit();
    Status closed = checkpoint_and_close(store_);
    return status.ok() ? closed : status;
  }

 private:
  std::unique_ptr<Store> store_;
  GroupCommit commit_;
  ZSTD_CCtx* cctx_;
  WorldDictionary world_;
  std::vector<uint8_t> raw_, compressed_;
};

class FullStateReader final : public BaselineReader {
 public:
  FullStateReader(std::unique_ptr<Store> store, const std::vector<std::string>& paths)
      : store_(std::move(store)), ids_(index_paths(paths)), dctx_(ZSTD_createDCtx()) {}
  ~FullStateReader() override { ZSTD_freeDCtx(dctx_); }

  Status load() {
    REEL_ASSIGN_OR_RETURN(Statement * count, store_->prepare("SELECT MAX(frame) FROM frames"));
    REEL_ASSIGN_OR_RETURN(bool row, count->step());
    frames_ = row && !count->column_is_null(0) ? count->column_int64(0) + 1 : 0;
    return Status::ok_status();
  }

  Status state_at(FrameIndex frame, WorldState& out) override {
    REEL_ASSIGN_OR_RETURN(Statement * select,
                          store_->prepare("SELECT time, data FROM frames WHERE frame = ?"));
    REEL_RETURN_IF_ERROR(select->bind(1, frame));
    REEL_ASSIGN_OR_RETURN(bool found, select->step());
    if (!found) {
      return Status::out_of_range("frame {} is outside the recording's 0..{}", frame, frames_ - 1);
    }
    const std::string where = fmt::format("{}: frame {}", store_->path(), frame);
    REEL_RETURN_IF_ERROR(decompress(select->column_blob(1), where));
    REEL_ASSIGN_OR_RETURN(Decoded decoded, decode_variant(raw_));
    const auto* world = decoded.value.get_if<Dictionary>();
    if (world == nullptr) return Status::corruption("{}: not a Dictionary", where);
    out = WorldState{};
    out.frame = frame;
    out.tick = frame;
    out.time = select->column_double(0);
    return entities_from_world(*world, ids_, out, where);
  }

  FrameIndex frame_count() const override { return frames_; }

 private:
  Status decompress(std::span<const uint8_t> blob, std::string_view where) {
    const unsigned long long size = ZSTD_getFrameContentSize(blob.data(), blob.size());
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (256u << 20)) {
      return Status::corruption("{}: not a zstd frame of known size", where);
    }
    raw_.resize(size);
    const size_t got =
        ZSTD_decompressDCtx(dctx_, raw_.data(), raw_.size(), blob.data(), blob.size());
    if (ZSTD_isError(got) || got != size) {
      return Status::corruption("{}: zstd: {}", where,
                                ZSTD_isError(got) ? ZSTD_getErrorName(got) : "size mismatch");
    }
    return Status::ok_status();
  }

  std::unique_ptr<Store> store_;
  std::unordered_map<std::string, PropertyId> ids_;
  ZSTD_DCtx* dctx_;
  std::vector<uint8_t> raw_;
  FrameIndex frames_ = 0;
};

}  // namespace

WorldDictionary::WorldDictionary(const std::vector<std::string>& property_paths) {
  for (const std::string& path : property_paths) path_keys_.emplace_back(path);
}

Status WorldDictionary::apply(const Frame& frame) {
  for (const Spawn& spawn : frame.spawns) {
    Dictionary entity;
    entity.set(Variant(kClassKey), Variant(spawn.class_name));
    world_.set(Variant(spawn.entity), Variant(std::move(entity)));
  }
  for (const PropertyChange& change : frame.changes) {
    if (change.property >= path_keys_.size()) {
      return Status::invalid_argument("property id {} has no path", change.property);
    }
    Variant* entity = world_.find(Variant(change.entity));
    if (entity == nullptr) {
      world_.set(Variant(change.entity), Variant(Dictionary{}));
      entity = world_.find(Variant(change.entity));
    }
    entity->get<Dictionary>().set(path_keys_[change.property], change.value);
  }
  for (EntityId entity : frame.despawns) world_.erase(Variant(entity));
  return Status::ok_status();
}

namespace {
Status add_entity(const Variant& key, const Variant& value,
                  const std::unordered_map<std::string, PropertyId>& ids, WorldState& out,
                  std::string_view where) {
  const auto* id = key.get_if<int64_t>();
  const auto* properties = value.get_if<Dictionary>();
  if (id == nullptr || properties == nullptr) {
    return Status::corruption("{}: an entry is not int -> Dictionary", where);
  }
  EntityState& entity = out.entities[*id];
  for (size_t i = 0; i < properties->size(); ++i) {
    const auto* path = properties->keys()[i].get_if<std::string>();
    if (path == nullptr)
      return Status::corruption("{}: entity {}: a key is not a String", where, *id);
    if (*path == kClassKey) {
      if (const auto* name = properties->values()[i].get_if<std::string>())
        entity.class_name = *name;
      continue;
    }
    REEL_ASSIGN_OR_RETURN(PropertyId property,
                          property_id(ids, *path, fmt::format("{}: entity {}", where, *id)));
    entity.slot(property) = properties->values()[i];
  }
  return Status::ok_status();
}
}  // namespace

Status entities_from_world(const Dictionary& world,
                           const std::unordered_map<std::string, PropertyId>& ids, WorldState& out,
                           std::string_view where) {
  for (size_t i = 0; i < world.size(); ++i) {
    REEL_RETURN_IF_ERROR(add_entity(world.keys()[i], world.values()[i], ids, out, where));
  }
  return Status::ok_status();
}

std::unordered_map<std::string, PropertyId> property_ids(const std::vector<std::string>& paths) {
  return index_paths(paths);
}

Result<std::unique_ptr<BaselineWriter>> open_rosbag_style_writer(
    const std::string& path, const std::vector<std::string>& property_paths, double tick_rate) {
  REEL_ASSIGN_OR_RETURN(auto store, open_database(path, /*read_only=*/false));
  auto writer = std::make_unique<RosbagStyleWriter>(std::move(store), property_paths);
  REEL_RETURN_IF_ERROR(writer->create_schema(tick_rate));
  return std::unique_ptr<BaselineWriter>(std::move(writer));
}

Result<std::unique_ptr<BaselineWriter>> open_full_state_writer(
    const std::string& path, const std::vector<std::string>& property_paths) {
  REEL_ASSIGN_OR_RETURN(auto store, open_database(path, /*read_only=*/false));
  auto writer = std::make_unique<FullStateWriter>(std::move(store), property_paths);
  REEL_RETURN_IF_ERROR(writer->create_schema());
  return std::unique_ptr<BaselineWriter>(std::move(writer));
}

Result<std::unique_ptr<BaselineReader>> open_rosbag_style_reader(
    const std::string& path, const std::vector<std::string>& property_paths) {
  REEL_ASSIGN_OR_RETURN(auto store, open_database(path, /*read_only=*/true));
  auto reader = std::make_unique<RosbagStyleReader>(std::move(store), property_paths);
  REEL_RETURN_IF_ERROR(reader->load().with_context(path));
  return std::unique_ptr<BaselineReader>(std::move(reader));
}

Result<std::unique_ptr<BaselineReader>> open_full_state_reader(
    const std::string& path, const std::vector<std::string>& property_paths) {
  REEL_ASSIGN_OR_RETURN(auto store, open_database(path, /*read_only=*/true));
  auto reader = std::make_unique<FullStateReader>(std::move(store), property_paths);
  REEL_RETURN_IF_ERROR(reader->load().with_context(path));
  return std::unique_ptr<BaselineReader>(std::move(reader));
}

uint64_t database_bytes(const std::string& path) {
  uint64_t total = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path + suffix, ec);
    if (!ec) total += size;
  }
  return total;
}

}  // namespace reel::bench
