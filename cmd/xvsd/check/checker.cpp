// SPDX-License-Identifier: Apache-2.0
#include "check/checker.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "check/dns.hpp"

namespace xvsd {

std::string describe(const Probe& p) {
  std::string where = p.address.is6() ? fmt::format("[{}]:{}", p.address.to_string(), p.port)
                                      : fmt::format("{}:{}", p.address.to_string(), p.port);
  if (p.type == CheckType::http || p.type == CheckType::https)
    return fmt::format("{} {}{}", to_string(p.type), where, p.path);
  return fmt::format("{} {}", to_string(p.type), where);
}

namespace {

using Clock = std::chrono::steady_clock;

struct CurlGlobal {
  CurlGlobal() {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw std::runtime_error("curl_global_init failed");
  }
};

sockaddr_storage sockaddr_of(const xvs::IPAddr& a, std::uint16_t port, socklen_t& len) {
  sockaddr_storage ss{};
  if (a.is4()) {
    auto* s = reinterpret_cast<sockaddr_in*>(&ss);
    s->sin_family = AF_INET;
    s->sin_port = htons(port);
    std::memcpy(&s->sin_addr, a.bytes().data(), 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(port);
    std::memcpy(&s->sin6_addr, a.bytes().data(), 16);
    len = sizeof(sockaddr_in6);
  }
  return ss;
}

std::string url_host(const xvs::IPAddr& a) {
  return a.is6() ? "[" + a.to_string() + "]" : a.to_string();
}

}  // namespace

// One probe in flight.
struct Op {
  std::uint64_t job = 0;
  std::uint64_t generation = 0;
  Probe probe;
  Clock::time_point start, deadline;
  int fd = -1;                  // own socket (syn, dns, dnstcp)
  CURL* easy = nullptr;         // http, https
  curl_slist* headers = nullptr;
  std::string connect_to;
  curl_slist* connect_list = nullptr;
  // dns
  dns::Question question;
  std::uint16_t dns_id = 0;
  std::vector<std::uint8_t> out, in;
  bool connected = false;
  std::multimap<Clock::time_point, Op*>::iterator timer;
  bool timed = false;
};

class Checker::Loop {
public:
  Loop(Checker& owner, Callback cb) : owner_(owner), callback_(std::move(cb)) {
    static CurlGlobal global;
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_ < 0 || wake_ < 0) throw std::runtime_error("checker: epoll/eventfd failed");
    watch_fd(wake_, EPOLLIN);
    multi_ = curl_multi_init();
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Loop::curl_socket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Loop::curl_timer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    thread_ = std::thread([this] { run(); });
  }

  ~Loop() {
    stop_ = true;
    wake();
    thread_.join();
    for (auto& [fd, op] : fd_ops_) finish_quietly(op);
    for (auto& [easy, op] : curl_ops_) {
      curl_multi_remove_handle(multi_, easy);
      release(op);
    }
    curl_multi_cleanup(multi_);
    close(wake_);
    close(epoll_);
  }

  void set(std::vector<CheckJob> jobs) {
    {
      std::lock_guard lock(pending_mutex_);
      pending_ = std::move(jobs);
    }
    wake();
  }

private:
  struct JobState {
    CheckJob job;
    std::uint64_t generation = 0;
    Clock::time_point next;
    bool in_flight = false;
  };

  void wake() {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(wake_, &one, sizeof one);
  }

