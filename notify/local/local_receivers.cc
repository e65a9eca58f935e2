#include "notify/local/local_receivers.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ostream>

#include "notify/format.h"
#include "model/json_out.h"
#include "notify/webhook/payload.h"

namespace mineral::notify {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::chrono::milliseconds Since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
}

std::string FileLine(const Message& message, const Alert& alert) {
  JsonOut j;
  j.w().StartObject();
  j.Str("receiver", message.receiver);
  j.Str("message_id", message.id);
  j.Key("alert");
  std::string object = webhook::RenderAlertObject(alert);
  j.w().RawValue(object.data(), object.size(), rapidjson::kObjectType);
  j.w().EndObject();
  return j.Take() + "\n";
}

}  // namespace

FileReceiver::FileReceiver(std::string id, std::string path)
    : id_(std::move(id)), path_(std::move(path)) {}

void FileReceiver::Send(const Message& message, Callback done) {
  auto start = SteadyClock::now();
  std::string lines;
  for (const Alert& a : message.alerts) lines += FileLine(message, a);
  DeliveryResult result;
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    result.error = path_ + ": " + std::strerror(errno);
  } else {
    size_t written = 0;
    while (written < lines.size()) {
      ssize_t n = ::write(fd, lines.data() + written, lines.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      written += static_cast<size_t>(n);
    }
    if (written < lines.size()) {
      result.error = path_ + ": write: " + std::strerror(errno);
    } else if (::fsync(fd) != 0) {
      result.error = path_ + ": fsync: " + std::strerror(errno);
    } else {
      result.ok = true;
    }
    ::close(fd);
  }
  result.latency = Since(start);
  done(std::move(result));
}

ConsoleReceiver::ConsoleReceiver(std::string id, std::ostream& out)
    : id_(std::move(id)), out_(out) {}

void ConsoleReceiver::Send(const Message& message, Callback done) {
  auto start = SteadyClock::now();
  for (const Alert& a : message.alerts) out_ << ConsoleLine(a) << "\n";
  out_.flush();
  DeliveryResult result;
  result.ok = static_cast<bool>(out_);
  if (!result.ok) result.error = "console: write failed";
  result.latency = Since(start);
  done(std::move(result));
}

std::string ConsoleLine(const Alert& alert) {
  std::string line = "[" + SeverityLabel(alert.severity) + "] " + alert.rule_id + ": ";
  if (alert.amended) line += "(amended) ";
  if (!alert.items.empty()) {
    const AlertItem& item = alert.items.front();
    line += item.title + " (" + SourceName(item);
    if (!item.origin.empty()) line += " via " + item.feed;
    line += ")";
    if (!item.link.empty()) line += " " + item.link;
  }
  std::string terms = MatchedTermsList(alert);
  if (!terms.empty()) line += " \xE2\x80\x94 matched " + terms;
  return line;
}

}  // namespace mineral::notify
