#include "reel/blob/blob.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#define ZDICT_STATIC_LINKING_ONLY
#include <xxhash.h>
#include <zdict.h>
#include <zstd.h>

namespace reel {
namespace {

// Byte offsets of the header fields (FORMAT.md section 3).
constexpr size_t kVersionOffset = 0;
constexpr size_t kKindOffset = 1;
constexpr size_t kCodecOffset = 2;
constexpr size_t kReservedOffset = 3;
constexpr size_t kRawSizeOffset = 4;
static_assert(kBlobChecksumOffset + 8 == kBlobHeaderSize);

constexpr uint8_t kMaxKnownKind = static_cast<uint8_t>(BlobKind::kSessionData);
constexpr uint8_t kMaxKnownCodec = static_cast<uint8_t>(BlobCodecId::kZstdDict);

void store_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void store_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t load_u32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t load_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

template <class... Args>
Status header_error(size_t offset, fmt::format_string<Args...> f, Args&&... args) {
  return Status::corruption("blob header at byte {}: {}", offset,
                            fmt::format(f, std::forward<Args>(args)...));
}

struct CDictDeleter {
  void operator()(ZSTD_CDict* d) const { ZSTD_freeCDict(d); }
};
struct DDictDeleter {
  void operator()(ZSTD_DDict* d) const { ZSTD_freeDDict(d); }
};

}  // namespace

const char* blob_kind_name(BlobKind kind) {
  switch (kind) {
    case BlobKind::kDeltaChunk:
      return "delta chunk";
    case BlobKind::kKeyframe:
      return "keyframe";
    case BlobKind::kZstdDictionary:
      return "zstd dictionary";
    case BlobKind::kSessionData:
      return "session data";
  }
  return "unknown";
}

const char* blob_codec_name(BlobCodecId codec) {
  switch (codec) {
    case BlobCodecId::kStored:
      return "stored";
    case BlobCodecId::kZstd:
      return "zstd";
    case BlobCodecId::kZstdDict:
      return "zstd+dictionary";
  }
  return "unknown";
}

// ---- ZstdDictionary ----

struct ZstdDictionary::Impl {
  std::vector<uint8_t> bytes;
  std::mutex mutex;  // guards the lazily built digests below
  std::map<int, std::unique_ptr<ZSTD_CDict, CDictDeleter>> cdicts;  // by level
  std::unique_ptr<ZSTD_DDict, DDictDeleter> ddict;

