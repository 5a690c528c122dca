// `reel export --format anim`: the session as Godot Animation resources in text form (.tres),
// ready for an AnimationPlayer (tools/cli/EXPORT.md, "anim").
//
// Godot 4: one AnimationLibrary (format=3) whose animations are sub-resources. Godot 3 has no
// AnimationLibrary: each animation is its own Animation resource file (format=2). Animation key
// times are float32, so a range longer than --split becomes several animations (clips), each
// starting with the whole state at its first frame.
//
// Frames are read once, in order; one clip's tracks are kept in memory (about 44 bytes per
// transform key, a Variant per value key) and written when the clip ends.
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "cli_util.h"
#include "export_anim_tracks.h"
#include "export_common.h"
#include "reel/variant/godot3_convert.h"
#include "reel/variant/variant_text.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

constexpr int kUpdateContinuous = 0;  // Animation.UPDATE_CONTINUOUS (Godot 3 and 4)
constexpr int kUpdateDiscrete = 1;    // Animation.UPDATE_DISCRETE (Godot 3 and 4)
constexpr int kInterpolationLinear = 1;
constexpr double kMinLength = 0.001;  // Godot's shortest animation

void append_float(std::string& out, float f) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, f);
  out.append(buf, r.ptr);
}

// Godot spellings that differ between the two text formats.
struct Dialect {
  bool godot3;
  const char* float_array() const { return godot3 ? "PoolRealArray" : "PackedFloat32Array"; }
  std::string value(const Variant& v) const {
    return godot3 ? to_text(to_godot3(v), {.godot3_names = true}) : to_text(v);
  }
};

std::string text_quoted(const std::string& s) {
  return to_text(Variant(s));
}

// Animation names may not hold '/', ':', ',' or '[' (AnimationLibrary::is_valid_animation_name).
std::string animation_name(const std::string& session_name) {
  std::string name = session_name.empty() ? "reel" : session_name;
  for (char& c : name) {
    if (c == '/' || c == ':' || c == ',' || c == '[' || c == '.' || c == '"') c = '_';
  }
  return name;
}

class TresWriter {
 public:
  TresWriter(Dialect dialect, std::string& out) : d_(dialect), out_(out) {}

  // `markers`: the session's tags in the clip (Godot 4.4+ Animation markers; `time` in seconds
  // since the clip's first frame, float32 like key times). Godot 3 has no markers.
  void animation_properties(const std::string& name, const ClipBuilder& clip, double step,
                            const std::vector<std::pair<std::string, double>>& markers) {
    out_ += fmt::format("resource_name = {}\n", text_quoted(name));
    if (!markers.empty()) {
      out_ += "markers = [";
      for (size_t i = 0; i < markers.size(); ++i) {
        out_ += fmt::format("{}{{\"name\": {}, \"time\": ", i ? ", " : "",
                            to_text(Variant(StringName{markers[i].first})));
        append_float(out_, static_cast<float>(markers[i].second));
        out_ += "}";
      }
      out_ += "]\n";
    }
    std::string length;
    append_float(length, static_cast<float>(std::max(clip.duration(), kMinLength)));
    out_ += fmt::format("length = {}\n", length);
    std::string step_text;
    append_float(step_text, static_cast<float>(step));
    out_ += fmt::format("step = {}\n", step_text);
  }

  // Writes the tracks, handing the text to `sink` every MiB and freeing each track's keys once
  // written (a clip's text is larger than its keys).
  void tracks(std::vector<Track>& tracks, OutputFile& sink, ClipBuilder& clip) {
    for (Track& t : tracks) {
      clip.restore(t);
      track(t);
      t = Track();
      if (out_.size() >= (1u << 20)) {
        sink.write(out_);
        out_.clear();
      }
    }
  }

 private:
  void track(const Track& t) {
    if (!t.transform) {
      value_track(t);
    } else if (d_.godot3) {
      godot3_transform_track(t);
    } else {
      component_track(t, "position_3d", 0, 3);
      component_track(t, "rotation_3d", 3, 4);
      component_track(t, "scale_3d", 7, 3);
    }
  }

  void header(const char* type, const std::string& path) {
    const int i = index_++;
    out_ += fmt::format("tracks/{}/type = \"{}\"\n", i, type);
    out_ += fmt::format("tracks/{}/imported = false\n", i);
    out_ += fmt::format("tracks/{}/enabled = true\n", i);
    out_ += fmt::format("tracks/{}/path = NodePath({})\n", i, text_quoted(path));
    out_ += fmt::format("tracks/{}/interp = {}\n", i, kInterpolationLinear);
    out_ += fmt::format("tracks/{}/loop_wrap = true\n", i);
    out_ += fmt::format("tracks/{}/keys = ", i);
  }

