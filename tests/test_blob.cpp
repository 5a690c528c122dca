// The blob envelope (FORMAT.md section 3): round trips for every codec and size, and rejection
// of every kind of damage with an error that says where.
#include <random>

#include <xxhash.h>
#include <zstd.h>

#include "reel/blob/blob.h"
#include "test_util.h"

namespace reel {
namespace {

// Bytes that look like recorded deltas: per entity an increasing id, then four field deltas as
// varints, mostly zero or tiny, sometimes large.
std::vector<uint8_t> realistic_bytes(size_t size, uint32_t seed = 1) {
  std::minstd_rand rng(seed);
  std::vector<uint8_t> out;
  out.reserve(size);
  auto put_varint = [&](uint32_t value) {
    do {
      const auto byte = static_cast<uint8_t>(value & 0x7f);
      value >>= 7;
      if (out.size() < size) out.push_back(value ? (byte | 0x80) : byte);
    } while (value);
  };
  for (uint32_t entity = 0; out.size() < size; entity = (entity + 1) % 500) {
    put_varint(entity);
    for (int field = 0; field < 4; ++field) {
      const uint32_t dice = rng() % 100;
      put_varint(dice < 70 ? 0 : dice < 95 ? rng() % 8 : rng() % 5000);
    }
  }
  return out;
}

std::vector<uint8_t> seal_or_fail(BlobKind kind, const std::vector<uint8_t>& raw,
                                  const SealOptions& options = {}) {
  std::vector<uint8_t> sealed;
  REQUIRE_STATUS_OK(seal_blob(kind, raw, options, sealed));
  return sealed;
}

// Rewrites the checksum so that a deliberately edited header passes it.
void refresh_checksum(std::vector<uint8_t>& sealed) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  XXH3_64bits_update(state, sealed.data(), kBlobChecksumOffset);
  XXH3_64bits_update(state, sealed.data() + kBlobHeaderSize, sealed.size() - kBlobHeaderSize);
  uint64_t sum = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  for (size_t i = 0; i < 8; ++i)
    sealed[kBlobChecksumOffset + i] = static_cast<uint8_t>(sum >> (8 * i));
}

ZstdDictionary trained_dictionary() {
  std::vector<std::vector<uint8_t>> samples;
  for (uint32_t i = 0; i < 200; ++i) samples.push_back(realistic_bytes(2000, i + 100));
  auto dictionary = ZstdDictionary::train(samples, 8 * 1024);
  REQUIRE_OK(dictionary);
  return std::move(dictionary).value();
}

TEST_CASE("the blob header layout is byte-exact", "[blob]") {
  const std::vector<uint8_t> raw = {'a', 'b', 'c'};
  SealOptions stored;
  stored.compress = false;
  const auto sealed = seal_or_fail(BlobKind::kKeyframe, raw, stored);
  REQUIRE(sealed.size() == 16 + 3);
  REQUIRE(sealed[0] == 1);  // version
  REQUIRE(sealed[1] == 2);  // keyframe
  REQUIRE(sealed[2] == 0);  // stored
  REQUIRE(sealed[3] == 0);
  REQUIRE(testing::to_hex({sealed.begin() + 4, sealed.begin() + 8}) == "03000000");
  std::vector<uint8_t> hashed(sealed.begin(), sealed.begin() + 8);
  hashed.insert(hashed.end(), raw.begin(), raw.end());
  const uint64_t expected = XXH3_64bits(hashed.data(), hashed.size());
  uint64_t stored_sum = 0;
  for (int i = 7; i >= 0; --i) stored_sum = (stored_sum << 8) | sealed[8 + i];
  REQUIRE(stored_sum == expected);
  REQUIRE(sealed[16] == 'a');
}

TEST_CASE("blobs round-trip at 0 bytes, 1 byte and 1 MiB with every codec", "[blob]") {
  const auto dictionary = trained_dictionary();
  for (const size_t size : {size_t{0}, size_t{1}, size_t{1} << 20}) {
    const auto raw = realistic_bytes(size);
    for (const BlobCodecId codec :
         {BlobCodecId::kStored, BlobCodecId::kZstd, BlobCodecId::kZstdDict}) {
      CAPTURE(size, blob_codec_name(codec));
      SealOptions options;
      options.compress = codec != BlobCodecId::kStored;
      options.store_if_incompressible = false;
      options.dictionary = codec == BlobCodecId::kZstdDict ? &dictionary : nullptr;
      const auto sealed = seal_or_fail(BlobKind::kDeltaChunk, raw, options);
      REQUIRE(sealed[2] == static_cast<uint8_t>(codec));
      std::vector<uint8_t> out = {9, 9, 9};  // replaced, not appended to
      auto header = open_blob(sealed, BlobKind::kDeltaChunk, out, &dictionary);
      REQUIRE_OK(header);
      REQUIRE(header->codec == codec);
      REQUIRE(header->raw_size == size);
      REQUIRE(out == raw);
      if (size == (size_t{1} << 20) && codec != BlobCodecId::kStored) {
        REQUIRE(sealed.size() < size / 2);  // it did compress
      }
    }
  }
}

TEST_CASE("block ends give one zstd frame whose sections get their own tables", "[blob]") {
  // Two sections of very different statistics: mostly-zero varints, then bytes of 0..63.
  std::vector<uint8_t> raw = realistic_bytes(20000, 3);
  const size_t boundary = raw.size();
  std::mt19937 rng(9);
  for (int i = 0; i < 20000; ++i) raw.push_back(static_cast<uint8_t>(rng() % 64));
  const size_t ends[] = {boundary};
  const auto whole = seal_or_fail(BlobKind::kDeltaChunk, raw);
  const auto split = seal_or_fail(BlobKind::kDeltaChunk, raw, SealOptions{.block_ends = ends});
  for (const auto* sealed : {&whole, &split}) {
    std::vector<uint8_t> out;
    REQUIRE_OK(open_blob(*sealed, BlobKind::kDeltaChunk, out));
    REQUIRE(out == raw);
    // Exactly one frame: the zstd frame's content size is the raw size.
    REQUIRE(ZSTD_getFrameContentSize(sealed->data() + kBlobHeaderSize,
                                     sealed->size() - kBlobHeaderSize) == raw.size());
    REQUIRE(ZSTD_findFrameCompressedSize(sealed->data() + kBlobHeaderSize,
                                         sealed->size() - kBlobHeaderSize) ==
            sealed->size() - kBlobHeaderSize);
  }
  INFO("one block set " << whole.size() << " bytes, split " << split.size());
  REQUIRE(split.size() < whole.size());
  // Block ends at 0, past the end, repeated or empty sections change nothing but the size.
  const size_t odd[] = {0, 0, 7, 7, raw.size(), raw.size() + 100};
  std::vector<uint8_t> out;
  REQUIRE_OK(open_blob(seal_or_fail(BlobKind::kDeltaChunk, raw, SealOptions{.block_ends = odd}),
                       BlobKind::kDeltaChunk, out));
  REQUIRE(out == raw);
}

TEST_CASE("seal stores incompressible payloads raw unless told otherwise", "[blob]") {
  std::vector<uint8_t> noise(4096);
  std::mt19937 rng(7);
  for (auto& b : noise) b = static_cast<uint8_t>(rng());
  auto sealed = seal_or_fail(BlobKind::kSessionData, noise);
  REQUIRE(sealed[2] == static_cast<uint8_t>(BlobCodecId::kStored));
  REQUIRE(sealed.size() == kBlobHeaderSize + noise.size());
  std::vector<uint8_t> out;
  REQUIRE_OK(open_blob(sealed, BlobKind::kSessionData, out));
  REQUIRE(out == noise);
}

TEST_CASE("seal replaces the output buffer", "[blob]") {
  std::vector<uint8_t> out(100, 0xee);
  REQUIRE_STATUS_OK(seal_blob(BlobKind::kKeyframe, realistic_bytes(10), {}, out));
  REQUIRE(out[0] == kBlobEnvelopeVersion);
}

TEST_CASE("every single-bit flip of a sealed blob is detected", "[blob]") {
  for (const bool compress : {false, true}) {
    SealOptions options;
    options.compress = compress;
    options.store_if_incompressible = false;
    const auto sealed = seal_or_fail(BlobKind::kDeltaChunk, realistic_bytes(64), options);
    for (size_t byte = 0; byte < sealed.size(); ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        auto damaged = sealed;
        testing::flip_bit(damaged, byte, bit);
        std::vector<uint8_t> out;
        auto result = open_blob(damaged, BlobKind::kDeltaChunk, out);
        CAPTURE(compress, byte, bit);
        REQUIRE(result.status().code() == StatusCode::kCorruption);
      }
    }
  }
}

