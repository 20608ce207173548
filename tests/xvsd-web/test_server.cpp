// SPDX-License-Identifier: Apache-2.0
// The listener over real loopback TCP: routes, methods, reload outcomes, bind errors and
// hostile requests. No privileges needed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <xvs/xvs.hpp>

#include "metrics.hpp"
#include "sample_status.hpp"
#include "server.hpp"
#include "status_json.hpp"

using xvsd::web::Server;

namespace {

struct Fixture {
  std::atomic<bool> accept_reload{true};
  std::atomic<bool> fail_snapshot{false};
  Server server{"127.0.0.1:0", xvsd::StatusSource{
                                   [this] {
                                     if (fail_snapshot) throw std::runtime_error("no snapshot");
                                     return xvsd::test::sample_status();
                                   },
                                   [this] {
                                     return accept_reload
                                                ? xvsd::ReloadResult{true, "generation 3"}
                                                : xvsd::ReloadResult{
                                                      false, "config.yaml:7: services[0].port: "
                                                             "\"http\" is not a number"};
                                   }}};
  httplib::Client client{"127.0.0.1", server.port()};
};

// Sends raw bytes on a fresh connection and returns the reply's header block (or what came
// before the server closed or 10 s passed). The connection stays open for writing: the
// server answers nothing to a client that has half-closed it.
std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  (void)!write(fd, bytes.data(), bytes.size());
  std::string reply;
  char buf[4096];
  for (ssize_t n; reply.find("\r\n\r\n") == std::string::npos &&
                  (n = read(fd, buf, sizeof buf)) > 0;)
    reply.append(buf, static_cast<std::size_t>(n));
  close(fd);
  return reply;
}

}  // namespace

TEST_CASE("server: /metrics, /status.json and the console") {
  Fixture f;
  CHECK(f.server.url() == "http://127.0.0.1:" + std::to_string(f.server.port()) + "/");

  auto metrics = f.client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(metrics->body == xvsd::web::render_metrics(xvsd::test::sample_status()));

  auto status = f.client.Get("/status.json");
  REQUIRE(status);
  CHECK(status->status == 200);
  CHECK(status->get_header_value("Content-Type") == "application/json");
  CHECK(nlohmann::json::parse(status->body) ==
        xvsd::web::status_json(xvsd::test::sample_status()));

  auto index = f.client.Get("/");
  REQUIRE(index);
  CHECK(index->status == 200);
  CHECK(index->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK_THAT(index->body, Catch::Contains("<script src=\"console.js\""));
  auto js = f.client.Get("/console.js");
  REQUIRE(js);
  CHECK(js->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
  CHECK_THAT(js->body, Catch::Contains("status.json"));
  auto css = f.client.Get("/console.css");
  REQUIRE(css);
  CHECK(css->status == 200);
  auto head = f.client.Head("/metrics");
  REQUIRE(head);
  CHECK(head->status == 200);
}

TEST_CASE("server: unknown paths 404, wrong methods 405 with Allow") {
  Fixture f;
  for (const char* path : {"/nope", "/metrics/", "/../etc/passwd", "/status.json?x=1#y",
                           "/index.html/..", "//metrics"}) {
    INFO(path);
    auto r = f.client.Get(path);
    REQUIRE(r);
    if (std::string_view(path).starts_with("/status.json?")) CHECK(r->status == 200);
    else CHECK(r->status == 404);
  }
  auto post_metrics = f.client.Post("/metrics");
  REQUIRE(post_metrics);
  CHECK(post_metrics->status == 405);
  CHECK(post_metrics->get_header_value("Allow") == "GET, HEAD");
  auto get_reload = f.client.Get("/reload");
  REQUIRE(get_reload);
  CHECK(get_reload->status == 405);
  CHECK(get_reload->get_header_value("Allow") == "POST");
  auto delete_index = f.client.Delete("/");
  REQUIRE(delete_index);
  CHECK(delete_index->status == 405);
}

TEST_CASE("server: POST /reload reports acceptance and the rejection's message") {
  Fixture f;
  auto ok = f.client.Post("/reload");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body == "generation 3\n");
  f.accept_reload = false;
  auto bad = f.client.Post("/reload");
  REQUIRE(bad);
  CHECK(bad->status == 422);
  CHECK(bad->body == "config.yaml:7: services[0].port: \"http\" is not a number\n");
}

TEST_CASE("server: a failing snapshot is a 500, and the next request is served") {
  Fixture f;
  f.fail_snapshot = true;
  auto r = f.client.Get("/metrics");
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK_THAT(r->body, Catch::Contains("no snapshot"));
  f.fail_snapshot = false;
  auto again = f.client.Get("/metrics");
  REQUIRE(again);
  CHECK(again->status == 200);
}

TEST_CASE("server: bad and busy addresses are clear errors") {
  xvsd::StatusSource source{xvsd::test::sample_status, {}};
  CHECK_THROWS_WITH(Server("localhost:9180", source), Catch::Contains("not an IP address"));
  CHECK_THROWS_WITH(Server("192.0.2.1:0", source),
                    Catch::Contains("cannot listen on 192.0.2.1:0"));
  Server first("127.0.0.1:0", source);
  const auto busy = "127.0.0.1:" + std::to_string(first.port());
  CHECK_THROWS_WITH(Server(busy, source), Catch::Contains("cannot listen on " + busy) &&
                                              Catch::Contains("in use"));
  CHECK_THROWS_WITH(Server("127.0.0.1:0", xvsd::StatusSource{}),
                    Catch::Contains("without snapshot"));
  // Without a reload function the endpoint says so.
  httplib::Client c("127.0.0.1", first.port());
  auto r = c.Post("/reload");
  REQUIRE(r);
  CHECK(r->status == 501);
}

TEST_CASE("server: IPv6 listener, and names that are not UTF-8 still give a document") {
  auto st = xvsd::test::sample_status();
  st.vips[0].services[0].name = "caf\xe9";  // Latin-1, from a config file
  Server server("[::1]:0", {[st] { return st; }, {}});
  CHECK(server.url() == "http://[::1]:" + std::to_string(server.port()) + "/");
  httplib::Client client("::1", server.port());
  auto r = client.Get("/status.json");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(nlohmann::json::parse(r->body)["vips"][0]["services"][0]["name"] == "caf\xef\xbf\xbd");
}

TEST_CASE("server: hostile requests get an error, and the server keeps serving") {
  Fixture f;
  const std::string garbage("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\0\0\xff\r\n\r\n", 18);
  CHECK_THAT(raw_exchange(f.server.port(), garbage), Catch::StartsWith("HTTP/1.1 400"));
  CHECK_THAT(raw_exchange(f.server.port(), "BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
             Catch::StartsWith("HTTP/1.1 400"));
  CHECK_THAT(raw_exchange(f.server.port(), "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n"),
             Catch::StartsWith("HTTP/1.1 4"));
  // The server reads (and drops) the announced body until its 5 s read timeout.
  CHECK_THAT(raw_exchange(f.server.port(),
                          "POST /reload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"),
             Catch::StartsWith("HTTP/1.1 413"));
  CHECK_THAT(raw_exchange(f.server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n"
                                           "X-Long: " + std::string(100000, 'b') + "\r\n\r\n"),
             Catch::StartsWith("HTTP/1.1 4") || Catch::Equals(""));
  auto r = f.client.Get("/metrics");
  REQUIRE(r);
  CHECK(r->status == 200);
}
