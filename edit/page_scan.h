// Reads an SQLite database file raw, page by page, without SQLite: every record stored in a
// b-tree cell that can still be parsed, whatever state the b-trees above it are in (interior
// pages zeroed, the schema page gone, the file truncated). `reel salvage` rebuilds sessions from
// these records when SQLite itself can no longer read the file (salvage.h).
//
// What is read (SQLite file format, https://www.sqlite.org/fileformat2.html, sections 1.3-1.6,
// 2.1): the page size from the 100-byte header (bytes 16-17, 1 = 65536; reserved bytes per page
// at byte 20), or, when the header is gone or implausible, the candidate size from 512 to 65536
// with the most page starts that look like b-tree pages (page_scan.cpp, detect_page_size). On
// each page: table leaf cells (type 0x0d: payload size, rowid, payload) and index cells (leaf 0x0a
// and interior 0x02: the key record, which for WITHOUT ROWID tables holds the row). A payload
// larger than the page's local limit continues on overflow pages: the first overflow page number
// follows the local part, and each overflow page begins with the next one's number (0 ends the
// chain). Each payload is parsed as a record (header of serial types, then the values).
//
// Bounds: a payload is assembled only when its declared size fits in the file and its overflow
// chain has exactly the pages that size needs, each inside the file; all payloads together copy at
// most 4 times the file plus 64 MiB (cell pointers or chains that lie cannot make the scan
// quadratic; past that, cells count as broken); memory is one payload at a time (at most the file's
// size, in practice a chunk blob). The file is mapped read-only and never written.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reel/format/status.h"

namespace reel::edit {

// One value of a record. Blobs and texts point into the scanner's buffer: valid only during the
// callback.
struct ScannedValue {
  enum class Type : uint8_t { kNull, kInt, kReal, kText, kBlob };
  Type type = Type::kNull;
  int64_t i = 0;
  double r = 0;
  std::span<const uint8_t> bytes;  // kText, kBlob

  bool is_int() const { return type == Type::kInt; }
  // SQLite stores an integral REAL as an integer (REAL affinity): either form is a number.
  bool is_number() const { return type == Type::kInt || type == Type::kReal; }
  double number() const { return type == Type::kInt ? static_cast<double>(i) : r; }
  std::string_view text() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
};

struct ScannedRecord {
  uint32_t page = 0;        // 1-based page number where the cell starts
  bool table_leaf = false;  // true: a rowid table's row (rowid below); false: an index key
  int64_t rowid = 0;
  std::vector<ScannedValue> values;
};

struct PageScanStats {
  uint32_t page_size = 0;
  bool page_size_from_header = false;
  uint64_t pages = 0;         // whole pages in the file
  uint64_t header_pages = 0;  // pages the header says the file has (0 when unknown)
  uint64_t btree_pages = 0;   // pages that parsed as table-leaf or index pages
  uint64_t records = 0;       // records handed to the callback
  uint64_t broken_cells = 0;  // cells whose payload or overflow chain could not be read
};

struct PageScanOptions {
  // 0: from the header, else detected. Otherwise this size (a power of two, 512..65536).
  uint32_t page_size = 0;
};

// Calls `on_record` for every record found, in page order. A non-ok Status from the callback
// stops the scan and is returned. kIoError when the file cannot be read; kCorruption when it is
// too short to hold one page of any size.
[[nodiscard]] Result<PageScanStats> scan_pages(
    const std::string& path, const PageScanOptions& options,
    const std::function<Status(const ScannedRecord&)>& on_record);

}  // namespace reel::edit
