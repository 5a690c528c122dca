// `reel variant encode|decode`: Godot Variant text form <-> binary encoding (as lowercase hex).
//
// Input conventions: TEXT and HEX are command-line arguments; `-` reads them from stdin instead
// (for decode, stdin holds hex text, not raw bytes); `decode --file PATH` reads raw bytes.
// Malformed input exits 2 with the offset and reason on stderr.
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/core.h>

#include "cli_util.h"
#include "commands.h"
#include "file_checks.h"
#include "reel/variant/variant_binary.h"
#include "reel/variant/variant_text.h"

namespace reel::cli {
namespace {

struct VariantArgs {
  int godot = 4;
  bool allow_objects = false;
  bool multiline = false;
  std::string input;  // TEXT or HEX, or "-" for stdin
  std::string file;   // decode only: raw bytes
};

GodotDialect dialect_of(int godot) {
  return godot == 3 ? GodotDialect::kGodot3 : GodotDialect::kGodot4;
}

std::string read_stdin() {
  std::ostringstream ss;
  ss << std::cin.rdbuf();
  return ss.str();
}

// Hex digits, white space ignored between bytes. Throws CliError naming the offending char.
std::vector<uint8_t> parse_hex(std::string_view hex) {
  std::vector<uint8_t> out;
  int high = -1;
  for (size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) {
      throw CliError(kExitBadInput,
                     fmt::format("hex input: at char {}: '{}' is not a hex digit", i, c));
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) {
    throw CliError(kExitBadInput, "hex input: odd number of hex digits (the last byte is half)");
  }
  return out;
}

std::string to_hex(const std::vector<uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

void run_encode(const VariantArgs& args) {
  const std::string text = args.input == "-" ? read_stdin() : args.input;
  const Variant value = value_or_throw(parse_text(text), "text");
  EncodeOptions options;
  options.dialect = dialect_of(args.godot);
  options.full_objects = args.allow_objects;
  const auto bytes = value_or_throw(encode_to_bytes(value, options), "encode");
  fmt::print("{}\n", to_hex(bytes));
}

std::vector<uint8_t> decode_input(const VariantArgs& args) {
  const bool have_file = !args.file.empty();
  const bool have_arg = !args.input.empty();
  if (have_file == have_arg) {
    throw CliError(kExitBadInput,
                   "needs exactly one input: HEX, '-' (hex on stdin) or "
                   "--file PATH (raw bytes)");
  }
  if (have_file) return read_whole_file(args.file);
  return parse_hex(args.input == "-" ? read_stdin() : args.input);
}

void run_decode(const VariantArgs& args) {
  const std::vector<uint8_t> bytes = decode_input(args);
  DecodeOptions options;
  options.dialect = dialect_of(args.godot);
  options.allow_objects = args.allow_objects;
  auto result = decode_variant(bytes, options);
  if (!result.ok() && result.status().code() == StatusCode::kCorruption) {
    // Bytes the user typed: malformed input (exit 2), not damage at rest.
    result = Status(StatusCode::kInvalidArgument, result.status().message());
  }
  const Decoded decoded = value_or_throw(std::move(result), "decode");
  fmt::print("{}\n", to_text(decoded.value, {.multiline = args.multiline}));
  if (decoded.bytes_read < bytes.size()) {
    fmt::print(stderr, "reel: note: {} trailing bytes after byte {} ignored\n",
               bytes.size() - decoded.bytes_read, decoded.bytes_read);
  }
}

void add_common_options(CLI::App& cmd, VariantArgs& args) {
  cmd.add_option("--godot", args.godot, "Binary layout of Godot 4 (default) or Godot 3")
      ->check(CLI::IsMember({3, 4}));
  cmd.add_flag("--allow-objects", args.allow_objects,
               "Full objects: decode accepts them (bytes_to_var_with_objects), encode writes "
               "them (var_to_bytes_with_objects)");
}

}  // namespace

void register_variant(CLI::App& app) {
  auto args = std::make_shared<VariantArgs>();
  auto* variant =
      app.add_subcommand("variant", "Encode/decode Godot Variants (binary <-> text form)");
  variant->require_subcommand(1);
  variant->footer(
      "Examples:\n"
      "  reel variant encode 'Vector2(1, 2)'            # -> 050000000000803f00000040\n"
      "  reel variant encode --godot 3 '[1, \"x\"]'\n"
      "  reel variant decode 050000000000803f00000040   # -> Vector2(1, 2)\n"
      "  reel variant decode --file value.bin --allow-objects\n"
      "  echo 0200000007000000 | reel variant decode -\n"
      "Malformed input exits 2; the message names the byte (decode) or char (encode) offset.");

  auto* encode = variant->add_subcommand("encode", "Text form -> binary, printed as lowercase hex");
  add_common_options(*encode, *args);
  encode->add_option("TEXT", args->input, "A value in Godot's text form, or - to read stdin")
      ->required();
  encode->callback([args] { run_encode(*args); });

  auto* decode = variant->add_subcommand("decode", "Binary (hex, stdin or file) -> text form");
  add_common_options(*decode, *args);
  decode->add_option("HEX", args->input, "Hex bytes (spaces allowed), or - for hex on stdin");
  decode->add_option("--file", args->file, "Read raw bytes from PATH instead of hex");
  decode->add_flag("--multiline", args->multiline,
                   "Dictionaries on several lines, as Godot's var_to_str writes them");
  decode->callback([args] { run_decode(*args); });
}

}  // namespace reel::cli