  // Watches fd for `events`, whether or not it is registered already (a descriptor number
  // can also come back before its old registration is gone).
  void watch_fd(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) < 0 && errno == EEXIST)
      epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
  }

  static int curl_socket(CURL*, curl_socket_t s, int what, void* userp, void*) {
    auto* self = static_cast<Loop*>(userp);
    if (what == CURL_POLL_REMOVE) {
      epoll_ctl(self->epoll_, EPOLL_CTL_DEL, s, nullptr);
      self->curl_fds_.erase(s);
      return 0;
    }
    std::uint32_t ev = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    self->curl_fds_.insert(s);
    self->watch_fd(s, ev);
    return 0;
  }

  static int curl_timer(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<Loop*>(userp);
    if (timeout_ms < 0) self->curl_deadline_.reset();
    else self->curl_deadline_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
    return 0;
  }

  void apply_pending() {
    std::optional<std::vector<CheckJob>> jobs;
    {
      std::lock_guard lock(pending_mutex_);
      if (!pending_) return;
      jobs = std::move(pending_);
      pending_.reset();
    }
    std::unordered_map<std::uint64_t, JobState> next;
    auto now = Clock::now();
    std::size_t i = 0, n = jobs->size();
    for (auto& job : *jobs) {
      auto it = jobs_.find(job.id);
      if (it != jobs_.end()) {
        JobState s = std::move(it->second);
        s.job = std::move(job);
        next.emplace(s.job.id, std::move(s));
        continue;
      }
      // New jobs start within the first half second, spread out rather than all at once.
      auto spread = std::min<std::chrono::milliseconds>(job.interval, std::chrono::milliseconds(500));
      JobState s{std::move(job), ++generation_, now + spread * i++ / std::max<std::size_t>(n, 1)};
      queue_.push({s.next, s.job.id, s.generation});
      next.emplace(s.job.id, std::move(s));
    }
    jobs_ = std::move(next);
  }

  void run() {
    std::vector<epoll_event> events(256);
    while (!stop_) {
      apply_pending();
      auto now = Clock::now();
      start_due(now);
      expire(now);
      if (curl_deadline_ && *curl_deadline_ <= now) {
        curl_deadline_.reset();
        int running = 0;
        curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
        curl_done();
      }
      int wait_ms = timeout_ms(Clock::now());
      int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), wait_ms);
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        std::uint32_t ev = events[i].events;
        if (fd == wake_) {
          std::uint64_t v;
          [[maybe_unused]] auto r = read(wake_, &v, sizeof v);
        } else if (auto it = fd_ops_.find(fd); it != fd_ops_.end()) {
          step(it->second, ev);
        } else if (curl_fds_.contains(fd)) {
          int flags = (ev & EPOLLIN ? CURL_CSELECT_IN : 0) | (ev & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                      (ev & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
          int running = 0;
          curl_multi_socket_action(multi_, fd, flags, &running);
          curl_done();
        }
      }
    }
  }

  int timeout_ms(Clock::time_point now) {
    Clock::time_point next = now + std::chrono::seconds(1);
    if (!queue_.empty()) next = std::min(next, queue_.top().at);
    if (!timers_.empty()) next = std::min(next, timers_.begin()->first);
    if (curl_deadline_) next = std::min(next, *curl_deadline_);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
    return ms <= 0 ? 0 : static_cast<int>(ms + 1);
  }

  void start_due(Clock::time_point now) {
    // Collected first: a probe that fails at once is rescheduled into the same queue.
    std::vector<Due> due;
    while (!queue_.empty() && queue_.top().at <= now) {
      due.push_back(queue_.top());
      queue_.pop();
    }
    for (const Due& d : due) {
      auto it = jobs_.find(d.id);
      if (it == jobs_.end() || it->second.generation != d.generation || it->second.in_flight)
        continue;
      it->second.in_flight = true;
      it->second.next = d.at + it->second.job.interval;
      start(it->second, now);
    }
  }

  void start(JobState& s, Clock::time_point now) {
    auto* op = new Op;
    op->job = s.job.id;
    op->generation = s.generation;
    op->probe = s.job.probe;
    op->start = now;
    op->deadline = now + op->probe.timeout;
    switch (op->probe.type) {
      case CheckType::http:
      case CheckType::https: start_curl(op); break;
      case CheckType::syn:
      case CheckType::dnstcp: start_stream(op); break;
      case CheckType::dns: start_datagram(op); break;
    }
  }

  void arm_timer(Op* op) {
    op->timer = timers_.emplace(op->deadline, op);
    op->timed = true;
  }

  int open_socket(Op* op, int type) {
    int family = op->probe.address.is4() ? AF_INET : AF_INET6;
    int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      finish(op, false, fmt::format("socket: {}", std::strerror(errno)));
      return -1;
    }
    op->fd = fd;
    return fd;
  }

  void start_stream(Op* op) {
    int fd = open_socket(op, SOCK_STREAM);
    if (fd < 0) return;
    // Close with a reset: thousands of checks a second would otherwise pile up TIME_WAIT.
    linger lg{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    socklen_t len = 0;
    auto sa = sockaddr_of(op->probe.address, op->probe.port, len);
    if (op->probe.type == CheckType::dnstcp && !prepare_dns(op, true)) return;
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), len) < 0 && errno != EINPROGRESS) {
      finish(op, false, fmt::format("connect: {}", std::strerror(errno)));
      return;
    }
    fd_ops_[fd] = op;
    watch_fd(fd, EPOLLOUT);
    arm_timer(op);
  }

  void start_datagram(Op* op) {
    int fd = open_socket(op, SOCK_DGRAM);
    if (fd < 0 || !prepare_dns(op, false)) return;
    socklen_t len = 0;
    auto sa = sockaddr_of(op->probe.address, op->probe.port, len);
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), len) < 0 ||
        send(fd, op->out.data(), op->out.size(), 0) < 0) {
      finish(op, false, fmt::format("send: {}", std::strerror(errno)));
      return;
    }
    fd_ops_[fd] = op;
    watch_fd(fd, EPOLLIN);
    arm_timer(op);
  }

  bool prepare_dns(Op* op, bool tcp) {
    op->question = dns::check_question(op->probe.host);
    op->dns_id = static_cast<std::uint16_t>(random_());
    auto q = dns::query(op->dns_id, op->question);
    if (!q) {
      finish(op, false, "DNS name cannot be encoded");
      return false;
    }
    if (tcp) {
      op->out = {static_cast<std::uint8_t>(q->size() >> 8), static_cast<std::uint8_t>(q->size())};
      op->out.insert(op->out.end(), q->begin(), q->end());
    } else {
      op->out = std::move(*q);
    }
    return true;
  }

  void step(Op* op, std::uint32_t ev) {
    if (op->probe.type == CheckType::dns) {
      std::uint8_t buf[4096];
      ssize_t n = recv(op->fd, buf, sizeof buf, 0);
      if (n < 0) {
        if (errno == EAGAIN) return;
        finish(op, false, fmt::format("recv: {}", std::strerror(errno)));
        return;
      }
      auto problem = dns::reply_problem({buf, static_cast<std::size_t>(n)}, op->dns_id, op->question);
      finish(op, problem.empty(), problem);
      return;
    }
    if (!op->connected) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(op->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err || (ev & (EPOLLERR | EPOLLHUP))) {
        finish(op, false, fmt::format("connect: {}", std::strerror(err ? err : ECONNRESET)));
        return;
      }
      op->connected = true;
      if (op->probe.type == CheckType::syn) {
        finish(op, true, {});
        return;
      }
      ssize_t n = send(op->fd, op->out.data(), op->out.size(), MSG_NOSIGNAL);
      if (n != static_cast<ssize_t>(op->out.size())) {
        finish(op, false, "DNS query not sent");
        return;
      }
      watch_fd(op->fd, EPOLLIN);
      return;
    }
    // dnstcp: read the length-prefixed reply.
    std::uint8_t buf[4096];
    ssize_t n = recv(op->fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      finish(op, false, n == 0 ? "DNS connection closed before the reply" : std::strerror(errno));
      return;
    }
    op->in.insert(op->in.end(), buf, buf + n);
    if (op->in.size() < 2) return;
    std::size_t want = static_cast<std::size_t>(op->in[0] << 8 | op->in[1]);
    if (op->in.size() < 2 + want) {
      if (op->in.size() > 2 + 65535) finish(op, false, "DNS reply too long");
      return;
    }
    auto problem = dns::reply_problem({op->in.data() + 2, want}, op->dns_id, op->question);
    finish(op, problem.empty(), problem);
  }

  static std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

  void start_curl(Op* op) {
    const Probe& p = op->probe;
    CURL* e = curl_easy_init();
    if (!e) {
      finish(op, false, "curl_easy_init failed");
      return;
    }
    op->easy = e;
    const char* scheme = p.type == CheckType::https ? "https" : "http";
    std::string url;
    if (p.host.empty()) {
      url = fmt::format("{}://{}:{}{}", scheme, url_host(p.address), p.port, p.path);
      if (!p.default_host.empty())
        op->headers = curl_slist_append(op->headers, ("Host: " + p.default_host).c_str());
    } else {
      // The configured name goes in the URL (Host header and TLS SNI); the connection goes
      // to the NAT address all the same.
      url = fmt::format("{}://{}:{}{}", scheme, p.host, p.port, p.path);
      op->connect_to = fmt::format("::{}:{}", url_host(p.address), p.port);
      op->connect_list = curl_slist_append(nullptr, op->connect_to.c_str());
      curl_easy_setopt(e, CURLOPT_CONNECT_TO, op->connect_list);
    }
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(p.timeout.count()));
    // vc5 does not validate backends' certificates either: a check tests the service, and
    // backends commonly present the VIP's public name, not their own.
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Loop::discard);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "xvsd-healthcheck");
    if (p.method == "HEAD") curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    if (op->headers) curl_easy_setopt(e, CURLOPT_HTTPHEADER, op->headers);
    curl_easy_setopt(e, CURLOPT_PRIVATE, op);
    curl_ops_[e] = op;
    curl_multi_add_handle(multi_, e);
  }

  void curl_done() {
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      CURL* e = m->easy_handle;
      CURLcode rc = m->data.result;
      auto it = curl_ops_.find(e);
      if (it == curl_ops_.end()) continue;
      Op* op = it->second;
      curl_ops_.erase(it);
      long status = 0;
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
      curl_multi_remove_handle(multi_, e);
      if (rc != CURLE_OK) finish(op, false, curl_easy_strerror(rc));
      else if (status != static_cast<long>(op->probe.expect))
        finish(op, false, fmt::format("status {}", status));
      else finish(op, true, {});
    }
  }

  void expire(Clock::time_point now) {
    while (!timers_.empty() && timers_.begin()->first <= now) {
      Op* op = timers_.begin()->second;
      finish(op, false, "timeout");
    }
  }

  void release(Op* op) {
    if (op->fd >= 0) close(op->fd);  // closing removes it from epoll
    if (op->easy) curl_easy_cleanup(op->easy);
    curl_slist_free_all(op->headers);
    curl_slist_free_all(op->connect_list);
    delete op;
  }

  void finish_quietly(Op* op) {
    if (op->timed) timers_.erase(op->timer);
    release(op);
  }

  void finish(Op* op, bool ok, std::string detail) {
    if (op->fd >= 0) fd_ops_.erase(op->fd);
    if (op->timed) timers_.erase(op->timer);
    ProbeResult r{ok, std::move(detail),
                  static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                 Clock::now() - op->start)
                                                 .count())};
    auto job = op->job;
    auto generation = op->generation;
    release(op);
    owner_.completed_.fetch_add(1, std::memory_order_relaxed);
    auto it = jobs_.find(job);
    if (it == jobs_.end() || it->second.generation != generation) return;
    JobState& s = it->second;
    s.in_flight = false;
    auto now = Clock::now();
    if (s.next < now) s.next = now;
    queue_.push({s.next, job, generation});
    callback_(job, r);
  }

  struct Due {
    Clock::time_point at;
    std::uint64_t id, generation;
    bool operator>(const Due& o) const { return at > o.at; }
  };

  Checker& owner_;
  Callback callback_;
  int epoll_ = -1, wake_ = -1;
  CURLM* multi_ = nullptr;
  std::optional<Clock::time_point> curl_deadline_;
  std::unordered_map<int, Op*> fd_ops_;
  std::unordered_map<CURL*, Op*> curl_ops_;
  std::unordered_set<int> curl_fds_;
  std::multimap<Clock::time_point, Op*> timers_;
  std::unordered_map<std::uint64_t, JobState> jobs_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> queue_;
  std::uint64_t generation_ = 0;
  std::mt19937 random_{std::random_device{}()};  // DNS ids: not guessable by a spoofer
  std::mutex pending_mutex_;
  std::optional<std::vector<CheckJob>> pending_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Checker::Checker(Callback callback) : loop_(std::make_unique<Loop>(*this, std::move(callback))) {}
Checker::~Checker() = default;
void Checker::set(std::vector<CheckJob> jobs) { loop_->set(std::move(jobs)); }

}  // namespace xvsd
