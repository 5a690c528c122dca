// Baseline (c) of `reel bench compare`: a `store_var` log compressed the way Godot's
// rollback-netcode addon writes its match logs (snopek's godot-rollback-netcode: the Logger opens
// the file with `open_compressed(..., COMPRESSION_FASTLZ)` and `store_var`s one record per tick).
//
// One record per frame: the whole world as WorldDictionary keeps it (bench_baselines.h), written
// as Godot's FileAccess::store_var does: u32 little-endian length, then var_to_bytes. The record
// stream is cut into 4 KiB blocks (the block size of Godot's FileAccessCompressed) and each block
// is compressed on its own with LZ4 (liblz4, LZ4_compress_default): FastLZ is not packaged by
// Debian, and LZ4 is its nearest relative (byte-oriented LZ77, no entropy stage, level-1 speed).
// On disk (this benchmark's own layout; FileAccessCompressed keeps the whole uncompressed file in
// memory and writes it at close, which a 1-hour log could not survive, so blocks are streamed):
//   "RLZ4" u32 block_size, then per block: u32 raw_size, u32 compressed_size, compressed bytes.
// A reader has no index: the state of frame N is found by decompressing from the start and
// walking the records' lengths (a reader moving forward keeps its place).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench_baselines.h"

namespace reel::bench {

inline constexpr size_t kStoreVarBlockSize = 4096;

Result<std::unique_ptr<BaselineWriter>> open_storevar_log_writer(
    const std::string& path, const std::vector<std::string>& property_paths, double tick_rate);
// `frames`: the recording's frame count, as the caller knows it (the log has no index to tell).
Result<std::unique_ptr<BaselineReader>> open_storevar_log_reader(
    const std::string& path, const std::vector<std::string>& property_paths, double tick_rate,
    FrameIndex frames);

}  // namespace reel::bench