TEST_CASE("a checksum mismatch reports both sums", "[blob]") {
  auto sealed = seal_or_fail(BlobKind::kDeltaChunk, realistic_bytes(100));
  sealed.back() ^= 0x10;
  std::vector<uint8_t> out;
  auto result = open_blob(sealed, BlobKind::kDeltaChunk, out);
  REQUIRE_THAT(result.status().message(),
               Catch::Contains("checksum mismatch (stored ") && Catch::Contains(", computed "));
}

TEST_CASE("truncated blobs are rejected at every length", "[blob]") {
  const auto sealed = seal_or_fail(BlobKind::kDeltaChunk, realistic_bytes(300));
  for (size_t length = 0; length < sealed.size(); ++length) {
    std::vector<uint8_t> out;
    auto result = open_blob(std::span(sealed).first(length), BlobKind::kDeltaChunk, out);
    CAPTURE(length);
    REQUIRE(result.status().code() == StatusCode::kCorruption);
    if (length < kBlobHeaderSize) {
      REQUIRE_THAT(result.status().message(),
                   Catch::Contains("blob header at byte") && Catch::Contains("truncated"));
    }
  }
}

TEST_CASE("opening a blob of another kind fails, naming both kinds", "[blob]") {
  const auto sealed = seal_or_fail(BlobKind::kKeyframe, realistic_bytes(10));
  std::vector<uint8_t> out;
  auto result = open_blob(sealed, BlobKind::kDeltaChunk, out);
  REQUIRE(result.status().code() == StatusCode::kCorruption);
  REQUIRE_THAT(result.status().message(), Catch::Contains("blob header at byte 1") &&
                                              Catch::Contains("keyframe") &&
                                              Catch::Contains("delta chunk"));
}

