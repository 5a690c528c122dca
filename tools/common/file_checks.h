// Checks of the files a command reads or writes, made before SQLite or a stream touches them, so
// that a bad path is reported in plain words with its name ("m.reel: is a directory", "x:
// permission denied", "m.reel: not a Reel database (file is not a database)") instead of an
// SQLite result code or a stream exception. Each throws CliError(2) naming the path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reel::cli {

// errno in plain words: "no such file", "is a directory", "permission denied", ...
std::string errno_text(int err);

// An existing, readable regular file (or a named pipe / device).
void require_readable_file(const std::string& path);
// require_readable_file, then the SQLite header: "not a Reel database (file is not a database)",
// "not a Reel database (the file is empty)".
void require_database_file(const std::string& path);
// A path a database can be created at or added to: not a directory, its directory exists and is
// writable; an existing file must be readable, writable and an SQLite database (or empty).
void require_database_output(const std::string& path);

// The whole content of `path` (require_readable_file first); read errors name the path.
std::vector<uint8_t> read_whole_file(const std::string& path);

}  // namespace reel::cli
