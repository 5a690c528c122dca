#include "page_scan.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>

namespace reel::edit {
namespace {

// SQLite b-tree page types (fileformat2 1.6).
constexpr uint8_t kIndexInterior = 0x02;
constexpr uint8_t kTableInterior = 0x05;
constexpr uint8_t kIndexLeaf = 0x0a;
constexpr uint8_t kTableLeaf = 0x0d;
constexpr size_t kFileHeaderSize = 100;
constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with its NUL
// The bound on payload bytes assembled in one scan: this many times the file plus the base.
constexpr uint64_t kAssembleBudgetFactor = 4;
constexpr uint64_t kAssembleBudgetBase = 64u << 20;

// The file, mapped read-only (nothing is copied; a page is a view into the mapping).
class MappedFile {
 public:
  ~MappedFile() {
    if (data_ != nullptr) munmap(const_cast<uint8_t*>(data_), size_);
    if (fd_ >= 0) close(fd_);
  }
  Status open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return Status::io_error("{}: cannot open: {}", path, std::strerror(errno));
    struct stat st {};
    if (fstat(fd_, &st) != 0) return Status::io_error("{}: {}", path, std::strerror(errno));
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) return {};
    void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) {
      return Status::io_error("{}: cannot map the file: {}", path, std::strerror(errno));
    }
    data_ = static_cast<const uint8_t*>(p);
    return {};
  }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  int fd_ = -1;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

uint32_t be16(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 8 | p[1];
}
uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

// SQLite's varint (big-endian 7-bit groups, up to 9 bytes, the 9th holding 8 bits). nullopt when
// it runs past `end`.
std::optional<uint64_t> read_varint(const uint8_t*& p, const uint8_t* end) {
  uint64_t v = 0;
  for (int i = 0; i < 9; ++i) {
    if (p >= end) return std::nullopt;
    const uint8_t b = *p++;
    if (i == 8) return (v << 8) | b;
    v = (v << 7) | (b & 0x7f);
    if ((b & 0x80) == 0) return v;
  }
  return v;
}

// The page size of the header, or 0 when the header is not SQLite's or the size is implausible.
uint32_t header_page_size(std::span<const uint8_t> file) {
  if (file.size() < kFileHeaderSize || std::memcmp(file.data(), kMagic, 16) != 0) return 0;
  uint32_t size = be16(file.data() + 16);
  if (size == 1) size = 65536;
  if (size < 512 || size > 65536 || (size & (size - 1)) != 0) return 0;
  return size;
}

// Whether the page at `offset` (of `size` bytes, b-tree header at `header`) looks like a b-tree
// page: a known type, a cell count its pointer array fits, pointers inside the page.
bool plausible_btree_page(std::span<const uint8_t> page, size_t header) {
  if (page.size() < header + 8) return false;
  const uint8_t type = page[header];
  if (type != kIndexInterior && type != kTableInterior && type != kIndexLeaf &&
      type != kTableLeaf) {
    return false;
  }
  const size_t header_size = (type == kIndexLeaf || type == kTableLeaf) ? 8 : 12;
  const uint32_t cells = be16(page.data() + header + 3);
  const size_t pointers = header + header_size;
  if (cells == 0 || pointers + 2 * size_t{cells} > page.size()) return false;
  for (uint32_t i = 0; i < std::min<uint32_t>(cells, 4); ++i) {
    const uint32_t at = be16(page.data() + pointers + 2 * i);
    if (at < pointers + 2 * cells || at >= page.size()) return false;
  }
  return true;
}

// The candidate page size under which the most page starts look like b-tree pages. A smaller
// candidate than the true size fails on the true pages (their cell pointers point past its end:
// cell content sits at the end of a page); a larger one sees only some of them (every second,
// fourth...). So the true size has the most hits; on a tie the smaller wins.
uint32_t detect_page_size(std::span<const uint8_t> file) {
  uint32_t best_size = 0;
  size_t best_hits = 0;
  for (uint32_t size = 512; size <= 65536; size *= 2) {
    const size_t pages = file.size() / size;
    size_t hits = 0;
    // Page 1 holds the damaged header: count from page 2.
    for (size_t k = 1; k < pages; ++k) {
      if (plausible_btree_page(file.subspan(k * size, size), 0)) ++hits;
    }
    if (hits > best_hits) {
      best_hits = hits;
      best_size = size;
    }
  }
  return best_size;
}

