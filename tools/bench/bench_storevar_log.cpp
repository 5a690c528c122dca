#include "bench_storevar_log.h"

#include <lz4.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "reel/variant/variant_binary.h"

namespace reel::bench {
namespace {

constexpr char kMagic[4] = {'R', 'L', 'Z', '4'};

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint32_t get_u32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

// Owns a stdio FILE.
struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

class StoreVarLogWriter final : public BaselineWriter {
 public:
  StoreVarLogWriter(File file, std::string path, const std::vector<std::string>& paths)
      : file_(std::move(file)), path_(std::move(path)), world_(paths) {}
  ~StoreVarLogWriter() override { (void)close(); }

  Status start() {
    std::vector<uint8_t> header(kMagic, kMagic + 4);
    put_u32(header, kStoreVarBlockSize);
    return write_bytes(header);
  }

  Status write(const Frame& frame) override {
    REEL_RETURN_IF_ERROR(world_.apply(frame));
    record_.clear();
    REEL_RETURN_IF_ERROR(encode_variant(Variant(world_.world()), record_));
    // store_var: the length, then the bytes.
    std::vector<uint8_t> length;
    put_u32(length, static_cast<uint32_t>(record_.size()));
    REEL_RETURN_IF_ERROR(append(length));
    return append(record_);
  }

  Status close() override {
    if (!file_) return Status::ok_status();
    Status status = flush_block();
    if (status.ok() && std::fflush(file_.get()) != 0) {
      status = Status::io_error("{}: {}", path_, std::strerror(errno));
    }
    file_.reset();
    return status;
  }

 private:
  // Appends to the current block, compressing and writing every full one.
  Status append(const std::vector<uint8_t>& bytes) {
    size_t at = 0;
    while (at < bytes.size()) {
      const size_t take = std::min(bytes.size() - at, kStoreVarBlockSize - block_.size());
      block_.insert(block_.end(), bytes.begin() + static_cast<long>(at),
                    bytes.begin() + static_cast<long>(at + take));
      at += take;
      if (block_.size() == kStoreVarBlockSize) REEL_RETURN_IF_ERROR(flush_block());
    }
    return Status::ok_status();
  }

  Status flush_block() {
    if (block_.empty()) return Status::ok_status();
    compressed_.resize(8 + static_cast<size_t>(LZ4_compressBound(static_cast<int>(block_.size()))));
    const int size = LZ4_compress_default(reinterpret_cast<const char*>(block_.data()),
                                          reinterpret_cast<char*>(compressed_.data() + 8),
                                          static_cast<int>(block_.size()),
                                          static_cast<int>(compressed_.size() - 8));
    if (size <= 0) return Status::internal("{}: LZ4 could not compress a block", path_);
    std::vector<uint8_t> sizes;
    put_u32(sizes, static_cast<uint32_t>(block_.size()));
    put_u32(sizes, static_cast<uint32_t>(size));
    std::memcpy(compressed_.data(), sizes.data(), 8);
    compressed_.resize(8 + static_cast<size_t>(size));
    block_.clear();
    return write_bytes(compressed_);
  }

  Status write_bytes(const std::vector<uint8_t>& bytes) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_.get()) != bytes.size()) {
      return Status::io_error("{}: {}", path_, std::strerror(errno));
    }
    return Status::ok_status();
  }

  File file_;
  std::string path_;
  WorldDictionary world_;
  std::vector<uint8_t> record_, block_, compressed_;
};

// Reads the log forward from wherever it is; going back restarts from the first block.
class StoreVarLogReader final : public BaselineReader {
 public:
  StoreVarLogReader(std::string path, const std::vector<std::string>& paths, double tick_rate,
                    FrameIndex frames)
      : path_(std::move(path)), ids_(property_ids(paths)), tick_rate_(tick_rate), frames_(frames) {}

  Status rewind() {
    file_.reset(std::fopen(path_.c_str(), "rb"));
    if (!file_) return Status::io_error("{}: {}", path_, std::strerror(errno));
    uint8_t header[8];
    if (std::fread(header, 1, 8, file_.get()) != 8 || std::memcmp(header, kMagic, 4) != 0) {
      return Status::corruption("{}: not a store_var LZ4 log", path_);
    }
    raw_.clear();
    raw_at_ = 0;
    next_frame_ = 0;
    file_offset_ = 8;
    return Status::ok_status();
  }

