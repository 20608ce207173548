// SPDX-License-Identifier: Apache-2.0
// The Maglev tables the library builds equal those of the independent reference
// (tests/golden/reference.py), for the keys the Client really uses (entries.hpp maglev_key).
// The flow hash is pinned against the same vectors in tests/packet/test_golden.cpp, where the
// BPF object computes it.
#include <catch2/catch.hpp>
#include <xvs/address.hpp>

#include "../../bpf/abi.h"
#include "../golden/vectors.hpp"
#include "dataplane/entries.hpp"
#include "control/maglev.hpp"

using xvs::detail::maglev_key;
using xvs::detail::maglev_table;
using xvs::detail::MaglevBackend;

TEST_CASE("Maglev tables equal the reference implementation's golden tables", "[golden]") {
  const auto vectors = xvs::golden::load();
  REQUIRE(vectors.maglev.size() >= 5);
  for (const auto& golden : vectors.maglev) {
    INFO("golden table " << golden.name);
    CHECK(golden.size == XVS_MAGLEV_SIZE);
    std::vector<MaglevBackend> in;
    for (const auto& m : golden.members)
      in.push_back({maglev_key(xvs::IPAddr::parse(m.address)), m.weight});
    const auto table = maglev_table(in, golden.size);
    REQUIRE(table.size() == golden.table.size());
    std::size_t differing = 0;
    for (std::size_t s = 0; s < table.size(); ++s) differing += table[s] != golden.table[s];
    CHECK(differing == 0);
  }
}
