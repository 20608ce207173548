// SPDX-License-Identifier: Apache-2.0
#include "scaleout.hpp"

#include <stdexcept>

#include "daemon/log.hpp"

namespace xvsd {
namespace {

xvs::IPAddr address_option(const std::string& text, const char* option) {
  const auto a = xvs::IPAddr::try_parse(text);
  if (!a) throw std::runtime_error(std::string(option) + ": \"" + text + "\" is not an address");
  return *a;
}

}  // namespace

void add_scaleout_options(CLI::App& app, ScaleOutOptions& o) {
  app.add_option("--bird-include", o.bird_include,
                 "route health injection: the BIRD file xvsd writes (include it from bird.conf)");
  app.add_option("--bird-socket", o.bird_socket, "BIRD's control socket")->capture_default_str();
  app.add_option("--share-address", o.share_address,
                 "flow sharing: this balancer's address, as its peers see it");
  app.add_option("--share-peer", o.share_peers, "flow sharing: another balancer (repeat)");
  app.add_option("--share-port", o.share_port, "flow sharing: UDP port")->capture_default_str();
  app.add_option("--share-key", o.share_key,
                 "flow sharing: file with the peers' shared key, 64 hex digits");
  app.add_option("--peer-wait", o.peer_wait,
                 "seconds to wait, at most, for the flow-sharing peers before announcing")
      ->capture_default_str();
  app.add_option("--drain", o.drain, "seconds between withdrawing the routes and stopping")
      ->capture_default_str();
}

ScaleOut::ScaleOut(const ScaleOutOptions& options, const BgpConfig& bgp)
    : options_(options), learn_(bgp.learn) {
  if (options_.share_address.empty() &&
      (!options_.share_peers.empty() || !options_.share_key.empty()))
    throw std::runtime_error("--share-peer and --share-key need --share-address");
  if (!options_.share_address.empty() &&
      (options_.share_peers.empty() || options_.share_key.empty()))
    throw std::runtime_error("--share-address needs --share-peer and --share-key");
  if (!options_.bird_include.empty())
    announcer_ = std::make_shared<rhi::Announcer>(
        rhi::AnnouncerSettings{options_.bird_socket, options_.bird_include, bgp});
}

ScaleOut::~ScaleOut() {
  if (starter_.joinable()) starter_.join();
}

void ScaleOut::start_sharing(xvs::Client& client) {
  if (options_.share_address.empty()) return;
  flowshare::Settings s;
  s.self = address_option(options_.share_address, "--share-address");
  for (const auto& p : options_.share_peers) s.peers.push_back(address_option(p, "--share-peer"));
  s.port = options_.share_port;
  s.key = flowshare::load_key(options_.share_key);
  share_ = std::make_unique<flowshare::FlowShare>(client, std::move(s));
  log_event("flow_sharing", {{"address", options_.share_address},
                             {"peers", std::to_string(options_.share_peers.size())},
                             {"port", std::to_string(options_.share_port)}});
}

void ScaleOut::announce_when_ready() {
  if (!announcer_) return;
  starter_ = std::thread([this] {
    const auto began = std::chrono::steady_clock::now();
    if (share_) {
      const bool all = share_->wait_for_peers(std::chrono::seconds(options_.peer_wait));
      log_event(all ? "peers_ready" : "peers_missing",
                {{"alive", std::to_string(share_->peers_alive())},
                 {"configured", std::to_string(options_.share_peers.size())}});
    }
    // vc5's `learn`: counted from the start, the peer wait included.
    std::this_thread::sleep_until(began + std::chrono::seconds(learn_));
    announcer_->release();
  });
}

void ScaleOut::withdraw_and_drain() {
  if (!announcer_) return;
  if (starter_.joinable()) starter_.join();
  const bool done = announcer_->withdraw_all(std::chrono::seconds(5));
  log_event("routes_withdrawn", {{"confirmed", done ? "yes" : "no"},
                                 {"drain_s", std::to_string(options_.drain)}});
  if (done) std::this_thread::sleep_for(std::chrono::seconds(options_.drain));
}

Status ScaleOut::add_status(Status s) const {
  if (share_) s.share = share_->status();
  if (announcer_) {
    const auto a = announcer_->state();
    s.routes_announced = a.in_sync && !a.held && !a.announced.empty();
    s.routes_error = a.error;
  }
  return s;
}

}  // namespace xvsd
