// SPDX-License-Identifier: Apache-2.0
// Rise/fall hysteresis: a healthy target goes down after `fall` failures in a row, a failed
// one comes back after `rise` passes in a row, so one lost probe does not flap a backend.
// Before its first result a target is down; the first result decides at once, so a daemon
// starting up serves as soon as each backend has answered one check.
#pragma once

#include <optional>

namespace xvsd {

class RiseFall {
public:
  RiseFall(unsigned rise, unsigned fall) : rise_(rise ? rise : 1), fall_(fall ? fall : 1) {}

  // Records one result; true when the state changed.
  bool record(bool ok) {
    if (!state_) {
      state_ = ok;
      streak_ = 0;
      return true;
    }
    if (ok == *state_) {
      streak_ = 0;
      return false;
    }
    if (++streak_ < (ok ? rise_ : fall_)) return false;
    state_ = ok;
    streak_ = 0;
    return true;
  }

  bool healthy() const { return state_.value_or(false); }
  bool known() const { return state_.has_value(); }
  // A reload keeps what the previous configuration had learnt about the same check.
  void set_thresholds(unsigned rise, unsigned fall) {
    rise_ = rise ? rise : 1;
    fall_ = fall ? fall : 1;
  }

private:
  unsigned rise_, fall_;
  std::optional<bool> state_;
  unsigned streak_ = 0;  // results in a row that disagree with state_
};

}  // namespace xvsd
