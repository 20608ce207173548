// SPDX-License-Identifier: Apache-2.0
// Smoke test of an installed libxvs through its public API only. Exits non-zero on any
// failed check. As root it also constructs a Client, which proves that libbpf and libmnl
// were linked in.
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <unistd.h>

#include <xvs/xvs.hpp>  // with fmt installed, <xvs/address.hpp> brings the formatters

namespace {

int failures = 0;

void check(bool ok, std::string_view what) {
  fmt::print("{} {}\n", ok ? "ok  " : "FAIL", what);
  if (!ok) ++failures;
}

void check_version() {
  const auto expected =
      fmt::format("{}.{}.{}", XVS_VERSION_MAJOR, XVS_VERSION_MINOR, XVS_VERSION_PATCH);
  check(expected == XVS_VERSION_STRING, fmt::format("XVS_VERSION_STRING is {}", expected));
}

void check_addresses() {
  const auto v4 = xvs::IPAddr::parse("192.0.2.10");
  check(v4.is4() && fmt::format("{}", v4) == "192.0.2.10", "IPv4 address parses and formats");
  const auto v6 = xvs::IPAddr::parse("2001:db8::1");
  check(v6.is6() && fmt::format("{}", v6) == "2001:db8::1", "IPv6 address parses and formats");
  check(v4 < v6, "IPv4 orders before IPv6");

  const auto net = xvs::Prefix::parse("10.1.2.0/24");
  check(net.contains(xvs::IPAddr::parse("10.1.2.3")) && !net.contains(v4) &&
            fmt::format("{}", net) == "10.1.2.0/24",
        "prefix parses, contains and formats");

  check(!xvs::IPAddr::try_parse("300.1.2.3"), "try_parse rejects 300.1.2.3");
  try {
    xvs::IPAddr::parse("not-an-address");
    check(false, "parse throws on bad text");
  } catch (const xvs::Error& e) {
    check(e.code() == xvs::Errc::invalid_argument, fmt::format("parse throws: {}", e.what()));
  }
}

void check_error() {
  const xvs::Error e(xvs::Errc::capacity, "too many services");
  const std::runtime_error& base = e;
  check(e.code() == xvs::Errc::capacity && std::string_view(base.what()) == "too many services",
        "Error carries code and message");
}

// Needs CAP_NET_ADMIN and CAP_BPF: a Client on an interface that does not exist must fail
// with an Error naming it.
void check_client() {
  if (geteuid() != 0) {
    fmt::print("skip Client construction (not root)\n");
    return;
  }
  const auto name = fmt::format("xvsnone{}", getpid());
  try {
    xvs::Client client({name});
    check(false, fmt::format("Client on missing interface {} throws", name));
  } catch (const xvs::Error& e) {
    check(std::string_view(e.what()).find(name) != std::string_view::npos,
          fmt::format("Client on missing interface throws: {}", e.what()));
  }
}

}  // namespace

int main() {
  try {
    check_version();
    check_addresses();
    check_error();
    check_client();
  } catch (const std::exception& e) {
    check(false, fmt::format("unexpected exception: {}", e.what()));
  }
  if (failures) {
    fmt::print("{} check(s) failed\n", failures);
    return 1;
  }
  fmt::print("all checks passed\n");
  return 0;
}
