// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <stdexcept>
#include <string>

#include <xvs/export.hpp>

namespace xvs {

enum class Errc {
  invalid_argument,
  service_exists,
  service_not_found,
  destination_exists,
  destination_not_found,
  capacity,
  system,
  // Something the Client needs is held by another: a live Client in this network namespace
  // (its health-check pair), another tool's XDP program on an interface, or another Client's
  // pin_path. Nothing of the holder's is touched.
  in_use,
};

// Every failure of the library is thrown as an Error; what() names the offending value.
class XVS_API Error : public std::runtime_error {
public:
  Error(Errc code, const std::string& what);
  Errc code() const noexcept { return code_; }

private:
  Errc code_;
};

// Lower-case name of an error code ("invalid_argument", ...).
XVS_API const char* to_string(Errc) noexcept;

}  // namespace xvs
