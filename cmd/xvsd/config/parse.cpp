// SPDX-License-Identifier: Apache-2.0
// vc5's YAML configuration (plus xvsd's documented superset, docs/xvsd.md) into Config.
// Every error names the file, the line (yaml-cpp's marks are 0-based; people count from 1)
// and the field as a path such as services[2].policy.http.checks[0].expect.
#include "config/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace xvsd {

const char* to_string(CheckType t) noexcept {
  switch (t) {
    case CheckType::http: return "http";
    case CheckType::https: return "https";
    case CheckType::syn: return "syn";
    case CheckType::dns: return "dns";
    case CheckType::dnstcp: return "dnstcp";
  }
  return "unknown";
}

namespace {

using Keys = std::set<std::string, std::less<>>;

// vc5 keys that xvsd accepts so that a vc5 file loads, but does not act on.
const Keys vc5_ignored_top{"multicast", "native", "untagged", "address", "interfaces",
                           "logging",   "webroot", "scheduler", "listen", "prefixes"};
const Keys vc5_ignored_service{"leastconns", "fallback", "scheduler", "reset"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

class Parser {
public:
  explicit Parser(std::string file) : file_(std::move(file)) { config_.file = file_; }

  Config run(const std::string& text);

private:
  [[noreturn]] void fail(const YAML::Node& at, const std::string& field,
                         const std::string& problem) const {
    int line = at.Mark().line >= 0 ? at.Mark().line + 1 : 0;
    throw ConfigError(fmt::format("{}:{}: {}: {}", file_, line, field, problem));
  }
  std::string shown(const YAML::Node& n) const {
    if (n.IsScalar()) return fmt::format("\"{}\"", n.Scalar());
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a mapping";
    return "nothing";
  }
  void want_map(const YAML::Node& n, const std::string& field) const {
    if (!n.IsMap()) fail(n, field, fmt::format("expected a mapping, got {}", shown(n)));
  }
  void check_keys(const YAML::Node& n, const std::string& field, const Keys& known,
                  const Keys& ignored = {});
  std::string text(const YAML::Node& n, const std::string& field) const;
  std::uint64_t number(const YAML::Node& n, const std::string& field, std::uint64_t min,
                       std::uint64_t max) const;
  bool boolean(const YAML::Node& n, const std::string& field) const;
  std::chrono::milliseconds duration(const YAML::Node& n, const std::string& field) const;
  xvs::IPAddr address(const YAML::Node& n, const std::string& field, const char* what) const;
  xvs::Prefix prefix(const YAML::Node& n, const std::string& field) const;

  void vlans(const YAML::Node& n);
  void routes(const YAML::Node& n);
  void bgp(const YAML::Node& n, const std::string& field);
  void flow_sharing(const YAML::Node& n);
  void bird(const YAML::Node& n);
  void service(const YAML::Node& n, const std::string& field);
  std::vector<BackendConfig> servers(const YAML::Node& n, const std::string& field);
  std::vector<BackendConfig> server_list(const YAML::Node& n, const std::string& field);
  void timing(const YAML::Node& n, const std::string& field, CheckTiming& t) const;
  CheckConfig check(const YAML::Node& n, const std::string& field, const CheckConfig& base);

  // The entry `name` of the top-level section (`servers` or `policy`); undefined if none.
  YAML::Node group_of(const char* section, const std::string& name) const {
    const YAML::Node& root = root_;
    if (!root[section]) return root[section];
    return root[section][name];
  }

  std::string file_;
  Config config_;
  YAML::Node root_;
  // (address, port, protocol) -> line of the service entry that declared it
  std::map<std::tuple<xvs::IPAddr, std::uint16_t, xvs::Protocol>, int> declared_;
};

void Parser::check_keys(const YAML::Node& n, const std::string& field, const Keys& known,
                        const Keys& ignored) {
  for (const auto& kv : n) {
    const YAML::Node& key = kv.first;
    if (!key.IsScalar()) fail(key, field, "a key must be a plain name");
    const std::string& k = key.Scalar();
    if (known.contains(k)) continue;
    if (ignored.contains(k)) {
      config_.warnings.push_back(fmt::format("{}:{}: {}.{}: vc5 setting not used by xvsd",
                                             file_, key.Mark().line + 1, field, k));
      continue;
    }
    fail(key, field.empty() ? k : field + "." + k, "unknown setting");
  }
}

std::string Parser::text(const YAML::Node& n, const std::string& field) const {
  if (!n.IsScalar()) fail(n, field, fmt::format("expected text, got {}", shown(n)));
  return n.Scalar();
}

std::uint64_t Parser::number(const YAML::Node& n, const std::string& field, std::uint64_t min,
                             std::uint64_t max) const {
  if (!n.IsScalar()) fail(n, field, fmt::format("expected a number, got {}", shown(n)));
  const std::string& s = n.Scalar();
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v < min || v > max)
    fail(n, field, fmt::format("expected a whole number {}..{}, got \"{}\"", min, max, s));
  return v;
}

bool Parser::boolean(const YAML::Node& n, const std::string& field) const {
  if (n.IsScalar()) {
    std::string s = lower(n.Scalar());
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
  }
  fail(n, field, fmt::format("expected true or false, got {}", shown(n)));
}

// A number of seconds ("2", "0.5") or a number with a unit ("500ms", "2s").
std::chrono::milliseconds Parser::duration(const YAML::Node& n,
                                           const std::string& field) const {
  if (n.IsScalar()) {
    std::string s = n.Scalar();
    double scale = 1000;
    if (s.size() > 2 && s.ends_with("ms")) {
      scale = 1;
      s.resize(s.size() - 2);
    } else if (s.size() > 1 && s.ends_with("s")) {
      s.resize(s.size() - 1);
    }
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    double ms = v * scale;
    if (!s.empty() && ec == std::errc{} && end == s.data() + s.size() && ms >= 10 &&
        ms <= 3600000)
      return std::chrono::milliseconds(static_cast<long>(ms));
  }
  fail(n, field,
       fmt::format("expected a duration from 10ms to 3600s (\"2\", \"0.5s\", \"500ms\"), got {}",
                   shown(n)));
}

xvs::IPAddr Parser::address(const YAML::Node& n, const std::string& field,
                            const char* what) const {
  std::string s = text(n, field);
  auto a = xvs::IPAddr::try_parse(s);
  if (!a) fail(n, field, fmt::format("\"{}\" is not an IP address", s));
  if (a->is_unspecified() || a->is_loopback() || a->is_multicast())
    fail(n, field, fmt::format("{} cannot be {} (unspecified, loopback or multicast)", what, s));
  return *a;
}

xvs::Prefix Parser::prefix(const YAML::Node& n, const std::string& field) const {
  std::string s = text(n, field);
  auto p = xvs::Prefix::try_parse(s);
  if (!p || s.find('/') == std::string::npos)
    fail(n, field, fmt::format("\"{}\" is not a prefix such as 10.1.2.0/24", s));
  return *p;
}

Config Parser::run(const std::string& source) {
  try {
    root_ = YAML::Load(source);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}: YAML syntax: {}", file_, e.mark.line + 1, e.msg));
  }
  if (root_.IsNull()) throw ConfigError(fmt::format("{}:1: the file is empty", file_));
  want_map(root_, "the document");
  const YAML::Node& root = root_;  // const: looking a key up must not add it
  check_keys(root, "",
             {"services", "vlans", "routes", "bgp", "rhi", "policy", "servers", "learn",
              "webserver", "flow_sharing", "bird"},
             vc5_ignored_top);
  if (root["policy"]) want_map(root["policy"], "policy");
  if (root["servers"]) want_map(root["servers"], "servers");
  if (root["vlans"]) vlans(root["vlans"]);
  if (root["routes"]) routes(root["routes"]);
  if (root["bgp"] && root["rhi"])
    fail(root["rhi"], "rhi", "give either bgp or its older name rhi, not both");
  if (root["bgp"]) bgp(root["bgp"], "bgp");
  if (root["rhi"]) bgp(root["rhi"], "rhi");
  if (root["flow_sharing"]) flow_sharing(root["flow_sharing"]);
  if (root["bird"]) bird(root["bird"]);
  if (root["learn"])
    config_.bgp.learn = static_cast<std::uint16_t>(number(root["learn"], "learn", 0, 3600));
  if (root["webserver"]) {
    // vc5 takes a bare port too ("8080").
    config_.webserver = text(root["webserver"], "webserver");
    if (config_.webserver.find(':') == std::string::npos) {
      number(root["webserver"], "webserver", 1, 65535);
      config_.webserver = ":" + config_.webserver;
    }
  }
  const YAML::Node services = root["services"];
  if (!services) fail(root, "services", "missing (a list of services)");
  if (!services.IsSequence())
    fail(services, "services", fmt::format("expected a list, got {}", shown(services)));
  for (std::size_t i = 0; i < services.size(); ++i)
    service(services[i], fmt::format("services[{}]", i));
  return std::move(config_);
}

