// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the flow record parser behind write_flow(): any bytes either decode
// or throw Error{Errc::invalid_argument}, and a decoded record encodes back to the very same
// bytes (decoding is strict: one encoding per record). Built with clang by
// tests/fuzz/CMakeLists.txt; how to run it: docs/reliability.md.
#include <algorithm>
#include <cstdlib>
#include <span>

#include <xvs/error.hpp>

#include "dataplane/flows.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  xvs::detail::FlowRecord record;
  try {
    record = xvs::detail::decode_flow(in);
  } catch (const xvs::Error& e) {
    if (e.code() != xvs::Errc::invalid_argument) std::abort();
    return 0;
  }
  const std::vector<std::uint8_t> again = xvs::detail::encode_flow(record);
  if (!std::ranges::equal(in, again)) std::abort();
  return 0;
}
