// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <xvs/address.hpp>
#include <xvs/client.hpp>
#include <xvs/error.hpp>
#include <xvs/types.hpp>
#include <xvs/version.hpp>
