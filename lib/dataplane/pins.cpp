// SPDX-License-Identifier: Apache-2.0
#include "dataplane/pins.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <fmt/format.h>
#include <xvs/error.hpp>

#include "../../bpf/abi.h"
#include "dataplane/bpf_loader.hpp"

namespace xvs::detail {

namespace {

class Fd {
public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

private:
  int fd_;
};

std::string pin_file(const std::string& dir, const char* map) { return dir + "/" + map; }

void check_directory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw Error(Errc::system, fmt::format("pin_path {}: cannot create it: {}", dir, ec.message()));
  struct statfs fs{};
  if (statfs(dir.c_str(), &fs) != 0) throw_system(fmt::format("pin_path {}", dir), errno);
  if (fs.f_type != BPF_FS_MAGIC)
    throw Error(Errc::invalid_argument,
                fmt::format("pin_path {} is not on a BPF filesystem (mount one first, e.g. "
                            "\"mount -t bpf bpf /sys/fs/bpf\")",
                            dir));
}

// The map pinned at a path: `ok` when the path holds a map whose parameters were read.
struct Pinned {
  Fd fd;
  bpf_map_info info{};
  bool ok = false;

  explicit Pinned(const std::string& path) : fd(bpf_obj_get(path.c_str())) {
    std::uint32_t len = sizeof info;
    ok = fd.get() >= 0 && bpf_obj_get_info_by_fd(fd.get(), &info, &len) == 0;
  }
};

// Why the pinned maps in `dir` cannot be used by this library, or "" when they can.
std::string layout_problem(const std::string& dir) {
  Pinned p(pin_file(dir, "pin_state"));
  xvs_pin_state state{};
  const std::uint32_t key = 0;
  if (!p.ok || p.info.type != BPF_MAP_TYPE_ARRAY || p.info.value_size != sizeof state ||
      p.info.max_entries != 1 || bpf_map_lookup_elem(p.fd.get(), &key, &state) != 0)
    return "no readable pin_state beside it (left by an unknown version)";
  if (state.layout != XVS_PIN_LAYOUT)
    return fmt::format("layout {}, this library uses layout {}", state.layout, XVS_PIN_LAYOUT);
  return "";
}

bool exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

void discard(const std::string& path, const std::string& why, const PinLog& log) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    throw_system(fmt::format("removing stale pinned map {}", path), errno);
  if (log) log(fmt::format("discarded pinned map {}: {}; starting with an empty one", path, why));
}

std::string mismatch(const bpf_map_info& pinned, const bpf_map* map) {
  if (pinned.type != bpf_map__type(map)) return "another map type";
  if (pinned.key_size != bpf_map__key_size(map) || pinned.value_size != bpf_map__value_size(map))
    return fmt::format("key/value of {}/{} bytes, this library uses {}/{}", pinned.key_size,
                       pinned.value_size, bpf_map__key_size(map), bpf_map__value_size(map));
  if (pinned.max_entries != bpf_map__max_entries(map))
    return fmt::format("{} entries, this client is configured for {}", pinned.max_entries,
                       bpf_map__max_entries(map));
  if (pinned.map_flags != bpf_map__map_flags(map)) return "other map flags";
  return "";
}

}  // namespace

void prepare_pins(bpf_object* obj, const std::string& dir, const PinLog& log) {
  if (dir.empty()) return;
  check_directory(dir);
  bool any = false;
  for (const char* name : kPinnedMaps) any |= exists(pin_file(dir, name));
  if (any) {
    if (std::string why = layout_problem(dir); !why.empty())
      for (const char* name : kPinnedMaps)
        if (exists(pin_file(dir, name))) discard(pin_file(dir, name), why, log);
  }
  for (const char* name : kPinnedMaps) {
    bpf_map* map = bpf_object__find_map_by_name(obj, name);
    if (!map) throw Error(Errc::system, fmt::format("BPF object has no map \"{}\"", name));
    const std::string path = pin_file(dir, name);
    if (exists(path)) {
      Pinned p(path);
      std::string why = p.ok ? mismatch(p.info, map) : "not a map";
      if (!why.empty()) discard(path, why, log);
    }
    if (int err = bpf_map__set_pin_path(map, path.c_str()))
      throw_system(fmt::format("pinning map {} at {}", name, path), -err);
  }
}

}  // namespace xvs::detail
