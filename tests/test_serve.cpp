// `reel serve`: a real server process on loopback answering real HTTP clients. Every endpoint is
// checked against the Replayer's own answer (byte-equal var_to_bytes), and hostile clients are
// refused with a log line while the others keep getting answers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <cstring>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_session_fixture.h"
#include "reel/recorder/recorder.h"
#include "reel/replay/recover.h"
#include "reel/replay/replayer.h"
#include "reel/replay/varstream.h"
#include "reel/variant/godot3_convert.h"
#include "reel/variant/variant_binary.h"
#include "serve_process.h"
#include "test_util.h"

using namespace reel;
using namespace reel::testing;

namespace {

std::string var_bytes(const Dictionary& d, GodotDialect dialect = GodotDialect::kGodot4) {
  std::vector<uint8_t> out;
  EncodeOptions o;
  o.dialect = dialect;
  REQUIRE_STATUS_OK(dialect == GodotDialect::kGodot3 ? encode_variant(to_godot3(Variant(d)), out, o)
                                                     : encode_variant(Variant(d), out, o));
  return {out.begin(), out.end()};
}

std::string expected_state(Replayer& r, FrameIndex frame,
                           GodotDialect dialect = GodotDialect::kGodot4) {
  auto state = r.seek(frame);
  REQUIRE_OK(state);
  return var_bytes(state_dictionary(r.session(), r.property_paths(), **state), dialect);
}

std::string expected_entity(Replayer& r, FrameIndex frame, EntityId id) {
  auto state = r.seek(frame);
  REQUIRE_OK(state);
  auto d = entity_dictionary(r.session(), r.property_paths(), **state, id);
  REQUIRE_OK(d);
  return var_bytes(*d);
}

std::string expected_varstream(Replayer& r, FrameIndex from, FrameIndex to) {
  std::string out;
  auto stats = write_varstream(r, from, to, {}, [&](const uint8_t* p, size_t n) -> Status {
    out.append(reinterpret_cast<const char*>(p), n);
    return {};
  });
  REQUIRE_OK(stats);
  return out;
}

// GET with a fresh client; REQUIREs an answer (no transport error).
httplib::Result get(const ServeProcess& server, const std::string& path,
                    const httplib::Headers& headers = {}) {
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(20, 0);
  auto res = client.Get(path.c_str(), headers);
  INFO(path << " -> " << httplib::to_string(res.error()));
  REQUIRE(res);
  return res;
}

nlohmann::json json_of(const httplib::Result& res) {
  return nlohmann::json::parse(res->body);
}

// The store_var records of a follow/live body (u32 LE length + var_to_bytes), decoded.
std::vector<Dictionary> records_of(const std::string& body) {
  std::vector<Dictionary> out;
  size_t pos = 0;
  while (pos + 4 <= body.size()) {
    uint32_t n = 0;
    std::memcpy(&n, body.data() + pos, 4);
    REQUIRE(pos + 4 + n <= body.size());
    auto v = decode_variant(std::span(reinterpret_cast<const uint8_t*>(body.data()) + pos + 4, n));
    REQUIRE_OK(v);
    out.push_back(v->value.get<Dictionary>());
    pos += 4 + n;
  }
  CHECK(pos == body.size());
  return out;
}

}  // namespace

