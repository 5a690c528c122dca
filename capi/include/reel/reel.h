/* reel.h: Reel's C API, for embedding Reel in native code (an engine module, a GDExtension, an
 * Erlang NIF) through a stable C ABI.
 *
 * Conventions
 * - Handles are opaque. reel_recorder_close / reel_replayer_close free them; every other call
 *   borrows them. A handle is used by one thread at a time (a recorder by its game thread: the
 *   recorder's own writer thread does the storage work).
 * - Every call that can fail returns a reel_status; REEL_OK is 0. On failure
 *   reel_last_error() gives the message (what and where), valid on the calling thread until its
 *   next call into this API.
 * - Values cross the boundary as Godot 4 `var_to_bytes` bytes (docs: format/FORMAT.md 1), so a
 *   Godot host passes PackedByteArray data through unchanged and reads results with
 *   `bytes_to_var`. Bytes returned to the caller live in a reel_bytes that the caller frees with
 *   reel_bytes_free.
 * - Nothing here throws or aborts: C++ exceptions never cross the boundary.
 *
 * ABI: only functions are exported; the structs below are passed by pointer and carry their own
 * size (`struct_size`) so later versions can append fields. Enum values are never renumbered.
 * REEL_C_API_VERSION grows when functions are added. */
#ifndef REEL_REEL_H
#define REEL_REEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define REEL_C_API_VERSION 1

/* Exported symbols of the shared build (libreel.so is built with hidden visibility). */
#if defined(REEL_C_EXPORT) && defined(__GNUC__)
#define REEL_API __attribute__((visibility("default")))
#else
#define REEL_API
#endif

/* Never renumber (mirrors reel::StatusCode). */
typedef enum reel_status {
  REEL_OK = 0,
  REEL_INVALID_ARGUMENT = 1, /* an unusable argument: bad option, unknown name, NULL handle */
  REEL_CORRUPTION = 2,       /* bytes at rest or passed in are malformed or fail a checksum */
  REEL_NOT_FOUND = 3,        /* a session, entity, property or file does not exist */
  REEL_OUT_OF_RANGE = 4,     /* a frame outside what the session holds */
  REEL_UNSUPPORTED = 5,      /* well-formed but not handled (newer format version, ...) */
  REEL_IO_ERROR = 6,         /* the OS or SQLite refused (disk full, read-only, I/O error) */
  REEL_BUSY = 7,             /* a storage conflict that outlived its retries */
  REEL_INTERNAL = 8          /* a bug in Reel */
} reel_status;

/* The API version this library was built with (REEL_C_API_VERSION). */
REEL_API int reel_api_version(void);
/* The message of this thread's last failed call ("" when none). */
REEL_API const char* reel_last_error(void);
/* A constant name for a status ("REEL_NOT_FOUND"). */
REEL_API const char* reel_status_name(reel_status status);

/* Bytes owned by the caller once returned. */
typedef struct reel_bytes {
  uint8_t* data;
  size_t size;
} reel_bytes;
REEL_API void reel_bytes_free(
    reel_bytes* bytes); /* frees data and zeroes the struct; NULL is a no-op */

/* ---- Recording ----------------------------------------------------------------------------- */

typedef struct reel_recorder reel_recorder;

typedef enum reel_profile { REEL_PROFILE_LOCAL = 0, REEL_PROFILE_MVSQLITE = 1 } reel_profile;

typedef struct reel_recorder_options {
  size_t struct_size;         /* sizeof(reel_recorder_options) */
  double tick_rate;           /* frames per second (default 60) */
  int32_t commit_interval_ms; /* group commit; 0 = every frame (default 100) */
  int32_t keyframe_interval;  /* frames between keyframes (default 30) */
  reel_profile profile;       /* storage profile (default local) */
  const char* vfs;            /* SQLite VFS for the mvsqlite profile ("mvsqlite"); NULL = default */
} reel_recorder_options;
/* Fills `options` with the defaults (struct_size included). */
REEL_API void reel_recorder_options_init(reel_recorder_options* options);

/* Opens (creating if needed) the database at `path` and starts session `session_name` in it
 * ("" picks a name). `options` may be NULL for the defaults. */
REEL_API reel_status reel_recorder_open(const char* path, const char* session_name,
                                        const reel_recorder_options* options, reel_recorder** out);