  // Digested forms, built on first use. The returned pointers live as long as the dictionary.
  const ZSTD_CDict* cdict(int level) {
    std::lock_guard lock(mutex);
    auto& slot = cdicts[level];
    if (!slot) slot.reset(ZSTD_createCDict(bytes.data(), bytes.size(), level));
    return slot.get();
  }
  const ZSTD_DDict* get_ddict() {
    std::lock_guard lock(mutex);
    if (!ddict) ddict.reset(ZSTD_createDDict(bytes.data(), bytes.size()));
    return ddict.get();
  }
};

ZstdDictionary::ZstdDictionary(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ZstdDictionary::ZstdDictionary(ZstdDictionary&&) noexcept = default;
ZstdDictionary& ZstdDictionary::operator=(ZstdDictionary&&) noexcept = default;
ZstdDictionary::~ZstdDictionary() = default;

Result<ZstdDictionary> ZstdDictionary::train(const std::vector<std::vector<uint8_t>>& samples,
                                             size_t dict_size) {
  if (dict_size < 256) {
    return Status::invalid_argument("zstd dictionary size {} is too small (minimum 256)",
                                    dict_size);
  }
  std::vector<uint8_t> concatenated;
  std::vector<size_t> sizes;
  sizes.reserve(samples.size());
  for (const auto& sample : samples) {
    concatenated.insert(concatenated.end(), sample.begin(), sample.end());
    sizes.push_back(sample.size());
  }
  std::vector<uint8_t> dict(dict_size);
  const size_t size = ZDICT_trainFromBuffer(dict.data(), dict.size(), concatenated.data(),
                                            sizes.data(), static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(size)) {
    return Status::invalid_argument("training a zstd dictionary from {} samples ({} bytes): {}",
                                    samples.size(), concatenated.size(), ZDICT_getErrorName(size));
  }
  dict.resize(size);
  return from_bytes(dict);
}

Result<ZstdDictionary> ZstdDictionary::from_bytes(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8) {
    return Status::corruption("zstd dictionary of {} bytes is too short", bytes.size());
  }
  auto impl = std::make_unique<Impl>();
  impl->bytes.assign(bytes.begin(), bytes.end());
  if (impl->get_ddict() == nullptr) {
    return Status::corruption("zstd rejected the {}-byte dictionary", bytes.size());
  }
  return ZstdDictionary(std::move(impl));
}

std::span<const uint8_t> ZstdDictionary::bytes() const {
  return impl_->bytes;
}

uint32_t ZstdDictionary::id() const {
  return ZDICT_getDictID(impl_->bytes.data(), impl_->bytes.size());
}

// ---- header ----

Result<BlobHeader> parse_blob_header(std::span<const uint8_t> sealed) {
  if (sealed.size() < kBlobHeaderSize) {
    return header_error(sealed.size(), "truncated: need {} header bytes, have {}", kBlobHeaderSize,
                        sealed.size());
  }
  BlobHeader header;
  header.version = sealed[kVersionOffset];
  if (header.version != kBlobEnvelopeVersion) {
    return header_error(kVersionOffset, "envelope version {} is not supported (expected {})",
                        header.version, kBlobEnvelopeVersion);
  }
  const uint8_t kind = sealed[kKindOffset];
  if (kind == 0 || kind > kMaxKnownKind) {
    return header_error(kKindOffset, "unknown blob kind {}", kind);
  }
  header.kind = static_cast<BlobKind>(kind);
  const uint8_t codec = sealed[kCodecOffset];
  if (codec > kMaxKnownCodec) return header_error(kCodecOffset, "unknown codec {}", codec);
  header.codec = static_cast<BlobCodecId>(codec);
  if (sealed[kReservedOffset] != 0) {
    return header_error(kReservedOffset, "reserved byte is {} (must be 0)",
                        sealed[kReservedOffset]);
  }
  header.raw_size = load_u32(sealed.data() + kRawSizeOffset);
  if (header.raw_size > kMaxBlobRawSize) {
    return header_error(kRawSizeOffset, "raw size {} exceeds the maximum {}", header.raw_size,
                        kMaxBlobRawSize);
  }
  header.checksum = load_u64(sealed.data() + kBlobChecksumOffset);
  header.stored_size = sealed.size() - kBlobHeaderSize;
  return header;
}

// ---- BlobCodec ----

struct BlobCodec::Impl {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  XXH3_state_t* xxh = XXH3_createState();
  ~Impl() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
    XXH3_freeState(xxh);
  }

  // XXH3-64 of header bytes [0, 8) followed by the payload.
  uint64_t checksum(const uint8_t* header, std::span<const uint8_t> payload) {
    XXH3_64bits_reset(xxh);
    XXH3_64bits_update(xxh, header, kBlobChecksumOffset);
    XXH3_64bits_update(xxh, payload.data(), payload.size());
    return XXH3_64bits_digest(xxh);
  }