void Parser::vlans(const YAML::Node& n) {
  want_map(n, "vlans");
  for (const auto& kv : n) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    std::string field = "vlans." + key;
    auto id = static_cast<std::uint16_t>(number(kv.first, field, 1, 4094));
    std::vector<YAML::Node> items;
    if (kv.second.IsSequence())
      for (const auto& p : kv.second) items.push_back(p);
    else
      items.push_back(kv.second);
    for (const auto& item : items) {
      xvs::Prefix p = prefix(item, field);
      auto& family = p.addr().is4() ? config_.ipv4_vlans : config_.ipv6_vlans;
      if (!family.emplace(id, p).second)
        fail(item, field, fmt::format("VLAN {} has two IPv{} prefixes", id,
                                      p.addr().is4() ? 4 : 6));
    }
  }
}

void Parser::routes(const YAML::Node& n) {
  want_map(n, "routes");
  for (const auto& kv : n) {
    std::string field = "routes." + (kv.first.IsScalar() ? kv.first.Scalar() : "?");
    xvs::Prefix p = prefix(kv.first, field);
    auto vlan = static_cast<std::uint16_t>(number(kv.second, field, 1, 4094));
    if (!config_.ipv4_vlans.contains(vlan) && !config_.ipv6_vlans.contains(vlan))
      fail(kv.second, field, fmt::format("VLAN {} is not in vlans", vlan));
    config_.routes[p] = vlan;
  }
}

