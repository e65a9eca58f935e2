#include "model/status.h"

namespace mineral {

std::string Status::ToString() const {
  const char* prefix = "ok";
  switch (code_) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      prefix = "invalid argument";
      break;
    case Code::kParseError:
      prefix = "parse error";
      break;
    case Code::kTooLarge:
      prefix = "too large";
      break;
    case Code::kUnsupported:
      prefix = "unsupported";
      break;
    case Code::kNotFound:
      prefix = "not found";
      break;
    case Code::kIoError:
      prefix = "I/O error";
      break;
  }
  return std::string(prefix) + ": " + message_;
}

}  // namespace mineral