  // Compresses raw into out[kBlobHeaderSize...]; returns the compressed size or a zstd error.
  Result<size_t> compress(std::span<const uint8_t> raw, const SealOptions& options,
                          std::vector<uint8_t>& out) {
    out.resize(kBlobHeaderSize + ZSTD_compressBound(raw.size()));
    ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
    size_t rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, options.zstd_level);
    if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
    if (!ZSTD_isError(rc) && options.dictionary) {
      const ZSTD_CDict* cdict = options.dictionary->impl().cdict(options.zstd_level);
      if (cdict == nullptr) return Status::internal("zstd could not digest the dictionary");
      rc = ZSTD_CCtx_refCDict(cctx, cdict);
    }
    if (!ZSTD_isError(rc) && options.block_ends.empty()) {
      rc = ZSTD_compress2(cctx, out.data() + kBlobHeaderSize, out.size() - kBlobHeaderSize,
                          raw.data(), raw.size());
    } else if (!ZSTD_isError(rc)) {
      rc = compress_in_blocks(raw, options.block_ends, out);
    }
    if (ZSTD_isError(rc)) {
      return Status::internal("zstd compression (level {}) failed: {}", options.zstd_level,
                              ZSTD_getErrorName(rc));
    }
    return rc;
  }

  // One zstd frame whose blocks end at `block_ends` (a flush there): each section then gets its
  // own entropy tables. Returns the compressed size or a zstd error code.
  size_t compress_in_blocks(std::span<const uint8_t> raw, std::span<const size_t> block_ends,
                            std::vector<uint8_t>& out) {
    size_t rc = ZSTD_CCtx_setPledgedSrcSize(cctx, raw.size());
    ZSTD_outBuffer dst{out.data() + kBlobHeaderSize, out.size() - kBlobHeaderSize, 0};
    size_t begin = 0;
    for (size_t i = 0; i <= block_ends.size() && !ZSTD_isError(rc); ++i) {
      const bool last = i == block_ends.size();
      const size_t end = last ? raw.size() : std::clamp(block_ends[i], begin, raw.size());
      ZSTD_inBuffer src{raw.data() + begin, end - begin, 0};
      const ZSTD_EndDirective directive = last ? ZSTD_e_end : ZSTD_e_flush;
      // Output room is ZSTD_compressBound(raw): every call finishes its section.
      do {
        rc = ZSTD_compressStream2(cctx, &dst, &src, directive);
      } while (!ZSTD_isError(rc) && rc != 0);
      begin = end;
    }
    return ZSTD_isError(rc) ? rc : dst.pos;
  }

  template <class Bytes>
  Status decompress(const BlobHeader& header, std::span<const uint8_t> payload,
                    const ZstdDictionary* dictionary, Bytes& raw_out) {
    const unsigned long long frame_size = ZSTD_getFrameContentSize(payload.data(), payload.size());
    if (frame_size == ZSTD_CONTENTSIZE_ERROR) {
      return Status::corruption("blob payload at byte {}: not a zstd frame", kBlobHeaderSize);
    }
    if (frame_size != ZSTD_CONTENTSIZE_UNKNOWN && frame_size != header.raw_size) {
      return Status::corruption(
          "blob payload at byte {}: zstd frame holds {} bytes, header says {}", kBlobHeaderSize,
          frame_size, header.raw_size);
    }
    raw_out.resize(header.raw_size);
    ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
    size_t rc = 0;
    if (header.codec == BlobCodecId::kZstdDict) {
      const ZSTD_DDict* ddict = dictionary->impl().get_ddict();
      rc = ZSTD_decompress_usingDDict(dctx, raw_out.data(), raw_out.size(), payload.data(),
                                      payload.size(), ddict);
    } else {
      rc =
          ZSTD_decompressDCtx(dctx, raw_out.data(), raw_out.size(), payload.data(), payload.size());
    }
    if (ZSTD_isError(rc)) {
      raw_out.clear();
      return Status::corruption("blob payload at byte {}: zstd: {}", kBlobHeaderSize,
                                ZSTD_getErrorName(rc));
    }
    if (rc != header.raw_size) {
      raw_out.clear();
      return Status::corruption("blob payload at byte {}: decompressed {} bytes, header says {}",
                                kBlobHeaderSize, rc, header.raw_size);
    }
    return Status::ok_status();
  }
};

BlobCodec::BlobCodec() : impl_(std::make_unique<Impl>()) {}
BlobCodec::~BlobCodec() = default;

Status BlobCodec::seal(BlobKind kind, std::span<const uint8_t> raw, const SealOptions& options,
                       std::vector<uint8_t>& out) {
  const auto kind_value = static_cast<uint8_t>(kind);
  if (kind_value == 0 || kind_value > kMaxKnownKind) {
    return Status::invalid_argument("seal: unknown blob kind {}", kind_value);
  }
  if (raw.size() > kMaxBlobRawSize) {
    return Status::invalid_argument("seal: {} raw bytes exceed the blob maximum {}", raw.size(),
                                    kMaxBlobRawSize);
  }
  if (options.compress &&
      (options.zstd_level < ZSTD_minCLevel() || options.zstd_level > ZSTD_maxCLevel())) {
    return Status::invalid_argument("seal: zstd level {} outside [{}, {}]", options.zstd_level,
                                    ZSTD_minCLevel(), ZSTD_maxCLevel());
  }
  BlobCodecId codec = BlobCodecId::kStored;
  size_t stored_size = raw.size();
  if (options.compress) {
    REEL_ASSIGN_OR_RETURN(const size_t compressed, impl_->compress(raw, options, out));
    // Past the inflation bound readers would refuse the blob: store it raw instead.
    const bool within_bound = raw.size() <= max_raw_size_for_stored(compressed);
    if (within_bound && (!options.store_if_incompressible || compressed < raw.size())) {
      codec = options.dictionary ? BlobCodecId::kZstdDict : BlobCodecId::kZstd;
      stored_size = compressed;
    }
  }
  out.resize(kBlobHeaderSize + stored_size);
  if (codec == BlobCodecId::kStored && !raw.empty()) {
    std::memcpy(out.data() + kBlobHeaderSize, raw.data(), raw.size());
  }
  uint8_t* header = out.data();
  header[kVersionOffset] = kBlobEnvelopeVersion;
  header[kKindOffset] = kind_value;
  header[kCodecOffset] = static_cast<uint8_t>(codec);
  header[kReservedOffset] = 0;
  store_u32(header + kRawSizeOffset, static_cast<uint32_t>(raw.size()));
  const std::span<const uint8_t> payload(out.data() + kBlobHeaderSize, stored_size);
  store_u64(header + kBlobChecksumOffset, impl_->checksum(header, payload));
  return Status::ok_status();
}

