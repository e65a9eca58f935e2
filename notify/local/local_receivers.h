// The local kinds, for the demo and for people who pipe alerts elsewhere:
//   FileReceiver     appends one JSON object per alert (webhook::RenderAlertObject
//                    plus the receiver and message id) to a file and fsyncs it
//   ConsoleReceiver  writes one readable line per alert to a stream (stdout)
// Both complete inside Send (a local write does not need the loop).
#pragma once

#include <iosfwd>
#include <string>

#include "notify/receiver.h"

namespace mineral::notify {

class FileReceiver final : public Receiver {
 public:
  FileReceiver(std::string id, std::string path);
  const std::string& id() const override { return id_; }
  // Opens, appends, fsyncs and closes: a line is either whole on disk when
  // `done` reports ok, or the attempt failed (and is retried: a reader
  // dedupes by idempotency_key).  Directory missing or disk full: retryable.
  void Send(const Message& message, Callback done) override;

 private:
  std::string id_;
  std::string path_;
};

class ConsoleReceiver final : public Receiver {
 public:
  ConsoleReceiver(std::string id, std::ostream& out);
  const std::string& id() const override { return id_; }
  void Send(const Message& message, Callback done) override;

 private:
  std::string id_;
  std::ostream& out_;
};

// "[CRITICAL] china-gallium: China restricts gallium exports (Reuters via
// google-news) https://... — matched gallium, export licence" (pure).
std::string ConsoleLine(const Alert& alert);

}  // namespace mineral::notify