  void value_track(const Track& t) {
    header("value", t.node + ":" + t.property_name);
    out_ += fmt::format("{{\n\"times\": {}(", d_.float_array());
    for (size_t k = 0; k < t.times.size(); ++k) {
      if (k) out_ += ", ";
      append_float(out_, t.times[k]);
    }
    out_ += fmt::format("),\n\"transitions\": {}(", d_.float_array());
    for (size_t k = 0; k < t.times.size(); ++k) out_ += k ? ", 1" : "1";
    out_ += fmt::format("),\n\"update\": {},\n\"values\": [",
                        t.continuous ? kUpdateContinuous : kUpdateDiscrete);
    for (size_t k = 0; k < t.values.size(); ++k) {
      if (k) out_ += ", ";
      out_ += d_.value(t.values[k]);
    }
    out_ += "]\n}\n";
  }

  // Godot 4 position_3d / rotation_3d / scale_3d: keys "t, transition, x, y, z[, w]" for the
  // floats [first, first + count) of each transform key, only where they change (with holds).
  void component_track(const Track& t, const char* type, size_t first, size_t count) {
    header(type, t.node);
    out_ += "PackedFloat32Array(";
    const auto same = [&](size_t a, size_t b) {
      const float* ka = &t.transform_keys[a * kTransformKeyFloats + first];
      const float* kb = &t.transform_keys[b * kTransformKeyFloats + first];
      return std::equal(ka, ka + count, kb);
    };
    bool any = false;
    const auto emit = [&](size_t k) {
      if (any) out_ += ", ";
      any = true;
      append_float(out_, t.times[k]);
      out_ += ", 1";
      const float* key = &t.transform_keys[k * kTransformKeyFloats + first];
      for (size_t c = 0; c < count; ++c) {
        out_ += ", ";
        append_float(out_, key[c]);
      }
    };
    size_t emitted = 0;
    emit(0);
    for (size_t k = 1; k < t.times.size(); ++k) {
      if (same(k, emitted)) continue;
      if (emitted < k - 1) emit(k - 1);  // hold (see Track)
      emit(k);
      emitted = k;
    }
    out_ += ")\n";
  }

  // Godot 3 "transform" track: keys "t, transition, loc x y z, rot x y z w, scale x y z".
  void godot3_transform_track(const Track& t) {
    header("transform", t.node);
    out_ += "PoolRealArray(";
    for (size_t k = 0; k < t.times.size(); ++k) {
      if (k) out_ += ", ";
      append_float(out_, t.times[k]);
      out_ += ", 1";
      const float* key = &t.transform_keys[k * kTransformKeyFloats];
      for (size_t c = 0; c < kTransformKeyFloats; ++c) {
        out_ += ", ";
        append_float(out_, key[c]);
      }
    }
    out_ += ")\n";
  }

  Dialect d_;
  std::string& out_;
  int index_ = 0;
};

// "anim.tres" -> "anim_2.tres" (the n-th Godot 3 file).
std::string numbered_path(const std::string& path, int n) {
  if (n == 1) return path;
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  return has_ext ? fmt::format("{}_{}{}", path.substr(0, dot), n, path.substr(dot))
                 : fmt::format("{}_{}", path, n);
}

class AnimExport {
 public:
  AnimExport(ExportJob& job, NodeMap map)
      : job_(job),
        map_(std::move(map)),
        dialect_{job.selection.godot == 3},
        step_(job.replayer->session().tick_rate > 0 ? 1.0 / job.replayer->session().tick_rate
                                                    : 1.0 / 60) {}