class Scanner {
 public:
  Scanner(std::span<const uint8_t> file, uint32_t page_size, uint32_t usable,
          const std::function<Status(const ScannedRecord&)>& on_record, PageScanStats& stats)
      : file_(file), page_size_(page_size), usable_(usable), on_record_(on_record), stats_(stats) {}

  Status scan() {
    for (uint64_t n = 1; n <= stats_.pages; ++n) REEL_RETURN_IF_ERROR(scan_page(n));
    return {};
  }

 private:
  std::span<const uint8_t> page(uint64_t number) const {
    return file_.subspan((number - 1) * page_size_, page_size_);
  }

  Status scan_page(uint64_t number) {
    const std::span<const uint8_t> bytes = page(number);
    const size_t header = number == 1 ? kFileHeaderSize : 0;
    if (!plausible_btree_page(bytes, header)) return {};
    const uint8_t type = bytes[header];
    if (type == kTableInterior) return {};  // holds only keys and child pointers
    ++stats_.btree_pages;
    const size_t header_size = type == kIndexInterior ? 12 : 8;
    const uint32_t cells = be16(bytes.data() + header + 3);
    const size_t pointers = header + header_size;
    for (uint32_t i = 0; i < cells; ++i) {
      const uint32_t at = be16(bytes.data() + pointers + 2 * i);
      if (at >= bytes.size() || at < pointers) {
        ++stats_.broken_cells;
        continue;
      }
      REEL_RETURN_IF_ERROR(scan_cell(static_cast<uint32_t>(number), type, bytes, at));
    }
    return {};
  }

  Status scan_cell(uint32_t number, uint8_t type, std::span<const uint8_t> bytes, size_t at) {
    const uint8_t* p = bytes.data() + at;
    const uint8_t* end = bytes.data() + bytes.size();
    if (type == kIndexInterior) p += 4;  // left child page number
    if (p >= end) return broken();
    auto payload_size = read_varint(p, end);
    if (!payload_size) return broken();
    ScannedRecord record;
    record.page = number;
    record.table_leaf = type == kTableLeaf;
    if (record.table_leaf) {
      auto rowid = read_varint(p, end);
      if (!rowid) return broken();
      record.rowid = static_cast<int64_t>(*rowid);
    }
    if (!assemble(*payload_size, record.table_leaf, p, end)) return broken();
    if (!parse_record(record)) return broken();
    ++stats_.records;
    return on_record_(record);
  }

  Status broken() {
    ++stats_.broken_cells;
    return {};
  }

  // The payload's local part and its overflow chain into payload_ (fileformat2 1.6: the local
  // size rule for table leaves (X = U-35) and index pages (X = (U-12)*64/255-23)).
  bool assemble(uint64_t size, bool table_leaf, const uint8_t* p, const uint8_t* end) {
    if (size > file_.size()) return false;
    const uint64_t u = usable_;
    const uint64_t max_local = table_leaf ? u - 35 : (u - 12) * 64 / 255 - 23;
    const uint64_t min_local = (u - 12) * 32 / 255 - 23;
    uint64_t local = size;
    if (size > max_local) {
      const uint64_t k = min_local + (size - min_local) % (u - 4);
      local = k <= max_local ? k : min_local;
    }
    if (static_cast<uint64_t>(end - p) < local + (local < size ? 4 : 0)) return false;
    if (!spend(local)) return false;
    payload_.assign(p, p + local);
    if (local == size) return true;
    uint64_t next = be32(p + local);
    uint64_t left = size - local;
    const uint64_t chain = (left + (u - 5)) / (u - 4);  // pages the rest needs
    for (uint64_t i = 0; i < chain; ++i) {
      if (next < 1 || next > stats_.pages) return false;
      if (!spend(u - 4)) return false;
      const std::span<const uint8_t> overflow = page(next);
      const uint64_t take = std::min<uint64_t>(left, u - 4);
      payload_.insert(payload_.end(), overflow.begin() + 4, overflow.begin() + 4 + take);
      left -= take;
      next = be32(overflow.data());
    }
    return left == 0;
  }

