// SPDX-License-Identifier: Apache-2.0
#include "announcer.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "bird_config.hpp"
#include "log/log.hpp"

namespace xvsd::rhi {
namespace {

// Written next to the target and renamed over it, so BIRD never reads half a file.
void write_atomically(const std::string& file, const std::string& text) {
  const std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!(out << text) || !out.flush())
      throw std::runtime_error("cannot write the BIRD include file " + tmp);
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0)
    throw std::runtime_error("cannot rename " + tmp + " to " + file);
}

std::string joined(const std::set<xvs::IPAddr>& vips) {
  std::string out;
  for (const auto& v : vips) out += (out.empty() ? "" : " ") + v.to_string();
  return out;
}

}  // namespace

Announcer::Announcer(AnnouncerSettings settings)
    : settings_(std::move(settings)), bird_(settings_.socket) {
  write_atomically(settings_.include_file, render_bird_include({}, settings_.bgp));
  thread_ = std::thread([this] { run(); });
}

Announcer::~Announcer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void Announcer::vip_health(const xvs::IPAddr& vip, bool healthy) {
  std::lock_guard lock(mutex_);
  const bool changed = healthy ? healthy_.insert(vip).second : healthy_.erase(vip) > 0;
  if (!changed) return;
  ++generation_;
  dirty_ = true;
  changed_.notify_all();
}

void Announcer::vip_removed(const xvs::IPAddr& vip) { vip_health(vip, false); }

void Announcer::release() {
  std::lock_guard lock(mutex_);
  held_ = false;
  ++generation_;
  dirty_ = true;
  changed_.notify_all();
}

bool Announcer::withdraw_all(std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  withdrawn_ = true;
  const auto wanted = ++generation_;
  dirty_ = true;
  changed_.notify_all();
  // Done when BIRD took it, or gave up early when BIRD could not be told (not running: it
  // announces nothing anyway once it is gone, and shutdown should not wait for it).
  applied_.wait_for(lock, limit, [&] { return attempted_generation_ >= wanted; });
  return applied_generation_ >= wanted && state_.in_sync && state_.announced.empty();
}

AnnouncerState Announcer::state() const {
  std::lock_guard lock(mutex_);
  AnnouncerState s = state_;
  s.held = held_;
  return s;
}

void Announcer::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    changed_.wait(lock, [&] { return stop_ || dirty_; });
    if (stop_) break;
    const std::set<xvs::IPAddr> want = held_ || withdrawn_ ? std::set<xvs::IPAddr>{} : healthy_;
    const auto generation = generation_;
    dirty_ = false;
    lock.unlock();
    std::string error;
    try {
      apply(want);
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error.empty()) {
      log_event("routes_announced", {{"vips", joined(want)}, {"socket", settings_.socket}});
      last_logged_error_.clear();
    } else if (error != last_logged_error_) {
      log_event("routes_error", {{"error", error}, {"retry_ms", std::to_string(settings_.retry.count())}});
      last_logged_error_ = error;
    }
    lock.lock();
    attempted_generation_ = generation;
    if (error.empty()) {
      state_.announced = want;
      state_.in_sync = true;
      state_.error.clear();
      applied_generation_ = generation;
      applied_.notify_all();
      continue;
    }
    state_.in_sync = false;
    state_.error = error;
    applied_.notify_all();
    // Retry after a while, or at once when something changes meanwhile.
    changed_.wait_for(lock, settings_.retry, [&] { return stop_ || generation_ != generation; });
    dirty_ = true;
  }
}

void Announcer::apply(const std::set<xvs::IPAddr>& want) {
  write_atomically(settings_.include_file, render_bird_include(want, settings_.bgp));
  const Reply r = bird_.command("configure");
  if (!r.ok())
    throw std::runtime_error("BIRD refused the configuration: " + r.text() +
                             " (include " + settings_.include_file + " from bird.conf)");
}

}  // namespace xvsd::rhi
