// SPDX-License-Identifier: Apache-2.0
// xvsd: the vc5-style load-balancer daemon on libxvs (docs/xvsd.md).
//   xvsd [options] <config> <interface>...
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <xvs/xvs.hpp>

#include "config/config.hpp"
#include "daemon/daemon.hpp"
#include "log/log.hpp"
#include "events.hpp"
#include "web.hpp"
#include "scaleout.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{
      "xvsd: a layer-4 Direct Server Return load balancer (XDP) configured by a vc5-style\n"
      "YAML file, with health checks through the data plane (docs/xvsd.md)."};
  std::string config_file;
  std::vector<std::string> interfaces;
  bool native = false, bonding = false, check_only = false, verbose = false;
  std::uint32_t flows = 0;
  std::string webserver, pin_path;
  app.add_option("config", config_file, "YAML configuration file")->required();
  app.add_option("interface", interfaces, "interfaces to attach to (one or more)");
  app.add_flag("-n,--native", native, "native (driver) XDP instead of generic");
  app.add_flag("-b,--bonding", bonding, "the interfaces form one bond");
  app.add_option("-f,--flows", flows, "flow-table entries per CPU (0 = library default)");
  app.add_option("-w,--webserver", webserver,
                 "HTTP listen address for the console and /metrics (overrides `webserver`)");
  app.add_option("--pin", pin_path, "bpffs directory to keep flows across restarts");
  app.add_flag("-v,--verbose", verbose, "log every check result, not only state changes");
  xvsd::ScaleOutOptions scaleout;
  xvsd::add_scaleout_options(app, scaleout);
  app.add_flag("-c,--check", check_only, "check the configuration, print a summary and exit");
  app.set_version_flag("--version", std::string(XVS_VERSION_STRING));
  CLI11_PARSE(app, argc, argv);

  xvsd::Config config;
  try {
    config = xvsd::load_config(config_file);
  } catch (const xvsd::ConfigError& e) {
    std::fprintf(stderr, "xvsd: %s\n", e.what());
    return 1;
  }
  for (const auto& w : config.warnings) xvsd::log_event("config_warning", {{"warning", w}});
  if (check_only) {
    try {
      (void)xvsd::resolve(scaleout, config);  // the scale-out options against the file
    } catch (const std::exception& e) {
      std::fprintf(stderr, "xvsd: %s\n", e.what());
      return 1;
    }
    std::printf("%s: ok, %zu services\n", config_file.c_str(), config.services.size());
    for (const auto& s : config.services)
      std::printf("  %s %s:%u/%s need %u, %zu servers, %zu checks\n", s.name.c_str(),
                  s.service.address.to_string().c_str(), s.service.port,
                  xvs::to_string(s.service.protocol), s.need, s.backends.size(), s.checks.size());
    return 0;
  }
  if (interfaces.empty()) {
    std::fprintf(stderr, "xvsd: no interface given\n%s", app.help().c_str());
    return 2;
  }

  // Signals are taken by sigwait below; blocked before any thread starts, so that every
  // thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGINT, SIGTERM}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  xvs::Options options;
  options.driver_mode = native;
  options.bonding = bonding;
  options.flows_per_cpu = flows;
  options.pin_path = pin_path;
  std::unique_ptr<xvs::Client> client;
  std::unique_ptr<xvsd::Daemon> daemon;
  std::unique_ptr<xvsd::ScaleOut> scale;
  try {
    auto scale_settings = xvsd::resolve(scaleout, config);  // before XDP is attached
    client = std::make_unique<xvs::Client>(interfaces, options);
    // Listeners learn every VIP's health at start and after each reload: route health
    // injection (cmd/xvsd/rhi) is one, when BIRD is configured.
    std::vector<std::shared_ptr<xvsd::VipListener>> listeners;
    scale = std::make_unique<xvsd::ScaleOut>(std::move(scale_settings), config.bgp);
    if (auto a = scale->announcer()) listeners.push_back(a);
    daemon = std::make_unique<xvsd::Daemon>(*client, config, interfaces, listeners, verbose);
    scale->start_sharing(*client);  // after the services exist: records about them apply
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xvsd: %s\n", e.what());
    return 1;
  }
  xvsd::StatusSource source = daemon->source();
  source.snapshot = [&] { return scale->add_status(daemon->snapshot()); };

  std::string listen = webserver.empty() ? config.webserver : webserver;
  std::unique_ptr<xvsd::web::Server> web;
  if (listen.empty()) listen = ":80";  // vc5's default
  try {
    web = xvsd::web::start(listen, source);
    xvsd::log_event("webserver", {{"listen", listen}});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xvsd: webserver %s: %s\n", listen.c_str(), e.what());
    return 1;
  }

  xvsd::log_event("ready", {{"config", config_file},
                            {"services", std::to_string(config.services.size())}});
  // Like vc5: learn the peers' flows before attracting traffic, then announce.
  scale->announce_when_ready();
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      daemon->reload();
      continue;
    }
    xvsd::log_event("stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    break;
  }
  scale->withdraw_and_drain();  // routers move traffic away before the data plane goes
  web.reset();
  daemon.reset();
  scale.reset();
  client.reset();  // detaches XDP, removes the services and the health-check namespace
  xvsd::log_event("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
