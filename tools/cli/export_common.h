// `reel export`: what every export format shares. cmd_export.cpp parses the options into an
// ExportJob (the session, the selection of frames, entities and properties, the output path);
// each format is one writer function in its own file (export_anim.cpp, export_jsonl.cpp, ...),
// listed in export_formats() (export_formats.cpp). A writer reads the session through the
// job's Replayer, writes what it produces under job.out, reports progress through job.progress
// and throws CliError on failure (cli_util.h), like every subcommand.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "inspect_common.h"
#include "reel/codec/frame.h"
#include "reel/store/tags.h"

namespace reel::cli {

// Which frames, entities and properties an export covers, and for which Godot.
struct ExportSelection {
  FrameRange range;                     // inclusive frames
  std::set<EntityId> entities;          // empty: every entity
  std::vector<bool> property_selected;  // indexed by PropertyId; every property when all true
  int godot = 4;                        // 4 or 3

  bool wants(EntityId entity) const { return entities.empty() || entities.contains(entity); }
  bool wants(PropertyId property) const {
    return property < property_selected.size() && property_selected[property];
  }
};

// Frames done out of the total, on stderr, when stderr is a terminal (a single line redrawn at
// most 10 times a second, erased at the end); silent otherwise.
class ExportProgress {
 public:
  ExportProgress(std::string label, int64_t total_frames);
  ~ExportProgress();
  ExportProgress(const ExportProgress&) = delete;
  ExportProgress& operator=(const ExportProgress&) = delete;
  void frame_done(FrameIndex frames_done);
  // Erases the line (a message can follow on stderr).
  void clear();

 private:
  std::string label_;
  int64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point next_draw_;
};

// Format-specific options (each format reads those it knows; cmd_export.cpp rejects the others).
struct AnimOptions {
  std::string map_file;                     // --map: entity id / class -> NodePath pattern
  bool transform_value_tracks = false;      // --transform-tracks value
  double max_clip_seconds = 3600;           // --split: longer ranges become several animations
  size_t memory_bytes = size_t{256} << 20;  // --memory: transform keys held before spilling
};

struct VarstreamExportOptions {
  int64_t reset_interval = 60;  // --reset-interval: a full-state record every N frames
};

struct ExportJob {
  Replayer* replayer = nullptr;
  ExportSelection selection;
  // The session's tags (`reel tag`) within selection.range, by frame then name.
  std::vector<schema::Tag> tags;
  std::string out;  // "-" = stdout (jsonl only)
  AnimOptions anim;
  VarstreamExportOptions varstream;
};

struct ExportFormat {
  std::string_view name;
  std::string_view description;  // one line, for --help
  bool text_to_stdout;           // may write to stdout ("--out -")
  std::function<void(ExportJob&)> write;
};

// The table of formats, in the order --help lists them.
const std::vector<ExportFormat>& export_formats();

// The writers (one file each).
void write_anim_export(ExportJob& job);
void write_jsonl_export(ExportJob& job);
void write_varstream_export(ExportJob& job);  // export_varstream.cpp

// A file opened for writing whose errors name it; "-" is stdout. close() reports a failed
// flush; the destructor closes silently (after an error).
class OutputFile {
 public:
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  void write(std::string_view bytes);
  void close();
  int64_t bytes_written() const { return bytes_; }

 private:
  std::string path_;
  FILE* file_ = nullptr;
  bool owned_ = false;
  int64_t bytes_ = 0;
};

}  // namespace reel::cli
