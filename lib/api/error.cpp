// SPDX-License-Identifier: Apache-2.0
#include <xvs/error.hpp>

#include <cstring>

#include "api/system_error.hpp"

namespace xvs {

Error::Error(Errc code, const std::string& what) : std::runtime_error(what), code_(code) {}

const char* to_string(Errc code) noexcept {
  switch (code) {
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::service_exists: return "service_exists";
    case Errc::service_not_found: return "service_not_found";
    case Errc::destination_exists: return "destination_exists";
    case Errc::destination_not_found: return "destination_not_found";
    case Errc::capacity: return "capacity";
    case Errc::system: return "system";
    case Errc::in_use: return "in_use";
  }
  return "unknown";
}

namespace detail {

void throw_system(const std::string& what, int err) {
  throw Error(Errc::system, what + ": " + std::strerror(err));
}

}  // namespace detail

}  // namespace xvs
