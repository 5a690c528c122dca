// Status and Result: the error currency at every Reel library boundary.
//
// Library code never throws; it returns a [[nodiscard]] Status (or Result<T>) whose message
// names what failed and where (file, frame, byte offset). Only the CLI turns these into
// exceptions/exit codes.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace reel {

enum class StatusCode : unsigned char {
  kOk = 0,
  kInvalidArgument,  // the caller passed something unusable (bad option, unknown name)
  kCorruption,       // bytes at rest or on the wire are malformed or fail their checksum
  kNotFound,         // a session, entity, frame or file does not exist
  kOutOfRange,       // a frame/time outside what the session holds
  kUnsupported,      // well-formed but not handled (newer format, double-precision build)
  kIoError,          // the OS or SQLite refused (disk full, read-only, I/O error)
  kBusy,             // a storage conflict that outlived its retries
  kInternal,         // a bug in Reel
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return {}; }
  template <class... Args>
  static Status invalid_argument(fmt::format_string<Args...> f, Args&&... args) {
    return {StatusCode::kInvalidArgument, fmt::format(f, std::forward<Args>(args)...)};
  }
  template <class... Args>
  static Status corruption(fmt::format_string<Args...> f, Args&&... args) {
    return {StatusCode::kCorruption, fmt::format(f, std::forward<Args>(args)...)};
  }
  template <class... Args>
  static Status not_found(fmt::format_string<Args...> f, Args&&... args) {
    return {StatusCode::kNotFound, fmt::format(f, std::forward<Args>(args)...)};
  }
  template <class... Args>
  static Status out_of_range(fmt::format_string<Args...> f, Args&&... args) {
    return {StatusCode::kOutOfRange, fmt::format(f, std::forward<Args>(args)...)};
  }
  template <class... Args>
  static Status unsupported(fmt::format_string<Args...> f, Args&&... args) {
    return {StatusCode::kUnsupported, fmt::format(f, std::forward<Args>(args)...)};
  }
  template <class... Args>
  static Status io_error(fmt::format_string<Args...> f, Args&&... args) {
    return {StatusCode::kIoError, fmt::format(f, std::forward<Args>(args)...)};
  }
  template <class... Args>
  static Status busy(fmt::format_string<Args...> f, Args&&... args) {
    return {StatusCode::kBusy, fmt::format(f, std::forward<Args>(args)...)};
  }
  template <class... Args>
  static Status internal(fmt::format_string<Args...> f, Args&&... args) {
    return {StatusCode::kInternal, fmt::format(f, std::forward<Args>(args)...)};
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corruption: <message>", or "ok".
  std::string to_string() const;

  // Prefixes the message with context ("file x.reel: " + message); keeps the code.
  Status with_context(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none. REQUIRES for value(): ok().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace reel

// Returns early from the enclosing function when `expr` yields a non-ok Status.
#define REEL_RETURN_IF_ERROR(expr)         \
  do {                                     \
    ::reel::Status reel_status_ = (expr);  \
    if (!reel_status_.ok()) return reel_status_; \
  } while (0)

#define REEL_CONCAT_INNER(a, b) a##b
#define REEL_CONCAT(a, b) REEL_CONCAT_INNER(a, b)
// `REEL_ASSIGN_OR_RETURN(auto x, f());` declares x from a Result or returns its Status.
#define REEL_ASSIGN_OR_RETURN(decl, expr) \
  REEL_ASSIGN_OR_RETURN_IMPL(REEL_CONCAT(reel_result_, __LINE__), decl, expr)
#define REEL_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  decl = std::move(tmp).value()
