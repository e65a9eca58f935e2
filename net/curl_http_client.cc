#include "net/curl_http_client.h"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "net/content_decoder.h"

namespace mineral::net {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kDefaultUserAgent[] = "mineral-alertd/0.1.0";

// curl_global_init is not thread-safe and must run once before any handle
// exists; a function-local static does that on first use.
void EnsureCurlGlobalInit() {
  static const bool initialized = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)initialized;
}

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// "https://Example.org:443/x" -> "https", "example.org:443".
std::string SchemeOf(std::string_view url) {
  size_t colon = url.find(':');
  if (colon == std::string_view::npos) return "";
  return Lowercase(url.substr(0, colon));
}

bool IsRedirectStatus(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool IsPermanentRedirect(long status) { return status == 301 || status == 308; }

FetchError ClassifyCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return FetchError::kResolve;
    case CURLE_COULDNT_CONNECT:
      return FetchError::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return FetchError::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
      return FetchError::kTls;
    case CURLE_FILESIZE_EXCEEDED:
      return FetchError::kTooLarge;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return FetchError::kUnsupportedScheme;
    case CURLE_FILE_COULDNT_READ_FILE:
    case CURLE_READ_ERROR:
      return FetchError::kFile;
    case CURLE_TOO_MANY_REDIRECTS:
      return FetchError::kTooManyRedirects;
    default:
      return FetchError::kTransfer;
  }
}

}  // namespace

const char* FetchErrorName(FetchError error) {
  switch (error) {
    case FetchError::kNone:
      return "";
    case FetchError::kResolve:
      return "resolve";
    case FetchError::kConnect:
      return "connect";
    case FetchError::kTimeout:
      return "timeout";
    case FetchError::kTls:
      return "tls";
    case FetchError::kTooLarge:
      return "too-large";
    case FetchError::kTooManyRedirects:
      return "too-many-redirects";
    case FetchError::kRedirectLoop:
      return "redirect-loop";
    case FetchError::kTransfer:
      return "transfer";
    case FetchError::kUnsupportedScheme:
      return "unsupported-scheme";
    case FetchError::kFile:
      return "file";
    case FetchError::kCancelled:
      return "cancelled";
  }
  return "transfer";
}

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        }))
      return value;
  }
  return {};
}

std::string CurlVersion() { return curl_version(); }

namespace {

// Where the authority of an absolute URL lies ("user@host:port" after
// "scheme://", up to the path, query or fragment), and where in it the
// host begins (after the last '@').  nullopt without "://".
struct AuthoritySpan {
  size_t start, host, end;
};
std::optional<AuthoritySpan> FindAuthority(std::string_view url) {
  size_t start = url.find("://");
  if (start == std::string_view::npos) return std::nullopt;
  start += 3;
  const size_t end = std::min(url.find_first_of("/?#", start), url.size());
  const size_t at = url.substr(start, end - start).rfind('@');
  return AuthoritySpan{start, at == std::string_view::npos ? start : start + at + 1, end};
}

}  // namespace

std::string UrlAuthority(std::string_view url) {
  const auto span = FindAuthority(url);
  if (!span) return "";
  return Lowercase(url.substr(span->host, span->end - span->host));
}

std::string RedactUrl(std::string_view url) {
  const auto span = FindAuthority(url);
  if (!span || span->host == span->start) return std::string(url);
  return std::string(url.substr(0, span->start)) + "***@" + std::string(url.substr(span->host));
}

// One request, possibly over several redirect hops (each hop is the same easy
// handle, re-added to the multi handle with the next URL).
struct Transfer {
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  HttpRequest request;
  HttpClient::Callback done;
  HttpResponse response;
  std::string url;  // this hop's URL
  // Every hop's URL, for loop detection; filled at the first redirect (most
  // requests have none).
  std::set<std::string> visited;
  bool leading_permanent = true;  // every hop so far was 301/308
  bool body_too_large = false;
  // Content-Encoding is undone here, not by curl (see content_decoder.h):
  // made at the first body byte of each hop from its headers.
  std::unique_ptr<ContentDecoder> decoder;
  std::string body_error;  // why the body could not be decoded
  Clock::time_point start;
  // SMTP transfers (Send) use these instead of request/done/response.
  bool smtp = false;
  SmtpRequest smtp_request;
  SmtpClient::Callback smtp_done;
  SmtpResponse smtp_response;
  curl_slist* recipients = nullptr;
  size_t upload_offset = 0;