  void run() {
    Replayer& replayer = *job_.replayer;
    const FrameRange range = job_.selection.range;
    const double span =
        value_or_throw(replayer.time_of(range.to)) - value_or_throw(replayer.time_of(range.from));
    several_ = span > job_.anim.max_clip_seconds;
    base_name_ = animation_name(replayer.session().name);
    for (const auto& tag : job_.tags) {
      tag_times_.push_back(value_or_throw(replayer.time_of(tag.frame)));
    }
    ExportProgress progress("reel export", range.to - range.from + 1);
    if (!dialect_.godot3) {
      out_ = std::make_unique<OutputFile>(job_.out);
      out_->write("[gd_resource type=\"AnimationLibrary\" format=3]\n\n");
    }
    std::unique_ptr<ClipBuilder> clip;
    throw_if_error(replayer.for_each_frame(
        range.from, range.to, [&](const Frame& frame, const WorldState& state) -> Status {
          if (clip && frame.time - clip->start_time() > job_.anim.max_clip_seconds) {
            finish_clip(*clip);
            clip.reset();
          }
          if (!clip) {
            clip = std::make_unique<ClipBuilder>(
                job_.selection, map_, replayer.property_paths(),
                ClipOptions{job_.anim.transform_value_tracks, job_.anim.memory_bytes});
            clip->begin(state);
          } else {
            clip->add_frame(frame, state);
          }
          progress.frame_done(frame.index - range.from + 1);
          return {};
        }));
    if (clip) finish_clip(*clip);
    progress.clear();
    if (!dialect_.godot3) {
      std::string text = "[resource]\n_data = {\n";
      for (size_t i = 0; i < names_.size(); ++i) {
        text += fmt::format("&{}: SubResource(\"Animation_{}\"){}\n", text_quoted(names_[i]), i + 1,
                            i + 1 < names_.size() ? "," : "");
      }
      text += "}\n";
      out_->write(text);
      out_->close();
    }
    report();
  }

 private:
  void finish_clip(ClipBuilder& clip) {
    const int n = static_cast<int>(names_.size()) + 1;
    const std::string name = several_ ? fmt::format("{}_{}", base_name_, n) : base_name_;
    names_.push_back(name);
    std::vector<Track> tracks = clip.take_tracks();
    skipped_ += clip.skipped_values();
    ranges_.push_back({clip.first_frame(), clip.last_frame()});
    std::unique_ptr<OutputFile> own_file;  // Godot 3: a file per animation
    if (dialect_.godot3) own_file = std::make_unique<OutputFile>(numbered_path(job_.out, n));
    OutputFile& sink = own_file ? *own_file : *out_;
    std::string text;
    TresWriter writer(dialect_, text);
    if (dialect_.godot3) {
      text += "[gd_resource type=\"Animation\" format=2]\n\n[resource]\n";
    } else {
      text += fmt::format("[sub_resource type=\"Animation\" id=\"Animation_{}\"]\n", n);
    }
    std::vector<std::pair<std::string, double>> markers;
    for (size_t i = 0; i < job_.tags.size() && !dialect_.godot3; ++i) {
      const FrameIndex frame = job_.tags[i].frame;
      if (frame >= clip.first_frame() && frame <= clip.last_frame()) {
        markers.emplace_back(job_.tags[i].name, tag_times_[i] - clip.start_time());
      }
    }
    writer.animation_properties(name, clip, step_, markers);
    writer.tracks(tracks, sink, clip);
    text += '\n';
    sink.write(text);
    if (own_file) own_file->close();
  }

  // Several clips, and values left out, are worth a line on stderr.
  void report() const {
    if (names_.size() > 1) {
      std::string parts;
      for (size_t i = 0; i < names_.size(); ++i) {
        parts += fmt::format("{}{} (frames {}..{}{})", i ? ", " : "", names_[i], ranges_[i].from,
                             ranges_[i].to,
                             dialect_.godot3 ? ", " + numbered_path(job_.out, int(i) + 1) : "");
      }
      std::fprintf(stderr,
                   "reel export: the range is longer than --split %s (animation key times are "
                   "float32), so it is in %zu animations: %s\n",
                   format_time(job_.anim.max_clip_seconds).c_str(), names_.size(), parts.c_str());
    }
    if (dialect_.godot3 && !job_.tags.empty()) {
      std::fprintf(stderr,
                   "reel export: Godot 3 animations have no markers: the %zu tag(s) of the range "
                   "are not in the .tres\n",
                   job_.tags.size());
    }
    if (skipped_ > 0) {
      std::fprintf(stderr,
                   "reel export: %lld values that were not Transform3D on transform tracks were "
                   "left out (use --transform-tracks value to keep them)\n",
                   static_cast<long long>(skipped_));
    }
  }

  ExportJob& job_;
  NodeMap map_;
  Dialect dialect_;
  double step_;
  bool several_ = false;
  std::string base_name_;
  std::unique_ptr<OutputFile> out_;
  std::vector<std::string> names_;
  std::vector<FrameRange> ranges_;
  int64_t skipped_ = 0;
  std::vector<double> tag_times_;  // frame time of each of job_.tags
};

}  // namespace

void write_anim_export(ExportJob& job) {
  NodeMap map = job.anim.map_file.empty() ? NodeMap() : NodeMap::load(job.anim.map_file);
  AnimExport(job, std::move(map)).run();
}

}  // namespace reel::cli
