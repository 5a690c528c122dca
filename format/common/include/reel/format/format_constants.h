// Constants that define Reel's bytes at rest. The layouts are documented in format/FORMAT.md;
// every value here is persisted: never renumber, only append.
#pragma once

#include <cstdint>

namespace reel::format {

// FORMAT.md "Format version". Bumped when a reader of the previous version could misread a file
// (or fail on it). Version 2 added events.time. Version 3 numbers Godot 4 type ids as Godot does
// (Transform2D 11, Vector4 12, Vector4i 13; sessions recorded before keep Reel's old numbering and
// are read with it, FORMAT.md 5). Version 4 adds session liveness and endings (sessions.owner_*,
// heartbeat_us, end_reason, frames_handed_over, resumes; status kFailed). Readers read every
// version from kOldestFormatVersion on; a writer opening an older database migrates it first
// (FORMAT.md 5).
inline constexpr int kFormatVersion = 4;
inline constexpr int kOldestFormatVersion = 1;
// SQLite `PRAGMA application_id`: "REEL".
inline constexpr int32_t kApplicationId = 0x5245454C;

// FORMAT.md section 5: sessions.status. Never renumber.
enum class SessionStatus : uint8_t {
  kRecording = 0,    // a recorder is writing it (its owner columns say which; FORMAT.md 5)
  kClosed = 1,       // closed cleanly by Recorder::close (end_reason: why it stopped, if told)
  kInterrupted = 2,  // its recorder died; sealed by the next opener that found it gone
  kFailed = 3,       // the recorder stopped on a storage error (end_reason: "disk full", ...)
};

// FORMAT.md section 6: one change record's operation. Never renumber.
enum class ChangeOp : uint8_t {
  kFull = 0,        // the value in Godot 4 binary form (meta stream)
  kDelta1 = 1,      // lanes: bits(new) - bits(current), zigzag varints (lane stream)
  kDelta2 = 2,      // lanes: bits(new) - (2*bits(current) - bits(previous)), zigzag varints
  kQuantized1 = 3,  // lossy mode: grid index residual q(new) - q(current)
  kQuantized2 = 4,  // lossy mode: q(new) - (2*q(current) - q(previous))
};
inline constexpr uint8_t kMaxChangeOp = 4;
// Flag or-ed into ops 1-4 of a Basis or Transform3D: lanes 6-8 (basis row 2) are residuals
// against cross(row 0, row 1) of the new value (float arithmetic, FORMAT.md 6) instead of the
// op's temporal prediction. Rotations make that prediction accurate to a few ulps.
inline constexpr uint8_t kCrossRow2Flag = 0x08;
// Flag or-ed into ops 1-4 of a Basis or Transform3D (chunk payload version >= 2): one element of
// basis row 0 and two of row 1, chosen from the current value, are residuals against predictions
// from orthonormality (norms and row 0 . row 1 kept from the current value; FORMAT.md 6) instead
// of the op's temporal prediction. A rotation has 3 degrees of freedom: with both flags only 3 of
// the 9 basis lanes carry temporal residuals.
inline constexpr uint8_t kOrthoRowsFlag = 0x10;

// Keyframe/chunk payload layout versions, first byte of each payload (FORMAT.md 6 and 7).
// Chunk payload version 2 adds kOrthoRowsFlag; readers still read version 1 (where that flag
// is an unknown op).
// Chunk payload version 3 splits the lane residuals into the streams below.
inline constexpr uint8_t kChunkPayloadVersion = 3;
inline constexpr uint8_t kOldestChunkPayloadVersion = 1;
// Lane streams of a chunk payload (version >= 3, FORMAT.md 6), in payload order: residuals of
// different statistics kept apart so that zstd codes each with its own tables. Never renumber.
enum LaneStream : uint8_t {
  kGeneralLanes = 0,     // frame times, INT/FLOAT/RID and lanes of types without a grid class
  kPositionLanes = 1,    // Vector2/Vector3 components, Transform2D/3D origins
  kRotationLanes = 2,    // basis elements and Quaternion components, temporally predicted
  kStructuralLanes = 3,  // basis lanes predicted from the value itself (flags 0x08 and 0x10)
  kLaneStreamCount = 4,
};

// Keyframe payload version 2 adds a flags byte (grid steps) and grid-form values; readers still
// read version 1.
inline constexpr uint8_t kKeyframePayloadVersion = 2;
inline constexpr uint8_t kOldestKeyframePayloadVersion = 1;

// Decoder limits (hostile-input bounds; far above anything a recorder writes).
inline constexpr uint64_t kMaxFramesPerChunk = 1u << 16;
inline constexpr uint64_t kMaxItemsPerFrame = 1u << 24;
inline constexpr uint64_t kMaxClassNameBytes = 1u << 16;

// Godot-side files (FORMAT.md 9 "varstream", 10 "capture"): store_var-framed records, versioned by
// a key of their header record.
inline constexpr int kVarstreamVersion = 1;
// The varstream footer: one store_var record of a 16-byte PackedByteArray, this magic then the
// index record's byte offset (u64 LE); 28 bytes in all, the last bytes of the file.
inline constexpr char kVarstreamFooterMagic[] = "REELVIDX";  // 8 bytes, no terminator stored
inline constexpr size_t kVarstreamFooterBytes = 28;
inline constexpr int kCaptureVersion = 1;

}  // namespace reel::format