Result<BlobHeader> BlobCodec::open(std::span<const uint8_t> sealed, BlobKind expected_kind,
                                   std::vector<uint8_t>& raw_out,
                                   const ZstdDictionary* dictionary) {
  return open_into(sealed, expected_kind, raw_out, dictionary);
}

Result<BlobHeader> BlobCodec::open(std::span<const uint8_t> sealed, BlobKind expected_kind,
                                   RawBytes& raw_out, const ZstdDictionary* dictionary) {
  return open_into(sealed, expected_kind, raw_out, dictionary);
}

Result<BlobHeader> BlobCodec::check(std::span<const uint8_t> sealed, BlobKind expected_kind) {
  REEL_ASSIGN_OR_RETURN(const BlobHeader header, parse_blob_header(sealed));
  if (header.kind != expected_kind) {
    return header_error(kKindOffset, "blob kind is {} ({}), expected {} ({})",
                        static_cast<int>(header.kind), blob_kind_name(header.kind),
                        static_cast<int>(expected_kind), blob_kind_name(expected_kind));
  }
  if (header.raw_size > max_raw_size_for_stored(header.stored_size)) {
    return header_error(kRawSizeOffset,
                        "raw size {} exceeds the inflation bound {} ({} x the {} stored bytes + "
                        "{})",
                        header.raw_size, max_raw_size_for_stored(header.stored_size),
                        kMaxInflationRatio, header.stored_size, kInflationAllowance);
  }
  const std::span<const uint8_t> payload = sealed.subspan(kBlobHeaderSize);
  const uint64_t computed = impl_->checksum(sealed.data(), payload);
  if (computed != header.checksum) {
    return Status::corruption(
        "blob checksum mismatch (stored {:016x}, computed {:016x}) over {} "
        "bytes",
        header.checksum, computed, sealed.size());
  }
  if (header.codec == BlobCodecId::kStored && header.stored_size != header.raw_size) {
    return Status::corruption("blob payload at byte {}: stored {} bytes, header says {}",
                              kBlobHeaderSize, header.stored_size, header.raw_size);
  }
  return header;
}

template <class Bytes>
Result<BlobHeader> BlobCodec::open_into(std::span<const uint8_t> sealed, BlobKind expected_kind,
                                        Bytes& raw_out, const ZstdDictionary* dictionary) {
  REEL_ASSIGN_OR_RETURN(const BlobHeader header, check(sealed, expected_kind));
  const std::span<const uint8_t> payload = sealed.subspan(kBlobHeaderSize);
  if (header.codec == BlobCodecId::kStored) {
    if (payload.size() != header.raw_size) {
      return Status::corruption("blob payload at byte {}: stored {} bytes, header says {}",
                                kBlobHeaderSize, payload.size(), header.raw_size);
    }
    raw_out.assign(payload.begin(), payload.end());
    return header;
  }
  if (header.codec == BlobCodecId::kZstdDict && dictionary == nullptr) {
    return Status::invalid_argument(
        "blob is compressed with the session's zstd dictionary, but none was given");
  }
  REEL_RETURN_IF_ERROR(impl_->decompress(header, payload, dictionary, raw_out));
  return header;
}

namespace {
BlobCodec& thread_codec() {
  thread_local BlobCodec codec;
  return codec;
}
}  // namespace

Status seal_blob(BlobKind kind, std::span<const uint8_t> raw, const SealOptions& options,
                 std::vector<uint8_t>& out) {
  return thread_codec().seal(kind, raw, options, out);
}

Result<BlobHeader> open_blob(std::span<const uint8_t> sealed, BlobKind expected_kind,
                             std::vector<uint8_t>& raw_out, const ZstdDictionary* dictionary) {
  return thread_codec().open(sealed, expected_kind, raw_out, dictionary);
}

}  // namespace reel