void Parser::bgp(const YAML::Node& n, const std::string& field) {
  BgpConfig& b = config_.bgp;
  b.configured = true;
  if (n.IsNull()) return;
  want_map(n, field);
  check_keys(n, field, {"as_number", "hold_time", "peers", "communities", "listen"});
  if (n["as_number"])
    b.as_number = static_cast<std::uint32_t>(
        number(n["as_number"], field + ".as_number", 1, 4294967295u));
  if (n["hold_time"]) {
    b.hold_time = static_cast<std::uint16_t>(number(n["hold_time"], field + ".hold_time", 0, 65535));
    if (b.hold_time == 1 || b.hold_time == 2)
      fail(n["hold_time"], field + ".hold_time", "BGP hold time must be 0 or at least 3");
  }
  if (n["listen"]) b.listen = boolean(n["listen"], field + ".listen");
  if (const YAML::Node peers = n["peers"]; peers && !peers.IsNull()) {
    if (!peers.IsSequence()) fail(peers, field + ".peers", "expected a list of addresses");
    for (std::size_t i = 0; i < peers.size(); ++i)
      b.peers.push_back(address(peers[i], fmt::format("{}.peers[{}]", field, i), "a peer"));
  }
  if (const YAML::Node cs = n["communities"]; cs && !cs.IsNull()) {
    if (!cs.IsSequence()) fail(cs, field + ".communities", "expected a list");
    for (std::size_t i = 0; i < cs.size(); ++i) {
      std::string f = fmt::format("{}.communities[{}]", field, i);
      std::string c = text(cs[i], f);
      auto colon = c.find(':');
      unsigned hi = 0, lo = 0;
      bool ok = colon != std::string::npos;
      if (ok) {
        auto r1 = std::from_chars(c.data(), c.data() + colon, hi);
        auto r2 = std::from_chars(c.data() + colon + 1, c.data() + c.size(), lo);
        ok = colon > 0 && r1.ec == std::errc{} && r1.ptr == c.data() + colon &&
             r2.ec == std::errc{} && r2.ptr == c.data() + c.size() && colon + 1 < c.size() &&
             hi <= 65535 && lo <= 65535;
      }
      if (!ok) fail(cs[i], f, fmt::format("\"{}\" is not a community ASN:VALUE (each 0..65535)", c));
      b.communities.push_back(c);
    }
  }
}

