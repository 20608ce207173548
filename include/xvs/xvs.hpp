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

