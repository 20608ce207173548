// SPDX-License-Identifier: Apache-2.0
#include "server.hpp"

#include <sys/socket.h>

#include <httplib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>
#include <xvs/xvs.hpp>

#include "console_assets.hpp"
#include "listen_address.hpp"
#include "local_peer.hpp"
#include "log/log.hpp"
#include "metrics.hpp"
#include "status_json.hpp"

namespace xvsd::web {

namespace {

// Nothing served here takes a body: a client sending one gets 413 rather than our memory.
constexpr std::size_t kMaxBody = 4096;
constexpr auto kStartTimeout = std::chrono::seconds(5);

std::string_view content_type(std::string_view path) {
  if (path.ends_with(".html")) return "text/html; charset=utf-8";
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
}

// The routes and the methods each one takes; anything else is 404, or 405 with Allow.
struct Route {
  std::string path;
  std::string allow;  // "GET, HEAD" or "POST"
};

std::vector<Route> routes() {
  std::vector<Route> r{{"/", "GET, HEAD"},
                       {"/metrics", "GET, HEAD"},
                       {"/status.json", "GET, HEAD"},
                       {"/reload", "POST"}};
  for (const auto& asset : console_assets()) r.push_back({std::string(asset.path), "GET, HEAD"});
  return r;
}

bool allows(const Route& route, const std::string& method) {
  const bool get_route = route.allow.starts_with("GET");
  return get_route ? (method == "GET" || method == "HEAD") : method == route.allow;
}

void text(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body + "\n", "text/plain; charset=utf-8");
}

// Binds, and with port 0 records the port the kernel chose. httplib reports only failure;
// errno still holds bind()'s or listen()'s reason.
void bind(httplib::Server& http, ListenAddress& a) {
  errno = 0;
  bool bound = false;
  if (a.port != 0) {
    bound = http.bind_to_port(a.host, a.port);
  } else if (const int port = http.bind_to_any_port(a.host); port > 0) {
    a.port = static_cast<std::uint16_t>(port);
    bound = true;
  }
  if (!bound) {
    const int err = errno;
    throw xvs::Error(xvs::Errc::system, fmt::format("cannot listen on {}: {}", a.to_string(),
                                                    err ? std::strerror(err) : "bind failed"));
  }
}

}  // namespace

struct Server::Impl {
  StatusSource source;
  ListenAddress address;
  std::vector<Route> table = routes();
  httplib::Server http;
  std::thread thread;

  void install_handlers();
  void serve_reload(const httplib::Request& req, httplib::Response& res);
};

void Server::Impl::install_handlers() {
  // httplib's default adds SO_REUSEPORT, which would let a second daemon share the port
  // silently; SO_REUSEADDR alone still allows a restart while old connections linger.
  http.set_socket_options([](int fd) {
    const int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http.set_payload_max_length(kMaxBody);
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const auto route = std::find_if(table.begin(), table.end(),
                                    [&](const Route& r) { return r.path == req.path; });
    if (route == table.end()) {
      text(res, 404, "not found");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!allows(*route, req.method)) {
      res.set_header("Allow", route->allow);
      text(res, 405, fmt::format("method not allowed; {} takes {}", route->path, route->allow));
      return httplib::Server::HandlerResponse::Handled;
    }
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        xvsd::log_event("http_request_failed",
                  {{"method", req.method}, {"path", req.path}, {"error", what}});
        text(res, 500, "internal error: " + what);
      });

  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(render_metrics(source.snapshot()), "text/plain; version=0.0.4; charset=utf-8");
  });
  http.Get("/status.json", [this](const httplib::Request&, httplib::Response& res) {
    // Names come from a config file: replace invalid UTF-8 rather than fail the document.
    res.set_content(status_json(source.snapshot())
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
  });
  http.Post("/reload", [this](const httplib::Request& req, httplib::Response& res) {
    serve_reload(req, res);
  });
  for (const auto& asset : console_assets()) {
    auto serve = [&asset](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Security-Policy", "default-src 'self'");
      res.set_content(asset.content.data(), asset.content.size(),
                      std::string(content_type(asset.path)).c_str());
    };
    http.Get(std::string(asset.path), serve);
    if (asset.path == "/index.html") http.Get("/", serve);
  }
}

void Server::Impl::serve_reload(const httplib::Request& req, httplib::Response& res) {
  if (!is_loopback_peer(req.remote_addr)) {
    xvsd::log_event("http_reload_refused", {{"peer", display_peer(req.remote_addr)}});
    return text(res, 403, "reload is accepted over loopback only (or send the daemon SIGHUP)");
  }
  if (!source.reload) return text(res, 501, "reload is not available");
  const ReloadResult r = source.reload();
  // 422: the request was fine, the configuration it loaded is not (the old one keeps running).
  text(res, r.accepted ? 200 : 422, r.message);
}

Server::Server(const std::string& listen, StatusSource source)
    : impl_(std::make_unique<Impl>()) {
  impl_->address = parse_listen_address(listen);
  if (!source.snapshot)
    throw xvs::Error(xvs::Errc::invalid_argument,
                     "xvsd::web::Server: StatusSource without snapshot");
  impl_->source = std::move(source);
  impl_->install_handlers();

  auto& a = impl_->address;
  bind(impl_->http, a);
  impl_->thread = std::thread([impl = impl_.get()] {
    if (!impl->http.listen_after_bind())
      xvsd::log_event("http_listen_failed", {{"address", impl->address.to_string()}});
  });
  // stop() is a no-op until the accept loop runs: wait for it, or the destructor could hang.
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!impl_->http.is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (!impl_->http.is_running()) {
    impl_->http.stop();
    impl_->thread.join();
    throw xvs::Error(xvs::Errc::system, fmt::format("HTTP listener on {} did not start",
                                                    a.to_string()));
  }
  xvsd::log_event("http_listening", {{"address", a.to_string()}});
}

Server::~Server() {
  impl_->http.stop();
  impl_->thread.join();
  xvsd::log_event("http_stopped", {{"address", impl_->address.to_string()}});
}

std::uint16_t Server::port() const noexcept { return impl_->address.port; }

std::string Server::url() const { return fmt::format("http://{}/", impl_->address.to_string()); }

}  // namespace xvsd::web
