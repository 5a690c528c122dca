// --entity on diff and events (repeatable), and several --property on show, on the fixture
// session (cli_session_fixture.h).
#include "cli_session_fixture.h"

namespace reel {
namespace {

using testing::count_lines;
using testing::json_query;
using testing::require_bad_input;

using Fixture = testing::SessionFixture;

TEST_CASE("reel diff --entity keeps only the entities named", "[cli][filters]") {
  Fixture f;
  auto player = f.reel("diff " + f.db + " 100 200 --entity 1");
  INFO(player.err);
  REQUIRE(player.exit_code == 0);
  REQUIRE(player.out.find(": 0 spawned, 0 despawned, 2 changed\n") != std::string::npos);
  REQUIRE(player.out.find("entity 2") == std::string::npos);
  auto enemy = f.reel("diff " + f.db + " --entity 2 100 200");  // positionals after it
  REQUIRE(enemy.exit_code == 0);
  REQUIRE(enemy.out.find(": 0 spawned, 1 despawned, 0 changed\n- entity 2 Enemy\n") !=
          std::string::npos);
  auto two = f.reel("diff " + f.db + " 99 100 --entity 3 --entity 2 --json");
  REQUIRE(json_query(f.dir, two.out,
                     "[e['id'] for e in d['spawned']], sorted({c['entity'] for c in "
                     "d['changed']})") == "([3], [2, 3])\n");
  require_bad_input(f.reel("diff " + f.db + " 0 1 --entity 99"),
                    "reel diff: --entity 99: session 'match-1' has no entity 99");
}

TEST_CASE("reel events --entity lists only that entity's events", "[cli][filters]") {
  Fixture f;
  auto jumps = f.reel("events " + f.db + " --entity 1");
  INFO(jumps.err);
  REQUIRE(jumps.exit_code == 0);
  REQUIRE(count_lines(jumps.out) == 1 + 3);
  REQUIRE(jumps.out.find("score") == std::string::npos);
  auto none = f.reel("events " + f.db + " --entity 2");  // an entity without events
  REQUIRE(none.exit_code == 0);
  REQUIRE(count_lines(none.out) == 1);
  auto json = f.reel("events " + f.db + " --entity 2 --entity 1 --from 1s --json");
  REQUIRE(json_query(f.dir, json.out, "[(e['frame'], e['entity']) for e in d['events']]") ==
          "[(90, 1), (210, 1)]\n");
  require_bad_input(f.reel("events " + f.db + " --entity 42"),
                    "reel events: --entity 42: session 'match-1' has no entity 42");
}

TEST_CASE("reel show takes several --property", "[cli][filters]") {
  Fixture f;
  auto both = f.reel("show " + f.db + " --at 120 --property health --property kind");
  INFO(both.err);
  REQUIRE(both.exit_code == 0);
  REQUIRE(both.out.find("entity 1 Player (spawned at frame 0)\n  health = 98\nentity 3") !=
          std::string::npos);
  REQUIRE(both.out.find("  kind = \"coin\"\n") != std::string::npos);
  REQUIRE(both.out.find("position") == std::string::npos);
  REQUIRE(both.out.find("Enemy") == std::string::npos);  // it holds neither
  auto one_entity = f.reel("show " + f.db +
                           " --at 120 --entity 1 --property position "
                           "--property health --json");
  REQUIRE(json_query(f.dir, one_entity.out, "sorted(d['entities'][0]['properties'].keys())") ==
          "['health', 'position']\n");
  require_bad_input(f.reel("show " + f.db + " --at 0 --property health --property mana"),
                    "--property mana: session 'match-1' has no property 'mana'");
}

}  // namespace
}  // namespace reel
