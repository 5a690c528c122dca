// The blob envelope: every compressed blob Reel stores (delta chunks, keyframes, dictionaries,
// session data) is wrapped in a 16-byte checksummed header. Layout: FORMAT.md section 3.
//
//   offset 0  u8   envelope version (kBlobEnvelopeVersion = 1)
//   offset 1  u8   blob kind (BlobKind)
//   offset 2  u8   codec (BlobCodecId)
//   offset 3  u8   reserved, 0
//   offset 4  u32  raw (uncompressed) payload size, <= kMaxBlobRawSize
//   offset 8  u64  XXH3-64 (seed 0) of header bytes 0..7 followed by the stored payload bytes
//   offset 16 payload: raw bytes (codec 0) or one zstd frame (codecs 1, 2)
//
// All integers little-endian. The values below are persisted: never renumber, only append.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "reel/format/status.h"

namespace reel {

inline constexpr uint8_t kBlobEnvelopeVersion = 1;
inline constexpr size_t kBlobHeaderSize =
    1 + 1 + 1 + 1 + 4 + 8;  // version kind codec rsvd raw xxh3
inline constexpr size_t kBlobChecksumOffset = 8;
inline constexpr uint32_t kMaxBlobRawSize = 256u << 20;  // 256 MiB; larger raw sizes are corrupt
// The inflation bound (FORMAT.md 3): a blob's raw size is at most kMaxInflationRatio times its
// stored payload plus kInflationAllowance, so a reader never allocates more than a fixed multiple
// of the bytes that exist in the file (a valid-checksum zstd bomb declaring 255 MiB is refused).
// Writers store a payload uncompressed (codec 0) when zstd would exceed the ratio.
inline constexpr uint64_t kMaxInflationRatio = 1024;
inline constexpr uint64_t kInflationAllowance = 1u << 20;  // 1 MiB
constexpr uint64_t max_raw_size_for_stored(uint64_t stored_size) {
  return kMaxInflationRatio * stored_size + kInflationAllowance;
}

// What a blob holds. Persisted: never renumber.
enum class BlobKind : uint8_t {
  kDeltaChunk = 1,
  kKeyframe = 2,
  kZstdDictionary = 3,
  kSessionData = 4,  // session/aux data
};
const char* blob_kind_name(BlobKind kind);

// An allocator whose value-initialisation is default-initialisation: resize() of a byte vector
// leaves the new bytes unwritten. For buffers that are filled right after they grow.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using RawBytes = std::vector<uint8_t, DefaultInitAllocator<uint8_t>>;

// How the payload is stored. Persisted: never renumber.
enum class BlobCodecId : uint8_t {
  kStored = 0,    // no compression
  kZstd = 1,      // one zstd frame
  kZstdDict = 2,  // one zstd frame compressed with the session's trained dictionary
};
const char* blob_codec_name(BlobCodecId codec);

// A trained (or loaded) zstd dictionary. Compression dictionaries are digested once per level
// and decompression once, on first use; safe to share between threads. Movable, not copyable.
class ZstdDictionary {
 public:
  // Trains a dictionary of at most dict_size bytes from samples (zstd's ZDICT). kInvalidArgument
  // when the samples are too few or too small to train on.
  static Result<ZstdDictionary> train(const std::vector<std::vector<uint8_t>>& samples,
                                      size_t dict_size);
  // Wraps dictionary bytes as stored (e.g. from a kZstdDictionary blob). kCorruption if zstd
  // rejects them.
  static Result<ZstdDictionary> from_bytes(std::span<const uint8_t> bytes);

  ZstdDictionary(ZstdDictionary&&) noexcept;
  ZstdDictionary& operator=(ZstdDictionary&&) noexcept;
  ~ZstdDictionary();

  std::span<const uint8_t> bytes() const;
  uint32_t id() const;  // zstd dictionary id (0 for a raw-content dictionary)

  struct Impl;
  Impl& impl() const { return *impl_; }

