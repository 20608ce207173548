// SPDX-License-Identifier: Apache-2.0
#include "service_key.hpp"

#include <fmt/format.h>

namespace xvsd::web {

std::string service_key(const xvs::Service& s) {
  return s.address.is6()
             ? fmt::format("[{}]:{}/{}", s.address, s.port, xvs::to_string(s.protocol))
             : fmt::format("{}:{}/{}", s.address, s.port, xvs::to_string(s.protocol));
}

}  // namespace xvsd::web
