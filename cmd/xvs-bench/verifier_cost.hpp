// SPDX-License-Identifier: Apache-2.0
// What the kernel's verifier spends on the measured data-plane object, program by program:
// the instructions it processed (past the kernel's limit a program does not load at all)
// and the time it took, which every Client start pays. Fills report.verifier.
#pragma once

#include "report.hpp"

namespace xvs::bench {

void measure_verifier(Report& report);

}  // namespace xvs::bench
