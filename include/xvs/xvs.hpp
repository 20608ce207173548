// SPDX-License-Identifier: Apache-2.0
// The whole public API in one include.
#pragma once

#include <xvs/address.hpp>
#include <xvs/client.hpp>
#include <xvs/error.hpp>
#include <xvs/export.hpp>
#include <xvs/limits.hpp>
#include <xvs/types.hpp>
#include <xvs/version.hpp>

// The fmt formatters come along when fmt is installed, so programs written against the
// all-in-one header keep formatting addresses with fmt; include <xvs/format.hpp> explicitly
// to require them, or the single headers above to stay clear of fmt.
#if __has_include(<fmt/format.h>)
#include <xvs/format.hpp>
#endif
