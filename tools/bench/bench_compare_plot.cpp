// `reel bench compare --plot DIR`: gnuplot (Debian's gnuplot-nox) draws the report as
//   compare.{svg,png}            bytes/frame, record CPU, warm seek p50, forward playback per row
//   scaling_players.{svg,png}    bytes/frame, record CPU and warm seek p50 against players
//   scaling_duration.{svg,png}   the same against the session's length
// from the data files it writes beside them (*.dat, *.gp: rerun `gnuplot X.gp` to redraw).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "bench_compare.h"

namespace reel::bench::compare {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// gnuplot's terminals: each script draws once as SVG and once as PNG.
const char* kTerminals[][2] = {
    {"svg size 1100,{h} dynamic font 'sans,11' background '#ffffff'", "svg"},
    {"pngcairo size 1100,{h} font 'sans,10'", "png"}};

Status write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) return Status::io_error("cannot write {}", path.string());
  return Status::ok_status();
}

Status run_gnuplot(const fs::path& dir, const std::string& name, const std::string& body,
                   int height) {
  for (const auto& [terminal, extension] : kTerminals) {
    std::string term = terminal;
    term.replace(term.find("{h}"), 3, std::to_string(height));
    const std::string script =
        fmt::format("set terminal {}\nset termoption noenhanced\nset output '{}.{}'\n{}", term,
                    name, extension, body);
    const fs::path gp = dir / fmt::format("{}.{}.gp", name, extension);
    REEL_RETURN_IF_ERROR(write_file(gp, script));
    const std::string command =
        fmt::format("cd '{}' && gnuplot '{}' 2>&1", dir.string(), gp.filename().string());
    std::FILE* p = popen(command.c_str(), "r");
    if (p == nullptr) return Status::internal("cannot run gnuplot");
    std::string output;
    char buffer[512];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, p)) > 0;) output.append(buffer, n);
    const int status = pclose(p);
    if (status != 0) {
      return Status::internal("gnuplot failed on {} (is gnuplot-nox installed? scripts/setup): {}",
                              gp.string(), output);
    }
  }
  return Status::ok_status();
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

Status plot_comparison(const json& comparison, const fs::path& dir) {
  std::string data = "# row bytes_per_frame record_cpu_us seek_warm_p50_ms forward_fps\n";
  for (const json& r : comparison["rows"]) {
    if (!r.value("ok", false)) continue;
    data += fmt::format("{} {:.3f} {:.4f} {:.6f} {:.3f}\n", quoted(r["name"].get<std::string>()),
                        r["bytes_per_frame"].get<double>(),
                        std::max(r["record_cpu_us_per_frame"].get<double>(), 1e-3),
                        std::max(r["seek_warm"].value("p50_ms", 0.0), 1e-6),
                        std::max(r["forward_fps"].get<double>(), 1e-3));
  }
  REEL_RETURN_IF_ERROR(write_file(dir / "compare.dat", data));
  const json& w = comparison["workload"];
  const std::string title = fmt::format("crowd workload: {} players, {} props, {:.0f} s at {} Hz",
                                        w["players"].get<int>(), w["props"].get<int>(),
                                        w["seconds"].get<double>(), w["tick_rate"].get<double>());
  std::string body = fmt::format(
      "set multiplot layout 2,2 title '{}'\n"
      "set style data histograms\nset style fill solid 0.8 border -1\nset boxwidth 0.8\n"
      "set logscale y\nset grid ytics\nunset key\nset xtics rotate by -35 font ',8'\n"
      "set bmargin 9\n",
      title);
  const char* panels[][3] = {{"2", "bytes per frame (log; lower is better)", "#4477aa"},
                             {"3", "record CPU us per frame (log; lower is better)", "#ee6677"},
                             {"4", "warm random seek p50, ms (log; lower is better)", "#228833"},
                             {"5", "forward playback frames/s (log; higher is better)", "#ccbb44"}};
  for (const auto& [column, label, color] : panels) {
    body += fmt::format("set title '{}'\nplot 'compare.dat' using {}:xtic(1) lc rgb '{}'\n", label,
                        column, color);
  }
  body += "unset multiplot\n";
  return run_gnuplot(dir, "compare", body, 900);
}

// One data file per row key of a scaling axis: x, bytes/frame, CPU, warm seek p50, cold seek p50.
Status plot_scaling(const json& runs, const fs::path& dir, const std::string& axis) {
  std::map<std::string, std::string> data;
  for (const json& run : runs) {
    const double x = axis == "players" ? run["workload"]["players"].get<double>()
                                       : run["workload"]["seconds"].get<double>() / 60;
    for (const json& r : run["rows"]) {
      if (!r.value("ok", false)) continue;
      data[r["key"].get<std::string>()] +=
          fmt::format("{} {:.3f} {:.4f} {:.6f} {:.6f}\n", x, r["bytes_per_frame"].get<double>(),
                      std::max(r["record_cpu_us_per_frame"].get<double>(), 1e-3),
                      std::max(r["seek_warm"].value("p50_ms", 0.0), 1e-6),
                      std::max(r["seek_cold"].value("p50_ms", 0.0), 1e-6));
    }
  }
  if (data.empty()) return Status::ok_status();
  const std::string name = "scaling_" + axis;
  for (const auto& [key, text] : data) {
    REEL_RETURN_IF_ERROR(
        write_file(dir / fmt::format("{}_{}.dat", name, key),
                   "# x bytes_per_frame cpu_us seek_warm_p50 seek_cold_p50\n" + text));
  }
  const std::string xlabel = axis == "players" ? "players online" : "session length, minutes";
  std::string body = fmt::format(
      "set multiplot layout 1,3 title 'scaling by {}'\nset logscale xy\nset grid\n"
      "set xlabel '{}'\nset key top left font ',8'\nset style data linespoints\n"
      "set offsets graph 0.05, graph 0.05, 0, 0\n",
      axis == "players"
          ? fmt::format("players ({:.0f}-s sessions)", runs[0]["workload"]["seconds"].get<double>())
          : std::string("session length"),
      xlabel);
  const char* panels[][2] = {{"2", "bytes per frame"},
                             {"3", "record CPU us per frame"},
                             {"4", "warm random seek p50, ms"}};
  for (const auto& [column, label] : panels) {
    body += fmt::format("set title '{}'\nplot ", label);
    bool first = true;
    for (const auto& [key, text] : data) {
      body += fmt::format("{}'{}_{}.dat' using 1:{} title '{}'", first ? "" : ", ", name, key,
                          column, key);
      first = false;
    }
    body += "\n";
  }
  body += "unset multiplot\n";
  return run_gnuplot(dir, name, body, 420);
}

}  // namespace

Status plot(const json& report, const std::string& dir_name) {
  const fs::path dir = fs::absolute(dir_name);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::io_error("cannot create {}: {}", dir.string(), ec.message());
  if (report.contains("comparison"))
    REEL_RETURN_IF_ERROR(plot_comparison(report["comparison"], dir));
  if (report.contains("scaling")) {
    for (const char* axis : {"players", "duration"}) {
      if (report["scaling"].contains(axis)) {
        REEL_RETURN_IF_ERROR(plot_scaling(report["scaling"][axis], dir, axis));
      }
    }
  }
  return Status::ok_status();
}

}  // namespace reel::bench::compare