TEST_CASE("reel serve answers every endpoint exactly as the Replayer does", "[serve]") {
  SessionFixture f;
  ServeProcess server(f.dir, f.db);
  auto replayer = Replayer::open(f.db, "match-1");
  REQUIRE_OK(replayer);
  Replayer& r = **replayer;
  const std::string s = "/v1/sessions/match-1";

  SECTION("sessions and session info") {
    auto list = json_of(get(server, "/v1/sessions"));
    REQUIRE(list["sessions"].size() == 1);
    CHECK(list["sessions"][0]["name"] == "match-1");
    CHECK(list["sessions"][0]["frame_count"] == 300);
    CHECK(list["sessions"][0]["status"] == "closed");
    auto info = json_of(get(server, s));
    CHECK(info["properties"] == nlohmann::json(r.property_paths()));
    CHECK(info["events"]["jump"] == 3);
    CHECK(info["events"]["score"] == 1);
  }
  SECTION("events of a frame range, all or by name") {
    auto all = json_of(get(server, s + "/events?from=0&to=299"));
    REQUIRE(all["events"].size() == 4);
    CHECK(all["events"][2]["name"] == "score");
    CHECK(all["events"][2]["frame"] == 120);
    auto jumps = json_of(get(server, s + "/events?from=50&to=299&name=jump"));
    REQUIRE(jumps["events"].size() == 2);
    CHECK(jumps["events"][0]["frame"] == 90);
    CHECK(jumps["events"][0]["entity"] == 1);
  }
  SECTION("the state at a frame is the Replayer's state_dictionary as var_to_bytes") {
    for (FrameIndex frame : {0, 99, 150, 299, 37, 210}) {
      auto res = get(server, s + "/frames/" + std::to_string(frame) + "/state");
      CHECK(res->status == 200);
      CHECK(res->get_header_value("Content-Type") == "application/octet-stream");
      CHECK(res->body == expected_state(r, frame));
    }
    CHECK(get(server, s + "/frames/last/state")->body == expected_state(r, 299));
    CHECK(get(server, s + "/frames/77/state?godot=3")->body ==
          expected_state(r, 77, GodotDialect::kGodot3));
    auto json = json_of(get(server, s + "/frames/120/state?format=json"));
    CHECK(json["format"]["value"] == "reel-state");
    CHECK(json["frame"]["value"] == 120);
    CHECK(json["entities"]["3"]["class"]["value"] == "Pickup");
    CHECK(json["entities"]["1"]["properties"]["position"]["value"] ==
          nlohmann::json::array({60, 1, -120}));
  }
  SECTION("one entity at a frame, and as last recorded") {
    CHECK(get(server, s + "/frames/42/entities/1")->body == expected_entity(r, 42, 1));
    CHECK(get(server, s + "/frames/last/entities/3")->body == expected_entity(r, 299, 3));
    CHECK(get(server, s + "/frames/149/entities/2")->body == expected_entity(r, 149, 2));
    auto json = json_of(get(server, s + "/frames/last/entities/1?format=json"));
    CHECK(json["format"]["value"] == "reel-entity");
    CHECK(json["entity"]["value"] == 1);
    CHECK(json["class"]["value"] == "Player");
    CHECK(json["properties"]["health"]["value"] == 95);
  }
  SECTION("a frame range as a varstream equals the exported one") {
    auto res = get(server, s + "/varstream?from=10&to=150");
    CHECK(res->status == 200);
    CHECK(res->body == expected_varstream(r, 10, 150));
    CHECK(get(server, s + "/varstream")->body == expected_varstream(r, 0, 299));
  }
  SECTION("follow gives the records after a frame, and 204 once an ended session has no more") {
    auto res = get(server, s + "/follow?from=290&full=1");
    CHECK(res->status == 200);
    CHECK(res->get_header_value("X-Reel-Next-Frame") == "300");
    CHECK(res->get_header_value("X-Reel-Status") == "closed");
    auto records = records_of(res->body);
    REQUIRE(records.size() == 10);
    CHECK(records[0].find(Variant("reset"))->get<bool>());
    CHECK(records[0].find(Variant("spawns"))->get<Array>().items.size() == 2);  // players 1 and 3
    CHECK(records[9].find(Variant("frame"))->get<int64_t>() == 299);
    auto done = get(server, s + "/follow?from=300&wait_ms=5000");
    CHECK(done->status == 204);
    CHECK(done->get_header_value("X-Reel-Status") == "closed");
  }
  SECTION("unknown sessions, entities and frames are JSON 404 and 416, bad parameters 400") {
    auto no_session = get(server, "/v1/sessions/nope/frames/1/state");
    CHECK(no_session->status == 404);
    CHECK(json_of(no_session)["error"] == "no session named 'nope'");
    auto gone = get(server, s + "/frames/200/entities/2");
    CHECK(gone->status == 404);
    CHECK(json_of(gone)["error"] == "entity 2 is not alive at frame 200 of session 'match-1'");
    auto past = get(server, s + "/frames/300/state");
    CHECK(past->status == 416);
    CHECK(json_of(past)["frame"] == nullptr);
    CHECK_THAT(json_of(past)["error"].get<std::string>(), Catch::Contains("frames 0..299"));
    CHECK(get(server, s + "/frames/x1/state")->status == 400);
    CHECK(get(server, s + "/frames/1/state?format=xml")->status == 400);
    CHECK(get(server, s + "/varstream?from=200&to=100")->status == 416);
    CHECK(get(server, "/v1/nothing")->status == 404);
  }
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("reel serve streams the frames of a session while it is being recorded", "[serve]") {
  TempDir dir;
  const std::string db = dir.file("live.reel");
  SessionInfo info{.name = "live-1", .tick_rate = 60};
  RecorderOptions options;
  options.commit_interval = std::chrono::milliseconds(0);
  auto rec = Recorder::open(db, info, options);
  REQUIRE_OK(rec);
  Recorder& recorder = **rec;
  auto record_frames = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      recorder.begin_frame(i, i / 60.0);
      if (i == 0) recorder.spawn(17, "Player");
      recorder.set(17, "position", Vector3{static_cast<float>(i), 0, 0});
      REQUIRE_STATUS_OK(recorder.end_frame());
    }
    REQUIRE_STATUS_OK(recorder.flush());
  };
  record_frames(0, 5);
  ServeProcess server(dir, db);
  std::string streamed;
  std::thread spectator([&] {
    httplib::Client client("127.0.0.1", server.port());
    client.set_read_timeout(20, 0);
    client.Get("/v1/sessions/live-1/live?from=0", [&](const char* data, size_t n) {
      streamed.append(data, n);
      return true;
    });
  });
  // A long poll for frame 5 returns once it commits.
  std::optional<httplib::Response> polled;
  std::thread poller([&] {
    httplib::Client client("127.0.0.1", server.port());
    client.set_read_timeout(20, 0);
    auto res = client.Get("/v1/sessions/live-1/follow?from=5&wait_ms=10000");
    if (res) polled = res.value();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  record_frames(5, 40);
  poller.join();
  REQUIRE(polled);
  CHECK(polled->status == 200);
  CHECK(polled->get_header_value("X-Reel-Status") == "recording");
  auto first = records_of(polled->body);
  REQUIRE_FALSE(first.empty());
  CHECK(first[0].find(Variant("frame"))->get<int64_t>() == 5);
  // The last state as server A recorded it, while it still records.
  auto entity = get(server, "/v1/sessions/live-1/frames/last/entities/17?format=json");
  CHECK(nlohmann::json::parse(entity->body)["frame"]["value"] == 39);
  REQUIRE_STATUS_OK(recorder.close());
  spectator.join();  // the stream ends once the session has ended and every frame was sent
  auto records = records_of(streamed);
  REQUIRE(records.size() == 40);
  CHECK(records[0].find(Variant("reset"))->get<bool>());
  for (size_t i = 0; i < records.size(); ++i) {
    CHECK(records[i].find(Variant("frame"))->get<int64_t>() == static_cast<int64_t>(i));
  }
  CHECK(server.stop(SIGINT) == 0);
}

TEST_CASE("reel serve refuses a port already served with exit 1, and the first server keeps it",
          "[serve]") {
  SessionFixture f;
  ServeProcess server(f.dir, f.db);
  ReelRun second = f.reel("serve " + f.db + " --listen 127.0.0.1:" + std::to_string(server.port()));
  CHECK(second.exit_code == 1);
  CHECK_THAT(second.err,
             Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(server.port())));
  CHECK(get(server, "/v1/sessions/match-1/frames/last/entities/1")->status == 200);
  CHECK(f.reel("serve " + f.dir.file("none.reel")).exit_code == 2);
  CHECK(f.reel("serve " + f.db + " --listen nowhere").exit_code == 2);
  CHECK(server.stop(SIGTERM) == 0);
}