 private:
  explicit ZstdDictionary(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct SealOptions {
  // zstd level: 1 is fastest (recording default); higher levels trade CPU for size.
  int zstd_level = 1;
  // Non-null: compress with this dictionary (codec 2). It must outlive the call.
  const ZstdDictionary* dictionary = nullptr;
  // false: store the payload uncompressed (codec 0).
  bool compress = true;
  // When zstd's output is not smaller than the raw bytes, store them raw (codec 0) instead.
  bool store_if_incompressible = true;
  // Offsets in the raw bytes where zstd ends a block (ascending): sections with different
  // statistics (a chunk's streams, FORMAT.md 6) then get their own entropy tables. The payload
  // is still one zstd frame; only its size changes. Must outlive the call.
  std::span<const size_t> block_ends;
};

// The parsed header of a sealed blob.
struct BlobHeader {
  uint8_t version = kBlobEnvelopeVersion;
  BlobKind kind = BlobKind::kDeltaChunk;
  BlobCodecId codec = BlobCodecId::kStored;
  uint32_t raw_size = 0;
  uint64_t checksum = 0;
  size_t stored_size = 0;  // payload bytes after the header
};

// Parses and checks the header only (version, codec known, reserved byte, raw size bound); no
// checksum or payload check. For dump tools. kCorruption "blob header at byte N: ...".
Result<BlobHeader> parse_blob_header(std::span<const uint8_t> sealed);

// Reusable compression state (ZSTD_CCtx/ZSTD_DCtx and an XXH3 state). Reuse one per thread for
// speed. Not thread-safe.
class BlobCodec {
 public:
  BlobCodec();
  ~BlobCodec();
  BlobCodec(const BlobCodec&) = delete;
  BlobCodec& operator=(const BlobCodec&) = delete;

  // Replaces `out` with the sealed blob (header + payload). kInvalidArgument when raw is larger
  // than kMaxBlobRawSize or the level is out of zstd's range; kInternal if zstd fails.
  Status seal(BlobKind kind, std::span<const uint8_t> raw, const SealOptions& options,
              std::vector<uint8_t>& out);
  // Verifies `sealed` and replaces `raw_out` with its payload. Checks, in order: length >= 16,
  // version, kind == expected_kind, codec known, reserved byte, raw size <= kMaxBlobRawSize and
  // within the inflation bound (max_raw_size_for_stored), checksum, stored size (codec 0) or zstd frame + decompressed size == raw size. Nothing is
  // allocated before the checksum has passed, and never more than the (bounded) raw size.
  // Errors are kCorruption
  // ("blob header at byte N: ...", "checksum mismatch (stored X, computed Y)") or
  // kInvalidArgument when a codec-2 blob is opened without a dictionary.
  Result<BlobHeader> open(std::span<const uint8_t> sealed, BlobKind expected_kind,
                          std::vector<uint8_t>& raw_out,
                          const ZstdDictionary* dictionary = nullptr);
  // The checks of open() short of decompressing: header, kind, bounds and checksum (a fast
  // integrity scan: XXH3 runs at memory speed, zstd would not). Nothing is allocated.
  Result<BlobHeader> check(std::span<const uint8_t> sealed, BlobKind expected_kind);
  // The same into a RawBytes buffer: growing it writes no zeros (readers that cache many
  // payloads save a memset and the page faults of every fresh buffer).
  Result<BlobHeader> open(std::span<const uint8_t> sealed, BlobKind expected_kind,
                          RawBytes& raw_out, const ZstdDictionary* dictionary = nullptr);

 private:
  template <class Bytes>
  Result<BlobHeader> open_into(std::span<const uint8_t> sealed, BlobKind expected_kind,
                               Bytes& raw_out, const ZstdDictionary* dictionary);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The same, with a thread_local BlobCodec.
Status seal_blob(BlobKind kind, std::span<const uint8_t> raw, const SealOptions& options,
                 std::vector<uint8_t>& out);
Result<BlobHeader> open_blob(std::span<const uint8_t> sealed, BlobKind expected_kind,
                             std::vector<uint8_t>& raw_out,
                             const ZstdDictionary* dictionary = nullptr);

}  // namespace reel