void Parser::flow_sharing(const YAML::Node& n) {
  const std::string field = "flow_sharing";
  FlowSharingConfig& f = config_.flow_sharing;
  want_map(n, field);
  check_keys(n, field, {"address", "peers", "port", "key_file", "rate", "burst", "peer_wait"});
  f.configured = true;
  if (!n["address"]) fail(n, field + ".address", "missing (this balancer's address)");
  f.address = address(n["address"], field + ".address", "the address");
  const YAML::Node peers = n["peers"];
  if (!peers || peers.IsNull()) fail(n, field + ".peers", "missing (the other balancers)");
  if (!peers.IsSequence() || peers.size() == 0)
    fail(peers, field + ".peers", "expected a list of addresses");
  for (std::size_t i = 0; i < peers.size(); ++i) {
    const std::string at = fmt::format("{}.peers[{}]", field, i);
    const xvs::IPAddr p = address(peers[i], at, "a peer");
    if (p.is4() != f.address.is4())
      fail(peers[i], at, fmt::format("{} is not of the family of address {}", p.to_string(),
                                     f.address.to_string()));
    if (p == f.address) fail(peers[i], at, fmt::format("{} is this balancer's address", p.to_string()));
    if (std::find(f.peers.begin(), f.peers.end(), p) != f.peers.end())
      fail(peers[i], at, fmt::format("peer {} is listed twice", p.to_string()));
    f.peers.push_back(p);
  }
  if (!n["key_file"]) fail(n, field + ".key_file", "missing (a file of 64 hexadecimal digits)");
  f.key_file = text(n["key_file"], field + ".key_file");
  if (f.key_file.empty()) fail(n["key_file"], field + ".key_file", "empty");
  if (n["port"]) f.port = static_cast<std::uint16_t>(number(n["port"], field + ".port", 1, 65535));
  if (n["rate"])
    f.rate = static_cast<std::uint32_t>(number(n["rate"], field + ".rate", 1, 10'000'000));
  if (n["burst"])
    f.burst = static_cast<std::uint32_t>(number(n["burst"], field + ".burst", 1, 10'000'000));
  if (n["peer_wait"])
    f.peer_wait = static_cast<std::uint16_t>(number(n["peer_wait"], field + ".peer_wait", 0, 3600));
}

void Parser::bird(const YAML::Node& n) {
  const std::string field = "bird";
  BirdConfig& b = config_.bird;
  want_map(n, field);
  check_keys(n, field, {"include", "socket", "drain"});
  if (!n["include"]) fail(n, field + ".include", "missing (the file xvsd writes for bird.conf)");
  b.include = text(n["include"], field + ".include");
  if (b.include.empty()) fail(n["include"], field + ".include", "empty");
  if (n["socket"]) {
    b.socket = text(n["socket"], field + ".socket");
    if (b.socket.empty()) fail(n["socket"], field + ".socket", "empty");
  }
  if (n["drain"]) b.drain = static_cast<std::uint16_t>(number(n["drain"], field + ".drain", 0, 3600));
}

void Parser::timing(const YAML::Node& n, const std::string& field, CheckTiming& t) const {
  if (n["interval"]) t.interval = duration(n["interval"], field + ".interval");
  if (n["timeout"]) t.timeout = duration(n["timeout"], field + ".timeout");
  if (n["rise"]) t.rise = static_cast<unsigned>(number(n["rise"], field + ".rise", 1, 100));
  if (n["fall"]) t.fall = static_cast<unsigned>(number(n["fall"], field + ".fall", 1, 100));
  if (t.timeout > t.interval)
    fail(n["timeout"] ? n["timeout"] : n["interval"], field + ".timeout",
         fmt::format("timeout {}ms is longer than the interval {}ms", t.timeout.count(),
                     t.interval.count()));
}

