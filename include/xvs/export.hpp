// SPDX-License-Identifier: Apache-2.0
#pragma once

// libxvs is compiled with hidden symbol visibility (lib/CMakeLists.txt), so a shared libxvs
// exports only what is marked XVS_API: the public classes and functions of <xvs/...>.
// Exceptions (xvs::Error) and polymorphic types (xvs::Logger) need their type information
// exported too, which is why whole classes carry the mark rather than single members.
#if defined(__GNUC__) || defined(__clang__)
#define XVS_API __attribute__((visibility("default")))
#else
#define XVS_API
#endif
