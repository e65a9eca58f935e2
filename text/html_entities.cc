// The HTML5 named character references, as a sorted constant array.
//
// A constexpr array of string_views needs no construction at startup and no
// allocation; 2125 sorted names take at most 12 comparisons to search.

#include <algorithm>
#include <string_view>

#include "text/text.h"

namespace mineral::text {
namespace {

struct Entity {
  std::string_view name;   // without '&' and ';'
  std::string_view value;  // UTF-8
  bool legacy;             // also recognised without the ';'
};

constexpr Entity kEntities[] = {
#include "text/html_entities.inc"
};

constexpr bool IsSortedByName() {
  for (size_t i = 1; i < std::size(kEntities); ++i) {
    if (!(kEntities[i - 1].name < kEntities[i].name)) return false;
  }
  return true;
}
static_assert(IsSortedByName(), "scripts/gen_html_entities.py must sort the table");

const Entity* Find(std::string_view name) {
  // Names are 2 to 31 bytes; anything else cannot match, so skip the search.
  if (name.size() < 2 || name.size() > 31) return nullptr;
  const Entity* end = std::end(kEntities);
  const Entity* it = std::lower_bound(
      std::begin(kEntities), end, name,
      [](const Entity& entity, std::string_view key) { return entity.name < key; });
  return it != end && it->name == name ? it : nullptr;
}

}  // namespace

std::string_view LookupHtmlEntity(std::string_view name) {
  const Entity* entity = Find(name);
  return entity ? entity->value : std::string_view();
}

std::string_view LookupLegacyHtmlEntity(std::string_view name) {
  const Entity* entity = Find(name);
  return entity && entity->legacy ? entity->value : std::string_view();
}

}  // namespace mineral::text