TEST_CASE("unknown version, kind, codec and reserved byte are rejected by offset", "[blob]") {
  const auto sealed = seal_or_fail(BlobKind::kKeyframe, realistic_bytes(10));
  struct Edit {
    size_t offset;
    uint8_t value;
  };
  for (const Edit edit : {Edit{0, 2}, Edit{1, 0}, Edit{1, 5}, Edit{2, 3}, Edit{3, 1}}) {
    auto damaged = sealed;
    damaged[edit.offset] = edit.value;
    refresh_checksum(damaged);
    std::vector<uint8_t> out;
    auto result = open_blob(damaged, BlobKind::kKeyframe, out);
    CAPTURE(edit.offset, edit.value);
    REQUIRE(result.status().code() == StatusCode::kCorruption);
    REQUIRE_THAT(result.status().message(),
                 Catch::Contains(fmt::format("blob header at byte {}", edit.offset)));
  }
}

TEST_CASE("a raw size of 4 GiB is rejected without allocating", "[blob]") {
  auto sealed = seal_or_fail(BlobKind::kDeltaChunk, realistic_bytes(1000));
  for (size_t i = 4; i < 8; ++i) sealed[i] = 0xff;
  refresh_checksum(sealed);
  std::vector<uint8_t> out;
  auto result = open_blob(sealed, BlobKind::kDeltaChunk, out);
  REQUIRE(result.status().code() == StatusCode::kCorruption);
  REQUIRE_THAT(result.status().message(),
               Catch::Contains("blob header at byte 4") && Catch::Contains("4294967295"));
  REQUIRE(out.capacity() == 0);
}

