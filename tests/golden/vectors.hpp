// SPDX-License-Identifier: Apache-2.0
// Reads tests/golden/vectors.txt (written by reference.py, see README.md): the golden Maglev
// tables and flow hashes that the unit and packet tests compare the implementation with.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace xvs::golden {

struct MaglevMember {
  std::string address;
  std::uint16_t weight = 0;
};

struct MaglevVector {
  std::string name;
  std::size_t size = 0;
  std::vector<MaglevMember> members;
  std::vector<std::uint16_t> table;  // input position per slot
};

struct FlowVector {
  std::string saddr, daddr;
  std::uint16_t sport = 0, dport = 0;
  std::uint8_t proto = 0;
  std::uint32_t hash = 0;         // all five fields
  std::uint32_t sticky_hash = 0;  // the two addresses only
};

struct Vectors {
  std::vector<MaglevVector> maglev;
  std::vector<FlowVector> flows;
  const MaglevVector& table(const std::string& name) const {
    for (const auto& m : maglev)
      if (m.name == name) return m;
    throw std::runtime_error("no golden Maglev table " + name);
  }
};

inline Vectors load(const std::string& path = XVS_GOLDEN_VECTORS) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  Vectors v;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string kind;
    fields >> kind;
    if (kind == "maglev") {
      MaglevVector m;
      std::string members, digits;
      fields >> m.name >> m.size >> members >> digits;
      std::istringstream list(members);
      for (std::string item; std::getline(list, item, ',');) {
        const auto slash = item.rfind('/');
        m.members.push_back({item.substr(0, slash),
                             static_cast<std::uint16_t>(std::stoul(item.substr(slash + 1)))});
      }
      for (char c : digits)
        m.table.push_back(static_cast<std::uint16_t>(c <= '9' ? c - '0' : c - 'a' + 10));
      if (!fields || m.table.size() != m.size)
        throw std::runtime_error(path + ":" + std::to_string(number) + ": bad maglev line");
      v.maglev.push_back(std::move(m));
    } else if (kind == "flow") {
      FlowVector f;
      unsigned sport = 0, dport = 0, proto = 0;
      fields >> f.saddr >> f.daddr >> sport >> dport >> proto >> std::hex >> f.hash >>
          f.sticky_hash;
      if (!fields)
        throw std::runtime_error(path + ":" + std::to_string(number) + ": bad flow line");
      f.sport = static_cast<std::uint16_t>(sport);
      f.dport = static_cast<std::uint16_t>(dport);
      f.proto = static_cast<std::uint8_t>(proto);
      v.flows.push_back(std::move(f));
    } else {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": unknown kind " + kind);
    }
  }
  return v;
}

}  // namespace xvs::golden
