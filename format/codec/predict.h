// Internal to reel_codec: the exact basis predictions writer, reader and keyframes share
// (FORMAT.md 6: rows 0-1 from orthonormality, row 2 as their cross product, and their lossy
// grid forms). Plain float and double arithmetic in the documented order; the library is built
// without FMA contraction so that both sides agree bit for bit.
#pragma once

#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>

#include "lanes.h"

namespace reel::codec_internal {

inline bool has_basis(Type t) {
  return t == Type::BASIS || t == Type::TRANSFORM3D;
}

// cross(row 0, row 1) of a basis given as its first 6 float lanes. Plain float multiplies and
// subtractions in this order (the build disables FMA contraction), so writer and reader agree.
inline void cross_rows(const uint8_t* lanes, float out[3]) {
  float r[6];
  std::memcpy(r, lanes, sizeof r);
  out[0] = r[1] * r[5] - r[2] * r[4];
  out[1] = r[2] * r[3] - r[0] * r[5];
  out[2] = r[0] * r[4] - r[1] * r[3];
}

// Basis rows 0 and 1 from orthonormality (FORMAT.md 6, op flag 0x10). Which lanes are predicted
// depends only on the current value `cur` (known to both sides): in row 0 the element of largest
// magnitude, in row 1 the two elements other than the one whose cross(row 0, row 1) component is
// largest (the line/circle intersection below is best conditioned then). Double arithmetic in the
// documented order; products of two floats are exact in double.
struct OrthoLanes {
  int lanes[3];  // the predicted lanes: row 0 element k, row 1 elements p < q
  int k, c, p, q;
};

inline OrthoLanes ortho_lanes(const float* cur) {
  OrthoLanes o;
  o.k = 0;
  for (int j = 1; j < 3; ++j) {
    if (std::fabs(cur[j]) > std::fabs(cur[o.k])) o.k = j;
  }
  const double a0 = cur[0], a1 = cur[1], a2 = cur[2], b0 = cur[3], b1 = cur[4], b2 = cur[5];
  const double cr[3] = {a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0};
  o.c = 0;
  for (int j = 1; j < 3; ++j) {
    if (std::fabs(cr[j]) > std::fabs(cr[o.c])) o.c = j;
  }
  o.p = o.c == 0 ? 1 : 0;
  o.q = o.c == 2 ? 1 : 2;
  o.lanes[0] = o.k;
  o.lanes[1] = 3 + o.p;
  o.lanes[2] = 3 + o.q;
  return o;
}

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// float(v) when |v| <= FLT_MAX (so never NaN or infinite), else `fallback`.
inline uint32_t bits_of_double_or(double v, uint32_t fallback) {
  if (!(std::fabs(v) <= double(std::numeric_limits<float>::max()))) return fallback;
  return float_bits(static_cast<float>(v));
}

inline double dot3(double a0, double a1, double a2, double b0, double b1, double b2) {
  return (a0 * b0 + a1 * b1) + a2 * b2;
}

// Row 0, element k: |row 0 new|^2 = |row 0 current|^2, with the sign of the current element.
// `nw` holds the new value's lanes; only row 0's other two elements are read.
inline uint32_t predict_row0(const float* cur, const float* nw, const OrthoLanes& o) {
  const int i = o.k == 0 ? 1 : 0, j = o.k == 2 ? 1 : 2;
  const uint32_t fallback = float_bits(cur[o.k]);
  const double n = dot3(cur[0], cur[1], cur[2], cur[0], cur[1], cur[2]);
  const double m = n - (double(nw[i]) * double(nw[i]) + double(nw[j]) * double(nw[j]));
  if (!(m >= 0 && m <= std::numeric_limits<double>::max())) return fallback;
  const double v = std::sqrt(m);
  return bits_of_double_or(std::signbit(cur[o.k]) ? -v : v, fallback);
}

// Row 1, elements p and q: |row 1 new|^2 = |row 1 current|^2 and row 0 new . row 1 new =
// row 0 current . row 1 current, given the new row 0 and the new row 1 element c; of the two
// intersections of that line and circle, the one on the current value's side.
inline void predict_row1(const float* cur, const float* nw, const OrthoLanes& o, uint32_t out[2]) {
  const int p = o.p, q = o.q, c = o.c;
  out[0] = float_bits(cur[3 + p]);
  out[1] = float_bits(cur[3 + q]);
  const double d = dot3(cur[0], cur[1], cur[2], cur[3], cur[4], cur[5]);
  const double n = dot3(cur[3], cur[4], cur[5], cur[3], cur[4], cur[5]);
  const double xp = nw[p], xq = nw[q], xc = nw[c], yc = nw[3 + c];
  const double e = d - xc * yc;
  const double m = n - yc * yc;
  const double s = xp * xp + xq * xq;
  constexpr double kMax = std::numeric_limits<double>::max();
  if (!(s > 0 && s <= kMax) || !(std::fabs(e) <= kMax) || !(std::fabs(m) <= kMax)) return;
  const double fp = (e * xp) / s, fq = (e * xq) / s;
  const double h2 = m - (e * e) / s;
  if (!(std::fabs(h2) <= kMax)) return;
  double g = h2 > 0 ? std::sqrt(h2 / s) : 0.0;
  const double side = (double(cur[3 + q]) - fq) * xp - (double(cur[3 + p]) - fp) * xq;
  if (side < 0) g = -g;
  out[0] = bits_of_double_or(fp - g * xq, out[0]);
  out[1] = bits_of_double_or(fq + g * xp, out[1]);
}

// Residuals of a lossy basis's structurally predicted lanes (the writer's side of
// put_structural_grid_lanes): `q` the new value's grid indices, `predicted` the orthonormal
// predictions of lanes o.lanes, `crossed` the cross product of its rows 0 and 1. A prediction off
// the grid makes its flag unusable.
inline void structural_grid_residuals(const int64_t* q, const OrthoLanes& o,
                                      const uint32_t predicted[3], const float crossed[3],
                                      double step, int64_t ro[3], int64_t rc[3], bool& ortho_usable,
                                      bool& cross_usable) {
  ortho_usable = cross_usable = true;
  for (int k = 0; k < 3; ++k) {
    int64_t base = 0;
    float f;
    std::memcpy(&f, &predicted[k], 4);
    ortho_usable = ortho_usable && grid_index_of(f, step, base);
    ro[k] = q[o.lanes[k]] - base;
    cross_usable = cross_usable && grid_index_of(crossed[k], step, base);
    rc[k] = q[6 + k] - base;
  }
}

// Lossy basis lanes predicted from the value itself (ops 3/4 with flags 0x10/0x08, and grid-form
// keyframes): lane = round(prediction / step) + residual, in dependency order (row 0's element k,
// row 1's elements p and q, then row 2 from the cross product), each reading the lanes of `dst`
// decoded before it. `cur` stands in for the current value of the orthonormal predictions.
// The lanes' grid indices go to `q` (by lane). Returns an error text ("" on success) for the
// caller to place.
inline std::string_view put_structural_grid_lanes(const float* cur, const OrthoLanes& o, bool ortho,
                                                  bool cross, const int64_t* r, double step,
                                                  uint8_t* dst, int64_t* q) {
  const auto put = [&](int lane, float prediction, std::string_view off_grid) {
    int64_t base;
    if (!grid_index_of(prediction, step, base)) return off_grid;
    q[lane] = varint::wrapping_add(r[lane], base);
    if (!(std::fabs(double(q[lane])) < kMaxGridIndex)) {
      return std::string_view("grid index out of range");
    }
    const float f = from_grid(q[lane], step);
    std::memcpy(dst + 4 * lane, &f, 4);
    return std::string_view();
  };
  const auto as_float = [](uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  };
  std::string_view error;
  if (ortho) {
    constexpr std::string_view kOffGrid = "orthonormal prediction off the grid";
    float nw[9];
    std::memcpy(nw, dst, sizeof nw);
    error = put(o.lanes[0], as_float(predict_row0(cur, nw, o)), kOffGrid);
    if (!error.empty()) return error;
    std::memcpy(nw, dst, sizeof nw);
    uint32_t row1[2];
    predict_row1(cur, nw, o, row1);
    for (int i = 0; i < 2 && error.empty(); ++i)
      error = put(o.lanes[1 + i], as_float(row1[i]), kOffGrid);
    if (!error.empty()) return error;
  }
  if (cross) {
    float crossed[3];
    cross_rows(dst, crossed);  // rows 0 and 1 are decoded by now
    for (int k = 0; k < 3 && error.empty(); ++k) {
      error = put(6 + k, crossed[k], "cross prediction off the grid");
    }
  }
  return error;
}

}  // namespace reel::codec_internal