  ~Transfer() {
    if (recipients != nullptr) curl_slist_free_all(recipients);
    if (header_list != nullptr) curl_slist_free_all(header_list);
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

// One socket curl uses.  Curl's sockets sit in a level-triggered epoll set
// of our own (Impl::poller), which Asio watches as one descriptor: one wake
// serves every socket that is ready, a socket's interest changes only when
// curl's does, and a connection that goes back to curl's cache stays in the
// set (curl reuses it for the next request) until it is closed.
struct SocketWatch {
  uint32_t want = 0;        // EPOLLIN/EPOLLOUT curl asked for; 0 while idle
  uint32_t registered = 0;  // the events it has in the set
  bool in_set = false;
  // A connection socket (seen by OnCurlSockopt): its close comes through
  // OnCurlClose, so it may stay in the set while idle.  Other sockets (the
  // resolver's) leave the set when curl stops watching them.
  bool tracked = false;
};

struct CurlHttpClient::Impl {
  Impl(boost::asio::io_context& io_context, ClientOptions opts)
      : io(io_context),
        options(std::move(opts)),
        timer(io_context),
        poller(io_context, epoll_create1(EPOLL_CLOEXEC)) {
    if (options.user_agent.empty()) options.user_agent = kDefaultUserAgent;
    EnsureCurlGlobalInit();
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::OnCurlSocket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::OnCurlTimer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, options.max_total_connections);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, options.max_host_connections);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, options.max_cached_connections);
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  }

  ~Impl() {
    CancelAll();
    // Cleanup closes the cached connections through OnCurlSocket(REMOVE)
    // and OnCurlClose; the watches are still here to receive them.
    curl_multi_cleanup(multi);
    for (CURL* easy : idle_easy) curl_easy_cleanup(easy);
    *alive = false;
  }

  // --- curl callbacks (never call back into curl from these) ---

  static int OnCurlSocket(CURL* /*easy*/, curl_socket_t fd, int what, void* userp,
                          void* /*socketp*/) {
    auto* self = static_cast<Impl*>(userp);
    SocketWatch& watch = self->sockets[fd];
    if (what == CURL_POLL_REMOVE) {
      if (watch.tracked) {
        // Idle (in curl's connection cache): it stays in the set, and
        // leaves it when it is closed, or if it wakes while idle.
        self->SetWant(watch, 0);
      } else {
        if (watch.in_set) epoll_ctl(self->poller.native_handle(), EPOLL_CTL_DEL, fd, nullptr);
        self->SetWant(watch, 0);
        self->sockets.erase(fd);
      }
      self->UpdatePollerWait();
      return 0;
    }
    self->SetWant(watch, ((what & CURL_POLL_IN) != 0 ? EPOLLIN : 0u) |
                             ((what & CURL_POLL_OUT) != 0 ? EPOLLOUT : 0u));
    if (!watch.in_set || watch.registered != watch.want) {
      epoll_event ev{};
      ev.events = watch.want;
      ev.data.fd = fd;
      const int poll_fd = self->poller.native_handle();
      if (watch.in_set) {
        epoll_ctl(poll_fd, EPOLL_CTL_MOD, fd, &ev);
      } else if (epoll_ctl(poll_fd, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST) {
        epoll_ctl(poll_fd, EPOLL_CTL_MOD, fd, &ev);
      }
      watch.in_set = true;
      watch.registered = watch.want;
    }
    self->UpdatePollerWait();
    return 0;
  }

  // A new connection socket: from now on its close is ours (OnCurlClose).
  // A socket of the same number still known here was closed without us
  // (which left it out of the set): forget it.
  static int OnCurlSockopt(void* userp, curl_socket_t fd, curlsocktype /*purpose*/) {
    auto* self = static_cast<Impl*>(userp);
    SocketWatch& watch = self->sockets[fd];
    self->SetWant(watch, 0);
    watch = SocketWatch{};
    watch.tracked = true;
    return CURL_SOCKOPT_OK;
  }

  // Curl closes a connection socket; closing takes it out of the set.
  static int OnCurlClose(void* userp, curl_socket_t fd) {
    auto* self = static_cast<Impl*>(userp);
    auto it = self->sockets.find(fd);
    if (it != self->sockets.end()) {
      self->SetWant(it->second, 0);
      self->sockets.erase(it);
      self->UpdatePollerWait();
    }
    return ::close(fd);
  }

  // Under load curl asks for a new timeout after nearly every socket event
  // and every added transfer, and each re-armed Asio timer is a
  // timerfd_settime system call (11 % of the delivery loop's time in a
  // profile).  A timeout that fires early is harmless (curl checks its own
  // deadlines and asks again), so a pending timer that fires no later than
  // asked is kept, and "at once" is a posted handler, not a timer.
  static int OnCurlTimer(CURLM* /*multi*/, long timeout_ms, void* userp) {
    auto* self = static_cast<Impl*>(userp);
    if (timeout_ms < 0) {
      if (self->timer_armed) self->timer.cancel();
      self->timer_armed = false;
      return 0;
    }
    if (timeout_ms == 0) {
      if (self->drive_posted) return 0;
      self->drive_posted = true;
      boost::asio::post(self->io, [self, alive = std::weak_ptr<bool>(self->alive)] {
        if (alive.expired()) return;
        self->drive_posted = false;
        self->Drive(CURL_SOCKET_TIMEOUT, 0);
      });
      return 0;
    }
    const Clock::time_point due = Clock::now() + std::chrono::milliseconds(timeout_ms);
    if (self->timer_armed && self->timer_due <= due) return 0;
    self->timer_armed = true;
    self->timer_due = due;
    self->timer.expires_at(due);
    self->timer.async_wait(
        [self, alive = std::weak_ptr<bool>(self->alive)](const boost::system::error_code& ec) {
          // A replaced or cancelled wait: the timer is someone else's now.
          if (ec || alive.expired()) return;
          self->timer_armed = false;
          self->Drive(CURL_SOCKET_TIMEOUT, 0);
        });
    return 0;
  }

  static size_t OnBody(char* data, size_t size, size_t count, void* userp) {
    auto* transfer = static_cast<Transfer*>(userp);
    size_t n = size * count;
    const std::string_view coding = transfer->response.Header("content-encoding");
    if (!transfer->decoder) {
      transfer->decoder =
          std::make_unique<ContentDecoder>(coding, transfer->request.max_body_bytes);
    }
    // Anything but n aborts the transfer with CURLE_WRITE_ERROR.
    if (!transfer->decoder->supported()) {
      transfer->body_error = "unsupported Content-Encoding '" + std::string(coding) + "'";
      return 0;
    }
    switch (transfer->decoder->Write(std::string_view(data, n), transfer->response.body)) {
      case ContentDecoder::Result::kOk:
        return n;
      case ContentDecoder::Result::kTooLarge:
        transfer->body_too_large = true;
        return 0;
      case ContentDecoder::Result::kCorrupt:
        transfer->body_error = "body is not valid " + std::string(coding);
        return 0;
    }
    return 0;
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* userp) {
    auto* transfer = static_cast<Transfer*>(userp);
    size_t n = size * count;
    std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {
      // A new response begins (an interim 100 Continue, or the real one).
      transfer->response.headers.clear();
      transfer->decoder.reset();
      return n;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return n;  // the blank line, or junk
    transfer->response.headers.emplace_back(Lowercase(TrimSpace(line.substr(0, colon))),
                                            std::string(TrimSpace(line.substr(colon + 1))));
    return n;
  }

  // --- Asio side ---

  // Keeps `wanted` (sockets curl watches) in step with the watches.
  void SetWant(SocketWatch& watch, uint32_t want) {
    wanted += (want != 0 ? 1 : 0) - (watch.want != 0 ? 1 : 0);
    watch.want = want;
  }

  // The set is waited on while curl watches a socket, and not otherwise: a
  // pending wait would keep the io_context's run() from returning.
  void UpdatePollerWait() {
    if (wanted > 0 && !poller_waiting) {
      poller_waiting = true;
      poller.async_wait(
          boost::asio::posix::stream_descriptor::wait_read,
          [this, alive = std::weak_ptr<bool>(alive)](const boost::system::error_code& ec) {
            // Cancelled: poller_waiting was cleared then, and a new wait may
            // be pending already.
            if (ec || alive.expired()) return;
            poller_waiting = false;
            OnPollerReady();
          });
    } else if (wanted == 0 && poller_waiting) {
      poller_waiting = false;
      boost::system::error_code ignored;
      poller.cancel(ignored);
    }
  }

  // Every ready socket to curl, then the wait again.  The set is
  // level-triggered: a socket curl left bytes unread on is ready again at
  // once, and so is the set.
  void OnPollerReady() {
    epoll_event events[64];
    const int n = epoll_wait(poller.native_handle(), events, 64, 0);
    for (int i = 0; i < n; ++i) {
      const curl_socket_t fd = events[i].data.fd;
      auto it = sockets.find(fd);
      if (it == sockets.end()) continue;
      SocketWatch& watch = it->second;
      if (watch.want == 0) {
        // An idle connection woke (the server closed it, most likely):
        // out of the set until curl asks for it again, or closes it.
        epoll_ctl(poller.native_handle(), EPOLL_CTL_DEL, fd, nullptr);
        watch.in_set = false;
        watch.registered = 0;
        continue;
      }
      const uint32_t got = events[i].events;
      int select = 0;
      if ((got & EPOLLIN) != 0) select |= CURL_CSELECT_IN;
      if ((got & EPOLLOUT) != 0) select |= CURL_CSELECT_OUT;
      if ((got & (EPOLLERR | EPOLLHUP)) != 0) {
        // Let curl find out what happened by the way it is waiting.
        if ((watch.want & EPOLLIN) != 0) select |= CURL_CSELECT_IN;
        if ((watch.want & EPOLLOUT) != 0) select |= CURL_CSELECT_OUT;
        if ((got & EPOLLERR) != 0) select |= CURL_CSELECT_ERR;
      }
      int running = 0;
      curl_multi_socket_action(multi, fd, select, &running);
    }
    CollectDone();
    UpdatePollerWait();
  }

  void Drive(curl_socket_t fd, int events) {
    int running = 0;
    curl_multi_socket_action(multi, fd, events, &running);
    CollectDone();
  }

  void CollectDone() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;
      auto it = transfers.find(easy);
      if (it == transfers.end()) continue;
      curl_multi_remove_handle(multi, easy);
      Transfer& transfer = *it->second;
      if (transfer.smtp) {
        FinishSmtp(it, code);
        continue;
      }
      if (code == CURLE_OK && FollowRedirect(transfer)) continue;
      Finish(it, code);
    }
  }

  // After a hop answered 3xx: points the transfer at the next URL and
  // re-adds it.  False when the answer is final (not a redirect) or the
  // redirect is refused, with the reason in the response.
  bool FollowRedirect(Transfer& transfer) {
    long status = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
    if (!IsRedirectStatus(status)) return false;
    char* target_c = nullptr;
    curl_easy_getinfo(transfer.easy, CURLINFO_REDIRECT_URL, &target_c);
    if (target_c == nullptr) return false;  // 3xx without Location: a final answer
    std::string target = target_c;
    HttpResponse& response = transfer.response;
    if (static_cast<int>(response.redirects.size()) >= transfer.request.max_redirects) {
      response.error = FetchError::kTooManyRedirects;
      response.error_message = "more than " + std::to_string(transfer.request.max_redirects) +
                               " redirects from " + UrlAuthority(transfer.request.url);
      return false;
    }
    std::string scheme = SchemeOf(target);
    if (scheme != "http" && scheme != "https") {
      // Never let a web server point us at file:// or another protocol.
      response.error = FetchError::kUnsupportedScheme;
      response.error_message = "redirect to unsupported scheme '" + scheme + "'";
      return false;
    }
    if (transfer.visited.empty()) transfer.visited.insert(transfer.url);  // the first hop
    if (transfer.visited.contains(target)) {
      response.error = FetchError::kRedirectLoop;
      response.error_message = "redirect loop at " + target;
      return false;
    }
    response.redirects.push_back({static_cast<int>(status), transfer.url, target});
    if (transfer.leading_permanent && IsPermanentRedirect(status)) {
      response.permanent_url = target;
    } else {
      transfer.leading_permanent = false;
    }
    bool same_host = UrlAuthority(target) == UrlAuthority(transfer.url);
    transfer.url = target;
    transfer.visited.insert(target);
    response.body.clear();
    response.headers.clear();
    if (status == 303) {
      transfer.request.method = "GET";
      transfer.request.body.clear();
    }
    if (!same_host) {
      // A feed's extra headers (API keys, validators for the old URL) are
      // for the host they were configured for.
      transfer.request.headers.clear();
    }
    if (!Configure(transfer)) return false;
    curl_multi_add_handle(multi, transfer.easy);
    return true;
  }

  // Verification, and where the trusted CAs come from.  Debian's libcurl
  // also has a CA directory (--with-ca-path=/etc/ssl/certs), and with one
  // set libcurl does not cache the CA store: every handshake parsed the
  // whole bundle again, ~140 PEM certificates, which under OpenSSL 3 took
  // 40 % of the daemon's CPU in the faulty-feeds scenario
  // (docs/reliability.md).  Without the directory the store is built once
  // per multi handle and kept (CURLOPT_CA_CACHE_TIMEOUT, 24 h by default).
  void ConfigureTls(CURL* easy, bool verify) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    curl_easy_setopt(easy, CURLOPT_CAPATH, nullptr);
    if (!options.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
  }

  // Every transfer's: the sockets its connections open and close are
  // reported to us (see SocketWatch).
  void ConfigureSockets(CURL* easy) {
    curl_easy_setopt(easy, CURLOPT_SOCKOPTFUNCTION, &Impl::OnCurlSockopt);
    curl_easy_setopt(easy, CURLOPT_SOCKOPTDATA, this);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &Impl::OnCurlClose);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
  }

  // Sets every option for the transfer's current hop.
  bool Configure(Transfer& t) {
    CURL* easy = t.easy;
    const HttpRequest& r = t.request;
    curl_easy_setopt(easy, CURLOPT_URL, t.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);  // redirects are ours: FollowRedirect
    // gzip and deflate, decoded by OnBody (ContentDecoder), which notices a
    // compressed stream cut short; curl's decoders do not.
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
    curl_easy_setopt(easy, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(easy, CURLOPT_USERAGENT,
                     r.user_agent.empty() ? options.user_agent.c_str() : r.user_agent.c_str());
    ConfigureSockets(easy);
    ConfigureTls(easy, r.verify_tls);
    if (!r.proxy.empty()) curl_easy_setopt(easy, CURLOPT_PROXY, r.proxy.c_str());

    // Deadlines: the total covers the whole redirect chain.
    auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t.start);
    auto remaining = r.total_timeout - spent;
    if (remaining.count() <= 0) {
      t.response.error = FetchError::kTimeout;
      t.response.error_message = "deadline passed while following redirects";
      return false;
    }
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining.count()));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(r.low_speed_bytes));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(r.low_speed_time.count()));
    // A Content-Length above the limit fails before the body arrives; OnBody
    // enforces the same limit on decoded bytes.
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(r.max_body_bytes));

    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Impl::OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);

    if (t.header_list != nullptr) {
      curl_slist_free_all(t.header_list);
      t.header_list = nullptr;
    }
    for (const auto& [name, value] : r.headers) {
      // curl copies the line: one buffer serves every header.
      header_line.assign(name).append(": ").append(value);
      t.header_list = curl_slist_append(t.header_list, header_line.c_str());
    }
    if (r.method != "GET") {
      // libcurl 7.x sends "Expect: 100-continue" for bodies over 1 KiB and
      // then waits up to a second for a 100 that many servers never send;
      // a webhook body is small enough to send at once (curl 8 does so).
      t.header_list = curl_slist_append(t.header_list, "Expect:");
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t.header_list);

    if (r.method == "GET") {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, nullptr);
    } else {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.data());
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST,
                       r.method == "POST" ? nullptr : r.method.c_str());
    }
    return true;
  }

  void Finish(std::map<CURL*, std::unique_ptr<Transfer>>::iterator it, CURLcode code) {
    std::unique_ptr<Transfer> transfer = std::move(it->second);
    transfers.erase(it);
    HttpResponse& response = transfer->response;
    response.final_url = transfer->url;
    response.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - transfer->start);
    if (response.error == FetchError::kNone && code != CURLE_OK) {
      if (transfer->body_too_large || code == CURLE_FILESIZE_EXCEEDED) {
        response.error = FetchError::kTooLarge;
        response.error_message = "body larger than " +
                                 std::to_string(transfer->request.max_body_bytes) + " bytes from " +
                                 UrlAuthority(transfer->url);
      } else if (!transfer->body_error.empty()) {
        response.error = FetchError::kTransfer;
        response.error_message = transfer->body_error + " (" + UrlAuthority(transfer->url) + ")";
      } else {
        response.error = ClassifyCurlError(code);
        const char* detail = curl_easy_strerror(code);
        response.error_message =
            std::string(detail) + " (" +
            (SchemeOf(transfer->url) == "file" ? transfer->url : UrlAuthority(transfer->url)) + ")";
      }
    }
    if (response.error == FetchError::kNone && transfer->decoder &&
        !transfer->decoder->Complete()) {
      response.error = FetchError::kTransfer;
      response.error_message = "truncated body: the " +
                               std::string(response.Header("content-encoding")) +
                               " stream ends early (" + UrlAuthority(transfer->url) + ")";
    }
    if (response.error == FetchError::kNone) {
      long status = 0;
      curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &status);
      // file:// has no status line; a file that was read is a 200.
      response.status =
          status == 0 && SchemeOf(transfer->url) == "file" ? 200 : static_cast<int>(status);
      long version = 0;
      curl_easy_getinfo(transfer->easy, CURLINFO_HTTP_VERSION, &version);
      response.http_version = version == CURL_HTTP_VERSION_2_0   ? "2"
                              : version == CURL_HTTP_VERSION_1_0 ? "1.0"
                              : version == CURL_HTTP_VERSION_1_1 ? "1.1"
                                                                 : "";
    } else {
      response.status = 0;
      response.body.clear();
    }
    Complete(std::move(transfer));
  }

  // Runs the caller's callback later, from the loop, never from inside curl.
  void Complete(std::unique_ptr<Transfer> transfer) {
    boost::asio::post(
        io, [done = std::move(transfer->done), response = std::move(transfer->response)]() mutable {
          done(std::move(response));
        });
    Recycle(*transfer);
  }

  // An easy handle for a new transfer: a finished one, reset, when there is
  // one (it keeps its buffers: a fresh handle allocates them anew, and
  // under load that allocation and its page faults cost as much as the
  // request), else a new one.
  CURL* TakeEasy() {
    if (idle_easy.empty()) return curl_easy_init();
    CURL* easy = idle_easy.back();
    idle_easy.pop_back();
    return easy;
  }

  // The transfer's handle back to the pool (it is out of the multi handle).
  // At most as many as were in flight at once are kept, up to kMaxIdleEasy.
  void Recycle(Transfer& transfer) {
    static constexpr size_t kMaxIdleEasy = 32;
    if (transfer.easy == nullptr || idle_easy.size() >= kMaxIdleEasy) return;
    curl_easy_reset(transfer.easy);
    idle_easy.push_back(std::exchange(transfer.easy, nullptr));
  }

  void Start(HttpRequest request, Callback done) {
    auto transfer = std::make_unique<Transfer>();
    transfer->request = std::move(request);
    transfer->done = std::move(done);
    transfer->url = transfer->request.url;
    transfer->start = Clock::now();
    transfer->easy = TakeEasy();
    if (transfer->easy == nullptr) {
      transfer->response.error = FetchError::kTransfer;
      transfer->response.error_message = "curl_easy_init failed";
      Complete(std::move(transfer));
      return;
    }
    std::string scheme = SchemeOf(transfer->url);
    if (scheme != "http" && scheme != "https" && scheme != "file") {
      transfer->response.error = FetchError::kUnsupportedScheme;
      transfer->response.error_message = "unsupported URL scheme '" + scheme + "'";
      Complete(std::move(transfer));
      return;
    }
    Configure(*transfer);
    CURL* easy = transfer->easy;
    transfers.emplace(easy, std::move(transfer));
    // Adding sets a 0 ms timeout through OnCurlTimer: the transfer starts
    // from the loop, after Fetch has returned.
    curl_multi_add_handle(multi, easy);
  }

  // --- SMTP ---

  static size_t OnUpload(char* buffer, size_t size, size_t count, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    const std::string& message = t->smtp_request.message;
    size_t n = std::min(size * count, message.size() - t->upload_offset);
    std::memcpy(buffer, message.data() + t->upload_offset, n);
    t->upload_offset += n;
    return n;
  }

  static size_t Discard(char* /*data*/, size_t size, size_t count, void* /*userp*/) {
    return size * count;
  }

  void ConfigureSmtp(Transfer& t) {
    CURL* easy = t.easy;
    const SmtpRequest& r = t.smtp_request;
    curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    // smtp:// with require_tls: STARTTLS or nothing (CURLUSESSL_ALL fails
    // with CURLE_USE_SSL_FAILED when the server does not offer it).
    curl_easy_setopt(easy, CURLOPT_USE_SSL,
                     static_cast<long>(r.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    ConfigureSockets(easy);
    ConfigureTls(easy, r.verify_tls);
    std::string from = "<" + r.mail_from + ">";
    curl_easy_setopt(easy, CURLOPT_MAIL_FROM, from.c_str());  // curl copies it
    for (const std::string& rcpt : r.recipients) {
      t.recipients = curl_slist_append(t.recipients, ("<" + rcpt + ">").c_str());
    }
    curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, t.recipients);
    if (!r.username.empty()) {
      curl_easy_setopt(easy, CURLOPT_USERNAME, r.username.c_str());
      curl_easy_setopt(easy, CURLOPT_PASSWORD, r.password.c_str());
    }
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, &Impl::OnUpload);
    curl_easy_setopt(easy, CURLOPT_READDATA, &t);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(r.message.size()));
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::Discard);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(r.total_timeout.count()));
  }

  void StartSmtp(SmtpRequest request, SmtpClient::Callback done) {
    auto transfer = std::make_unique<Transfer>();
    transfer->smtp = true;
    transfer->smtp_request = std::move(request);
    transfer->smtp_done = std::move(done);
    transfer->url = transfer->smtp_request.url;
    transfer->start = Clock::now();
    std::string scheme = SchemeOf(transfer->url);
    transfer->easy = scheme == "smtp" || scheme == "smtps" ? TakeEasy() : nullptr;
    if (transfer->easy == nullptr) {
      transfer->smtp_response.error = FetchError::kUnsupportedScheme;
      transfer->smtp_response.error_message = "unsupported mail URL scheme '" + scheme + "'";
      CompleteSmtp(std::move(transfer));
      return;
    }
    ConfigureSmtp(*transfer);
    CURL* easy = transfer->easy;
    transfers.emplace(easy, std::move(transfer));
    curl_multi_add_handle(multi, easy);
  }

  void FinishSmtp(std::map<CURL*, std::unique_ptr<Transfer>>::iterator it, CURLcode code) {
    std::unique_ptr<Transfer> transfer = std::move(it->second);
    transfers.erase(it);
    SmtpResponse& response = transfer->smtp_response;
    long reply = 0;
    curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &reply);
    response.code = static_cast<int>(reply);
    response.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - transfer->start);
    if (code != CURLE_OK) {
      response.error = code == CURLE_USE_SSL_FAILED ? FetchError::kTls : ClassifyCurlError(code);
      response.error_message =
          std::string(curl_easy_strerror(code)) + " (" + UrlAuthority(transfer->url) + ")";
      if (code == CURLE_USE_SSL_FAILED) {
        response.error_message = "the server does not offer STARTTLS and starttls is required (" +
                                 UrlAuthority(transfer->url) + ")";
      }
      if (response.code != 0) response.error_message += ", reply " + std::to_string(response.code);
    }
    CompleteSmtp(std::move(transfer));
  }

  void CompleteSmtp(std::unique_ptr<Transfer> transfer) {
    boost::asio::post(io, [done = std::move(transfer->smtp_done),
                           response = std::move(transfer->smtp_response)]() mutable {
      done(std::move(response));
    });
    Recycle(*transfer);
  }

  void CancelAll() {
    auto pending = std::move(transfers);
    transfers.clear();
    for (auto& [easy, transfer] : pending) {
      curl_multi_remove_handle(multi, easy);
      if (transfer->smtp) {
        transfer->smtp_response = SmtpResponse{};
        transfer->smtp_response.error = FetchError::kCancelled;
        transfer->smtp_response.error_message = "cancelled";
        CompleteSmtp(std::move(transfer));
        continue;
      }
      transfer->response = HttpResponse{};
      transfer->response.error = FetchError::kCancelled;
      transfer->response.error_message = "cancelled";
      transfer->response.final_url = transfer->url;
      Complete(std::move(transfer));
    }
  }

  boost::asio::io_context& io;
  ClientOptions options;
  CURLM* multi = nullptr;
  boost::asio::steady_timer timer;
  bool timer_armed = false;  // a wait is pending on `timer`, due at timer_due
  Clock::time_point timer_due;
  bool drive_posted = false;     // a Drive(CURL_SOCKET_TIMEOUT) is posted
  std::vector<CURL*> idle_easy;  // finished handles, reset, for the next transfers
  std::string header_line;       // Configure's, reused
  // Curl's sockets, in a level-triggered epoll set of our own (see
  // SocketWatch), which is waited on while `wanted` > 0.
  boost::asio::posix::stream_descriptor poller;
  bool poller_waiting = false;
  int wanted = 0;  // sockets curl watches now
  std::unordered_map<curl_socket_t, SocketWatch> sockets;
  std::map<CURL*, std::unique_ptr<Transfer>> transfers;
  // Handlers posted to the loop check this before touching the client.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
};

CurlHttpClient::CurlHttpClient(boost::asio::io_context& io, ClientOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}

CurlHttpClient::~CurlHttpClient() = default;

void CurlHttpClient::Fetch(HttpRequest request, Callback done) {
  impl_->Start(std::move(request), std::move(done));
}

void CurlHttpClient::Send(SmtpRequest request, SmtpClient::Callback done) {
  impl_->StartSmtp(std::move(request), std::move(done));
}

void CurlHttpClient::CancelAll() { impl_->CancelAll(); }

size_t CurlHttpClient::InFlight() const { return impl_->transfers.size(); }

}  // namespace mineral::net
