// `reel variant encode|decode`, run as the real binary.
#include <fstream>

#include "reel/variant/variant_binary.h"
#include "reel/variant/variant_text.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::run_command;

// Runs `reel ARGS`, capturing stdout; stderr goes to stdout too when `merge_stderr`.
testing::CommandResult reel(const std::string& args, bool merge_stderr = false) {
  return run_command(std::string(REEL_BINARY) + " " + args +
                     (merge_stderr ? " 2>&1" : " 2>/dev/null"));
}

// The hex the library produces for `text`, to compare the CLI against.
std::string library_hex(std::string_view text, GodotDialect dialect = GodotDialect::kGodot4) {
  auto value = parse_text(text);
  REQUIRE_OK(value);
  EncodeOptions options;
  options.dialect = dialect;
  auto bytes = encode_to_bytes(value.value(), options);
  REQUIRE_OK(bytes);
  return testing::to_hex(bytes.value());
}

TEST_CASE("reel variant encode prints the Godot 4 bytes as hex", "[cli]") {
  auto r = reel("variant encode 'Vector2(1, 2)'");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "050000000000803f00000040\n");
  r = reel("variant encode '{\"a\": [1, 2.5]}'");
  CHECK(r.exit_code == 0);
  CHECK(r.out == library_hex("{\"a\": [1, 2.5]}") + "\n");
}

TEST_CASE("reel variant decode prints the text form", "[cli]") {
  auto r = reel("variant decode 050000000000803f00000040");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Vector2(1, 2)\n");
  SECTION("hex may contain spaces and upper case") {
    r = reel("variant decode '05000000 0000803F 00000040'");
    CHECK(r.out == "Vector2(1, 2)\n");
  }
  SECTION("- reads hex text from stdin") {
    r = run_command("echo 050000000000803f00000040 | " + std::string(REEL_BINARY) +
                    " variant decode -");
    CHECK(r.exit_code == 0);
    CHECK(r.out == "Vector2(1, 2)\n");
  }
}

TEST_CASE("reel variant encode then decode round-trips the text", "[cli]") {
  const std::string text =
      R"({"name": "Player", &"pos": Vector3(1.5, -0, 2), 7: PackedInt32Array(1, 2), )"
      R"("t": Array[int]([1, 2]), "f": 0.30000000000000004})";
  auto enc = reel("variant encode '" + text + "'");
  REQUIRE(enc.exit_code == 0);
  std::string hex = enc.out;
  while (!hex.empty() && hex.back() == '\n') hex.pop_back();
  auto dec = reel("variant decode " + hex);
  CHECK(dec.exit_code == 0);
  CHECK(dec.out == text + "\n");
}

TEST_CASE("reel variant --godot 3 uses the Godot 3 layout", "[cli]") {
  const std::string text = "[Vector2(1, 2), PackedStringArray(\"a\")]";
  auto enc = reel("variant encode --godot 3 '" + text + "'");
  REQUIRE(enc.exit_code == 0);
  CHECK(enc.out == library_hex(text, GodotDialect::kGodot3) + "\n");
  CHECK(enc.out != library_hex(text) + "\n");  // type ids differ from Godot 4
  std::string hex = enc.out.substr(0, enc.out.size() - 1);
  auto dec = reel("variant decode --godot 3 " + hex);
  CHECK(dec.exit_code == 0);
  CHECK(dec.out == text + "\n");
}

TEST_CASE("reel variant decode --file reads raw bytes", "[cli]") {
  testing::TempDir dir;
  const std::string path = dir.file("value.bin");
  const auto bytes = testing::from_hex("0400000003000000616263 00");  // "abc" + padding
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  auto r = reel("variant decode --file " + path);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "\"abc\"\n");
  r = reel("variant decode --file " + dir.file("missing.bin"), true);
  CHECK(r.exit_code == 2);
  CHECK(r.out == "reel variant decode: " + dir.file("missing.bin") + ": no such file\n");
  r = reel("variant decode --file " + dir.path().string(), true);
  CHECK(r.exit_code == 2);
  CHECK(r.out == "reel variant decode: " + dir.path().string() + ": is a directory\n");
}

TEST_CASE("reel variant rejects malformed input with exit 2 and an offset", "[cli]") {
  SECTION("bad hex digit") {
    auto r = reel("variant decode 05zz", true);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("at char 2: 'z' is not a hex digit"));
  }
  SECTION("odd number of hex digits") {
    auto r = reel("variant decode 050", true);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("odd number of hex digits"));
  }
  SECTION("truncated bytes name the byte offset") {
    auto r = reel("variant decode 050000000000803f", true);  // Vector2 missing its y
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("decode: at byte"));
  }
  SECTION("malformed text names the char offset") {
    auto r = reel("variant encode 'Vector3(1, 2 3)'", true);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("text: at char 13: expected ','"));
  }
  SECTION("a full object needs --allow-objects") {
    auto enc = reel("variant encode --allow-objects 'Object(Node,\"x\":1)'");
    REQUIRE(enc.exit_code == 0);
    const std::string hex = enc.out.substr(0, enc.out.size() - 1);
    auto refused = reel("variant decode " + hex, true);
    CHECK(refused.exit_code == 2);
    auto allowed = reel("variant decode --allow-objects " + hex);
    CHECK(allowed.exit_code == 0);
    CHECK(allowed.out == "Object(Node,\"x\":1)\n");
  }
  SECTION("decode without input is a usage error") {
    auto r = reel("variant decode", true);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("exactly one input"));
  }
}

TEST_CASE("reel variant --help shows examples", "[cli]") {
  auto r = reel("variant --help");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("reel variant encode 'Vector2(1, 2)'"));
}

}  // namespace
}  // namespace reel
