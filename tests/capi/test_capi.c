/* The C API (capi/include/reel/reel.h) driven from C, as an embedding host would: record a small
 * session, replay it, and check values byte for byte and every error path named in the header.
 * Usage: test_capi SCRATCH_DIR. Prints one line per failed check; exits 1 if any failed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reel/reel.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                                            \
  do {                                                                                         \
    ++checks;                                                                                  \
    if (!(cond)) {                                                                             \
      ++failures;                                                                              \
      fprintf(stderr, "%s:%d: CHECK(%s) failed (last error: %s)\n", __FILE__, __LINE__, #cond, \
              reel_last_error());                                                              \
    }                                                                                          \
  } while (0)

static void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (uint8_t)(v >> (8 * i));
}

/* var_to_bytes(Vector3(x, y, z)) in Godot 4: type id 9, then three float32s. */
static void vector3_bytes(uint8_t out[16], float x, float y, float z) {
  const float v[3] = {x, y, z};
  put_u32(out, 9);
  memcpy(out + 4, v, sizeof v); /* little-endian host, as the wire */
}

/* var_to_bytes(n) for a small int: type id 2, then an int32. */
static void int_bytes(uint8_t out[8], int32_t n) {
  put_u32(out, 2);
  put_u32(out + 4, (uint32_t)n);
}

static int contains(const reel_bytes* hay, const uint8_t* needle, size_t n) {
  for (size_t i = 0; i + n <= hay->size; ++i) {
    if (memcmp(hay->data + i, needle, n) == 0) return 1;
  }
  return 0;
}

enum { kFrames = 100, kDespawnAt = 50 };

static void record(const char* db) {
  reel_recorder_options options;
  reel_recorder_options_init(&options);
  options.commit_interval_ms = 0;
  options.keyframe_interval = 16;
  reel_recorder* rec = NULL;
  CHECK(reel_recorder_open(db, "c-session", &options, &rec) == REEL_OK);
  if (rec == NULL) return;
  uint32_t position = 99;
  CHECK(reel_recorder_intern_property(rec, "position", &position) == REEL_OK);
  for (int f = 0; f < kFrames; ++f) {
    CHECK(reel_recorder_begin_frame(rec, 1000 + f, f / 60.0) == REEL_OK);
    if (f == 0) {
      CHECK(reel_recorder_spawn(rec, 1, "res://player.tscn") == REEL_OK);
      CHECK(reel_recorder_spawn(rec, 2, "res://prop.tscn") == REEL_OK);
    }
    uint8_t v[16];
    vector3_bytes(v, (float)f, 2.0f * f, 3.0f);
    CHECK(reel_recorder_set(rec, 1, position, v, sizeof v) == REEL_OK);
    if (f < kDespawnAt) CHECK(reel_recorder_set(rec, 2, position, v, sizeof v) == REEL_OK);
    if (f == kDespawnAt) CHECK(reel_recorder_despawn(rec, 2) == REEL_OK);
    if (f == 7) {
      uint8_t seven[8];
      int_bytes(seven, 7);
      CHECK(reel_recorder_event(rec, "jump", seven, sizeof seven, 1) == REEL_OK);
    }
    CHECK(reel_recorder_end_frame(rec) == REEL_OK);
  }
  /* Malformed value bytes are refused now, naming the byte offset; the frame goes on. */
  uint8_t whole[16];
  vector3_bytes(whole, 1, 2, 3);
  CHECK(reel_recorder_set(rec, 1, position, whole, 8) == REEL_CORRUPTION); /* cut short */
  CHECK(strstr(reel_last_error(), "at byte") != NULL);
  CHECK(reel_recorder_flush(rec) == REEL_OK);
  reel_recorder_stats stats;
  CHECK(reel_recorder_stats_get(rec, &stats) == REEL_OK);
  CHECK(stats.frames_committed == kFrames);
  CHECK(reel_recorder_close(rec) == REEL_OK);
}