std::vector<BackendConfig> Parser::server_list(const YAML::Node& n, const std::string& field) {
  std::vector<BackendConfig> out;
  auto add = [&](const YAML::Node& at, BackendConfig b, const std::string& f) {
    for (const auto& o : out)
      if (o.address == b.address)
        fail(at, f, fmt::format("server {} is listed twice", b.address.to_string()));
    if (b.name.empty()) b.name = b.address.to_string();
    out.push_back(std::move(b));
  };
  if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i) {
      std::string f = fmt::format("{}[{}]", field, i);
      add(n[i], BackendConfig{address(n[i], f, "a server"), "", 1, false}, f);
    }
  } else if (n.IsMap()) {
    // vc5: address -> label; xvsd also: address -> {name, weight, disabled}
    for (const auto& kv : n) {
      std::string f = field + "." + (kv.first.IsScalar() ? kv.first.Scalar() : "?");
      BackendConfig b{address(kv.first, f, "a server"), "", 1, false};
      if (kv.second.IsScalar()) {
        b.name = kv.second.Scalar();
      } else if (kv.second.IsMap()) {
        check_keys(kv.second, f, {"name", "weight", "disabled"});
        if (kv.second["name"]) b.name = text(kv.second["name"], f + ".name");
        if (kv.second["weight"])
          b.weight = static_cast<std::uint16_t>(number(kv.second["weight"], f + ".weight", 0, 65535));
        if (kv.second["disabled"]) b.disabled = boolean(kv.second["disabled"], f + ".disabled");
      } else if (!kv.second.IsNull()) {
        fail(kv.second, f, "expected a label or {name, weight, disabled}");
      }
      add(kv.first, std::move(b), f);
    }
  } else {
    fail(n, field, fmt::format("expected a list of addresses, got {}", shown(n)));
  }
  if (out.empty()) fail(n, field, "no servers");
  return out;
}

std::vector<BackendConfig> Parser::servers(const YAML::Node& n, const std::string& field) {
  if (!n.IsScalar()) return server_list(n, field);
  // The name of a group in the top-level `servers` section.
  const YAML::Node group = group_of("servers", n.Scalar());
  if (!group) fail(n, field, fmt::format("no server group \"{}\" in servers", n.Scalar()));
  return server_list(group, "servers." + n.Scalar());
}

CheckConfig Parser::check(const YAML::Node& n, const std::string& field, const CheckConfig& base) {
  want_map(n, field);
  check_keys(n, field, {"type", "port", "path", "host", "expect", "expt", "method"});
  CheckConfig c = base;
  if (!n["type"]) fail(n, field + ".type", "missing (http, https, syn, tcp, dns or dnstcp)");
  std::string type = lower(text(n["type"], field + ".type"));
  if (type == "http") c.type = CheckType::http;
  else if (type == "https") c.type = CheckType::https;
  else if (type == "syn" || type == "tcp") c.type = CheckType::syn;
  else if (type == "dns") c.type = CheckType::dns;
  else if (type == "dnstcp") c.type = CheckType::dnstcp;
  else
    fail(n["type"], field + ".type",
         fmt::format("unknown check type \"{}\" (http, https, syn, tcp, dns or dnstcp)", type));
  if (n["port"]) c.port = static_cast<std::uint16_t>(number(n["port"], field + ".port", 1, 65535));
  if (n["path"]) {
    c.path = text(n["path"], field + ".path");
    if (!c.path.starts_with('/') || c.path.find_first_of(" \r\n\t") != std::string::npos)
      fail(n["path"], field + ".path",
           fmt::format("\"{}\" is not a path (starts with /, no spaces)", c.path));
  }
  if (n["host"]) c.host = text(n["host"], field + ".host");
  if (n["expect"] && n["expt"]) fail(n["expt"], field + ".expt", "give expect or expt, not both");
  for (const char* k : {"expect", "expt"})
    if (n[k]) c.expect = static_cast<unsigned>(number(n[k], field + "." + k, 100, 599));
  if (n["method"]) {
    c.method = text(n["method"], field + ".method");
    if (c.method != "GET" && c.method != "HEAD")
      fail(n["method"], field + ".method",
           fmt::format("\"{}\" is not GET or HEAD", c.method));
  }
  return c;
}

struct PortSpec {
  std::uint16_t port;
  xvs::Protocol protocol;
  std::vector<CheckType> default_checks;
};

