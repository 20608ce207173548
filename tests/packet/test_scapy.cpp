// SPDX-License-Identifier: Apache-2.0
// Output frames decoded by scapy (tests/packet/scapy_check.py): a check of the data plane's
// checksums and rewritten fields that shares no code with the frame builder.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

std::string hex_line(const Bytes& f) {
  std::string s;
  for (std::uint8_t b : f) s += fmt::format("{:02x}", b);
  return s;
}

}  // namespace

TEST_CASE("scapy agrees with forwarded frames and echo replies") {
  Lab lab;
  auto bs4 = backends(false, 2);
  auto bs6 = backends(true, 2);
  lab.set_service(service(kVip4, 80), bs4);
  lab.set_service(service(kVip6, 53, Protocol::UDP), bs6);

  std::string input;
  auto forward = [&](const FrameSpec& in, const std::vector<Backend>& bs) {
    Run r = lab.run(build(in));
    REQUIRE(r.verdict == XDP_TX);
    const Backend& b = bs.at(static_cast<std::size_t>(backend_of(r) - 1));
    input += fmt::format("{} {} {} {} {}\n", hex_line(r.out), to_string(b.mac),
                         in.vlan_tci ? std::to_string(b.vlan) : "-",
                         in.vlan_tci ? std::to_string(*in.vlan_tci >> 13) : "-", in.ttl - 1);
  };
  auto echo_reply = [&](const FrameSpec& in) {
    Run r = lab.run(build(in));
    REQUIRE(r.verdict == XDP_TX);
    input += fmt::format("{} {} - - 64\n", hex_line(r.out), to_string(in.src));
  };
  FrameSpec t4 = tcp(kClient4, 41000, kVip4, 80, kPsh | kAck);
  t4.vlan_tci = 0xa00c;  // PCP 5, VID 12
  t4.ip_options = {1, 1, 1, 0};
  forward(t4, bs4);
  FrameSpec u6 = udp(kClient6, 41000, kVip6, 53);
  forward(u6, bs6);
  u6.vlan_tci = 0x2005;
  forward(u6, bs6);
  echo_reply(echo(kClient4, kVip4));
  echo_reply(echo(kClient6, kVip6));

  std::string path = fmt::format("/tmp/xvs-scapy-{}.txt", getpid());
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fputs(input.c_str(), f);
  std::fclose(f);
  // Debian's python3-scapy (scripts/install-deps.sh), not whatever python3 is on PATH.
  std::string cmd =
      fmt::format("/usr/bin/python3 {}/scapy_check.py < {} 2>&1", XVS_PACKET_TEST_DIR, path);
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  if (p) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
  }
  int status = p ? pclose(p) : -1;
  std::remove(path.c_str());
  INFO(out);
  CHECK(status == 0);
  CHECK(out == "ok\n");
}
