#include "cli_util.h"

namespace reel::cli {

int exit_code_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kCorruption:
    case StatusCode::kNotFound:
    case StatusCode::kOutOfRange:
    case StatusCode::kUnsupported: return kExitBadInput;
    case StatusCode::kIoError:
    case StatusCode::kBusy:
    case StatusCode::kInternal: return kExitInternal;
  }
  return kExitInternal;
}

void throw_if_error(const Status& status, std::string_view context) {
  if (status.ok()) return;
  Status s = context.empty() ? status : status.with_context(context);
  throw CliError(exit_code_for(s), s.message());
}

}  // namespace reel::cli
