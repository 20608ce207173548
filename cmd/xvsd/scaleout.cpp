// SPDX-License-Identifier: Apache-2.0
#include "scaleout.hpp"

#include <stdexcept>

#include "log/log.hpp"

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
                 "route health injection: the BIRD file xvsd writes (include it from bird.conf; "
                 "overrides bird.include)");
  app.add_option("--bird-socket", o.bird_socket,
                 "BIRD's control socket (overrides bird.socket, default /run/bird/bird.ctl)");
  app.add_option("--share-address", o.share_address,
                 "flow sharing: this balancer's address, as its peers see it "
                 "(overrides flow_sharing.address)");
  app.add_option("--share-peer", o.share_peers,
                 "flow sharing: another balancer (repeat; overrides flow_sharing.peers)");
  app.add_option("--share-port", o.share_port,
                 "flow sharing: UDP port (overrides flow_sharing.port, default 9470)");
  app.add_option("--share-key", o.share_key,
                 "flow sharing: file with the peers' shared key, 64 hex digits "
                 "(overrides flow_sharing.key_file)");
  app.add_option("--peer-wait", o.peer_wait,
                 "seconds to wait, at most, for the flow-sharing peers before announcing "
                 "(overrides flow_sharing.peer_wait, default 10)");
  app.add_option("--drain", o.drain,
                 "seconds between withdrawing the routes and stopping (overrides bird.drain, "
                 "default 3)");
}

ScaleOutSettings resolve(const ScaleOutOptions& cli, const Config& config) {
  ScaleOutSettings s{config.bird, config.flow_sharing};
  if (cli.bird_include) s.bird.include = *cli.bird_include;
  if (cli.bird_socket) s.bird.socket = *cli.bird_socket;
  if (cli.drain) s.bird.drain = *cli.drain;
  FlowSharingConfig& f = s.flow_sharing;
  if (cli.share_address) {
    f.configured = true;
    f.address = address_option(*cli.share_address, "--share-address");
  }
  if (!cli.share_peers.empty()) {
    f.peers.clear();
    for (const auto& p : cli.share_peers) f.peers.push_back(address_option(p, "--share-peer"));
  }
  if (cli.share_key) f.key_file = *cli.share_key;
  if (cli.share_port) f.port = *cli.share_port;
  if (cli.peer_wait) f.peer_wait = *cli.peer_wait;
  if (!f.configured && (!cli.share_peers.empty() || cli.share_key))
    throw std::runtime_error(
        "--share-peer and --share-key need --share-address (or a flow_sharing section)");
  if (f.configured && (f.peers.empty() || f.key_file.empty()))
    throw std::runtime_error("--share-address needs --share-peer and --share-key");
  return s;
}

ScaleOut::ScaleOut(ScaleOutSettings settings, const BgpConfig& bgp)
    : settings_(std::move(settings)), learn_(bgp.learn) {
  if (!settings_.bird.include.empty())
    announcer_ = std::make_shared<rhi::Announcer>(
        rhi::AnnouncerSettings{settings_.bird.socket, settings_.bird.include, bgp});
}

ScaleOut::~ScaleOut() {
  if (starter_.joinable()) starter_.join();
}

void ScaleOut::start_sharing(xvs::Client& client) {
  const FlowSharingConfig& f = settings_.flow_sharing;
  if (!f.configured) return;
  flowshare::Settings s;
  s.self = f.address;
  s.peers = f.peers;
  s.port = f.port;
  s.key = flowshare::load_key(f.key_file);
  s.rate = f.rate;
  s.burst = f.burst;
  share_ = std::make_unique<flowshare::FlowShare>(client, std::move(s));
  log_event("flow_sharing", {{"address", f.address.to_string()},
                             {"peers", std::to_string(f.peers.size())},
                             {"port", std::to_string(f.port)}});
}

void ScaleOut::announce_when_ready() {
  if (!announcer_) return;
  starter_ = std::thread([this] {
    const auto began = std::chrono::steady_clock::now();
    if (share_) {
      const bool all = share_->wait_for_peers(std::chrono::seconds(settings_.flow_sharing.peer_wait));
      log_event(all ? "peers_ready" : "peers_missing",
                {{"alive", std::to_string(share_->peers_alive())},
                 {"configured", std::to_string(settings_.flow_sharing.peers.size())}});
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
  const auto drain = settings_.bird.drain;
  log_event("routes_withdrawn",
            {{"confirmed", done ? "yes" : "no"}, {"drain_s", std::to_string(drain)}});
  if (done) std::this_thread::sleep_for(std::chrono::seconds(drain));
}

Status ScaleOut::add_status(Status s) const {
  if (share_) s.share = share_->status();
  if (announcer_) {
    const auto a = announcer_->state();
    s.routes = {true, a.held, a.in_sync, a.announced, a.error};
  }
  return s;
}

}  // namespace xvsd
