// SPDX-License-Identifier: Apache-2.0
// The one way a failed system call becomes an xvs::Error, for every layer.
#pragma once

#include <string>

namespace xvs::detail {

// Throws Error{Errc::system}: "<what>: <strerror(err)>".
[[noreturn]] void throw_system(const std::string& what, int err);

}  // namespace xvs::detail
