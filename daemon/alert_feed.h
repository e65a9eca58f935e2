// The alerts themselves as feeds, so a person can subscribe to them in any
// feed reader: JSON Feed 1.1 (/alerts.json) and Atom 1.0 (/alerts.atom),
// newest first.  Pure renderers over stored alerts.
#pragma once

#include <string>
#include <vector>

#include "storage/store.h"

namespace mineral::daemon {

// `self_url` is where the feed is served ("http://127.0.0.1:9187/alerts.json").
std::string RenderAlertsJsonFeed(const std::vector<storage::AlertRecord>& alerts,
                                 const std::string& self_url);
std::string RenderAlertsAtom(const std::vector<storage::AlertRecord>& alerts,
                             const std::string& self_url, UtcTime updated);

// "[critical] gallium-export: China bans gallium exports" — the title both use.
std::string AlertTitle(const storage::AlertRecord& alert);

}  // namespace mineral::daemon