void Parser::service(const YAML::Node& n, const std::string& field) {
  want_map(n, field);
  check_keys(n, field,
             {"name", "description", "virtual", "servers", "need", "host", "path", "expect",
              "sticky", "policy", "tunnel-type", "tunnel-port", "tunnel-no-checksum",
              "interval", "timeout", "rise", "fall"},
             vc5_ignored_service);
  const int line = n.Mark().line + 1;
  ServiceConfig base;
  base.line = line;
  if (!n["name"]) fail(n, field + ".name", "missing");
  base.name = text(n["name"], field + ".name");
  if (base.name.empty() || base.name.find_first_of(" \t\"\\") != std::string::npos)
    fail(n["name"], field + ".name",
         fmt::format("\"{}\" must be a short label without spaces or quotes", base.name));
  if (n["description"] && !n["description"].IsNull())
    base.description = text(n["description"], field + ".description");
  if (n["sticky"]) base.service.sticky = boolean(n["sticky"], field + ".sticky");
  bool need_given = static_cast<bool>(n["need"]);
  if (need_given) base.need = static_cast<unsigned>(number(n["need"], field + ".need", 0, 65535));
  timing(n, field, base.timing);

  if (n["tunnel-type"]) {
    std::string t = lower(text(n["tunnel-type"], field + ".tunnel-type"));
    static const std::map<std::string, xvs::TunnelType> types{
        {"none", xvs::TunnelType::None}, {"ipip", xvs::TunnelType::IPIP},
        {"gre", xvs::TunnelType::GRE},   {"fou", xvs::TunnelType::FOU},
        {"gue", xvs::TunnelType::GUE}};
    auto it = types.find(t);
    if (it == types.end())
      fail(n["tunnel-type"], field + ".tunnel-type",
           fmt::format("unknown tunnel type \"{}\" (none, ipip, gre, fou or gue)", t));
    base.tunnel = it->second;
  }
  if (n["tunnel-port"])
    base.tunnel_port = static_cast<std::uint16_t>(
        number(n["tunnel-port"], field + ".tunnel-port", 1, 65535));
  if (n["tunnel-no-checksum"])
    base.tunnel_no_checksum = boolean(n["tunnel-no-checksum"], field + ".tunnel-no-checksum");
  bool udp_tunnel = base.tunnel == xvs::TunnelType::FOU || base.tunnel == xvs::TunnelType::GUE;
  if (udp_tunnel && !base.tunnel_port)
    fail(n["tunnel-type"], field + ".tunnel-port",
         fmt::format("missing: tunnel type {} needs a UDP port", xvs::to_string(base.tunnel)));
  if (!udp_tunnel && base.tunnel_port)
    fail(n["tunnel-port"], field + ".tunnel-port", "only the fou and gue tunnel types take a port");

  CheckConfig check_base;
  if (n["host"]) check_base.host = text(n["host"], field + ".host");
  if (n["path"]) {
    check_base.path = text(n["path"], field + ".path");
    if (!check_base.path.starts_with('/'))
      fail(n["path"], field + ".path", fmt::format("\"{}\" does not start with /", check_base.path));
  }
  if (n["expect"])
    check_base.expect = static_cast<unsigned>(number(n["expect"], field + ".expect", 100, 599));

  // Virtual addresses: one or a list.
  if (!n["virtual"]) fail(n, field + ".virtual", "missing (a VIP or a list of VIPs)");
  std::vector<std::pair<xvs::IPAddr, YAML::Node>> vips;
  const YAML::Node v = n["virtual"];
  if (v.IsSequence()) {
    if (v.size() == 0) fail(v, field + ".virtual", "no virtual addresses");
    for (std::size_t i = 0; i < v.size(); ++i)
      vips.emplace_back(address(v[i], fmt::format("{}.virtual[{}]", field, i), "a VIP"), v[i]);
  } else {
    vips.emplace_back(address(v, field + ".virtual", "a VIP"), v);
  }

  if (!n["servers"]) fail(n, field + ".servers", "missing (a list of real servers)");
  base.backends = servers(n["servers"], field + ".servers");

  // Policy: absent = vc5's default (http and https); a name = a group in `policy`.
  YAML::Node policy = n["policy"];
  std::string policy_field = field + ".policy";
  if (policy && policy.IsScalar()) {
    const YAML::Node group = group_of("policy", policy.Scalar());
    if (!group) fail(policy, policy_field, fmt::format("no policy \"{}\" in policy", policy.Scalar()));
    policy_field = "policy." + policy.Scalar();
    policy = group;
  }
  struct Entry {
    std::string key;
    YAML::Node key_node, body;
  };
  std::vector<Entry> entries;
  if (!policy || policy.IsNull()) {
    entries = {{"http", n, YAML::Node()}, {"https", n, YAML::Node()}};
  } else {
    want_map(policy, policy_field);
    for (const auto& kv : policy)
      entries.push_back({text(kv.first, policy_field), kv.first, kv.second});
    if (entries.empty()) fail(policy, policy_field, "no ports");
  }
  for (const auto& [key, key_node, body] : entries) {
    std::string pf = policy_field + "." + key;
    std::vector<PortSpec> ports;
    using P = xvs::Protocol;
    using C = CheckType;
    if (key == "http") ports = {{80, P::TCP, {C::http}}};
    else if (key == "https") ports = {{443, P::TCP, {C::https}}};
    else if (key == "dns" || key == "dns/udp") ports = {{53, P::UDP, {C::dns}}};
    else if (key == "dns/tcp") ports = {{53, P::TCP, {C::dnstcp}}};
    else if (key == "domain") ports = {{53, P::UDP, {C::dns}}, {53, P::TCP, {C::dnstcp}}};
    else {
      std::string digits = key;
      P proto = P::TCP;
      if (auto slash = key.find('/'); slash != std::string::npos) {
        std::string p = key.substr(slash + 1);
        digits = key.substr(0, slash);
        if (p == "udp") proto = P::UDP;
        else if (p != "tcp")
          fail(key_node, pf, fmt::format("\"{}\" is not tcp or udp", p));
      }
      unsigned port = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
      if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
          port < 1 || port > 65535)
        fail(key_node, pf,
             "not a port: use http, https, dns, dns/udp, dns/tcp, domain, PORT, PORT/tcp or "
             "PORT/udp");
      ports = {{static_cast<std::uint16_t>(port), proto, {}}};
    }

    ServiceConfig s = base;
    std::vector<CheckConfig> explicit_checks;
    bool has_checks = false;
    if (body && !body.IsNull()) {
      want_map(body, pf);
      check_keys(body, pf, {"checks", "need", "sticky", "interval", "timeout", "rise", "fall"});
      if (body["need"]) {
        s.need = static_cast<unsigned>(number(body["need"], pf + ".need", 0, 65535));
        need_given = true;
      }
      if (body["sticky"]) s.service.sticky = boolean(body["sticky"], pf + ".sticky");
      timing(body, pf, s.timing);
      if (const YAML::Node cs = body["checks"]; cs && !cs.IsNull()) {
        if (!cs.IsSequence()) fail(cs, pf + ".checks", "expected a list of checks");
        has_checks = true;
        for (std::size_t i = 0; i < cs.size(); ++i) {
          CheckConfig c = check(cs[i], fmt::format("{}.checks[{}]", pf, i), check_base);
          explicit_checks.push_back(c);
        }
      }
    }
    if (s.need > s.backends.size())
      fail(body && body["need"] ? body["need"] : n["need"] ? n["need"] : n,
           body && body["need"] ? pf + ".need" : field + ".need",
           fmt::format("need {} is more than the {} servers", s.need, s.backends.size()));
    for (const auto& spec : ports) {
      ServiceConfig e = s;
      e.service.port = spec.port;
      e.service.protocol = spec.protocol;
      e.tunnel_port = base.tunnel_port;
      if (has_checks) {
        e.checks = explicit_checks;
      } else {
        for (CheckType t : spec.default_checks) {
          CheckConfig c = check_base;
          c.type = t;
          e.checks.push_back(c);
        }
      }
      for (auto& c : e.checks)
        if (!c.port) c.port = spec.port;
      for (const auto& [vip, vnode] : vips) {
        ServiceConfig one = e;
        one.service.address = vip;
        auto id = std::make_tuple(vip, spec.port, spec.protocol);
        if (auto [it, fresh] = declared_.emplace(id, line); !fresh)
          fail(vnode, pf,
               fmt::format("{}:{}/{} is already a service (line {})", vip.to_string(),
                           spec.port, xvs::to_string(spec.protocol), it->second));
        config_.services.push_back(std::move(one));
      }
    }
  }
}

}  // namespace

Config parse_config(const std::string& text, const std::string& file) {
  return Parser(file).run(text);
}

Config load_config(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError(fmt::format("{}: cannot be read", file));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw ConfigError(fmt::format("{}: read error", file));
  return parse_config(buffer.str(), file);
}

}  // namespace xvsd