  Status state_at(FrameIndex frame, WorldState& out) override {
    if (frame < 0 || frame >= frames_) {
      return Status::out_of_range("frame {} is outside the recording's 0..{}", frame, frames_ - 1);
    }
    if (!file_ || frame < next_frame_) REEL_RETURN_IF_ERROR(rewind());
    while (next_frame_ < frame) REEL_RETURN_IF_ERROR(skip_record());
    REEL_ASSIGN_OR_RETURN(std::span<const uint8_t> record, next_record());
    const std::string where = fmt::format("{}: frame {}", path_, frame);
    REEL_ASSIGN_OR_RETURN(Decoded decoded, decode_variant(record));
    const auto* world = decoded.value.get_if<Dictionary>();
    if (world == nullptr) return Status::corruption("{}: not a Dictionary", where);
    out = WorldState{};
    out.frame = frame;
    out.tick = frame;
    out.time = static_cast<double>(frame) / tick_rate_;
    return entities_from_world(*world, ids_, out, where);
  }

  FrameIndex frame_count() const override { return frames_; }

 private:
  Status skip_record() { return next_record().status(); }

  // The next record's bytes (valid until the next call).
  Result<std::span<const uint8_t>> next_record() {
    REEL_RETURN_IF_ERROR(ensure(4));
    const uint32_t length = get_u32(raw_.data() + raw_at_);
    REEL_RETURN_IF_ERROR(ensure(4 + size_t{length}));
    const std::span<const uint8_t> record(raw_.data() + raw_at_ + 4, length);
    raw_at_ += 4 + length;
    ++next_frame_;
    return record;
  }

  // Decompresses blocks until `n` bytes past raw_at_ are in raw_.
  Status ensure(size_t n) {
    if (raw_at_ > 0 && raw_.size() - raw_at_ < n) {
      raw_.erase(raw_.begin(), raw_.begin() + static_cast<long>(raw_at_));
      raw_at_ = 0;
    }
    while (raw_.size() - raw_at_ < n) REEL_RETURN_IF_ERROR(read_block());
    return Status::ok_status();
  }

  Status read_block() {
    uint8_t sizes[8];
    if (std::fread(sizes, 1, 8, file_.get()) != 8) {
      return Status::corruption("{}: the log ends at byte {} inside frame {}", path_, file_offset_,
                                next_frame_);
    }
    const uint32_t raw_size = get_u32(sizes), size = get_u32(sizes + 4);
    if (raw_size > kStoreVarBlockSize || size > uint32_t(LZ4_compressBound(int(raw_size)))) {
      return Status::corruption("{}: a bad block header at byte {}", path_, file_offset_);
    }
    compressed_.resize(size);
    if (std::fread(compressed_.data(), 1, size, file_.get()) != size) {
      return Status::corruption("{}: a block cut short at byte {}", path_, file_offset_);
    }
    const size_t old = raw_.size();
    raw_.resize(old + raw_size);
    const int got = LZ4_decompress_safe(reinterpret_cast<const char*>(compressed_.data()),
                                        reinterpret_cast<char*>(raw_.data() + old),
                                        static_cast<int>(size), static_cast<int>(raw_size));
    if (got != static_cast<int>(raw_size)) {
      return Status::corruption("{}: the block at byte {} does not decompress", path_,
                                file_offset_);
    }
    file_offset_ += 8 + size;
    return Status::ok_status();
  }

  std::string path_;
  std::unordered_map<std::string, PropertyId> ids_;
  double tick_rate_;
  FrameIndex frames_;
  File file_;
  std::vector<uint8_t> raw_, compressed_;
  size_t raw_at_ = 0;          // the next record's offset in raw_
  FrameIndex next_frame_ = 0;  // the frame of the record at raw_at_
  uint64_t file_offset_ = 0;   // of the next block header
};

}  // namespace

Result<std::unique_ptr<BaselineWriter>> open_storevar_log_writer(
    const std::string& path, const std::vector<std::string>& property_paths, double tick_rate) {
  (void)tick_rate;  // the log's records are one per tick; the reader is told the rate
  File file(std::fopen(path.c_str(), "wb"));
  if (!file) return Status::io_error("{}: {}", path, std::strerror(errno));
  auto writer = std::make_unique<StoreVarLogWriter>(std::move(file), path, property_paths);
  REEL_RETURN_IF_ERROR(writer->start());
  return std::unique_ptr<BaselineWriter>(std::move(writer));
}

Result<std::unique_ptr<BaselineReader>> open_storevar_log_reader(
    const std::string& path, const std::vector<std::string>& property_paths, double tick_rate,
    FrameIndex frames) {
  auto reader = std::make_unique<StoreVarLogReader>(path, property_paths, tick_rate, frames);
  REEL_RETURN_IF_ERROR(reader->rewind());
  return std::unique_ptr<BaselineReader>(std::move(reader));
}

}  // namespace reel::bench