TEST_CASE("a raw size that disagrees with the payload is rejected", "[blob]") {
  for (const bool compress : {false, true}) {
    SealOptions options;
    options.compress = compress;
    options.store_if_incompressible = false;
    auto sealed = seal_or_fail(BlobKind::kDeltaChunk, realistic_bytes(1000), options);
    sealed[4] = 0xe7;  // raw size 1000 -> 999 (0x3e7)
    sealed[5] = 0x03;
    refresh_checksum(sealed);
    std::vector<uint8_t> out;
    auto result = open_blob(sealed, BlobKind::kDeltaChunk, out);
    CAPTURE(compress);
    REQUIRE(result.status().code() == StatusCode::kCorruption);
    REQUIRE_THAT(result.status().message(), Catch::Contains("header says 999"));
  }
}

TEST_CASE("a dictionary blob needs the dictionary, and the right one", "[blob]") {
  const auto dictionary = trained_dictionary();
  SealOptions options;
  options.dictionary = &dictionary;
  const auto raw = realistic_bytes(5000, 9);
  const auto sealed = seal_or_fail(BlobKind::kDeltaChunk, raw, options);
  REQUIRE(sealed[2] == static_cast<uint8_t>(BlobCodecId::kZstdDict));
  std::vector<uint8_t> out;
  REQUIRE(open_blob(sealed, BlobKind::kDeltaChunk, out).status().code() ==
          StatusCode::kInvalidArgument);

  std::vector<std::vector<uint8_t>> other_samples;
  for (uint32_t i = 0; i < 200; ++i) other_samples.push_back(realistic_bytes(2000, i + 5000));
  auto other = ZstdDictionary::train(other_samples, 4 * 1024);
  REQUIRE_OK(other);
  REQUIRE(other->id() != dictionary.id());
  REQUIRE(open_blob(sealed, BlobKind::kDeltaChunk, out, &*other).status().code() ==
          StatusCode::kCorruption);

  // A dictionary restored from its bytes (as stored in a kZstdDictionary blob) works.
  auto restored = ZstdDictionary::from_bytes(dictionary.bytes());
  REQUIRE_OK(restored);
  REQUIRE_OK(open_blob(sealed, BlobKind::kDeltaChunk, out, &*restored));
  REQUIRE(out == raw);
}

TEST_CASE("dictionary training refuses too few samples", "[blob]") {
  auto dictionary = ZstdDictionary::train({{1, 2, 3}}, 4096);
  REQUIRE(dictionary.status().code() == StatusCode::kInvalidArgument);
  REQUIRE_THAT(dictionary.status().message(), Catch::Contains("1 samples"));
}

TEST_CASE("seal rejects a bad level and an oversized payload without touching zstd", "[blob]") {
  std::vector<uint8_t> out;
  SealOptions options;
  options.zstd_level = 1000;
  REQUIRE(seal_blob(BlobKind::kKeyframe, realistic_bytes(10), options, out).code() ==
          StatusCode::kInvalidArgument);
  const std::vector<uint8_t> huge(size_t{kMaxBlobRawSize} + 1);
  REQUIRE(seal_blob(BlobKind::kKeyframe, huge, {}, out).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a BlobCodec is reusable across many calls and codecs", "[blob]") {
  BlobCodec codec;
  std::vector<uint8_t> sealed, out;
  for (uint32_t i = 0; i < 20; ++i) {
    const auto raw = realistic_bytes(1000 + i * 300, i);
    SealOptions options;
    options.zstd_level = 1 + static_cast<int>(i % 4);
    options.compress = i % 3 != 0;
    REQUIRE_STATUS_OK(codec.seal(BlobKind::kSessionData, raw, options, sealed));
    REQUIRE_OK(codec.open(sealed, BlobKind::kSessionData, out));
    REQUIRE(out == raw);
  }
}

TEST_CASE("parse_blob_header reads the fields without verifying the payload", "[blob]") {
  auto sealed = seal_or_fail(BlobKind::kZstdDictionary, realistic_bytes(5000));
  sealed.back() ^= 1;
  auto header = parse_blob_header(sealed);
  REQUIRE_OK(header);
  REQUIRE(header->kind == BlobKind::kZstdDictionary);
  REQUIRE(header->codec == BlobCodecId::kZstd);
  REQUIRE(header->raw_size == 5000);
  REQUIRE(header->stored_size == sealed.size() - kBlobHeaderSize);
}

}  // namespace
}  // namespace reel