static void replay(const char* db) {
  reel_replayer* rep = NULL;
  CHECK(reel_replayer_open(db, NULL, &rep) == REEL_OK);
  if (rep == NULL) return;
  reel_session_info info;
  CHECK(reel_replayer_info(rep, &info) == REEL_OK);
  CHECK(info.frame_count == kFrames);
  CHECK(info.property_count == 1);
  const char* path = NULL;
  CHECK(reel_replayer_property_path(rep, 0, &path) == REEL_OK && strcmp(path, "position") == 0);

  /* Before any seek there is no frame. */
  reel_bytes b = {0};
  CHECK(reel_replayer_get(rep, 1, "position", &b) == REEL_OUT_OF_RANGE);

  /* The value at a frame is the bytes that were set at that frame. */
  const int frames[] = {42, 99, 0, 17, 63};
  for (size_t i = 0; i < sizeof frames / sizeof frames[0]; ++i) {
    const int f = frames[i];
    CHECK(reel_replayer_seek(rep, f) == REEL_OK);
    int64_t frame = -1, tick = -1;
    double t = -1;
    CHECK(reel_replayer_position(rep, &frame, &tick, &t) == REEL_OK);
    CHECK(frame == f && tick == 1000 + f);
    CHECK(reel_replayer_get(rep, 1, "position", &b) == REEL_OK);
    uint8_t expect[16];
    vector3_bytes(expect, (float)f, 2.0f * f, 3.0f);
    CHECK(b.size == sizeof expect && memcmp(b.data, expect, sizeof expect) == 0);
    reel_bytes_free(&b);
    CHECK(b.data == NULL && b.size == 0);
  }
  /* Stepping back lands on the frame before. */
  CHECK(reel_replayer_seek(rep, 30) == REEL_OK);
  CHECK(reel_replayer_step_back(rep) == REEL_OK);
  CHECK(reel_replayer_get(rep, 2, "position", &b) == REEL_OK);
  uint8_t at29[16];
  vector3_bytes(at29, 29.0f, 58.0f, 3.0f);
  CHECK(b.size == 16 && memcmp(b.data, at29, 16) == 0);
  reel_bytes_free(&b);
  CHECK(reel_replayer_step_forward(rep) == REEL_OK);

  /* Entity 2 is gone after its despawn: the entity list and the lookups say so. */
  CHECK(reel_replayer_seek(rep, kDespawnAt + 10) == REEL_OK);
  CHECK(reel_replayer_entities(rep, &b) == REEL_OK);
  uint8_t only_one[16] = {31, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}; /* [1] */
  CHECK(b.size == sizeof only_one && memcmp(b.data, only_one, sizeof only_one) == 0);
  reel_bytes_free(&b);
  CHECK(reel_replayer_get(rep, 2, "position", &b) == REEL_NOT_FOUND);
  CHECK(strstr(reel_last_error(), "entity 2") != NULL);
  CHECK(reel_replayer_get(rep, 1, "nosuch", &b) == REEL_NOT_FOUND);

  /* One entity whole, as a server taking it over would fetch it. */
  CHECK(reel_replayer_entity(rep, 1, &b) == REEL_OK);
  CHECK(b.size > 8 && b.data[0] == 27); /* Dictionary */
  uint8_t at60[16];
  vector3_bytes(at60, 60.0f, 120.0f, 3.0f);
  CHECK(contains(&b, at60, sizeof at60));
  CHECK(contains(&b, (const uint8_t*)"res://player.tscn", 17));
  reel_bytes_free(&b);

  CHECK(reel_replayer_seek(rep, kFrames) == REEL_OUT_OF_RANGE);
  CHECK(reel_replayer_seek(rep, -1) == REEL_OUT_OF_RANGE);
  int64_t fresh = -1;
  CHECK(reel_replayer_refresh(rep, &fresh) == REEL_OK && fresh == 0);
  reel_replayer_close(rep);
}

static void errors(const char* dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/missing.reel", dir);
  reel_replayer* rep = NULL;
  const reel_status st = reel_replayer_open(path, NULL, &rep);
  CHECK(st != REEL_OK && rep == NULL);
  CHECK(strstr(reel_last_error(), "missing.reel") != NULL);
  CHECK(reel_recorder_begin_frame(NULL, 0, 0) == REEL_INVALID_ARGUMENT);
  CHECK(strstr(reel_last_error(), "NULL") != NULL);
  CHECK(reel_replayer_seek(NULL, 0) == REEL_INVALID_ARGUMENT);
  reel_recorder* rec = NULL;
  CHECK(reel_recorder_open(NULL, "x", NULL, &rec) == REEL_INVALID_ARGUMENT && rec == NULL);
  CHECK(reel_recorder_close(NULL) == REEL_OK);
  reel_replayer_close(NULL);
  reel_bytes_free(NULL);
  CHECK(strcmp(reel_status_name(REEL_CORRUPTION), "REEL_CORRUPTION") == 0);
  CHECK(reel_api_version() == REEL_C_API_VERSION);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  mkdir(argv[1], 0700);
  char db[4096];
  snprintf(db, sizeof db, "%s/capi.reel", argv[1]);
  remove(db);
  record(db);
  replay(db);
  errors(argv[1]);
  printf("C API: %d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