  // A file's cells and overflow pages each belong to one payload (stale cells on free pages may
  // repeat a few): reading more than a few times the file means cell pointers or chains that
  // lie, and following them would cost time quadratic in the file's size.
  bool spend(uint64_t bytes) {
    assembled_bytes_ += bytes;
    return assembled_bytes_ <= kAssembleBudgetFactor * file_.size() + kAssembleBudgetBase;
  }

  // Record format (fileformat2 2.1): header size, serial types, values.
  bool parse_record(ScannedRecord& record) {
    const uint8_t* p = payload_.data();
    const uint8_t* end = p + payload_.size();
    auto header_size = read_varint(p, end);
    if (!header_size || *header_size > payload_.size() || *header_size == 0) return false;
    const uint8_t* header_end = payload_.data() + *header_size;
    const uint8_t* body = header_end;
    while (p < header_end) {
      auto serial = read_varint(p, header_end);
      if (!serial) return false;
      ScannedValue v;
      uint64_t width = 0;
      const uint64_t s = *serial;
      if (s == 0) {
        v.type = ScannedValue::Type::kNull;
      } else if (s <= 6) {
        static constexpr uint64_t kWidths[] = {0, 1, 2, 3, 4, 6, 8};
        width = kWidths[s];
        v.type = ScannedValue::Type::kInt;
      } else if (s == 7) {
        width = 8;
        v.type = ScannedValue::Type::kReal;
      } else if (s == 8 || s == 9) {
        v.type = ScannedValue::Type::kInt;
        v.i = s == 9 ? 1 : 0;
      } else if (s == 10 || s == 11) {
        return false;  // reserved
      } else {
        width = (s - 12) / 2;
        v.type = s % 2 == 0 ? ScannedValue::Type::kBlob : ScannedValue::Type::kText;
      }
      if (width > static_cast<uint64_t>(end - body)) return false;
      if (v.type == ScannedValue::Type::kInt && width > 0) {
        uint64_t x = body[0] & 0x80 ? ~uint64_t{0} : 0;  // sign extension
        for (uint64_t b = 0; b < width; ++b) x = (x << 8) | body[b];
        v.i = static_cast<int64_t>(x);
      } else if (v.type == ScannedValue::Type::kReal) {
        uint64_t bits = 0;
        for (int b = 0; b < 8; ++b) bits = (bits << 8) | body[b];
        std::memcpy(&v.r, &bits, 8);
      } else if (v.type == ScannedValue::Type::kBlob || v.type == ScannedValue::Type::kText) {
        v.bytes = std::span<const uint8_t>(body, width);
      }
      body += width;
      record.values.push_back(v);
    }
    return body == end;
  }

  std::span<const uint8_t> file_;
  uint32_t page_size_, usable_;
  const std::function<Status(const ScannedRecord&)>& on_record_;
  PageScanStats& stats_;
  std::vector<uint8_t> payload_;
  uint64_t assembled_bytes_ = 0;  // payload bytes copied by every cell so far
};

}  // namespace

Result<PageScanStats> scan_pages(const std::string& path, const PageScanOptions& options,
                                 const std::function<Status(const ScannedRecord&)>& on_record) {
  MappedFile file;
  REEL_RETURN_IF_ERROR(file.open(path));
  const std::span<const uint8_t> bytes = file.bytes();
  PageScanStats stats;
  uint32_t reserved = 0;
  stats.page_size = options.page_size;
  if (stats.page_size == 0) {
    stats.page_size = header_page_size(bytes);
    stats.page_size_from_header = stats.page_size != 0;
  }
  if (stats.page_size_from_header) {
    reserved = bytes[20];
    stats.header_pages = be32(bytes.data() + 28);
  }
  if (stats.page_size == 0) stats.page_size = detect_page_size(bytes);
  if (stats.page_size == 0 || stats.page_size - reserved < 480) {
    return Status::corruption("{}: no SQLite page found in its {} bytes", path, bytes.size());
  }
  stats.pages = bytes.size() / stats.page_size;
  Scanner scanner(bytes, stats.page_size, stats.page_size - reserved, on_record, stats);
  REEL_RETURN_IF_ERROR(scanner.scan());
  return stats;
}

}  // namespace reel::edit