/* Interns a property path ("position", "head:transform"); keep the id. */
REEL_API reel_status reel_recorder_intern_property(reel_recorder* recorder, const char* path,
                                                   uint32_t* out_id);
REEL_API reel_status reel_recorder_begin_frame(reel_recorder* recorder, int64_t tick,
                                               double time_seconds);
REEL_API reel_status reel_recorder_spawn(reel_recorder* recorder, int64_t entity,
                                         const char* class_name);
REEL_API reel_status reel_recorder_despawn(reel_recorder* recorder, int64_t entity);
/* Sets a property to the Variant encoded in `value` (var_to_bytes, Godot 4). The bytes are
 * decoded and checked now: malformed bytes fail with REEL_CORRUPTION naming the byte offset. */
REEL_API reel_status reel_recorder_set(reel_recorder* recorder, int64_t entity, uint32_t property,
                                       const uint8_t* value, size_t size);
/* An event; `args` is var_to_bytes of any Variant (NULL/0: none); `entity` -1 for none. */
REEL_API reel_status reel_recorder_event(reel_recorder* recorder, const char* name,
                                         const uint8_t* args, size_t size, int64_t entity);
/* Hands the frame to the writer thread; reports storage errors of earlier commits. */
REEL_API reel_status reel_recorder_end_frame(reel_recorder* recorder);
/* Blocks until every frame handed over is committed. */
REEL_API reel_status reel_recorder_flush(reel_recorder* recorder);
typedef struct reel_recorder_stats {
  size_t struct_size;
  int64_t frames_submitted, frames_committed, frames_dropped, commits, stored_bytes;
} reel_recorder_stats;
REEL_API reel_status reel_recorder_stats_get(const reel_recorder* recorder,
                                             reel_recorder_stats* out);
/* Flushes, marks the session closed and frees the recorder (even when it returns an error). */
REEL_API reel_status reel_recorder_close(reel_recorder* recorder);

/* ---- Replaying ----------------------------------------------------------------------------- */

typedef struct reel_replayer reel_replayer;

/* Opens session `session_key` (a name, an id, or NULL/"" for the only session), read-only. */
REEL_API reel_status reel_replayer_open(const char* path, const char* session_key,
                                        reel_replayer** out);
typedef struct reel_session_info {
  size_t struct_size;
  int64_t session_id;
  int64_t frame_count; /* frames 0 .. frame_count-1 are readable */
  double tick_rate;
  int32_t property_count;
} reel_session_info;
REEL_API reel_status reel_replayer_info(const reel_replayer* replayer, reel_session_info* out);
/* Re-reads the session (live follow); `new_frames` (may be NULL) gets how many became readable. */
REEL_API reel_status reel_replayer_refresh(reel_replayer* replayer, int64_t* new_frames);
/* The path of property `id` (0 .. property_count-1); the string lives as long as the replayer. */
REEL_API reel_status reel_replayer_property_path(const reel_replayer* replayer, uint32_t id,
                                                 const char** out_path);
/* Moves the cursor; the state queries below read the cursor's frame. */
REEL_API reel_status reel_replayer_seek(reel_replayer* replayer, int64_t frame);
REEL_API reel_status reel_replayer_step_forward(reel_replayer* replayer);
REEL_API reel_status reel_replayer_step_back(reel_replayer* replayer);
/* The cursor's frame, tick and time (REEL_OUT_OF_RANGE before the first seek). */
REEL_API reel_status reel_replayer_position(const reel_replayer* replayer, int64_t* frame,
                                            int64_t* tick, double* time_seconds);
/* The live entity ids at the cursor, ascending, as var_to_bytes of a PackedInt64Array. */
REEL_API reel_status reel_replayer_entities(const reel_replayer* replayer, reel_bytes* out);
/* One property of one entity at the cursor, as var_to_bytes (REEL_NOT_FOUND when the entity is
 * not alive or lacks the property). */
REEL_API reel_status reel_replayer_get(const reel_replayer* replayer, int64_t entity,
                                       const char* path, reel_bytes* out);
/* One entity at the cursor as var_to_bytes of a Dictionary {"id", "class", "spawn_frame",
 * "properties": {path: value}}: what a server spawns when it takes the entity over. */
REEL_API reel_status reel_replayer_entity(const reel_replayer* replayer, int64_t entity,
                                          reel_bytes* out);
REEL_API void reel_replayer_close(reel_replayer* replayer);

#ifdef __cplusplus
}
#endif
#endif /* REEL_REEL_H */
