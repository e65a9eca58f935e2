// The HTML5 named character references, as a sorted constant array.
//
// A constexpr array of string_views needs no construction at startup and no
// allocation; a hash index built at compile time finds a name in it.

#include <algorithm>
#include <cstdint>
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

// FNV-1a: cheap, and spreads the names well enough for the table below.
constexpr uint32_t HashName(std::string_view name) {
  uint32_t h = 2166136261u;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

// An open-addressing index over kEntities, built at compile time: a lookup
// hashes the name once and compares it with about one entry, where a binary
// search over the sorted names compared a dozen (feeds look names up for
// every &mdash; and &rsquo;).
class EntityIndex {
 public:
  static constexpr size_t kSlots = 8192;  // a power of two, a quarter full

  constexpr EntityIndex() {
    for (size_t k = 0; k < std::size(kEntities); ++k) {
      size_t h = HashName(kEntities[k].name) & (kSlots - 1);
      while (slots_[h] != 0) h = (h + 1) & (kSlots - 1);
      slots_[h] = static_cast<uint16_t>(k + 1);
    }
  }

  const Entity* Find(std::string_view name) const {
    for (size_t h = HashName(name) & (kSlots - 1); slots_[h] != 0; h = (h + 1) & (kSlots - 1)) {
      const Entity& entity = kEntities[slots_[h] - 1];
      if (entity.name == name) return &entity;
    }
    return nullptr;
  }

 private:
  uint16_t slots_[kSlots]{};  // index + 1 into kEntities; 0 = empty
};

constexpr EntityIndex kIndex;

const Entity* Find(std::string_view name) {
  // Names are 2 to 31 bytes; anything else cannot match, so skip the search.
  if (name.size() < 2 || name.size() > 31) return nullptr;
  return kIndex.Find(name);
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
